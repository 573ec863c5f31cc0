import { describe, expect, it } from 'vitest';
import { BackendStatus, PROBE_STORAGE_KEY, type ProbeStorage } from '../../src/state/backend.svelte';
import { ErrorBanner } from '../../src/state/errors.svelte';
import { TrainingClient } from '../../src/worker/client';
import type { WorkerEvent, WorkerRequest } from '../../src/lib/protocol';
import type { ProbeRecord } from '../../src/lib/backendRates';
import { fakeWorkers } from './helpers/fakeWorker';

function memoryStorage(initial: Record<string, string> = {}): ProbeStorage & { items: Record<string, string> } {
  const items = { ...initial };
  return { items, getItem: (k) => items[k] ?? null, setItem: (k, v) => void (items[k] = v) };
}

function status(storage: ProbeStorage | null) {
  const workers = fakeWorkers<WorkerRequest, WorkerEvent>();
  const backend = new BackendStatus({ training: new TrainingClient(workers.create), errors: new ErrorBanner(), storage });
  const sent = () => workers.created.flatMap((w) => w.posted.map((p) => p.msg));
  const answer = (ev: Omit<Extract<WorkerEvent, { type: 'backend' }>, 'type' | 'runId'>) => {
    const last = sent().at(-1)!;
    workers.created.at(-1)!.emit({ type: 'backend', runId: last.runId, ...ev });
  };
  return { backend, sent, answer };
}

const RECORD: ProbeRecord = { version: 1, key: 'google|swiftshader||fallback|UA', rates: [{ backend: 'webgl', samplesPerSec: 610 }, { backend: 'webgpu', samplesPerSec: 85 }], measuredAt: 5 };

describe('BackendStatus', () => {
  it('keeps the rates a probe measured and hands them back with the next probe for auto', () => {
    const storage = memoryStorage();
    const first = status(storage);
    first.backend.probe('auto');
    expect(first.sent()[0]).not.toHaveProperty('measured');
    first.answer({ backend: 'webgl', fallbackReason: 'fastest here (measured 610 vs 85 on WebGPU (software) samples/s)', measured: RECORD });
    expect(first.backend.label).toBe('WebGL');
    expect(JSON.parse(storage.items[PROBE_STORAGE_KEY])).toEqual(RECORD);

    const next = status(storage);
    next.backend.probe('auto');
    expect(next.sent()[0]).toMatchObject({ type: 'probe', backend: 'auto', measured: RECORD });
    // An explicit choice is never measured: nothing to hand over.
    next.backend.probe('webgpu');
    expect(next.sent()[1]).not.toHaveProperty('measured');
  });

  it('hands over nothing when the kept text is broken, and the fresh rates replace it', () => {
    const storage = memoryStorage({ [PROBE_STORAGE_KEY]: '{"version":1,"rates":[' });
    const s = status(storage);
    s.backend.probe('auto');
    expect(s.sent()[0]).not.toHaveProperty('measured');
    s.answer({ backend: 'webgl', fallbackReason: 'x', measured: RECORD });
    expect(JSON.parse(storage.items[PROBE_STORAGE_KEY])).toEqual(RECORD);
  });

  it('works without storage, and with a storage that refuses to write', () => {
    const s = status(null);
    s.backend.probe('auto');
    s.answer({ backend: 'cpu', fallbackReason: null, measured: RECORD });
    expect(s.backend.label).toBe('CPU');
    const refusing = status({ getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } });
    refusing.backend.probe('auto');
    refusing.answer({ backend: 'webgl', fallbackReason: null, measured: RECORD });
    expect(refusing.backend.name).toBe('webgl');
  });

  it('labels WebGPU on a software adapter, and a later answer clears it', () => {
    const s = status(null);
    s.backend.probe('webgpu');
    s.answer({ backend: 'webgpu', fallbackReason: null, software: true });
    expect([s.backend.software, s.backend.label]).toEqual([true, 'WebGPU (software)']);
    s.backend.probe('cpu');
    s.answer({ backend: 'cpu', fallbackReason: null });
    expect([s.backend.software, s.backend.label]).toEqual([false, 'CPU']);
  });
});
