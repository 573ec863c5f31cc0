/**
 * Makes Dawn's Node binding (npm `webgpu`) look like a page's WebGPU: the GPU* globals
 * and `navigator.gpu`. Import it before tfjs and the WebGPU backend. The process must
 * have been started with the environment from `dawnEnv()` (test/dawn/harness.ts).
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
