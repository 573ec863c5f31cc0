/**
 * Chosen samples of a stored split, read on demand: the error explorer asks for
 * the few dozen test samples of one confusion-matrix cell, and only the shards
 * that hold them are read, one at a time.
 */
import type { DatasetMeta, SplitName } from '../types';
import type { HearthDb } from './db';
import { readShard } from './datasets';

export interface SampleRows {
  /** indices.length × prod(shape) values as stored: uint8 pixels or float32 features. */
  x: Uint8Array | Float32Array;
  /** indices.length labels: class indices or regression targets. */
  y: Uint8Array | Float32Array;
}

/** The samples at `indices` (positions in the split, any order; the result keeps that order). */
export async function readSamples(
  db: HearthDb,
  meta: Pick<DatasetMeta, 'id' | 'shape' | 'dtype' | 'task' | 'splits'>,
  split: SplitName,
  indices: readonly number[],
): Promise<SampleRows> {
  const info = meta.splits[split];
  if (!info) throw new Error(`The dataset has no ${split} split.`);
  const sampleLen = meta.shape[0] * meta.shape[1] * meta.shape[2];
  const x = meta.dtype === 'float32' ? new Float32Array(indices.length * sampleLen) : new Uint8Array(indices.length * sampleLen);
  const y = meta.task === 'regression' ? new Float32Array(indices.length) : new Uint8Array(indices.length);
  const byShard = new Map<number, number[]>();
  indices.forEach((index, at) => {
    if (!Number.isInteger(index) || index < 0 || index >= info.count) {
      throw new RangeError(`Sample ${index} is not in the ${split} split of ${info.count} samples.`);
    }
    const shard = Math.floor(index / info.shardSize);
    const list = byShard.get(shard);
    if (list) list.push(at);
    else byShard.set(shard, [at]);
  });
  for (const [shardIndex, wanted] of byShard) {
    const shard = await readShard(db, meta.id, split, shardIndex);
    for (const at of wanted) {
      const local = indices[at] - shardIndex * info.shardSize;
      if (local >= shard.count) throw new Error(`Shard ${shardIndex} of the ${split} split holds fewer samples than its dataset says.`);
      x.set(shard.x.subarray(local * sampleLen, (local + 1) * sampleLen), at * sampleLen);
      y[at] = shard.y[local];
    }
  }
  return { x, y };
}

/** A whole split of a small set (the points of a 2-D set); at most its first `limit` samples. */
export async function readWholeSplit(
  db: HearthDb,
  meta: Pick<DatasetMeta, 'id' | 'shape' | 'dtype' | 'task' | 'splits'>,
  split: SplitName,
  limit = 20_000,
): Promise<SampleRows> {
  const count = Math.min(meta.splits[split]?.count ?? 0, limit);
  return readSamples(db, meta, split, Array.from({ length: count }, (_, i) => i));
}
