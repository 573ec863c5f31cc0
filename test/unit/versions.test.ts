import { describe, expect, it } from 'vitest';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import { deleteDataset, listDatasets, readDatasets, readSplitShard, removeIncomplete, restoreDatasetMeta, writeDataset } from '../../src/lib/storage/datasets';
import { createVersion } from '../../src/lib/storage/versions';
import { splitPieces } from '../../src/lib/storage/pieces';
import { createShardSource } from '../../src/lib/data/shardSource';
import { memoryLocks } from './helpers/memoryLocks';
import type { HearthDb } from '../../src/lib/storage/db';
import type { DatasetMeta, SplitName } from '../../src/lib/types';
import { restoreConfig } from '../../src/lib/config';
import { datasetArrays } from '../../src/lib/export/python/dataset';

const noLocks = { locks: null };

/** Every sample of a split, read through the dataset's list of shards, as arrays of bytes. */
async function samples(db: HearthDb, meta: DatasetMeta, split: SplitName): Promise<{ x: number[][]; y: number[] }> {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < splitPieces(meta, split).length; i++) {
    const shard = await readSplitShard(db, meta, split, i);
    for (let k = 0; k < shard.count; k++) {
      x.push(Array.from(shard.x.subarray(k * 4, k * 4 + 4)));
      y.push(shard.y[k]);
    }
  }
  return { x, y };
}

/** Three 2×2 samples whose pixels (250 + k) appear nowhere in tinyDataset's train split (pixels 0–13). */
const added = () => ({ x: Uint8Array.from([250, 250, 250, 250, 251, 251, 251, 251, 252, 252, 252, 252]), y: Uint8Array.from([2, 2, 2]) });

async function parentAndChild() {
  const { db } = await freshDb();
  const { meta, data } = tinyDataset('p', { train: 10, test: 5, val: 3 }, 4);
  const parent = await writeDataset(db, meta, data, noLocks);
  const child = await createVersion(db, 'p', added(), { ...noLocks, now: 2000 });
  return { db, parent, child };
}

describe('createVersion', () => {
  it('shares the test and validation splits byte for byte and puts the added samples first in training', async () => {
    const { db, parent, child } = await parentAndChild();
    expect(child.name).toBe('Tiny p v2');
    expect(child.version).toEqual({ parentId: 'p', rootId: 'p', number: 2, added: 3 });
    expect(child.splits.train.count).toBe(13);
    expect(child.splits.train.classCounts).toEqual([4, 3, 6]);
    expect(child.splits.test.count).toBe(5);
    // Only the added samples are stored again: 3 × (4 pixels + 1 label).
    expect(child.bytes).toBe(15);
    for (const split of ['test', 'val'] as const) {
      const mine = await samples(db, child, split);
      expect(mine).toEqual(await samples(db, parent, split));
      expect(mine.x.length).toBe(parent.splits[split]!.count);
    }
    const train = await samples(db, child, 'train');
    const before = await samples(db, parent, 'train');
    expect(train.x.slice(0, 3)).toEqual([[250, 250, 250, 250], [251, 251, 251, 251], [252, 252, 252, 252]]);
    expect(train.y.slice(0, 3)).toEqual([2, 2, 2]);
    expect(train.x.slice(3)).toEqual(before.x);
    // The parent is unchanged.
    expect((await listDatasets(db)).find((d) => d.id === 'p')!.splits.train.count).toBe(10);
  });

  it('streams every added sample exactly once per epoch', async () => {
    const { db, child } = await parentAndChild();
    const source = createShardSource({
      readShard: (i) => readSplitShard(db, child, 'train', i),
      split: child.splits.train,
      sampleShape: [2, 2, 1],
      numClasses: 3,
      start: 0,
      end: child.splits.train.count,
      batchSize: 4,
      shuffle: true,
      seed: 7,
    });
    for (const epoch of [0, 1, 2]) {
      const seen = new Map<number, number>();
      let total = 0;
      for await (const batch of source.epoch(epoch)) {
        for (let k = 0; k < batch.size; k++) {
          const v = Math.round(batch.x[k * 4] * 255);
          seen.set(v, (seen.get(v) ?? 0) + 1);
        }
        total += batch.size;
      }
      expect(total).toBe(13);
      expect([seen.get(250), seen.get(251), seen.get(252)]).toEqual([1, 1, 1]);
    }
  });

  it('numbers versions within a family and flattens shared shards', async () => {
    const { db, child } = await parentAndChild();
    const grandchild = await createVersion(db, child.id, { x: new Uint8Array(4).fill(240), y: Uint8Array.of(0) }, { ...noLocks, now: 3000 });
    expect(grandchild.name).toBe('Tiny p v3');
    expect(grandchild.version).toEqual({ parentId: child.id, rootId: 'p', number: 3, added: 1 });
    expect(grandchild.splits.train.pieces!.map((p) => p.datasetId)).toEqual([grandchild.id, child.id, 'p', 'p', 'p']);
    expect((await samples(db, grandchild, 'train')).x.slice(0, 4).map((x) => x[0])).toEqual([240, 250, 251, 252]);
  });

  it('refuses samples that do not fit the dataset, storing nothing', async () => {
    const { db } = await parentAndChild();
    await expect(createVersion(db, 'p', { x: new Uint8Array(4), y: Uint8Array.of(3) }, noLocks)).rejects.toThrow('Label 3 is not one of the 3 classes of Tiny p');
    await expect(createVersion(db, 'p', { x: new Uint8Array(5), y: Uint8Array.of(0) }, noLocks)).rejects.toThrow('Each sample for Tiny p has 4 values (2×2×1); got 5 values for 1 samples');
    await expect(createVersion(db, 'gone', added(), noLocks)).rejects.toThrow('no longer stored');
    expect((await listDatasets(db)).length).toBe(2);
  });
});

describe('deleting versions and their parents', () => {
  it('keeps a version usable after its parent is deleted, and frees the shards with the last reader', async () => {
    const { db, parent, child } = await parentAndChild();
    const test = await samples(db, parent, 'test');
    await deleteDataset(db, 'p', noLocks);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual([child.id]);
    expect(await samples(db, child, 'test')).toEqual(test);
    expect((await samples(db, child, 'train')).x.length).toBe(13);
    // Start-up clean-up does not take the shared shards for an interrupted load's.
    expect(await removeIncomplete(db, { locks: memoryLocks() })).toBe(0);
    // The parent's 3 train, 1 validation and 2 test shards, and the version's own.
    expect(await db.count('shards')).toBe(3 + 1 + 2 + 1);
    await deleteDataset(db, child.id, noLocks);
    expect(await db.count('shards')).toBe(0);
  });

  it('keeps the parent whole when a version is deleted', async () => {
    const { db, parent, child } = await parentAndChild();
    const before = await db.count('shards');
    await deleteDataset(db, child.id, noLocks);
    expect(await db.count('shards')).toBe(before - 1);
    expect((await samples(db, parent, 'train')).x.length).toBe(10);
  });

  it('lets a deleted built-in be loaded again beside its version', async () => {
    const { db, child } = await parentAndChild();
    await deleteDataset(db, 'p', noLocks);
    const { meta, data } = tinyDataset('p', { train: 10, test: 5, val: 3 }, 4);
    await writeDataset(db, meta, data, noLocks);
    expect((await listDatasets(db)).length).toBe(2);
    expect((await samples(db, child, 'train')).x.length).toBe(13);
    await deleteDataset(db, 'p', noLocks);
    expect((await samples(db, child, 'val')).x.length).toBe(3);
  });
});

describe('restoring dataset records', () => {
  it('opens records written before versions existed, with no version and no list of shards', async () => {
    const { meta } = tinyDataset('old', { train: 10, test: 5 }, 4);
    const restored = restoreDatasetMeta(JSON.parse(JSON.stringify(meta)));
    expect(restored.version).toBeUndefined();
    expect(restored.splits.train.pieces).toBeUndefined();
    expect(splitPieces(restored, 'train')).toEqual([
      { datasetId: 'old', index: 0, count: 4 },
      { datasetId: 'old', index: 1, count: 4 },
      { datasetId: 'old', index: 2, count: 2 },
    ]);
  });

  it('refuses a version whose shards do not add up, and drops a damaged version note', async () => {
    const { db, child } = await parentAndChild();
    const raw = JSON.parse(JSON.stringify(child)) as DatasetMeta;
    raw.splits.train.pieces![0].count = 9;
    expect(() => restoreDatasetMeta(raw)).toThrow('its train split has 13 samples, but its shards hold 19');
    const note = { ...JSON.parse(JSON.stringify(child)), version: { parentId: 'p', number: 'two' } };
    expect(restoreDatasetMeta(note).version).toBeUndefined();
    expect((await readDatasets(db)).problems).toEqual([]);
  });
});

describe('version ids', () => {
  it('fit the experiment config, so a version can be trained on and put in a link', async () => {
    const { child } = await parentAndChild();
    expect(restoreConfig({ datasetId: child.id }).datasetId).toBe(child.id);
    expect(child.id).toMatch(/^p\.v2-/);
  });
});

describe('exporting a version for Python', () => {
  it('writes its added samples first in x_train and its parent’s test split unchanged', async () => {
    const { db, parent, child } = await parentAndChild();
    const arrays = async (meta: DatasetMeta) =>
      datasetArrays(meta, { trainLimit: 0, validationSplit: 0 }, (split, index) => readSplitShard(db, meta, split, index));
    const [mine, theirs] = [await arrays(child), await arrays(parent)];
    const values = (a: { data: unknown }) => Array.from(a.data as ArrayLike<number>);
    expect(mine.x_train.shape).toEqual([13, 2, 2, 1]);
    expect(values(mine.x_train).slice(0, 12)).toEqual([250, 250, 250, 250, 251, 251, 251, 251, 252, 252, 252, 252]);
    expect(values(mine.x_train).slice(12)).toEqual(values(theirs.x_train));
    expect(values(mine.x_test)).toEqual(values(theirs.x_test));
    expect(values(mine.y_val)).toEqual(values(theirs.y_val));
  });
});
