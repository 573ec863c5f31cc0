/**
 * Which stored shards a split reads. A dataset as loaded or imported owns its shards:
 * shard i of a split is [id, split, i]. A version made by adding samples lists its
 * shards instead (SplitInfo.pieces): its own added shard first, then its parent's,
 * which it shares rather than copies. A shard listed by any dataset is kept while
 * that dataset is, even after the dataset that wrote it is deleted.
 */
import type { DatasetMeta, ShardRef, SplitName } from '../types';

export type ShardKey = [string, SplitName, number];

/** The splits a dataset stores, in the order they are written. */
export function splitsOf(meta: Pick<DatasetMeta, 'splits'>): SplitName[] {
  return meta.splits.val ? ['train', 'val', 'test'] : ['train', 'test'];
}

/** The shards of one split, in the order its samples are numbered. */
export function splitPieces(meta: Pick<DatasetMeta, 'id' | 'splits'>, split: SplitName): ShardRef[] {
  const info = meta.splits[split];
  if (!info) return [];
  if (info.pieces) return info.pieces;
  return Array.from({ length: info.shards }, (_, index) => ({
    datasetId: meta.id,
    index,
    count: Math.min(info.shardSize, info.count - index * info.shardSize),
  }));
}

const keyText = (k: ShardKey) => JSON.stringify(k);

/** The keys of every shard some dataset in `metas` reads, as text for a Set. */
export function shardKeysInUse(metas: Pick<DatasetMeta, 'id' | 'splits'>[]): Set<string> {
  const used = new Set<string>();
  for (const meta of metas) {
    for (const split of splitsOf(meta)) {
      for (const p of splitPieces(meta, split)) used.add(keyText([p.datasetId, split, p.index]));
    }
  }
  return used;
}

export function isInUse(used: Set<string>, key: ShardKey): boolean {
  return used.has(keyText(key));
}

/** The ids whose shards a dataset reads: its own, and for a version those of the datasets it was made from. */
export function shardOwners(meta: unknown): Set<string> {
  const owners = new Set<string>();
  const splits = (meta as { splits?: Record<string, { pieces?: unknown }> } | null)?.splits;
  for (const info of Object.values(splits ?? {})) {
    if (!Array.isArray(info?.pieces)) continue;
    for (const p of info.pieces as { datasetId?: unknown }[]) if (typeof p?.datasetId === 'string') owners.add(p.datasetId);
  }
  return owners;
}
