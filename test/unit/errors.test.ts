import { describe, expect, it } from 'vitest';
import { describeError, gpuFailure } from '../../src/lib/train/errors';

// What Chromium raised when the training worker's GPU device was destroyed mid-run.
const MAP_ASYNC_ABORT = "Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.";

function domError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

describe('describeError', () => {
  it('blames the GPU for an AbortError raised by the WebGPU API, not storage', () => {
    const described = describeError(domError('AbortError', MAP_ASYNC_ABORT));
    expect(described.kind).toBe('device-lost');
    expect(described.message).toBe(
      `The GPU stopped responding (device lost: ${MAP_ASYNC_ABORT.replace(/\.$/, '')}). Training was halted; your datasets and saved models are safe. Reload the page to start again.`,
    );
  });

  it('still words an IndexedDB AbortError as a storage problem', () => {
    const described = describeError(domError('AbortError', 'The transaction was aborted, so the request cannot be fulfilled.'));
    expect(described.kind).toBe('internal');
    expect(described.message).not.toMatch(/GPU/);
  });

  it('prefers a known device-lost reason over the failing op', () => {
    expect(describeError(new Error('anything'), 'destroyed').message).toMatch(/^The GPU stopped responding \(device lost: destroyed\)/);
  });
});

describe('gpuFailure', () => {
  it('recognises errors of the WebGPU API and nothing else', () => {
    expect(gpuFailure(new Error(MAP_ASYNC_ABORT))).toBe(MAP_ASYNC_ABORT);
    expect(gpuFailure(new Error("Failed to execute 'createBuffer' on 'GPUDevice': device is lost"))).not.toBeNull();
    expect(gpuFailure(new Error('Quota exceeded'))).toBeNull();
    expect(gpuFailure(new Error('The GPU stopped responding'))).toBeNull();
    expect(gpuFailure(null)).toBeNull();
  });
});
