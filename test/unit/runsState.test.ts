// The runs list as the page holds it: live and interrupted runs told apart by their
// locks, Resume, "Train again with these settings", rename and notes, and compare.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle, testHearth } from './helpers/hearth';
import { tinyDataset } from './helpers/fakeDb';
import { writeDataset } from '../../src/lib/storage/datasets';
import { putCheckpoint, putRun } from '../../src/lib/storage/runs';
import { runLockName, type Locks } from '../../src/lib/storage/locks';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { newRunRecord } from '../../src/lib/train/recorder';
import { settingsTable } from '../../src/lib/runs/compare';
import type { CheckpointRecord, EpochLog } from '../../src/lib/types';
import type { HearthDb } from '../../src/lib/storage/db';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A lock manager in which the named locks are held by someone else until released. */
function locksHeld(...names: string[]): Locks & { release(name: string): void } {
  const held = new Set(names);
  const queued: { name: string; grant: () => void }[] = [];
  return {
    request: async (name, options, callback) => {
      if (!held.has(name)) return callback({});
      if (options.ifAvailable) return callback(null);
      await new Promise<void>((grant) => queued.push({ name, grant }));
      return callback({});
    },
    release(name) {
      held.delete(name);
      for (const q of queued.filter((q) => q.name === name)) q.grant();
    },
  };
}

const epoch = (n: number): EpochLog => ({ epoch: n, loss: 1 / n, acc: 0.5 + n / 10, valLoss: 0.9 / n, valAcc: null, seconds: 1, samplesPerSec: 50 });

function checkpointOf(runId: string, epochs: number): CheckpointRecord {
  return {
    runId,
    epoch: epochs,
    createdAt: 1,
    weights: { specs: [{ name: 'w0', shape: [2], dtype: 'float32' }], data: new Float32Array([1, 2]).buffer },
    optimizer: { kind: 'adam', learningRate: 0.001, state: { specs: [{ name: 'iter', shape: [], dtype: 'int32' }], data: new Int32Array([4]).buffer }, extra: [0.5, 0.6] },
    shuffle: { seed: 42, nextEpoch: epochs + 1 },
    history: Array.from({ length: epochs }, (_, i) => epoch(i + 1)),
    curve: { x: [10, 20], loss: [2, 1], acc: [0.4, 0.6] },
    trainSeconds: 2,
    bytes: 12,
  };
}

async function store(db: HearthDb) {
  const { meta, data } = tinyDataset('tiny', { train: 20, test: 5 }, 8);
  await writeDataset(db, meta, data);
  const config = { ...DEFAULT_CONFIG, datasetId: 'tiny', epochs: 4 };
  // Closed tab: still marked running, its lock free, a checkpoint after epoch 2.
  const closed = { ...newRunRecord('closed', config, 'Closed tab', 'Tiny tiny', 'classification', 300), history: [epoch(1), epoch(2)] };
  await putCheckpoint(db, closed, checkpointOf('closed', 2));
  // Training in another tab: its lock is held.
  const elsewhere = { ...newRunRecord('elsewhere', config, 'Other tab', 'Tiny tiny', 'classification', 200), history: [epoch(1)] };
  await putCheckpoint(db, elsewhere, checkpointOf('elsewhere', 1));
  const finished = {
    ...newRunRecord('done', { ...config, learningRate: 0.01, optimizer: 'sgd' as const }, 'Finished', 'Tiny tiny', 'classification', 100),
    status: 'finished' as const,
    history: [1, 2, 3, 4].map(epoch),
    curve: { x: [10, 20, 30], loss: [3, 2, 1], acc: [0.1, 0.2, 0.3] },
  };
  await putRun(db, finished);
  return { config };
}

describe('Runs', () => {
  it('tells a run whose tab is gone from one training elsewhere, and counts checkpoint bytes', async () => {
    const locks = locksHeld(runLockName('hearth', 'elsewhere'));
    const { hearth, db } = await testHearth({ locks });
    await store(db);
    await hearth.runs.init();
    const { runs } = hearth;
    expect(runs.list.map((r) => [r.id, r.interrupted, r.resumable, r.checkpointBytes])).toEqual([
      ['closed', true, true, 12],
      ['elsewhere', false, false, 12],
      ['done', false, false, 0],
    ]);
    expect(runs.checkpointBytes).toBe(24);
    // The other tab closes: its lock is let go, and the list sees the run interrupted without being asked.
    locks.release(runLockName('hearth', 'elsewhere'));
    await settle();
    expect(runs.list.find((r) => r.id === 'elsewhere')).toMatchObject({ interrupted: true, resumable: true });
    hearth.dispose();
  });

  it('resumes an interrupted run: asks the worker, takes its settings, and draws what it had done', async () => {
    const { hearth, db, training } = await testHearth();
    await store(db);
    hearth.start('');
    await settle();
    await hearth.runs.init();
    hearth.settings.set('learningRate', 0.5);
    hearth.runs.resume('closed');
    expect(training.sent().filter((m) => m.type === 'resume')).toEqual([{ type: 'resume', runId: 'closed' }]);
    expect(hearth.run.state).toBe('training');
    expect(hearth.run.runId).toBe('closed');
    expect(hearth.settings.config.learningRate).toBe(0.001);
    expect(hearth.settings.config.epochs).toBe(4);
    training.emit({ type: 'started', runId: 'closed', paramCount: 10, trainSamples: 18, valSamples: 2, batchesPerEpoch: 1, epochs: 4 });
    training.emit({ type: 'resumed', runId: 'closed', config: { ...DEFAULT_CONFIG, datasetId: 'tiny', epochs: 4 }, history: [epoch(1), epoch(2)], curve: { x: [18, 36], loss: [2, 1], acc: [0.4, 0.6] } });
    expect(hearth.run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(hearth.run.currentEpoch).toBe(3);
    expect(hearth.run.series.x).toEqual([18, 36]);
    expect(hearth.run.checkpointEpoch).toBe(2);
    // While it trains here the record is live, even though no lock manager says so.
    await hearth.runs.refresh();
    expect(hearth.runs.list.find((r) => r.id === 'closed')?.resumable).toBe(false);
    training.emit({ type: 'checkpoint-failed', runId: 'closed', epoch: 3, diskFull: true, message: 'The checkpoint after epoch 3 could not be stored (the disk is full). Training goes on.' });
    expect(hearth.run.checkpointProblem).toMatch(/^The checkpoint after epoch 3 could not be stored/);
    training.emit({ type: 'checkpoint', runId: 'closed', epoch: 4, bytes: 12 });
    expect(hearth.run.checkpointProblem).toBeNull();
    hearth.dispose();
  });

  it('puts a run\'s settings back in the form and the URL, renames it and keeps notes', async () => {
    const urls: string[] = [];
    vi.stubGlobal('location', { pathname: '/', search: '', hash: '' });
    vi.stubGlobal('history', { state: null, replaceState: (_: unknown, __: string, url: string) => urls.push(url) });
    const { hearth, db } = await testHearth({ writeUrl: true });
    await store(db);
    await hearth.runs.init();
    hearth.runs.trainAgain('done');
    expect(hearth.settings.config).toMatchObject({ datasetId: 'tiny', optimizer: 'sgd', learningRate: 0.01, epochs: 4 });
    expect(urls.at(-1)).toBe('/?datasetId=tiny&optimizer=sgd&learningRate=0.01&epochs=4');
    expect(hearth.runs.link(hearth.runs.list.find((r) => r.id === 'done')!)).toBe('?datasetId=tiny&optimizer=sgd&learningRate=0.01&epochs=4');

    await hearth.runs.rename('done', '  SGD baseline ');
    await hearth.runs.setNotes('done', 'too slow');
    const again = await testHearth({ db });
    await again.hearth.runs.init();
    expect(again.hearth.runs.list.find((r) => r.id === 'done')).toMatchObject({ name: 'SGD baseline', notes: 'too slow' });
    hearth.dispose();
    again.hearth.dispose();
  });

  it('compares the runs picked, highlighting the settings that differ', async () => {
    const { hearth, db } = await testHearth();
    await store(db);
    await hearth.runs.init();
    hearth.runs.togglePick('done');
    hearth.runs.togglePick('closed');
    expect(hearth.runs.compared.map((r) => r.id)).toEqual(['done', 'closed']);
    const rows = settingsTable(hearth.runs.compared.map((r) => r.config));
    expect(rows.filter((r) => r.differs).map((r) => [r.key, r.values])).toEqual([
      ['optimizer', ['sgd', 'adam']],
      ['learningRate', ['0.01', '0.001']],
    ]);
    expect(rows.find((r) => r.key === 'epochs')).toEqual({ key: 'epochs', label: 'Epochs', values: ['4', '4'], differs: false });
    hearth.runs.togglePick('closed');
    expect(hearth.runs.compared.map((r) => r.id)).toEqual(['done']);
    await hearth.runs.remove('done');
    expect(hearth.runs.picked).toEqual([]);
    expect(hearth.runs.list.map((r) => r.id)).toEqual(['closed', 'elsewhere']);
    hearth.dispose();
  });
});

describe('settingsTable', () => {
  it('compares fields that other code adds to the config as JSON', () => {
    const a = { ...DEFAULT_CONFIG, mixup: { alpha: 0.2 } } as never;
    const b = { ...DEFAULT_CONFIG, mixup: { alpha: 0.4 } } as never;
    const row = settingsTable([a, b]).find((r) => r.key === 'mixup');
    expect(row).toEqual({ key: 'mixup', label: 'mixup', values: ['{"alpha":0.2}', '{"alpha":0.4}'], differs: true });
  });
});
