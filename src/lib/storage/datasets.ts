/**
 * Datasets in IndexedDB: one meta record per dataset plus its samples in
 * shards of a few thousand. The meta record is written after every shard and
 * deleted before them, so the library only ever lists complete datasets. Shards
 * without a meta record belong to a load in progress (in this tab, another tab or
 * a worker, which holds the load's lock) or are the leftovers of one that died
 * (removeIncomplete takes only those).
 */
import type { DatasetMeta, ShardRecord, SplitName } from '../types';
import { StorageFullError, isQuotaError, runWrites, type HearthDb } from './db';
import { BadRecord, labelOf, readAllThrough, type StoredProblem } from './restore';
import { browserLocks, loadLockName, LoadBusyError, type Locks } from './locks';
import { announce } from './changes';
import { putSeries } from './series';
import { checkDatasetMeta, restoreDatasetMeta, restoreShard } from './restoreDataset';
import { LockedError, opener, sameStored, unseal } from './vault';
import { isInUse, shardKeysInUse, shardOwners, splitPieces, splitsOf, type ShardKey } from './pieces';

export { restoreDatasetMeta };

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

/** Ids being written by this page, so a second load of the same dataset cannot trample the first where there are no locks. */
const writing = new Set<string>();

/** Where Web Locks are missing, a load is guarded within this page only, and nothing is cleaned up at start. */
const locksOr = (locks: Locks | null | undefined) => (locks === undefined ? browserLocks() : locks);

/**
 * The keys of the shards that the stored datasets other than `except` read (a version
 * reads its parent's). Records that cannot be read count too, as far as they can be.
 */
function keysInUse(records: unknown[], except?: string): Set<string> {
  const metas: DatasetMeta[] = [];
  for (const raw of records) {
    try {
      const meta = restoreDatasetMeta(raw);
      if (meta.id !== except) metas.push(meta);
    } catch {
      // Unreadable: it lists no shards anyone can train on.
    }
  }
  return shardKeysInUse(metas);
}

/** Dataset records as stored, opened where sealed; a damaged one stays as it is (unreadable), a locked database refuses. */
function openRecords(db: HearthDb, raws: unknown[]): Promise<unknown[]> {
  return Promise.all(
    raws.map((raw) =>
      unseal(db, 'datasets', raw).catch((err: unknown) => {
        if (err instanceof LockedError) throw err;
        return raw;
      }),
    ),
  );
}

const sameRecords = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((r, i) => sameStored(r, b[i]));

export type { StoredProblem };

/** Every readable dataset record, newest first; the unreadable ones are named in `problems`. */
export async function readDatasets(db: HearthDb): Promise<{ datasets: DatasetMeta[]; problems: StoredProblem[] }> {
  const { items, problems } = await readAllThrough(db.transaction('datasets').store, restoreDatasetMeta, opener(db, 'datasets'));
  return { datasets: items, problems };
}

export async function listDatasets(db: HearthDb): Promise<DatasetMeta[]> {
  return (await readDatasets(db)).datasets;
}

export async function getDataset(db: HearthDb, id: string): Promise<DatasetMeta | undefined> {
  const raw = await db.get('datasets', id);
  return raw === undefined ? undefined : restoreDatasetMeta(await unseal(db, 'datasets', raw));
}

export async function readShard(db: HearthDb, datasetId: string, split: SplitName, index: number): Promise<ShardRecord> {
  const shard = await db.get('shards', [datasetId, split, index]);
  let damage = `shard ${index} of its ${split} split is missing`;
  if (shard) {
    try {
      return restoreShard(await unseal(db, 'shards', shard), datasetId, split, index);
    } catch (err) {
      if (!(err instanceof BadRecord)) throw err;
      damage = err.message;
    }
  }
  const sealed = await db.get('datasets', datasetId);
  const meta = sealed && (await unseal(db, 'datasets', sealed).catch(() => sealed));
  if (!meta) throw new Error(`Dataset ${datasetId} is not stored (it may have been deleted). Load it again.`);
  throw new Error(`Dataset ${labelOf(meta)} is damaged: ${damage}. Delete it and load it again.`);
}

/** Shard `position` of a split as the dataset lists it: its own, or for a version possibly its parent's. */
export function readSplitShard(db: HearthDb, meta: DatasetMeta, split: SplitName, position: number): Promise<ShardRecord> {
  const piece = splitPieces(meta, split)[position];
  if (!piece) return Promise.reject(new Error(`Dataset ${meta.name} has no shard ${position} in its ${split} split.`));
  return readShard(db, piece.datasetId, split, piece.index).catch((err: unknown) => {
    if (piece.datasetId === meta.id) throw err;
    throw new Error(`Dataset ${meta.name} is damaged: a ${split} shard it shares with the dataset it was made from is missing. Delete it.`);
  });
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
  opts: { onProgress?: (fraction: number) => void; signal?: AbortSignal; locks?: Locks | null } = {},
): Promise<DatasetMeta> {
  // The record must read back: the same gate every read goes through.
  try {
    checkDatasetMeta(meta);
  } catch (err) {
    if (err instanceof BadRecord) throw new Error(`Dataset ${labelOf(meta)} cannot be stored: ${err.message}.`);
    throw err;
  }
  validate(meta, data);
  if (writing.has(meta.id)) throw new LoadBusyError(`Dataset ${meta.name} is already being loaded.`);
  writing.add(meta.id);
  try {
    const locks = locksOr(opts.locks);
    const stored = locks
      ? await locks.request(loadLockName(db.name, meta.id), { ifAvailable: true }, (lock) => {
          if (!lock) throw new LoadBusyError(`${meta.name} is being loaded in another tab or window; it will appear here once it is stored.`);
          return writeNew(db, meta, data, opts);
        })
      : await writeNew(db, meta, data, opts);
    announce(db.name, { store: 'datasets', id: meta.id, change: 'added' });
    return stored;
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
      restoreDatasetMeta(await unseal(db, 'datasets', existing));
    } catch {
      readable = false; // an unreadable record is not listed, so it could never be deleted: replace it
    }
    if (readable) throw new Error(`A dataset with id ${meta.id} already exists; delete it first.`);
  }
  // Shards under this id without a meta record are leftovers of an interrupted load of the same dataset,
  // or the shards of a deleted dataset that its versions still read: those stay (a built-in writes them again, the same).
  const inUse = keysInUse(await openRecords(db, await db.getAll('datasets')), meta.id);
  await deleteShardsOf(db, meta.id, inUse);

  const splits = splitsOf(meta);
  const sampleLen = meta.shape.reduce((a, b) => a * b, 1);
  const totalBytes = splits.reduce((n, s) => n + data[s]!.x.byteLength + data[s]!.y.byteLength, 0);
  const stored: DatasetMeta = { ...meta, bytes: totalBytes };
  const written: ShardKey[] = [];
  let doneBytes = 0;
  const noMore = () => {
    if (signal?.aborted) throw abortError();
  };
  try {
    const pieces = splits.flatMap((split) => Array.from({ length: meta.splits[split]!.shards }, (_, index) => ({ split, index })));
    const mode = await putSeries(
      db,
      'shards',
      pieces.length,
      (i, sealing): ShardRecord => {
        const { split, index } = pieces[i];
        const { count, shardSize } = meta.splits[split]!;
        const part = data[split]!;
        const from = index * shardSize;
        const to = Math.min(count, from + shardSize);
        // A clear record must own a small buffer (slice), not a view of the whole split, which IndexedDB would
        // clone whole; a sealed one may be a view, since packing copies it.
        const [xFrom, xTo] = [from * sampleLen, to * sampleLen];
        const x = sealing ? part.x.subarray(xFrom, xTo) : part.x.slice(xFrom, xTo);
        const y = sealing ? part.y.subarray(from, to) : part.y.slice(from, to);
        return { datasetId: meta.id, split, index, count: to - from, x, y };
      },
      {
        writing: (record) => {
          noMore();
          // Recorded before the put, so the cleanup covers it wherever the failure comes; deleting an absent key is harmless.
          written.push([meta.id, record.split, record.index]);
        },
        written: (record) => {
          doneBytes += record.x.byteLength + record.y.byteLength;
          onProgress?.(totalBytes ? doneBytes / totalBytes : 1);
        },
      },
    );
    // The meta record last, in the mode the shards were written in (the vault is not read again).
    await putSeries(db, 'datasets', 1, () => stored, { writing: noMore }, mode);
  } catch (err) {
    await deleteShardKeys(
      db,
      written.filter((k) => !isInUse(inUse, k)),
    ).catch(() => {});
    if (isQuotaError(err)) throw new StorageFullError(`the dataset "${meta.name}"`, totalBytes);
    throw err;
  }
  onProgress?.(1);
  return stored;
}

async function deleteShardKeys(db: HearthDb, keys: ShardKey[]): Promise<void> {
  if (!keys.length) return;
  const tx = db.transaction('shards', 'readwrite');
  await runWrites(tx, (track) => keys.forEach((k) => track(tx.store.delete(k))));
}

async function deleteShardsOf(db: HearthDb, datasetId: string, keep: Set<string> = new Set()): Promise<number> {
  const tx = db.transaction('shards', 'readwrite');
  const keys = (await tx.store.index('byDataset').getAllKeys(datasetId)).filter((k) => !isInUse(keep, k));
  await runWrites(tx, (track) => keys.forEach((k) => track(tx.store.delete(k))));
  return keys.length;
}

/**
 * Deletes a dataset's record and the shards no other dataset reads. The shards its
 * versions share stay, under its id, until the last version reading them is deleted.
 * One transaction, so a version being made meanwhile either sees the record gone
 * (and refuses) or is counted among the readers.
 */
export async function deleteDataset(db: HearthDb, id: string, opts: { locks?: Locks | null } = {}): Promise<void> {
  const remove = async (): Promise<void> => {
    // Sealed records open outside the transaction (decryption would end it); the
    // transaction then checks they are still what was read, and starts again if not.
    const read = await db.getAll('datasets');
    const opened = await openRecords(db, read);
    const tx = db.transaction(['datasets', 'shards'], 'readwrite');
    const datasets = tx.objectStore('datasets');
    const shards = tx.objectStore('shards');
    if (!sameRecords(read, await datasets.getAll())) {
      await runWrites(tx, () => {});
      return remove();
    }
    const inUse = keysInUse(opened, id);
    // A deleted version may have been the last reader of shards its deleted parent wrote.
    const meta = opened.find((r) => (r as { id?: unknown } | null)?.id === id);
    const owners = new Set([id, ...(meta ? shardOwners(meta) : [])]);
    const keys: ShardKey[] = [];
    for (const owner of owners) keys.push(...(await shards.index('byDataset').getAllKeys(owner)));
    const ownersWithRecords = new Set(await datasets.getAllKeys());
    const doomed = keys.filter((k) => !isInUse(inUse, k) && (k[0] === id || !ownersWithRecords.has(k[0])));
    await runWrites(tx, (track) => {
      track(datasets.delete(id));
      doomed.forEach((k) => track(shards.delete(k)));
    });
  };
  const locks = locksOr(opts.locks);
  // Under the load lock, so a load of the same id starting in another tab cannot lose its first shards to it.
  if (locks) await locks.request(loadLockName(db.name, id), { ifAvailable: false }, remove);
  else await remove();
  announce(db.name, { store: 'datasets', id, change: 'deleted' });
}

/**
 * Removes the shards of loads that died before writing their record, and returns
 * how many. A load still running anywhere holds its lock, so its shards are left
 * alone; without Web Locks nothing can tell the two apart, and nothing is removed.
 */
export async function removeIncomplete(db: HearthDb, opts: { locks?: Locks | null } = {}): Promise<number> {
  const locks = locksOr(opts.locks);
  if (!locks) return 0;
  const read = db.transaction(['datasets', 'shards']);
  const complete = new Set<string>(await read.objectStore('datasets').getAllKeys());
  const records = await read.objectStore('datasets').getAll();
  const shardKeys = await read.objectStore('shards').getAllKeys();
  let opened: unknown[];
  try {
    opened = await openRecords(db, records);
  } catch (err) {
    if (err instanceof LockedError) return 0; // which shards the sealed versions read is unknown until unlocked
    throw err;
  }
  // Shards a version reads are complete although the dataset that wrote them is deleted.
  const inUse = keysInUse(opened);
  const suspects = new Set(shardKeys.filter((key) => !complete.has(key[0]) && !isInUse(inUse, key)).map((key) => key[0]));
  let removed = 0;
  for (const id of suspects) {
    removed += await locks.request(loadLockName(db.name, id), { ifAvailable: true }, async (lock) => {
      if (!lock) return 0; // still being written
      // Checked again under the lock, in the transaction that deletes: the load may have finished meanwhile.
      const tx = db.transaction(['datasets', 'shards'], 'readwrite');
      // The load may have finished meanwhile, or a version been made that reads these shards.
      if ((await tx.objectStore('datasets').getKey(id)) || !sameRecords(records, await tx.objectStore('datasets').getAll())) {
        await runWrites(tx, () => {});
        return 0;
      }
      const shards = tx.objectStore('shards');
      const used = inUse;
      const keys = (await shards.index('byDataset').getAllKeys(id)).filter((k) => !isInUse(used, k));
      await runWrites(tx, (track) => keys.forEach((k) => track(shards.delete(k))));
      return keys.length;
    });
  }
  return removed;
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
    const shard = await readSplitShard(db, meta, 'train', index);
    const take = Math.min(shard.count, count - filled);
    x.set(shard.x.subarray(0, take * sampleLen), filled * sampleLen);
    y.set(shard.y.subarray(0, take), filled);
    filled += take;
  }
  return { x, y, count };
}
