/**
 * Tensors made from JavaScript values (a batch, labels, the scalars ops and
 * optimizers make from numbers) reach the GPU through tfjs-WebGPU's `uploadToGPU`.
 * When the pool has a free buffer of the right size, it creates a new mapped
 * staging buffer for every upload, copies from it in the command encoder and
 * destroys it after the next submit. On some GPU stacks (Dawn on an NVIDIA H100)
 * each of those costs milliseconds of CPU, and a training step makes dozens.
 *
 * Installed on a backend, this writes those values with `queue.writeBuffer` into a
 * buffer from tfjs's own pool instead, as tfjs already does for its uniforms. That
 * is safe for the same reason: a pooled buffer is free only once no recorded,
 * unsubmitted command uses it, so a write that lands before those commands run
 * changes nothing they read. The bytes on the GPU are the same either way.
 */
import { speedups } from '../speedups';

/** What tfjs-WebGPU keeps per tensor (its TensorData), as far as uploads touch it. */
interface TensorData {
  dtype: string;
  shape: number[];
  values: ArrayLike<number> | null;
  resource: unknown;
}

/** The parts of tfjs's BufferManager this module uses; the buffer is a GPUBuffer. */
export interface PoolLike {
  acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): object;
  getNumUsedBuffers(): number;
  getNumFreeBuffers(): number;
  numBytesAllocated: number;
}

/** The parts of tfjs's WebGPUBackend this module uses. */
export interface UploadBackend {
  queue: { writeBuffer(buffer: object, offset: number, data: Float32Array | Int32Array): void };
  tensorMap: { get(dataId: object): TensorData | undefined };
  bufferManager: PoolLike;
  uploadToGPU(dataId: object): void;
}

// GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST, the usage tfjs gives every tensor buffer
// (the values are fixed by the WebGPU spec). It is half of the pool's key: a different
// usage would keep these buffers apart from the ones kernels write.
const TENSOR_USAGE = 0x80 | 0x04 | 0x08;

/**
 * The values as the GPU holds them, 4 bytes each: int32 for int32 and bool (which
 * tfjs keeps as a Uint8Array on the CPU), float32 for float32. The values' own array
 * when it already has that form, else a converted copy. null for a dtype this module
 * leaves to tfjs (complex64, string), or when the values do not fill the shape.
 */
export function gpuArray(dtype: string, values: ArrayLike<number>, elements: number): Float32Array | Int32Array | null {
  if (values.length !== elements) return null;
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === 'int32' || dtype === 'bool') return values instanceof Int32Array ? values : Int32Array.from(values);
  return null;
}

const sizeFromShape = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** How many uploads of JavaScript values went to the GPU, and their bytes. */
export interface UploadCounter {
  readonly uploads: number;
  readonly bytes: number;
  /** Puts back the upload path the counter wrapped. */
  stop(): void;
}

/**
 * Replaces backend.uploadToGPU with `next` (given the path it replaces) and
 * returns what puts the previous one back. Wrappers must be removed in the
 * reverse order of installing.
 */
function wrapUpload(backend: UploadBackend, next: (previous: (dataId: object) => void) => (dataId: object) => void): () => void {
  const own = Object.prototype.hasOwnProperty.call(backend, 'uploadToGPU');
  const before = backend.uploadToGPU;
  backend.uploadToGPU = next(before.bind(backend));
  return () => {
    if (own) backend.uploadToGPU = before;
    else delete (backend as Partial<UploadBackend>).uploadToGPU;
  };
}

/** A backend that lacks what this module patches (another tfjs version, a stand-in) keeps its own uploads. */
function looksLikeTfjsWebGpu(backend: UploadBackend): boolean {
  const b = backend as Partial<UploadBackend>;
  return (
    typeof b.uploadToGPU === 'function' &&
    typeof b.queue?.writeBuffer === 'function' &&
    typeof b.tensorMap?.get === 'function' &&
    typeof b.bufferManager?.acquireBuffer === 'function'
  );
}

const installed = new WeakMap<UploadBackend, () => void>();

/**
 * Routes the backend's uploads of JavaScript values through queue.writeBuffer into
 * pooled buffers, when speedups.pooledUploads is on (read now). Returns what
 * restores tfjs's own upload path. Installing twice keeps the first.
 */
export function installPooledUploads(backend: UploadBackend): () => void {
  if (!speedups.pooledUploads || !looksLikeTfjsWebGpu(backend)) return () => {};
  const existing = installed.get(backend);
  if (existing) return existing;
  const restore = wrapUpload(backend, (original) => (dataId) => {
    const data = backend.tensorMap.get(dataId);
    if (!data || data.resource != null || !data.values) return original(dataId);
    const array = gpuArray(data.dtype, data.values, sizeFromShape(data.shape));
    if (!array) return original(dataId);
    const buffer = backend.bufferManager.acquireBuffer(array.byteLength, TENSOR_USAGE);
    if (array.length > 0) backend.queue.writeBuffer(buffer, 0, array);
    // As tfjs does: once on the GPU, the values are not kept on the CPU.
    data.values = null;
    data.resource = buffer;
  });
  const uninstall = () => {
    if (installed.get(backend) !== uninstall) return;
    installed.delete(backend);
    restore();
  };
  installed.set(backend, uninstall);
  return uninstall;
}

/** Counts the uploads of JavaScript values the backend makes from now on, by whichever path is installed. */
export function countUploads(backend: UploadBackend): UploadCounter {
  let uploads = 0;
  let bytes = 0;
  const stop = wrapUpload(backend, (previous) => (dataId) => {
    const data = backend.tensorMap.get(dataId);
    if (data && data.resource == null && data.values) {
      uploads++;
      bytes += 4 * sizeFromShape(data.shape);
    }
    previous(dataId);
  });
  return {
    get uploads() {
      return uploads;
    },
    get bytes() {
      return bytes;
    },
    stop,
  };
}
