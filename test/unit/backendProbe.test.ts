import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/lib/train/backend';
import { measureTraining } from '../../src/lib/train/backendProbe';
import { PROBE_MAX_AGE_MS, adapterFacts, backendLabel, deviceKey, measuredReason, ranked, restoreProbeRecord, type ProbeRecord } from '../../src/lib/backendRates';

const SWIFTSHADER = { info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true } };
const UA = 'HeadlessChrome/150';
const KEY = deviceKey(adapterFacts(SWIFTSHADER), UA);
/** Another software adapter: each test below measures a device of its own, as a worker keeps the rates it measured. */
const swiftshader = (description: string) => ({ info: { ...SWIFTSHADER.info, description } });
const NOW = 1_800_000_000_000;
const record = (over: Partial<ProbeRecord> = {}): ProbeRecord => ({
  version: 1,
  key: KEY,
  rates: [
    { backend: 'cpu', samplesPerSec: 190 },
    { backend: 'webgl', samplesPerSec: 610 },
    { backend: 'webgpu', samplesPerSec: 85 },
  ],
  measuredAt: NOW - 1000,
  ...over,
});

describe('the adapter', () => {
  it('is software when it says it is a fallback, old style or new, or names a software renderer', () => {
    expect(adapterFacts(SWIFTSHADER)).toEqual({ vendor: 'google', architecture: 'swiftshader', description: '', software: true });
    expect(adapterFacts({ isFallbackAdapter: true, info: {} }).software).toBe(true);
    expect(adapterFacts({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }).software).toBe(true);
    expect(adapterFacts({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' } }).software).toBe(false);
    expect(adapterFacts({}).software).toBe(false);
    expect(adapterFacts(null)).toEqual({ vendor: '', architecture: '', description: '', software: false });
  });

  it('keys a device by its adapter, whether it is a fallback, and the browser', () => {
    expect(KEY).toBe('google|swiftshader||fallback|' + UA);
    expect(deviceKey(adapterFacts(SWIFTSHADER), 'HeadlessChrome/151')).not.toBe(KEY);
    expect(deviceKey({ ...adapterFacts(SWIFTSHADER), software: false }, UA)).not.toBe(KEY);
  });
});

describe('kept rates', () => {
  it('pass the gate when whole, recent and for this device', () => {
    expect(restoreProbeRecord(JSON.parse(JSON.stringify(record())), KEY, NOW)).toEqual(record());
  });

  it('are measured again when stale, for another device, or broken', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'webgl',
      [],
      record({ key: 'google|swiftshader||fallback|HeadlessChrome/149' }),
      record({ measuredAt: NOW - PROBE_MAX_AGE_MS - 1 }),
      record({ measuredAt: NOW + 60_000 }),
      { ...record(), version: 2 },
      record({ rates: [] }),
      record({ rates: [{ backend: 'webgl', samplesPerSec: NaN }] }),
      record({ rates: [{ backend: 'webgl', samplesPerSec: -5 }] }),
      record({ rates: [{ backend: 'wasm' as 'cpu', samplesPerSec: 100 }] }),
      record({ rates: [{ backend: 'webgl', samplesPerSec: 100 }, { backend: 'webgl', samplesPerSec: 200 }] }),
      { ...record(), measuredAt: '2026-11-23' },
    ];
    for (const raw of bad) expect(restoreProbeRecord(raw, KEY, NOW)).toBeNull();
  });
});

describe('choosing by the rates', () => {
  it('ranks the fastest first, a software WebGPU last on this machine', () => {
    expect(ranked(record().rates)).toEqual(['webgl', 'cpu', 'webgpu']);
    expect(ranked([{ backend: 'webgpu', samplesPerSec: 5000 }, { backend: 'webgl', samplesPerSec: 900 }])).toEqual(['webgpu', 'webgl']);
  });

  it('keeps the usual order between rates within 10 % of each other', () => {
    expect(ranked([{ backend: 'cpu', samplesPerSec: 105 }, { backend: 'webgl', samplesPerSec: 100 }])).toEqual(['webgl', 'cpu']);
    expect(ranked([{ backend: 'cpu', samplesPerSec: 111 }, { backend: 'webgl', samplesPerSec: 100 }])).toEqual(['cpu', 'webgl']);
  });

  it('says why, with the figures', () => {
    expect(measuredReason('webgl', record().rates, true)).toBe('fastest here (measured 610 vs 190 on CPU, 85 on WebGPU (software) samples/s)');
    expect(measuredReason('cpu', record().rates, true)).toBe('fastest that started (measured 190 vs 610 on WebGL, 85 on WebGPU (software) samples/s)');
    expect(measuredReason('cpu', [{ backend: 'cpu', samplesPerSec: 1234.4 }], true)).toBe('the only backend measured here (1,234 samples/s)');
  });

  it('labels WebGPU on a software adapter', () => {
    expect([backendLabel('webgpu', true), backendLabel('webgpu'), backendLabel('webgl', true), backendLabel('cpu')]).toEqual(['WebGPU (software)', 'WebGPU', 'WebGL', 'CPU']);
  });
});

describe('measureTraining', () => {
  it('gives a positive rate on the cpu backend and leaves no tensor behind', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const rate = await measureTraining({ ms: 0, minSteps: 2, maxSteps: 2 });
    expect(rate).toBeGreaterThan(0);
    expect(Number.isFinite(rate)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});

const hadNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (hadNavigator) Object.defineProperty(globalThis, 'navigator', hadNavigator);
  else delete (globalThis as { navigator?: unknown }).navigator;
});

/** A WebGPU that starts (a stand-in backend) on the given adapter, and WebGL absent as in Node. */
async function withFakeWebgpu(adapter: unknown, work: () => Promise<void>) {
  tf.registerBackend('webgpu', () => Object.assign(new tf.KernelBackend(), { dispose() {} }), 0);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => adapter }, userAgent: UA }, configurable: true, writable: true });
  try {
    await work();
  } finally {
    await tf.setBackend('cpu');
    tf.removeBackend('webgpu');
  }
}

/** A measure that gives each backend its rate from `rates`, and counts its calls. */
function fakeMeasure(rates: Record<string, number>) {
  const calls: string[] = [];
  return {
    calls,
    measure: async () => {
      calls.push(tf.getBackend());
      return rates[tf.getBackend()];
    },
  };
}

describe("selectBackend('auto') on a software WebGPU adapter", () => {
  it('measures each backend that starts, starts the fastest and hands back the rates to keep', async () => {
    await withFakeWebgpu(SWIFTSHADER, async () => {
      const { calls, measure } = fakeMeasure({ cpu: 190, webgpu: 85 });
      const chosen = await selectBackend('auto', { measure });
      expect(calls).toEqual(['cpu', 'webgpu']);
      expect(chosen.backend).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      expect(chosen.software).toBeUndefined();
      expect(chosen.fallbackReason).toBe('fastest here (measured 190 vs 85 on WebGPU (software) samples/s); WebGL is not available');
      expect(chosen.measured).toMatchObject({ version: 1, key: KEY, rates: [{ backend: 'cpu', samplesPerSec: 190 }, { backend: 'webgpu', samplesPerSec: 85 }] });

      // Kept by the page and handed back: no measuring, and nothing new to keep.
      const again = fakeMeasure({ cpu: 190, webgpu: 85 });
      const kept = await selectBackend('auto', { measure: again.measure, measured: JSON.parse(JSON.stringify(chosen.measured)) });
      expect(again.calls).toEqual([]);
      expect(kept).toEqual({ backend: 'cpu', fallbackReason: 'fastest here (measured 190 vs 85 on WebGPU (software) samples/s)' });
    });
  });

  it('takes WebGPU, labelled software, when it measures fastest', async () => {
    await withFakeWebgpu(swiftshader('two'), async () => {
      const chosen = await selectBackend('auto', { measure: fakeMeasure({ cpu: 100, webgpu: 400 }).measure, measured: 'not json we wrote' });
      expect(chosen).toMatchObject({ backend: 'webgpu', software: true });
      expect(tf.getBackend()).toBe('webgpu');
    });
  });

  it('measures again when the kept rates are for another browser, and uses those of this worker after that', async () => {
    await withFakeWebgpu(swiftshader('three'), async () => {
      const first = fakeMeasure({ cpu: 100, webgpu: 400 });
      const stale = record({ key: deviceKey(adapterFacts(swiftshader('three')), 'HeadlessChrome/149'), measuredAt: Date.now() });
      expect((await selectBackend('auto', { measure: first.measure, measured: stale })).backend).toBe('webgpu');
      expect(first.calls).toEqual(['cpu', 'webgpu']);
      // A run asking later, without the page's rates: this worker's own are used.
      const later = fakeMeasure({ cpu: 100, webgpu: 400 });
      const run = await selectBackend('auto', { measure: later.measure });
      expect(later.calls).toEqual([]);
      expect(run.backend).toBe('webgpu');
      expect(run.measured).toBeUndefined();
    });
  });

  it('shares one measurement between a probe and a run asking at once', async () => {
    await withFakeWebgpu(swiftshader('four'), async () => {
      const { calls, measure } = fakeMeasure({ cpu: 300, webgpu: 85 });
      const [a, b] = await Promise.all([selectBackend('auto', { measure }), selectBackend('auto', { measure })]);
      expect(calls).toEqual(['cpu', 'webgpu']);
      expect(a).toBe(b);
    });
  });

  it('never measures for an explicit choice, and says software', async () => {
    await withFakeWebgpu(SWIFTSHADER, async () => {
      const { calls, measure } = fakeMeasure({ cpu: 1000, webgpu: 1 });
      expect(await selectBackend('webgpu', { measure })).toEqual({ backend: 'webgpu', fallbackReason: null, software: true });
      expect(calls).toEqual([]);
    });
  });

  it('does not measure on a hardware adapter', async () => {
    await withFakeWebgpu({ info: { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } }, async () => {
      const { calls, measure } = fakeMeasure({ cpu: 1000, webgpu: 1 });
      expect(await selectBackend('auto', { measure })).toEqual({ backend: 'webgpu', fallbackReason: null });
      expect(calls).toEqual([]);
    });
  });
});
