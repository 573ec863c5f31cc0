/**
 * WebGPU compute kernels that update one weight tensor, and its optimizer slots,
 * in a single dispatch: the Adam, momentum, plain SGD and RMSprop updates that
 * tfjs spells as five to twelve element-wise kernels per weight.
 *
 * The dispatches are recorded into tfjs's own command encoder and compute pass,
 * so they run in order with the ops that computed the gradients and are submitted
 * with tfjs's batches. The weight itself is written to a fresh buffer that the
 * variable is then assigned, exactly as tfjs's optimizers do, so a tensor that
 * shares the old value (a copied model) keeps it. The slots belong to the
 * optimizer and are updated in place.
 *
 * The WebGPU backend is reached through its instance (tf.backend()), never imported:
 * the module is large and registers itself on import (see ../backend.ts).
 */
import * as tf from '@tensorflow/tfjs';

/** The WebGPU objects used here, by shape: the project's TypeScript has no WebGPU types. */
interface GpuBuffer {
  size: number;
  destroy(): void;
}
interface GpuPass {
  setPipeline(pipeline: unknown): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}
interface GpuDevice {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): { getBindGroupLayout(i: number): unknown };
  createBindGroup(d: { layout: unknown; entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[] }): unknown;
  createBuffer(d: { size: number; usage: number }): GpuBuffer;
  queue: { writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView): void };
}
interface TensorData {
  dtype: tf.DataType;
  refCount: number;
  values: unknown;
  resource?: unknown;
}
/** The parts of tfjs-backend-webgpu's WebGPUBackend this module drives. */
export interface WebGpuBackend {
  device: GpuDevice;
  commandEncoder: { beginComputePass(d: object): GpuPass } | null;
  computePassEncoder: GpuPass | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  tensorMap: { get(dataId: object): TensorData };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

// GPUBufferUsage values, from the WebGPU specification.
const UNIFORM = 0x40;
const COPY_DST = 0x08;
const WORKGROUP = 64;

/** WebGPU's default maximum of workgroups per dimension; a larger tensor is dispatched in two. Tests lower it. */
export const dispatchLimits = { groupsPerDimension: 65535 };

/** The WebGPU backend when it is the active one, else null. */
export function activeWebGpu(): WebGpuBackend | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as Partial<WebGpuBackend>;
  return backend.device && backend.tensorMap && typeof backend.ensureCommandEncoderReady === 'function' ? (backend as WebGpuBackend) : null;
}

/**
 * One update rule: the buffers it writes in place (after `value`, which is read from
 * one buffer and written to a new one), the ones it reads, the uniform numbers it
 * takes and the WGSL body that computes `i`'s element. In the body, `g` is the
 * gradient and `x` the weight's current value; it assigns `y`, the new value.
 */
export interface UpdateRule {
  name: string;
  slots: readonly string[];
  reads: readonly string[];
  params: readonly string[];
  body: string;
}

function shaderOf(rule: UpdateRule): string {
  const names = ['value', 'updated', ...rule.slots, 'grad', ...rule.reads];
  const writable = new Set(['updated', ...rule.slots]);
  const bindings = names.map((n, i) => `@group(0) @binding(${i}) var<storage, ${writable.has(n) ? 'read_write' : 'read'}> ${n}: array<f32>;`);
  return `${bindings.join('\n')}
struct Params { ${rule.params.map((p) => `${p}: f32,`).join(' ')} }
@group(0) @binding(${names.length}) var<uniform> p: Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = id.x + id.y * groups.x * ${WORKGROUP}u;
  if (i >= arrayLength(&grad)) { return; }
  let g = grad[i];
  let x = value[i];
  var y: f32;
  ${rule.body}
  updated[i] = y;
}`;
}

type Pipeline = { getBindGroupLayout(i: number): unknown };
const pipelines = new WeakMap<GpuDevice, Map<string, Pipeline>>();

function pipelineFor(device: GpuDevice, key: string, code: () => string): Pipeline {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  let pipeline = cache.get(key);
  if (!pipeline) {
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: code() }), entryPoint: 'main' } });
    cache.set(key, pipeline);
  }
  return pipeline;
}

/**
 * A uniform buffer of numbers that change rarely (the learning rate, the betas),
 * written only when one does. A write reaches the GPU before any command submitted
 * after it, including ones tfjs has recorded but not yet submitted, so pending work
 * is submitted first: an earlier step keeps the rate it was recorded with.
 */
export class Uniforms {
  private buffer: GpuBuffer | null = null;
  private device: GpuDevice | null = null;
  private last: Float32Array | null = null;

  bind(backend: WebGpuBackend, values: number[]): GpuBuffer {
    const next = new Float32Array(Math.max(4, Math.ceil(values.length / 4) * 4));
    next.set(values);
    if (this.device !== backend.device || !this.buffer) {
      this.dispose();
      this.device = backend.device;
      this.buffer = backend.device.createBuffer({ size: next.byteLength, usage: UNIFORM | COPY_DST });
    } else if (this.last && this.last.every((v, i) => Object.is(v, next[i]))) {
      return this.buffer;
    } else {
      flush(backend);
    }
    backend.device.queue.writeBuffer(this.buffer, 0, next);
    this.last = next;
    return this.buffer;
  }

  dispose(): void {
    this.buffer?.destroy();
    this.buffer = null;
    this.last = null;
  }
}

function flush(backend: WebGpuBackend): void {
  backend.endComputePassEncoder();
  if (backend.commandEncoder) backend.submitQueue();
}

/**
 * Makes a slot's data its own before it is written in place: data shared with another
 * tensor (one restored from a checkpoint and not yet disposed) is copied first.
 */
export function ownData(backend: WebGpuBackend, variable: tf.Variable): void {
  if (backend.tensorMap.get(variable.dataId).refCount > 1) tf.tidy(() => variable.assign(tf.mul(variable, 1)));
}

/** The GPU buffer of a tensor's data, uploaded if it is still in JavaScript; marked as used by the pending commands. */
function bufferOf(backend: WebGpuBackend, tensor: tf.TensorInfo): GpuBuffer {
  backend.uploadToGPU(tensor.dataId);
  backend.commandQueueOwnedIds.add(tensor.dataId);
  return backend.tensorMap.get(tensor.dataId).resource as GpuBuffer;
}

/** Forgets a JavaScript copy of data that a kernel has just changed on the GPU, so the next read fetches it. */
function changedOnGpu(backend: WebGpuBackend, tensor: tf.TensorInfo): void {
  backend.tensorMap.get(tensor.dataId).values = null;
}

function record(backend: WebGpuBackend, pipeline: Pipeline, buffers: { buffer: GpuBuffer; size: number }[], uniforms: GpuBuffer, elements: number): void {
  const entries = buffers.map(({ buffer, size }, i) => ({ binding: i, resource: { buffer, offset: 0, size } }));
  entries.push({ binding: entries.length, resource: { buffer: uniforms, offset: 0, size: uniforms.size } });
  const group = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  const workgroups = Math.ceil(elements / WORKGROUP);
  const x = Math.min(workgroups, dispatchLimits.groupsPerDimension);
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  const pass = backend.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(x, Math.ceil(workgroups / x), 1);
  backend.dispatchCountInPass++;
  // tfjs submits its batches at this count; so do these dispatches, which join them.
  if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= backend.dispatchCountInPass) flush(backend);
}

/**
 * Records one dispatch that updates `variable` (assigned a new buffer) and its
 * `slots` (in place) from `gradient`, reading `reads` (scalars such as Adam's
 * running powers of beta). The caller has made the slots' data their own.
 */
export function updateWeight(
  backend: WebGpuBackend,
  rule: UpdateRule,
  uniforms: GpuBuffer,
  variable: tf.Variable,
  gradient: tf.Tensor,
  slots: tf.Variable[],
  reads: tf.Tensor[] = [],
): void {
  const bytes = variable.size * 4;
  const out = backend.makeTensorInfo(variable.shape, 'float32');
  const buffers = [variable, out, ...slots, gradient].map((t) => ({ buffer: bufferOf(backend, t), size: bytes }));
  for (const r of reads) buffers.push({ buffer: bufferOf(backend, r), size: r.size * 4 });
  record(backend, pipelineFor(backend.device, rule.name, () => shaderOf(rule)), buffers, uniforms, variable.size);
  for (const s of slots) changedOnGpu(backend, s);
  const updated = tf.engine().makeTensorFromTensorInfo(out, tf.backend());
  variable.assign(updated);
  updated.dispose();
}

/** Records one single-thread dispatch that multiplies each scalar in `scalars` in place by the matching uniform number. */
export function scaleScalars(backend: WebGpuBackend, uniforms: GpuBuffer, scalars: tf.Variable[], factorFields: readonly string[], params: readonly string[]): void {
  const key = `scale:${factorFields.join(',')}:${params.join(',')}`;
  const code = () => `${scalars.map((_, i) => `@group(0) @binding(${i}) var<storage, read_write> s${i}: array<f32>;`).join('\n')}
struct Params { ${params.map((p) => `${p}: f32,`).join(' ')} }
@group(0) @binding(${scalars.length}) var<uniform> p: Params;

@compute @workgroup_size(1)
fn main() {
  ${factorFields.map((f, i) => `s${i}[0] = s${i}[0] * p.${f};`).join('\n  ')}
}`;
  const buffers = scalars.map((s) => ({ buffer: bufferOf(backend, s), size: 4 }));
  record(backend, pipelineFor(backend.device, key, code), buffers, uniforms, 1);
  for (const s of scalars) changedOnGpu(backend, s);
}
