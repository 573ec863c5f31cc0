/**
 * Datasets in IndexedDB: one meta record per dataset plus its samples in
 * shards of a few thousand. The meta record is written after every shard and
 * deleted before them, so the library only ever lists complete datasets; shards
 * without a meta record are leftovers of an interrupted load (removeIncomplete).
 */
import type { DatasetMeta, ShardRecord, SplitInfo, SplitName } from '../types';
import { StorageFullError, isQuotaError, runWrites, type HearthDb } from './db';

/** One split's samples: x of the dataset's dtype, y class indices (uint8) or regression targets (float32). */
export interface SplitData {
  x: Uint8Array | Float32Array;
  y: Uint8Array | Float32Array;
}

export interface DatasetData {
  train: SplitData;
  test: SplitData;
  /** Present exactly when meta.splits.val is. */
  val?: SplitData;
}

/** Ids being written by this page, so a second load of the same dataset cannot trample the first. */
const writing = new Set<string>();

/** The splits a dataset stores, in the order they are written. */
function splitsOf(meta: DatasetMeta): SplitName[] {
  return meta.splits.val ? ['train', 'val', 'test'] : ['train', 'test'];
}

class BadRecord extends Error {}

function splitInfo(raw: unknown, split: SplitName): SplitInfo {
  const s = raw as Partial<SplitInfo> | null;
  if (!s || typeof s !== 'object') throw new BadRecord(`it has no ${split} split`);
  const { count, shardSize, shards } = s;
  if (!Number.isInteger(count) || count! < 0 || !Number.isInteger(shardSize) || shardSize! < 1) {
    throw new BadRecord(`its ${split} split has no valid sample count and shard size`);
  }
  if (shards !== Math.ceil(count! / shardSize!)) {
    throw new BadRecord(`its ${split} split says ${String(shards)} shards, but ${count} samples in shards of ${shardSize} make ${Math.ceil(count! / shardSize!)}`);
  }
  const classCounts = Array.isArray(s.classCounts) && s.classCounts.every(Number.isFinite) ? s.classCounts : [];
  return { count: count!, shardSize: shardSize!, shards, classCounts };
}

function oneOf<T extends string>(value: unknown, options: readonly T[], fallback: T, field: string): T {
  if (value === undefined) return fallback;
  if (options.includes(value as T)) return value as T;
  throw new BadRecord(`its ${field} "${String(value)}" is not one of ${options.join(', ')}`);
}

/**
 * Every dataset record read from storage passes here. Records written before
 * datasets had a kind, task and dtype (MNIST in the first version) were uint8
 * image classifiers, and get those defaults; a record that cannot be read
 * (no id, no usable shape or splits) is refused with a message saying so.
 */
export function restoreDatasetMeta(raw: unknown): DatasetMeta {
  try {
    return checkMeta(raw);
  } catch (err) {
    if (!(err instanceof BadRecord)) throw err;
    throw new Error(`The stored dataset "${labelOf(raw)}" cannot be opened: ${err.message}. Delete it and load it again.`);
  }
}

function labelOf(raw: unknown): string {
  const r = (raw ?? {}) as Record<string, unknown>;
  return typeof r.name === 'string' && r.name ? r.name : typeof r.id === 'string' && r.id ? r.id : 'without a name';
}

function checkMeta(raw: unknown): DatasetMeta {
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRecord('the record is not an object');
  if (typeof r.id !== 'string' || !r.id) throw new BadRecord('it has no id');
  const shape = r.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new BadRecord(`its sample shape ${JSON.stringify(shape)} is not three positive whole numbers`);
  }
  if (!Array.isArray(r.classes) || !r.classes.every((c) => typeof c === 'string')) throw new BadRecord('its class names are missing');
  const rawSplits = r.splits as Record<string, unknown> | undefined;
  if (!rawSplits || typeof rawSplits !== 'object') throw new BadRecord('it has no splits');
  const splits: DatasetMeta['splits'] = { train: splitInfo(rawSplits.train, 'train'), test: splitInfo(rawSplits.test, 'test') };
  if (rawSplits.val !== undefined) splits.val = splitInfo(rawSplits.val, 'val');
  return {
    ...(r as unknown as DatasetMeta),
    name: typeof r.name === 'string' ? r.name : r.id,
    source: typeof r.source === 'string' ? r.source : '',
    kind: oneOf(r.kind, ['image', 'tabular'], 'image', 'kind'),
    task: oneOf(r.task, ['classification', 'regression'], 'classification', 'task'),
    dtype: oneOf(r.dtype, ['uint8', 'float32'], 'uint8', 'storage type'),
    shape: [shape[0], shape[1], shape[2]],
    classes: r.classes as string[],
    splits,
    bytes: typeof r.bytes === 'number' && Number.isFinite(r.bytes) ? r.bytes : 0,
    createdAt: typeof r.createdAt === 'number' && Number.isFinite(r.createdAt) ? r.createdAt : 0,
  };
}

/** Newest first. A record that restoreDatasetMeta refuses is left out rather than hiding every other dataset. */
export async function listDatasets(db: HearthDb): Promise<DatasetMeta[]> {
  const all: DatasetMeta[] = [];
  for (const raw of await db.getAll('datasets')) {
    try {
      all.push(restoreDatasetMeta(raw));
    } catch {
      // Unreadable; writeDataset replaces it when the dataset is loaded again.
    }
  }
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export async function getDataset(db: HearthDb, id: string): Promise<DatasetMeta | undefined> {
  const raw = await db.get('datasets', id);
  return raw === undefined ? undefined : restoreDatasetMeta(raw);
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

const typeName = (a: ArrayBufferView) => a.constructor.name;

function validate(meta: DatasetMeta, data: DatasetData): void {
  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  const regression = meta.task === 'regression';
  if (!meta.splits.val !== !data.val) {
    throw new Error(`Dataset ${meta.name}: the record and the data disagree about whether there is a validation split.`);
  }
  for (const split of splitsOf(meta)) {
    const info = meta.splits[split]!;
    const part = data[split];
    if (!part) throw new Error(`Dataset ${meta.name} has no ${split} split.`);
    const xType = meta.dtype === 'float32' ? Float32Array : Uint8Array;
    if (!(part.x instanceof xType)) {
      throw new Error(`Dataset ${meta.name}: the ${split} split's samples should be a ${xType.name} (dtype ${meta.dtype}), not a ${typeName(part.x)}.`);
    }
    const yType = regression ? Float32Array : Uint8Array;
    if (!(part.y instanceof yType)) {
      throw new Error(`Dataset ${meta.name}: the ${split} split's ${regression ? 'targets' : 'labels'} should be a ${yType.name}, not a ${typeName(part.y)}.`);
    }
    if (part.x.length !== info.count * sampleLen) {
      throw new Error(
        `Dataset ${meta.name}: the ${split} split should have ${info.count * sampleLen} ${meta.dtype === 'uint8' ? 'pixel' : 'feature'} values (${info.count} samples of ${meta.shape.join('×')}), but has ${part.x.length}.`,
      );
    }
    if (part.y.length !== info.count) {
      throw new Error(`Dataset ${meta.name}: the ${split} split has ${info.count} samples but ${part.y.length} labels.`);
    }
    if (part.x instanceof Float32Array) {
      const bad = part.x.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`Dataset ${meta.name}: ${split} sample ${Math.floor(bad / sampleLen)} has a value that is not a finite number.`);
    }
    for (let i = 0; i < part.y.length; i++) {
      if (regression ? !Number.isFinite(part.y[i]) : part.y[i] >= meta.classes.length) {
        throw new Error(
          regression
            ? `Dataset ${meta.name}: the target of ${split} sample ${i} is not a finite number.`
            : `Dataset ${meta.name}: label ${part.y[i]} of ${split} sample ${i} is out of range; there are only ${meta.classes.length} classes.`,
        );
      }
    }
  }
}

/**
 * Stores a dataset: its shards, then its meta record. The record stored (and
 * returned) has `bytes` set to the byte length actually written.
 */
export async function writeDataset(
  db: HearthDb,
  meta: DatasetMeta,
  data: DatasetData,
  opts: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {},
): Promise<DatasetMeta> {
  // The record must read back: the same gate every read goes through.
  try {
    checkMeta(meta);
  } catch (err) {
    if (err instanceof BadRecord) throw new Error(`Dataset ${labelOf(meta)} cannot be stored: ${err.message}.`);
    throw err;
  }
  validate(meta, data);
  if (writing.has(meta.id)) throw new Error(`Dataset ${meta.name} is already being loaded.`);
  writing.add(meta.id);
  try {
    return await writeNew(db, meta, data, opts);
  } finally {
    writing.delete(meta.id);
  }
}

async function writeNew(
  db: HearthDb,
  meta: DatasetMeta,
  data: DatasetData,
  { onProgress, signal }: { onProgress?: (fraction: number) => void; signal?: AbortSignal },
): Promise<DatasetMeta> {
  const existing = await db.get('datasets', meta.id);
  if (existing) {
    let readable = true;
    try {
      restoreDatasetMeta(existing);
    } catch {
      readable = false; // an unreadable record is not listed, so it could never be deleted: replace it
    }
    if (readable) throw new Error(`A dataset with id ${meta.id} already exists; delete it first.`);
  }
  // Shards under this id without a meta record are leftovers of an interrupted load of the same dataset.
  await deleteShardsOf(db, meta.id);

  const splits = splitsOf(meta);
  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  const totalBytes = splits.reduce((n, s) => n + data[s]!.x.byteLength + data[s]!.y.byteLength, 0);
  const stored: DatasetMeta = { ...meta, bytes: totalBytes };
  const written: [string, SplitName, number][] = [];
  let doneBytes = 0;
  try {
    for (const split of splits) {
      const { count, shardSize, shards } = meta.splits[split]!;
      const part = data[split]!;
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
          x: part.x.slice(from * sampleLen, to * sampleLen),
          y: part.y.slice(from, to),
        };
        // Recorded before the put, so the cleanup covers it wherever the failure comes; deleting an absent key is harmless.
        written.push([meta.id, split, index]);
        const tx = db.transaction('shards', 'readwrite');
        await runWrites(tx, (track) => track(tx.store.put(record)));
        doneBytes += record.x.byteLength + record.y.byteLength;
        onProgress?.(totalBytes ? doneBytes / totalBytes : 1);
      }
    }
    if (signal?.aborted) throw abortError();
    const tx = db.transaction('datasets', 'readwrite');
    await runWrites(tx, (track) => track(tx.store.put(stored)));
  } catch (err) {
    await deleteShardKeys(db, written).catch(() => {});
    if (isQuotaError(err)) throw new StorageFullError(`the dataset "${meta.name}"`, totalBytes);
    throw err;
  }
  onProgress?.(1);
  return stored;
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

/** The first n training samples, in stored order, with the dataset's own array types. */
export async function previewSamples(
  db: HearthDb,
  id: string,
  n: number,
): Promise<{ x: Uint8Array | Float32Array; y: Uint8Array | Float32Array; count: number }> {
  const meta = await getDataset(db, id);
  if (!meta) throw new Error(`Dataset ${id} is not stored (it may have been deleted).`);
  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  const count = Math.max(0, Math.min(Math.floor(n), meta.splits.train.count));
  const x = meta.dtype === 'float32' ? new Float32Array(count * sampleLen) : new Uint8Array(count * sampleLen);
  const y = meta.task === 'regression' ? new Float32Array(count) : new Uint8Array(count);
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
