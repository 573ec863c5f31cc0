/**
 * Datasets in IndexedDB: one meta record per dataset plus its samples in
 * shards of a few thousand. The meta record is written after every shard and
 * deleted before them, so the library only ever lists complete datasets; shards
 * without a meta record are leftovers of an interrupted load (removeIncomplete).
 */
import type { DatasetMeta, ShardRecord, SplitName } from '../types';
import { StorageFullError, isQuotaError, runWrites, type HearthDb } from './db';

const SPLITS: SplitName[] = ['train', 'test'];

/** Ids being written by this page, so a second load of the same dataset cannot trample the first. */
const writing = new Set<string>();

export async function listDatasets(db: HearthDb): Promise<DatasetMeta[]> {
  const all = await db.getAll('datasets');
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export function getDataset(db: HearthDb, id: string): Promise<DatasetMeta | undefined> {
  return db.get('datasets', id);
}

export async function readShard(db: HearthDb, datasetId: string, split: SplitName, index: number): Promise<ShardRecord> {
  const shard = await db.get('shards', [datasetId, split, index]);
  if (shard) return shard;
  const meta = await db.get('datasets', datasetId);
  if (!meta) throw new Error(`Dataset ${datasetId} is not stored (it may have been deleted). Load it again.`);
  throw new Error(
    `Dataset ${meta.name} is damaged: shard ${index} of its ${split} split is missing. Delete it and load it again.`,
  );
}

function abortError(): DOMException {
  return new DOMException('Loading the dataset was cancelled.', 'AbortError');
}

function validate(meta: DatasetMeta, data: Record<SplitName, { x: Uint8Array; y: Uint8Array }>): void {
  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  if (!(sampleLen > 0) || !meta.shape.every(Number.isInteger)) {
    throw new Error(`Dataset ${meta.name} has an invalid sample shape [${meta.shape.join(', ')}].`);
  }
  for (const split of SPLITS) {
    const info = meta.splits[split];
    const part = data[split];
    if (!info || !part) throw new Error(`Dataset ${meta.name} has no ${split} split.`);
    if (!Number.isInteger(info.shardSize) || info.shardSize < 1) {
      throw new Error(`Dataset ${meta.name}: the ${split} split's shard size must be a positive whole number (got ${info.shardSize}).`);
    }
    if (info.shards !== Math.ceil(info.count / info.shardSize)) {
      throw new Error(
        `Dataset ${meta.name}: the ${split} split says ${info.shards} shards, but ${info.count} samples in shards of ${info.shardSize} make ${Math.ceil(info.count / info.shardSize)}.`,
      );
    }
    if (part.x.length !== info.count * sampleLen) {
      throw new Error(
        `Dataset ${meta.name}: the ${split} split should have ${info.count * sampleLen} pixel values (${info.count} samples of ${meta.shape.join('×')}), but has ${part.x.length}.`,
      );
    }
    if (part.y.length !== info.count) {
      throw new Error(`Dataset ${meta.name}: the ${split} split has ${info.count} samples but ${part.y.length} labels.`);
    }
    for (let i = 0; i < part.y.length; i++) {
      if (part.y[i] >= meta.classes.length) {
        throw new Error(
          `Dataset ${meta.name}: label ${part.y[i]} of ${split} sample ${i} is out of range; there are only ${meta.classes.length} classes.`,
        );
      }
    }
  }
}

export async function writeDataset(
  db: HearthDb,
  meta: DatasetMeta,
  data: Record<SplitName, { x: Uint8Array; y: Uint8Array }>,
  opts: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {},
): Promise<void> {
  validate(meta, data);
  if (writing.has(meta.id)) throw new Error(`Dataset ${meta.name} is already being loaded.`);
  writing.add(meta.id);
  try {
    await writeNew(db, meta, data, opts);
  } finally {
    writing.delete(meta.id);
  }
}

async function writeNew(
  db: HearthDb,
  meta: DatasetMeta,
  data: Record<SplitName, { x: Uint8Array; y: Uint8Array }>,
  { onProgress, signal }: { onProgress?: (fraction: number) => void; signal?: AbortSignal },
): Promise<void> {
  if (await db.get('datasets', meta.id)) {
    throw new Error(`A dataset with id ${meta.id} already exists; delete it first.`);
  }
  // Shards under this id without a meta record are leftovers of an interrupted load of the same dataset.
  await deleteShardsOf(db, meta.id);

  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  const totalBytes = SPLITS.reduce((n, s) => n + data[s].x.length + data[s].y.length, 0);
  const written: [string, SplitName, number][] = [];
  let doneBytes = 0;
  try {
    for (const split of SPLITS) {
      const { count, shardSize, shards } = meta.splits[split];
      for (let index = 0; index < shards; index++) {
        if (signal?.aborted) throw abortError();
        const from = index * shardSize;
        const to = Math.min(count, from + shardSize);
        // slice, not subarray: each record must own a small buffer, not a view of the whole split.
        const record: ShardRecord = {
          datasetId: meta.id,
          split,
          index,
          count: to - from,
          x: data[split].x.slice(from * sampleLen, to * sampleLen),
          y: data[split].y.slice(from, to),
        };
        // Recorded before the put, so the cleanup covers it wherever the failure comes; deleting an absent key is harmless.
        written.push([meta.id, split, index]);
        const tx = db.transaction('shards', 'readwrite');
        await runWrites(tx, (track) => track(tx.store.put(record)));
        doneBytes += record.x.length + record.y.length;
        onProgress?.(totalBytes ? doneBytes / totalBytes : 1);
      }
    }
    if (signal?.aborted) throw abortError();
    const tx = db.transaction('datasets', 'readwrite');
    await runWrites(tx, (track) => track(tx.store.put(meta)));
  } catch (err) {
    await deleteShardKeys(db, written).catch(() => {});
    if (isQuotaError(err)) throw new StorageFullError(`the dataset "${meta.name}"`, totalBytes);
    throw err;
  }
  onProgress?.(1);
}

async function deleteShardKeys(db: HearthDb, keys: [string, SplitName, number][]): Promise<void> {
  if (!keys.length) return;
  const tx = db.transaction('shards', 'readwrite');
  await runWrites(tx, (track) => keys.forEach((k) => track(tx.store.delete(k))));
}

async function deleteShardsOf(db: HearthDb, datasetId: string): Promise<number> {
  const tx = db.transaction('shards', 'readwrite');
  const keys = await tx.store.index('byDataset').getAllKeys(datasetId);
  await runWrites(tx, (track) => keys.forEach((k) => track(tx.store.delete(k))));
  return keys.length;
}

export async function deleteDataset(db: HearthDb, id: string): Promise<void> {
  await db.delete('datasets', id);
  await deleteShardsOf(db, id);
}

export async function removeIncomplete(db: HearthDb, keep: string[] = []): Promise<number> {
  // One transaction over both stores, so a load that writes its meta record meanwhile cannot lose its shards.
  const tx = db.transaction(['datasets', 'shards'], 'readwrite');
  const complete = new Set<string>(await tx.objectStore('datasets').getAllKeys());
  for (const id of keep) complete.add(id);
  const shards = tx.objectStore('shards');
  const orphans = (await shards.getAllKeys()).filter((key) => !complete.has(key[0]));
  await runWrites(tx, (track) => orphans.forEach((k) => track(shards.delete(k))));
  return orphans.length;
}

export async function previewSamples(
  db: HearthDb,
  id: string,
  n: number,
): Promise<{ x: Uint8Array; y: Uint8Array; count: number }> {
  const meta = await db.get('datasets', id);
  if (!meta) throw new Error(`Dataset ${id} is not stored (it may have been deleted).`);
  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  const count = Math.max(0, Math.min(Math.floor(n), meta.splits.train.count));
  const x = new Uint8Array(count * sampleLen);
  const y = new Uint8Array(count);
  let filled = 0;
  for (let index = 0; filled < count; index++) {
    const shard = await readShard(db, id, 'train', index);
    const take = Math.min(shard.count, count - filled);
    x.set(shard.x.subarray(0, take * sampleLen), filled * sampleLen);
    y.set(shard.y.subarray(0, take), filled);
    filled += take;
  }
  return { x, y, count };
}
