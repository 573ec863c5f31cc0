/**
 * Which backend trains fastest here, by measurement. A WebGPU adapter that is
 * software (Chromium's SwiftShader, reported as a fallback adapter) runs the
 * same shaders on the CPU and trains several times slower than WebGL or even
 * the CPU backend, so 'auto' measures a few training steps on each backend that
 * starts (train/backendProbe.ts) and takes the fastest. The rates are kept per
 * device by the page (`ProbeRecord`) and pass `restoreProbeRecord` before use:
 * a stale or broken one only means measuring again. No tfjs here: the page uses it.
 */
import type { BackendName } from './config';

/** What the adapter says about itself; `software` when it computes on the CPU. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  description: string;
  software: boolean;
}

export interface BackendRate {
  backend: BackendName;
  /** Training samples per second of the probe's model. */
  samplesPerSec: number;
}

/** The rates measured on one device, as the page keeps them between visits. */
export interface ProbeRecord {
  version: 1;
  /** deviceKey() of the device measured. */
  key: string;
  rates: BackendRate[];
  /** When it was measured (ms since 1970). */
  measuredAt: number;
}

/** A record older than this is measured again: browsers and drivers change. */
export const PROBE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** Another backend must beat the one earlier in the usual order by this factor to be preferred. */
export const PROBE_MARGIN = 1.1;
const ORDER: BackendName[] = ['webgpu', 'webgl', 'cpu'];
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render/i;

type AdapterLike = { isFallbackAdapter?: boolean; info?: Record<string, unknown> };

/** Reads GPUAdapter.info (and the older adapter.isFallbackAdapter) without trusting either to be there. */
export function adapterFacts(adapter: unknown): AdapterFacts {
  const a = (adapter ?? {}) as AdapterLike;
  const info = a.info ?? {};
  const text = (k: string) => (typeof info[k] === 'string' ? (info[k] as string) : '');
  const facts = { vendor: text('vendor'), architecture: text('architecture'), description: text('description') };
  const named = SOFTWARE_NAMES.test(`${facts.vendor} ${facts.architecture} ${facts.description} ${text('device')}`);
  return { ...facts, software: a.isFallbackAdapter === true || info.isFallbackAdapter === true || named };
}

export function deviceKey(facts: AdapterFacts, userAgent: string): string {
  return [facts.vendor, facts.architecture, facts.description, facts.software ? 'fallback' : 'hardware', userAgent].join('|');
}

/** The record if it is whole, for this device and recent; else null (measure again). */
export function restoreProbeRecord(raw: unknown, key: string, now = Date.now()): ProbeRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Partial<ProbeRecord>;
  if (r.version !== 1 || r.key !== key || typeof r.measuredAt !== 'number' || !(now - r.measuredAt < PROBE_MAX_AGE_MS) || r.measuredAt > now) return null;
  if (!Array.isArray(r.rates) || r.rates.length === 0) return null;
  const rates: BackendRate[] = [];
  for (const rate of r.rates as unknown[]) {
    const { backend, samplesPerSec } = (rate ?? {}) as Partial<BackendRate>;
    if (!ORDER.includes(backend as BackendName) || typeof samplesPerSec !== 'number' || !(samplesPerSec > 0) || !Number.isFinite(samplesPerSec)) return null;
    if (rates.some((x) => x.backend === backend)) return null;
    rates.push({ backend: backend as BackendName, samplesPerSec });
  }
  return { version: 1, key, rates, measuredAt: r.measuredAt };
}

/**
 * The backends from fastest to slowest. Rates within PROBE_MARGIN of each other
 * keep the usual order (WebGPU, WebGL, CPU), so noise in a short probe does not
 * decide between backends that are as fast.
 *   ranked([{webgpu, 85}, {webgl, 610}, {cpu, 190}]) → ['webgl', 'cpu', 'webgpu']
 */
export function ranked(rates: readonly BackendRate[]): BackendName[] {
  const rest = [...rates].sort((a, b) => ORDER.indexOf(a.backend) - ORDER.indexOf(b.backend));
  const out: BackendName[] = [];
  while (rest.length) {
    const top = Math.max(...rest.map((r) => r.samplesPerSec));
    const i = rest.findIndex((r) => r.samplesPerSec * PROBE_MARGIN >= top);
    out.push(rest.splice(i, 1)[0].backend);
  }
  return out;
}

/** The name a person reads: "WebGPU (software)" when WebGPU runs on a software adapter. */
export function backendLabel(name: BackendName, software = false): string {
  if (name === 'webgpu') return software ? 'WebGPU (software)' : 'WebGPU';
  return name === 'webgl' ? 'WebGL' : 'CPU';
}

/** Why `chosen` was taken: "fastest here (measured 610 vs 85 samples/s on WebGPU (software), 190 on CPU)". */
export function measuredReason(chosen: BackendName, rates: readonly BackendRate[], softwareWebgpu: boolean): string {
  const own = rates.find((r) => r.backend === chosen);
  const others = rates.filter((r) => r.backend !== chosen);
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US');
  if (!own) return 'the fastest measured here could not start';
  if (others.length === 0) return `the only backend measured here (${fmt(own.samplesPerSec)} samples/s)`;
  const vs = others.map((r) => `${fmt(r.samplesPerSec)} on ${backendLabel(r.backend, softwareWebgpu)}`).join(', ');
  const fastest = ranked(rates)[0] === chosen;
  return `${fastest ? 'fastest here' : 'fastest that started'} (measured ${fmt(own.samplesPerSec)} vs ${vs} samples/s)`;
}

