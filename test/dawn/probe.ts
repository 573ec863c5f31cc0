/** Squares a tensor on tfjs's WebGPU backend in Dawn and prints what it got, as JSON. */
import './gpu';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';

const ok = await tf.setBackend('webgpu');
const adapter = await navigator.gpu.requestAdapter();
const squares = Array.from(await tf.tensor([1, 2, 3]).square().data());
console.log(JSON.stringify({ ok, backend: tf.getBackend(), squares, fallback: adapter?.isFallbackAdapter ?? null, vendor: adapter?.info?.vendor ?? null }));
process.exit(0);
