/**
 * A fresh in-memory IndexedDB per test. The global constructors from
 * fake-indexeddb/auto are needed because idb recognises IDB objects by them;
 * each test still gets its own factory, so no state leaks between tests.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openHearthDb, type HearthDb } from '../../../src/lib/storage/db';
import type { DatasetData } from '../../../src/lib/storage/datasets';
import type { DatasetMeta, SplitName, Task } from '../../../src/lib/types';

export async function freshDb(): Promise<{ factory: IDBFactory; db: HearthDb }> {
  const factory = new IDBFactory();
  return { factory, db: await openHearthDb(factory) };
}

type Counts = { train: number; test: number; val?: number };
const splitsIn = (counts: Counts): SplitName[] => (counts.val === undefined ? ['train', 'test'] : ['train', 'val', 'test']);

/**
 * A small dataset of 2×2×1 images and 3 classes. Sample i of a split has pixels
 * [i, i+1, i+2, i+3] (mod 256) plus 100 × the split's position (train 0, test 1, val 2), and label i % 3.
 */
export function tinyDataset(
  id: string,
  counts: Counts,
  shardSize: number,
  createdAt = 1000,
): { meta: DatasetMeta; data: { train: { x: Uint8Array; y: Uint8Array }; test: { x: Uint8Array; y: Uint8Array }; val?: { x: Uint8Array; y: Uint8Array } } } {
  const data = {} as Record<SplitName, { x: Uint8Array; y: Uint8Array }>;
  const splits = {} as DatasetMeta['splits'];
  for (const split of splitsIn(counts)) {
    const s = ['train', 'test', 'val'].indexOf(split);
    const n = counts[split]!;
    const x = new Uint8Array(n * 4);
    const y = new Uint8Array(n);
    const classCounts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 4; j++) x[4 * i + j] = (i + j + 100 * s) % 256;
      y[i] = i % 3;
      classCounts[i % 3]++;
    }
    data[split] = { x, y };
    splits[split] = { count: n, shardSize, shards: Math.ceil(n / shardSize), classCounts };
  }
  const meta: DatasetMeta = {
    id,
    name: `Tiny ${id}`,
    source: 'test',
    kind: 'image',
    task: 'classification',
    dtype: 'uint8',
    shape: [2, 2, 1],
    classes: ['a', 'b', 'c'],
    splits,
    bytes: (counts.train + counts.test + (counts.val ?? 0)) * 5,
    createdAt,
  };
  return { meta, data };
}

/**
 * A float32 tabular dataset of `features` (default 2) columns. Row i of a split
 * (g = i + 1000 × the split's position: train 0, test 1, val 2) has feature
 * f = ((7g + 3f) mod 11 − 5) / 5. y = label(row): by default 1 when the first feature is positive.
 */
export function tinyTabular(
  id: string,
  counts: Counts,
  shardSize: number,
  opts: { task: Task; features?: number; label?: (x: Float32Array) => number; target?: { mean: number; std: number } },
): { meta: DatasetMeta; data: DatasetData } {
  const width = opts.features ?? 2;
  const regression = opts.task === 'regression';
  const label = opts.label ?? ((x: Float32Array) => (x[0] > 0 ? 1 : 0));
  const data = {} as Record<SplitName, { x: Float32Array; y: Uint8Array | Float32Array }>;
  const splits = {} as DatasetMeta['splits'];
  for (const split of splitsIn(counts)) {
    const s = ['train', 'test', 'val'].indexOf(split);
    const n = counts[split]!;
    const x = new Float32Array(n * width);
    const y = regression ? new Float32Array(n) : new Uint8Array(n);
    const classCounts = regression ? [] : [0, 0];
    for (let i = 0; i < n; i++) {
      const g = i + 1000 * s;
      for (let f = 0; f < width; f++) x[i * width + f] = (((g * 7 + f * 3) % 11) - 5) / 5;
      y[i] = label(x.subarray(i * width, (i + 1) * width));
      if (!regression) classCounts[y[i]]++;
    }
    data[split] = { x, y };
    splits[split] = { count: n, shardSize, shards: Math.ceil(n / shardSize), classCounts };
  }
  const featureNames = Array.from({ length: width }, (_, f) => `f${f}`);
  const meta: DatasetMeta = {
    id,
    name: `Table ${id}`,
    source: 'test.csv',
    kind: 'tabular',
    task: opts.task,
    dtype: 'float32',
    shape: [1, 1, width],
    classes: regression ? [] : ['no', 'yes'],
    splits,
    tabular: {
      label: 'y',
      encoding: featureNames.map((column) => ({ column, kind: 'numeric', mean: 0, std: 1 })),
      featureNames,
      target: regression ? (opts.target ?? { mean: 0, std: 1 }) : null,
    },
    bytes: 0,
    createdAt: 1000,
  };
  return { meta, data };
}

/**
 * Makes every transaction that writes to `store` fail the way Chromium fails a commit on
 * a full disk: the write itself succeeds, then the transaction aborts with `error` as
 * its own error, and requests still pending in it see only an AbortError.
 * Returns a function that undoes the patch and says how many commits failed.
 */
export function failCommitsOf(store: string, error: DOMException, proto: { put: (...args: never[]) => unknown }): () => number {
  const realPut = proto.put;
  let failed = 0;
  proto.put = function (this: IDBObjectStore, ...args: never[]) {
    const request = realPut.apply(this, args) as IDBRequest;
    if (this.name === store) {
      const tx = this.transaction as IDBTransaction & { _abort(name: string | null): void; error: DOMException | null };
      request.addEventListener('success', () => {
        failed++;
        tx._abort(null);
        tx.error = error;
      });
    }
    return request;
  } as typeof proto.put;
  return () => {
    proto.put = realPut;
    return failed;
  };
}
