/**
 * Chooses the tfjs backend: WebGPU, then WebGL, then CPU for 'auto', except that
 * WebGPU on a software adapter must win a short measurement first (../backendRates.ts).
 * Each skipped backend leaves a reason a person can act on. The WebGPU backend does
 * not watch for a lost device itself, so this module does and tells subscribers.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendChoice, BackendName } from '../config';
import { adapterFacts, deviceKey, measuredReason, ranked, restoreProbeRecord, type AdapterFacts, type BackendRate, type ProbeRecord } from '../backendRates';
import { measureTraining } from './backendProbe';
import { installPooledUploads, type UploadBackend } from './webgpu/uploads';

const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', cpu: 'The CPU backend' };

type GpuLike = { requestAdapter(): Promise<unknown | null> };

/**
 * Pauses before each further try to start WebGPU. A GPU can refuse a device for a
 * moment, for example while a reloaded page's previous device is still being released.
 */
const WEBGPU_RETRY_MS = [250, 1000, 2500];

/** The adapter WebGPU last found, for telling a software one apart. */
let adapterSeen: AdapterFacts | null = null;

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
    adapterSeen = adapterFacts(adapter);
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

export interface SelectedBackend {
  backend: BackendName;
  /** Why the usual first choice was not used, or why the measured fastest was taken. */
  fallbackReason: string | null;
  /** Set when the backend is WebGPU on a software adapter. */
  software?: true;
  /** Rates measured for this choice just now, for the page to keep (absent when none were). */
  measured?: ProbeRecord;
}

export interface SelectOptions {
  /** Rates measured on this device before, as kept by the page; unchecked. */
  measured?: unknown;
  /** Measures the active backend's training rate (tests pass a fake). */
  measure?: () => Promise<number>;
}

/** Rates measured by this worker, so later runs choose as the first did. */
let measuredHere: ProbeRecord | null = null;
let selecting: Promise<SelectedBackend> | null = null;

export async function selectBackend(choice: BackendChoice, options: SelectOptions = {}): Promise<SelectedBackend> {
  if (choice !== 'auto') {
    const reason = await tryBackend(choice);
    if (reason) throw new Error(`${LABEL[choice]} was chosen but cannot be used: ${reason}. Choose "auto" to fall back to another backend.`);
    return withSoftware({ backend: choice, fallbackReason: null });
  }
  // One choice at a time: a run and a probe asking together share one measurement.
  selecting ??= selectAuto(options).finally(() => (selecting = null));
  return selecting;
}

async function selectAuto(options: SelectOptions): Promise<SelectedBackend> {
  const kept = await keptRecord(options);
  // Measured before on this device: start the fastest at once, without starting WebGPU to look.
  if (kept) return startFastest(kept.adapter, kept.record, [], false);
  const reasons: string[] = [];
  for (const name of ['webgpu', 'webgl', 'cpu'] as const) {
    const reason = await tryBackend(name);
    if (reason === null && name === 'webgpu' && adapterSeen?.software) return measureAndChoose(adapterSeen, options);
    if (reason === null) return { backend: name, fallbackReason: reasons.length ? reasons.join('; ') : null };
    reasons.push(reason);
  }
  throw new Error(`No backend could start: ${reasons.join('; ')}.`);
}

function withSoftware(chosen: SelectedBackend): SelectedBackend {
  return chosen.backend === 'webgpu' && adapterSeen?.software ? { ...chosen, software: true } : chosen;
}

/** WebGPU started on a software adapter: measures each backend that starts and starts the fastest. */
async function measureAndChoose(adapter: AdapterFacts, options: SelectOptions): Promise<SelectedBackend> {
  const key = deviceKey(adapter, globalThis.navigator?.userAgent ?? '');
  const reasons: string[] = [];
  const measure = options.measure ?? (() => measureTraining());
  const rates: BackendRate[] = [];
  // The CPU first: it compiles nothing, so the slow shader compilers run on a quieter machine.
  for (const name of ['cpu', 'webgl', 'webgpu'] as const) {
    const reason = await tryBackend(name);
    if (reason !== null) {
      reasons.push(reason);
      continue;
    }
    try {
      rates.push({ backend: name, samplesPerSec: await measure() });
    } catch (err) {
      reasons.push(`${LABEL[name]} failed a training step (${errorText(err)})`);
    }
  }
  if (rates.length === 0) throw new Error(`No backend could train: ${reasons.join('; ')}.`);
  const record: ProbeRecord = { version: 1, key, rates, measuredAt: Date.now() };
  return startFastest(adapter, record, reasons, true);
}

/** Starts the fastest measured backend that starts now; `fresh`: the rates were just measured, for the page to keep. */
async function startFastest(adapter: AdapterFacts, record: ProbeRecord, reasons: string[], fresh: boolean): Promise<SelectedBackend> {
  measuredHere = record;
  for (const name of ranked(record.rates)) {
    const reason = await tryBackend(name);
    if (reason !== null) {
      reasons.push(reason);
      continue;
    }
    const why = [measuredReason(name, record.rates, adapter.software), ...reasons].join('; ');
    return withSoftware({ backend: name, fallbackReason: why, ...(fresh ? { measured: record } : {}) });
  }
  throw new Error(`No backend could start: ${reasons.join('; ')}.`);
}

/** Rates kept for this device (by the page, or measured by this worker), if its GPU adapter is a software one. */
async function keptRecord(options: SelectOptions): Promise<{ adapter: AdapterFacts; record: ProbeRecord } | null> {
  if (options.measured === undefined && measuredHere === null) return null;
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  let adapter: AdapterFacts;
  try {
    const found = await gpu?.requestAdapter();
    if (!found) return null;
    adapter = adapterFacts(found);
  } catch {
    return null;
  }
  if (!adapter.software) return null;
  const key = deviceKey(adapter, globalThis.navigator?.userAgent ?? '');
  const record = restoreProbeRecord(options.measured, key) ?? (measuredHere?.key === key ? measuredHere : null);
  return record ? { adapter, record } : null;
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
