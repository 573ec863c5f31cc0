/**
 * A fresh in-memory IndexedDB per test. The global constructors from
 * fake-indexeddb/auto are needed because idb recognises IDB objects by them;
 * each test still gets its own factory, so no state leaks between tests.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { openHearthDb, type HearthDb } from '../../../src/lib/storage/db';
import type { DatasetMeta, SplitName } from '../../../src/lib/types';

export async function freshDb(): Promise<{ factory: IDBFactory; db: HearthDb }> {
  const factory = new IDBFactory();
  return { factory, db: await openHearthDb(factory) };
}

/**
 * A small dataset of 2×2×1 images and 3 classes. Sample i of a split has pixels
 * [i, i+1, i+2, i+3] (mod 256) plus an offset per split, and label i % 3.
 */
export function tinyDataset(
  id: string,
  counts: Record<SplitName, number>,
  shardSize: number,
  createdAt = 1000,
): { meta: DatasetMeta; data: Record<SplitName, { x: Uint8Array; y: Uint8Array }> } {
  const data = {} as Record<SplitName, { x: Uint8Array; y: Uint8Array }>;
  const splits = {} as DatasetMeta['splits'];
  (['train', 'test'] as const).forEach((split, s) => {
    const n = counts[split];
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
  });
  const meta: DatasetMeta = {
    id,
    name: `Tiny ${id}`,
    source: 'test',
    kind: 'image',
    shape: [2, 2, 1],
    classes: ['a', 'b', 'c'],
    splits,
    bytes: (counts.train + counts.test) * 5,
    createdAt,
  };
  return { meta, data };
}
