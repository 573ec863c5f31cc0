import { afterEach, describe, expect, it } from 'vitest';
import { countUploads, gpuArray, installPooledUploads, type UploadBackend } from '../../src/lib/train/webgpu/uploads';
import { setSpeedups } from '../../src/lib/train/speedups';
import { runOnDawn } from '../dawn/harness';

afterEach(() => setSpeedups());

describe('gpuArray: values as the GPU holds them', () => {
  it('passes a float32 or int32 array through as it is, views included', () => {
    const f = new Float32Array([1, 2, 3, 4, 5]).subarray(1, 4);
    expect(gpuArray('float32', f, 3)).toBe(f);
    const i = new Int32Array([7, -8, 9]);
    expect(gpuArray('int32', i, 3)).toBe(i);
  });

  it('converts bool bytes and plain arrays to 4-byte elements', () => {
    const b = gpuArray('bool', new Uint8Array([1, 0, 1]), 3)!;
    expect(b).toBeInstanceOf(Int32Array);
    expect(Array.from(b)).toEqual([1, 0, 1]);
    expect(b.byteLength).toBe(12);
    const f = gpuArray('float32', new Int32Array([3, -1]), 2)!;
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([3, -1]);
    const odd = gpuArray('int32', [5], 1)!;
    expect(odd.byteLength % 4).toBe(0);
    expect(Array.from(odd)).toEqual([5]);
  });

  it('leaves other dtypes, and values that do not fill the shape, to tfjs', () => {
    expect(gpuArray('complex64', new Float32Array(4), 2)).toBeNull();
    expect(gpuArray('string', [1], 1)).toBeNull();
    expect(gpuArray('float32', new Float32Array(3), 4)).toBeNull();
  });
});

/** A stand-in for tfjs's WebGPUBackend that records what reaches the queue and the pool. */
class FakeBackend implements UploadBackend {
  data = new Map<object, { dtype: string; shape: number[]; values: ArrayLike<number> | null; resource: unknown }>();
  writes: { buffer: object; bytes: number[] }[] = [];
  acquired: [number, number][] = [];
  originalCalls = 0;
  queue = {
    writeBuffer: (buffer: object, _offset: number, data: Float32Array | Int32Array) =>
      this.writes.push({ buffer, bytes: Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) }),
  };
  tensorMap = { get: (id: object) => this.data.get(id) };
  bufferManager = {
    numBytesAllocated: 0,
    acquireBuffer: (size: number, usage: number) => {
      this.acquired.push([size, usage]);
      return { size };
    },
    getNumUsedBuffers: () => this.acquired.length,
    getNumFreeBuffers: () => 0,
  };
  uploadToGPU(dataId: object): void {
    this.originalCalls++;
    this.data.get(dataId)!.resource = 'staged';
  }
  add(dtype: string, shape: number[], values: ArrayLike<number> | null, resource: unknown = null): object {
    const id = {};
    this.data.set(id, { dtype, shape, values, resource });
    return id;
  }
}

describe('installPooledUploads', () => {
  it('writes values through the queue into a pooled buffer of the tensor usage', () => {
    const b = new FakeBackend();
    installPooledUploads(b);
    const id = b.add('float32', [3], new Float32Array([1, -2, 0.5]));
    b.uploadToGPU(id);
    expect(b.acquired).toEqual([[12, 0x8c]]);
    expect(b.writes).toHaveLength(1);
    expect(b.writes[0].bytes).toEqual(Array.from(new Uint8Array(new Float32Array([1, -2, 0.5]).buffer)));
    expect(b.data.get(id)).toMatchObject({ values: null, resource: { size: 12 } });
    expect(b.originalCalls).toBe(0);
  });

  it('writes bool as int32 words and skips the write for an empty tensor', () => {
    const b = new FakeBackend();
    installPooledUploads(b);
    b.uploadToGPU(b.add('bool', [2], new Uint8Array([1, 0])));
    expect(b.writes[0].bytes).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    b.uploadToGPU(b.add('float32', [0], new Float32Array(0)));
    expect(b.acquired).toEqual([[8, 0x8c], [0, 0x8c]]);
    expect(b.writes).toHaveLength(1);
  });

  it('leaves tensors already on the GPU, outputs without values and other dtypes to tfjs', () => {
    const b = new FakeBackend();
    installPooledUploads(b);
    b.uploadToGPU(b.add('float32', [2], null));
    b.uploadToGPU(b.add('float32', [1], new Float32Array([1]), 'gpu'));
    b.uploadToGPU(b.add('complex64', [1], new Float32Array([1, 2])));
    expect(b.originalCalls).toBe(3);
    expect(b.writes).toHaveLength(0);
  });

  it('does nothing when the switch is off, and uninstalling restores tfjs’s own path', () => {
    setSpeedups({ pooledUploads: false });
    const off = new FakeBackend();
    installPooledUploads(off)();
    expect(Object.prototype.hasOwnProperty.call(off, 'uploadToGPU')).toBe(false);
    setSpeedups({ pooledUploads: true });
    const b = new FakeBackend();
    const uninstall = installPooledUploads(b);
    expect(installPooledUploads(b)).toBe(uninstall);
    uninstall();
    expect(Object.prototype.hasOwnProperty.call(b, 'uploadToGPU')).toBe(false);
    b.uploadToGPU(b.add('float32', [1], new Float32Array([1])));
    expect(b.originalCalls).toBe(1);
    expect(b.writes).toHaveLength(0);
  });
  it('keeps its hands off a backend that lacks what it patches', () => {
    const b = new FakeBackend();
    const partial = b as unknown as { bufferManager?: unknown };
    delete partial.bufferManager;
    installPooledUploads(b)();
    expect(Object.prototype.hasOwnProperty.call(b, 'uploadToGPU')).toBe(false);
  });
});

describe('countUploads', () => {
  it('counts uploads of values and their bytes by whichever path is installed, until stopped', () => {
    const b = new FakeBackend();
    const uninstall = installPooledUploads(b);
    const counter = countUploads(b);
    b.uploadToGPU(b.add('int32', [2, 3], new Int32Array(6)));
    b.uploadToGPU(b.add('float32', [4], null)); // an output: no values to upload
    b.uploadToGPU(b.add('float32', [], new Float32Array([2])));
    expect([counter.uploads, counter.bytes]).toEqual([2, 28]);
    expect(b.writes).toHaveLength(2);
    counter.stop();
    b.uploadToGPU(b.add('float32', [1], new Float32Array([1])));
    expect(counter.uploads).toBe(2);
    expect(b.writes).toHaveLength(3);
    uninstall();
  });
});

describe('pooled uploads on tfjs-WebGPU through Dawn', () => {
  type Run = { losses: number[]; weights: number[][]; tensorsGrew: number; usedBuffersGrew: number; bytesGrew: number; buffersCreatedPerStep: number; uploadsPerStep: number };
  type Edge = { dtype: string; onGpu: boolean; back: number[]; doubled: number[] };
  it('uploads every dtype intact, reuses pooled buffers, and trains bit-identically to tfjs’s own uploads without leaking', async () => {
    const r = await runOnDawn<{ backend: string; installedAtStart: boolean; edges: Record<string, Edge>; reuse: Record<string, unknown>; on: Run; off: Run; onAgain: Run; restored: boolean }>(
      'test/dawn/uploads.ts',
    );
    expect(r.backend).toBe('webgpu');
    expect(r.installedAtStart).toBe(true);
    const e = r.edges;
    for (const edge of Object.values(e)) expect(edge.onGpu).toBe(true);
    expect(e.float1.back).toEqual([Math.fround(0.1)]);
    expect(e.float3.back).toEqual([1.5, -2, Math.fround(1e-7)]);
    expect(e.float3.doubled).toEqual([3, -4, 2 * Math.fround(1e-7)]);
    expect(e.float5View.back).toEqual([1.5, -2.25, Math.fround(3e-8)]);
    expect(e.int7).toMatchObject({ dtype: 'int32', back: [-2147483648, -1, 0, 1, 2147483647, 3, 5] });
    expect(e.int7.doubled.slice(1, 4)).toEqual([-2, 0, 2]);
    expect(e.bool5).toMatchObject({ dtype: 'bool', back: [1, 0, 1, 1, 0] });
    expect(e.scalar.doubled).toEqual([Math.fround(Math.fround(0.3) * 2)]);
    expect(e.matrix3x3.doubled).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(r.reuse).toEqual({ returned: 1, taken: 1, createdForReuse: 0, back: [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1] });
    // The same losses and weights, to the bit, with the switch on, off and on again.
    expect(r.on.losses).toEqual(r.off.losses);
    expect(r.on.weights).toEqual(r.off.weights);
    expect(r.onAgain.weights).toEqual(r.on.weights);
    expect(r.on.losses[3]).toBeLessThan(r.on.losses[0]);
    expect(r.restored).toBe(true);
    for (const run of [r.on, r.off, r.onAgain]) {
      expect([run.tensorsGrew, run.usedBuffersGrew]).toEqual([0, 0]);
      // The pool may add a small buffer when one in use is not yet back from the queue; a leak
      // would grow by at least a batch (32 × 64 floats, 8 KB) every step, 6 steps here.
      expect(run.bytesGrew).toBeLessThan(4096);
      // The batch, the labels and tfjs's gradient scalars; the fused optimizer (on by default) makes none.
      expect(run.uploadsPerStep).toBeGreaterThan(5);
    }
    // Pooled, a step in steady state creates no GPU buffer; tfjs's own path creates a staging buffer per upload,
    // and now and then another when a freed one is not yet back from the queue (as the pool itself may).
    expect(r.on.buffersCreatedPerStep).toBeLessThanOrEqual(1);
    expect(r.on.buffersCreatedPerStep).toBeLessThan(r.off.buffersCreatedPerStep / 4);
    expect(r.off.buffersCreatedPerStep).toBeGreaterThanOrEqual(r.off.uploadsPerStep);
  }, 240_000);
});
