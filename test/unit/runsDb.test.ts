// Database version 2: a version-1 database with data in it opens with today's code and
// keeps everything; recorded runs and checkpoints pass their restore gates.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, STORES, openHearthDb } from '../../src/lib/storage/db';
import { listDatasets, readShard } from '../../src/lib/storage/datasets';
import { listModels } from '../../src/lib/storage/models';
import { checkpointSizes, deleteRun, editRun, putCheckpoint, putRun, readRuns } from '../../src/lib/storage/runs';
import { restoreCheckpoint, restoreRunRecord } from '../../src/lib/storage/restoreRun';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { newRunRecord } from '../../src/lib/train/recorder';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import type { CheckpointRecord } from '../../src/lib/types';

/** Creates database `name` exactly as version 1 of Hearth did, with one dataset (one shard) and one model in it. */
function openVersion1(factory: IDBFactory, name: string): Promise<void> {
  const { meta, data } = tinyDataset('old', { train: 4, test: 2 }, 4);
  return new Promise((resolve, reject) => {
    const request = factory.open(name, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore('datasets', { keyPath: 'id' });
      db.createObjectStore('shards', { keyPath: ['datasetId', 'split', 'index'] }).createIndex('byDataset', 'datasetId');
      db.createObjectStore('models', { keyPath: 'id' });
      db.createObjectStore('modelWeights', { keyPath: 'id' });
    };
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction(['datasets', 'shards', 'models', 'modelWeights'], 'readwrite');
      tx.objectStore('shards').put({ datasetId: 'old', split: 'train', index: 0, count: 4, x: data.train.x, y: data.train.y });
      tx.objectStore('shards').put({ datasetId: 'old', split: 'test', index: 0, count: 2, x: data.test.x, y: data.test.y });
      tx.objectStore('datasets').put(meta);
      tx.objectStore('models').put({
        id: 'm1',
        name: 'Old model',
        createdAt: 5,
        config: { ...DEFAULT_CONFIG, datasetId: 'old' },
        datasetId: 'old',
        datasetName: 'Tiny old',
        classes: ['a', 'b', 'c'],
        inputShape: [2, 2, 1],
        paramCount: 15,
        backend: 'cpu',
        trainSeconds: 1,
        history: [],
        evaluation: null,
        bytes: 60,
      });
      tx.objectStore('modelWeights').put({ id: 'm1', modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0) });
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
    request.onerror = () => reject(request.error);
  });
}

describe('database version 2', () => {
  it('opens a version-1 database with data in it and finds it intact, with the new stores empty', async () => {
    const factory = new IDBFactory();
    await openVersion1(factory, 'hearth-v1');
    const db = await openHearthDb(factory, 'hearth-v1');
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(Object.values(STORES).sort());
    expect((await listDatasets(db)).map((d) => [d.id, d.name, d.splits.train.count])).toEqual([['old', 'Tiny old', 4]]);
    const shard = await readShard(db, 'old', 'train', 0);
    expect(Array.from(shard.x)).toEqual([0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6]);
    expect(Array.from(shard.y)).toEqual([0, 1, 2, 0]);
    expect((await listModels(db)).map((m) => [m.id, m.name])).toEqual([['m1', 'Old model']]);
    expect((await db.get('modelWeights', 'm1'))?.weightData.byteLength).toBe(0);
    expect(await readRuns(db)).toEqual({ runs: [], problems: [] });
    db.close();
    // Opening it again (now version 2) changes nothing.
    const again = await openHearthDb(factory, 'hearth-v1');
    expect((await listDatasets(again)).map((d) => d.id)).toEqual(['old']);
    again.close();
  });
});

const config = { ...DEFAULT_CONFIG, datasetId: 'tiny', epochs: 3 };
const epoch = (n: number) => ({ epoch: n, loss: 1 / n, acc: 0.5, valLoss: null, valAcc: null, seconds: 1, samplesPerSec: 10 });

function checkpoint(over: Partial<CheckpointRecord> = {}): CheckpointRecord {
  const weights = { specs: [{ name: 'w0', shape: [2], dtype: 'float32' as const }], data: new Float32Array([1, 2]).buffer };
  const state = { specs: [{ name: 'iter', shape: [], dtype: 'int32' as const }], data: new Int32Array([7]).buffer };
  return {
    runId: 'r',
    epoch: 1,
    createdAt: 2,
    weights,
    optimizer: { kind: 'adam', learningRate: 0.001, state, extra: [0.5, 0.9] },
    shuffle: { seed: 42, nextEpoch: 2 },
    history: [epoch(1)],
    curve: { x: [1], loss: [2], acc: [0.5] },
    trainSeconds: 3,
    bytes: 12,
    ...over,
  };
}

describe('restoreRunRecord', () => {
  it('fills what an older record lacks and keeps its settings', () => {
    const run = restoreRunRecord({ id: 'r1', config: { datasetId: 'iris', epochs: 7 }, createdAt: 10, status: 'finished' });
    expect(run).toMatchObject({ id: 'r1', name: 'r1', notes: '', updatedAt: 10, status: 'finished', backend: null, history: [], evaluation: null, modelId: null, resumedAt: [] });
    expect(run.config.epochs).toBe(7);
    expect(run.curve).toEqual({ x: [], loss: [], acc: [] });
  });

  it('drops a curve whose arrays do not line up, and an evaluation that does not fit', () => {
    const run = restoreRunRecord({ id: 'r', config: {}, curve: { x: [1, 2], loss: [1], acc: [1, 2] }, evaluation: { accuracy: 1 } });
    expect(run.curve).toEqual({ x: [], loss: [], acc: [] });
    expect(run.evaluation).toBeNull();
  });

  it('refuses a record without an id, with unreadable settings or an unknown status, naming it', () => {
    expect(() => restoreRunRecord({ name: 'x', config: {} })).toThrow('The recorded run "x" cannot be opened: it has no id. Delete it from the runs list.');
    expect(() => restoreRunRecord({ id: 'r', name: 'Mine', config: { epochs: 0 } })).toThrow(/^The recorded run "Mine" cannot be opened: its settings cannot be read \(Epochs must be/);
    expect(() => restoreRunRecord({ id: 'r', config: {}, status: 'exploded' })).toThrow(/its status "exploded" is not one of running, finished/);
  });
});

describe('restoreCheckpoint', () => {
  it('passes a whole checkpoint', () => {
    expect(restoreCheckpoint(checkpoint()).optimizer.extra).toEqual([0.5, 0.9]);
  });

  it('refuses one whose tensors do not add up, whose history is short, or whose learning rate is not a rate', () => {
    const short = checkpoint({ weights: { specs: [{ name: 'w0', shape: [3], dtype: 'float32' }], data: new ArrayBuffer(8) } });
    expect(() => restoreCheckpoint(short)).toThrow(/its weights need 12 bytes, but 8 are stored\. The run cannot be resumed/);
    expect(() => restoreCheckpoint(checkpoint({ epoch: 2 }))).toThrow(/it holds 1 epochs of history for 2 epochs trained/);
    const rate = checkpoint();
    rate.optimizer.learningRate = Number.NaN;
    expect(() => restoreCheckpoint(rate)).toThrow(/its learning rate is not a number above 0/);
  });
});

describe('runs storage', () => {
  it('renames a run and keeps notes, lists the unreadable apart, and deletes a run with its checkpoint', async () => {
    const { db } = await freshDb();
    const run = newRunRecord('r', config, 'MLP on Tiny', 'Tiny', 'classification', 100);
    await putCheckpoint(db, { ...run, history: [epoch(1)] }, checkpoint());
    await db.put('runs', { id: 'bad', config: { epochs: -1 } } as never);
    expect(await checkpointSizes(db)).toEqual(new Map([['r', 12]]));
    const edited = await editRun(db, 'r', { name: 'Baseline', notes: 'lr 1e-3' });
    expect(edited).toMatchObject({ name: 'Baseline', notes: 'lr 1e-3', history: [epoch(1)] });
    const { runs, problems } = await readRuns(db);
    expect(runs.map((r) => [r.id, r.name, r.notes])).toEqual([['r', 'Baseline', 'lr 1e-3']]);
    expect(problems.map((p) => p.id)).toEqual(['bad']);
    await deleteRun(db, 'r');
    expect(await checkpointSizes(db)).toEqual(new Map());
    await expect(editRun(db, 'r', { name: 'x' })).rejects.toThrow(/no longer stored/);
    await putRun(db, run);
    expect((await readRuns(db)).runs).toHaveLength(1);
  });
});
