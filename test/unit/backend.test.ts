import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/lib/train/backend';

const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator);
  else delete (globalThis as { navigator?: unknown }).navigator;
});
const fakeNavigator = (value: unknown) =>
  Object.defineProperty(globalThis, 'navigator', { value, configurable: true, writable: true });

describe('selectBackend', () => {
  it('falls back to the CPU in Node and says why', async () => {
    fakeNavigator({});
    const r = await selectBackend('auto');
    expect(r).toEqual({ backend: 'cpu', fallbackReason: 'WebGPU is not available in this browser; WebGL is not available' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reports a GPU without a usable adapter', async () => {
    fakeNavigator({ gpu: { requestAdapter: async () => null } });
    const r = await selectBackend('auto');
    expect(r.fallbackReason).toMatch(/^WebGPU found no usable GPU adapter;/);
  });

  it('throws for an explicit choice that cannot be used', async () => {
    fakeNavigator({});
    await expect(selectBackend('webgpu')).rejects.toThrow('WebGPU was chosen but cannot be used: WebGPU is not available in this browser.');
    await expect(selectBackend('cpu')).resolves.toEqual({ backend: 'cpu', fallbackReason: null });
  });
});

describe('starting WebGPU', () => {
  it('tries again when the GPU refuses a device for a moment', async () => {
    let calls = 0;
    tf.registerBackend(
      'webgpu',
      async () => {
        calls++;
        if (calls < 3) throw new Error('device refused');
        return Object.assign(new tf.KernelBackend(), { dispose() {} });
      },
      0,
    );
    try {
      fakeNavigator({ gpu: { requestAdapter: async () => ({}) } });
      expect(await selectBackend('webgpu')).toEqual({ backend: 'webgpu', fallbackReason: null });
      expect(calls).toBe(3);
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('webgpu');
    }
  });

  it('gives up after its tries and says so', async () => {
    let calls = 0;
    tf.registerBackend(
      'webgpu',
      async () => {
        calls++;
        throw new Error('device refused');
      },
      0,
    );
    try {
      fakeNavigator({ gpu: { requestAdapter: async () => ({}) } });
      await expect(selectBackend('webgpu')).rejects.toThrow('WebGPU was chosen but cannot be used: WebGPU could not start on this GPU.');
      expect(calls).toBe(4);
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('webgpu');
    }
  });
});

describe('onDeviceLost', () => {
  it('tells subscribers when the WebGPU device is lost, and late subscribers at once', async () => {
    let loseDevice!: (info: { reason: string; message: string }) => void;
    const lost = new Promise<{ reason: string; message: string }>((resolve) => (loseDevice = resolve));
    // Stands in for the WebGPU backend: only its device's `lost` promise is used.
    tf.registerBackend('webgpu', () => Object.assign(new tf.KernelBackend(), { device: { lost }, dispose() {} }), 0);
    try {
      fakeNavigator({ gpu: { requestAdapter: async () => ({}) } });
      expect(await selectBackend('auto')).toEqual({ backend: 'webgpu', fallbackReason: null });
      const { onDeviceLost, deviceLostWithin } = await import('../../src/lib/train/backend');
      const early: string[] = [];
      onDeviceLost((m) => early.push(m));
      expect(early).toEqual([]);
      expect(await deviceLostWithin(10)).toBeNull();
      const pending = deviceLostWithin(5000);
      loseDevice({ reason: 'destroyed', message: 'Device was destroyed.' });
      expect(await pending).toBe('Device was destroyed.');
      await lost;
      await Promise.resolve();
      expect(early).toEqual(['Device was destroyed.']);
      const late: string[] = [];
      onDeviceLost((m) => late.push(m));
      expect(late).toEqual(['Device was destroyed.']);
    } finally {
      await tf.setBackend('cpu');
      tf.removeBackend('webgpu');
    }
  });
});
