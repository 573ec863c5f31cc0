/**
 * Chooses the tfjs backend: WebGPU, then WebGL, then CPU for 'auto'. Each skipped
 * backend leaves a reason a person can act on. The WebGPU backend does not watch
 * for a lost device itself, so this module does and tells subscribers.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName } from '../config';
import { installPooledUploads, type UploadBackend } from './webgpu/uploads';

const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'The CPU backend' };

type GpuLike = { requestAdapter(): Promise<unknown | null> };

/**
 * Pauses before each further try to start WebGPU. A GPU can refuse a device for a
 * moment, for example while a reloaded page's previous device is still being released.
 */
const WEBGPU_RETRY_MS = [250, 1000, 2500];

const lostListeners: ((message: string) => void)[] = [];
let lostMessage: string | null = null;
let deviceLost: Promise<string> | null = null;
const watchedDevices = new WeakSet<object>();

/** Returns null when the backend is now active, else why it cannot be used. */
async function tryBackend(name: BackendName): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
    if (!gpu) return 'WebGPU is not available in this browser';
    let adapter: unknown = null;
    try {
      adapter = await gpu.requestAdapter();
    } catch {
      adapter = null;
    }
    if (!adapter) return 'WebGPU found no usable GPU adapter';
    try {
      // Loaded only when a GPU is there: the module is large and registers itself on import.
      await import('@tensorflow/tfjs-backend-webgpu');
    } catch (err) {
      return `WebGPU support could not be loaded (${errorText(err)})`;
    }
  }
  if (name === 'webgl' && typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return 'WebGL is not available';
  }
  let ok = await startBackend(name);
  for (const ms of name === 'webgpu' ? WEBGPU_RETRY_MS : []) {
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, ms));
    ok = await startBackend(name);
  }
  if (!ok) {
    return name === 'webgpu' ? 'WebGPU could not start on this GPU' : name === 'webgl' ? 'WebGL is not available' : 'the CPU backend could not start';
  }
  if (name === 'webgpu') {
    watchDevice();
    installPooledUploads(tf.backend() as unknown as UploadBackend);
  }
  return null;
}

async function startBackend(name: BackendName): Promise<boolean> {
  try {
    // setBackend resolves false (it does not throw) when the backend fails to start.
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

function watchDevice(): void {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  if (!device?.lost || watchedDevices.has(device)) return;
  watchedDevices.add(device);
  deviceLost = device.lost.then((info) => {
    // tfjs never destroys its device itself, so even reason 'destroyed' means the GPU is gone for this run.
    const message = info?.message || info?.reason || 'unknown reason';
    lostMessage = message;
    for (const cb of lostListeners) cb(message);
    return message;
  });
}

export async function selectBackend(choice: BackendChoice): Promise<{ backend: BackendName; fallbackReason: string | null }> {
  if (choice !== 'auto') {
    const reason = await tryBackend(choice);
    if (reason) throw new Error(`${LABEL[choice]} was chosen but cannot be used: ${reason}. Choose "auto" to fall back to another backend.`);
    return { backend: choice, fallbackReason: null };
  }
  const reasons: string[] = [];
  for (const name of ['webgpu', 'webgl', 'cpu'] as const) {
    const reason = await tryBackend(name);
    if (reason === null) return { backend: name, fallbackReason: reasons.length ? reasons.join('; ') : null };
    reasons.push(reason);
  }
  throw new Error(`No backend could start: ${reasons.join('; ')}.`);
}

/** Calls cb when the WebGPU device is lost, at once if it already was. */
export function onDeviceLost(cb: (message: string) => void): void {
  lostListeners.push(cb);
  if (lostMessage !== null) cb(lostMessage);
}

/**
 * The device-lost message if the WebGPU device is lost within `ms`, else null.
 * An op on a dying device can fail before device.lost settles; waiting briefly
 * lets the caller blame the GPU rather than the op's own error.
 */
export async function deviceLostWithin(ms: number): Promise<string | null> {
  if (lostMessage !== null || !deviceLost || tf.getBackend() !== 'webgpu') return lostMessage;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([deviceLost, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
