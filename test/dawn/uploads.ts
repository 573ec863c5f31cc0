/**
 * Checks src/lib/train/webgpu/uploads.ts on the real WebGPU backend (Dawn): values of
 * each dtype and odd lengths uploaded and read back, buffers going back to tfjs's
 * pool, and the app's train() giving bit-identical weights with pooled uploads on
 * and off, without leaking tensors or GPU buffers. Prints one JSON line.
 */
import './gpu';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/lib/train/backend';
import { setSpeedups } from '../../src/lib/train/speedups';
import { countUploads, installPooledUploads, type UploadBackend } from '../../src/lib/train/webgpu/uploads';
import { buildLayers } from '../../src/lib/model/build';
import { createOptimizer } from '../../src/lib/train/optimizers';
import { train } from '../../src/lib/train/loop';
import { blobs, memorySource } from '../unit/helpers/memorySource';

await selectBackend('webgpu');
type Backend = UploadBackend & { device: { createBuffer(d: unknown): unknown } };
const backend = tf.backend() as unknown as Backend;
const pool = backend.bufferManager;
// selectBackend installed pooled uploads (the switch is on by default); this handle is the same install.
let uninstall = installPooledUploads(backend);
const installedAtStart = Object.prototype.hasOwnProperty.call(backend, 'uploadToGPU');

let created = 0;
const createBuffer = backend.device.createBuffer.bind(backend.device);
backend.device.createBuffer = (d: unknown) => {
  created++;
  return createBuffer(d);
};

/** Uploads a tensor's values now (not when a kernel first needs them) and reads them back from the GPU. */
async function roundTrip(t: tf.Tensor) {
  backend.uploadToGPU(t.dataId);
  const data = backend.tensorMap.get(t.dataId)!;
  const onGpu = data.values === null && data.resource !== null;
  const back = Array.from(await t.data());
  // A kernel reading the uploaded buffer, not the copy tfjs keeps after a read.
  const sum = tf.add(t, t);
  const doubled = Array.from(await sum.data());
  sum.dispose();
  return { onGpu, back, doubled };
}

async function edgeCases() {
  const views = new Float32Array([9, 1.5, -2.25, 3e-8, 7]);
  const cases: Record<string, () => tf.Tensor> = {
    float1: () => tf.tensor1d([0.1]),
    float3: () => tf.tensor1d([1.5, -2, 1e-7]),
    float5View: () => tf.tensor1d(views.subarray(1, 4)), // byteOffset 4, 12 bytes
    int7: () => tf.tensor1d([-2147483648, -1, 0, 1, 2147483647, 3, 5], 'int32'),
    bool5: () => tf.tensor1d([true, false, true, true, false], 'bool'),
    scalar: () => tf.scalar(0.3),
    matrix3x3: () => tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3], 'int32'),
  };
  const out: Record<string, { dtype: string; onGpu: boolean; back: number[]; doubled: number[] }> = {};
  for (const [name, make] of Object.entries(cases)) {
    const t = make();
    out[name] = { dtype: t.dtype, ...(await roundTrip(t)) };
    t.dispose();
  }
  return out;
}

/** A disposed upload's buffer goes back to the pool and the next upload of that size takes it. */
async function poolReuse() {
  const a = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); // 44 bytes, a size nothing else uses
  backend.uploadToGPU(a.dataId);
  await a.data();
  const free0 = pool.getNumFreeBuffers();
  a.dispose();
  const free1 = pool.getNumFreeBuffers();
  const createdBefore = created;
  const b = tf.tensor1d([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  backend.uploadToGPU(b.dataId);
  const free2 = pool.getNumFreeBuffers();
  const back = Array.from(await b.data());
  b.dispose();
  return { returned: free1 - free0, taken: free1 - free2, createdForReuse: created - createdBefore, back };
}

const SHAPE: [number, number, number] = [8, 8, 1];
const data = blobs(96, 4);

/** The app's train() on a small MLP: 4 epochs of 3 batches (32, 32, and 32), Adam, weight decay. */
async function trainRun(pooled: boolean) {
  uninstall();
  setSpeedups({ pooledUploads: pooled });
  uninstall = installPooledUploads(backend);
  const layers = [{ type: 'flatten' as const }, { type: 'dense' as const, units: 24, activation: 'relu' as const }, { type: 'dense' as const, units: 2, activation: 'softmax' as const }];
  const model = buildLayers(layers, SHAPE, 3);
  const optimizer = createOptimizer('adam', 0.01);
  const source = memorySource({ ...data, sampleShape: SHAPE, numClasses: 2, batchSize: 32, shuffleSeed: 2 });
  const counter = countUploads(backend);
  const perEpoch: { tensors: number; used: number; bytes: number; created: number; uploads: number }[] = [];
  const result = await train({
    model,
    optimizer,
    epochs: 4,
    train: source,
    validation: null,
    weightDecay: 0.01,
    onEpoch: (_log, tensors) => perEpoch.push({ tensors, used: pool.getNumUsedBuffers(), bytes: pool.numBytesAllocated, created, uploads: counter.uploads }),
  });
  counter.stop();
  const weights = await Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
  optimizer.dispose();
  model.dispose();
  const last = perEpoch.length - 1;
  return {
    losses: result.history.map((l) => l.loss),
    weights,
    // From the end of epoch 2 to the end of epoch 4: steady state, past shader compilation.
    tensorsGrew: perEpoch[last].tensors - perEpoch[1].tensors,
    usedBuffersGrew: perEpoch[last].used - perEpoch[1].used,
    bytesGrew: perEpoch[last].bytes - perEpoch[1].bytes,
    buffersCreatedPerStep: (perEpoch[last].created - perEpoch[1].created) / (2 * source.batchesPerEpoch),
    uploadsPerStep: (perEpoch[last].uploads - perEpoch[1].uploads) / (2 * source.batchesPerEpoch),
  };
}

const edges = await edgeCases();
const reuse = await poolReuse();
const on = await trainRun(true);
const off = await trainRun(false);
const restored = !Object.prototype.hasOwnProperty.call(backend, 'uploadToGPU');
const onAgain = await trainRun(true);
console.log(JSON.stringify({ backend: tf.getBackend(), installedAtStart, edges, reuse, on, off, restored, onAgain }));
process.exit(0);
