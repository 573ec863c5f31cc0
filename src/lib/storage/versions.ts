/**
 * Dataset versions: samples a person adds (a corrected mistake, a drawing, a photo)
 * join the training split of a new dataset made from an existing one. The test and
 * validation splits are the parent's, the very same stored shards, so a model trained
 * on the version is scored on exactly the samples the parent's models were.
 *
 * Nothing is copied: the version's record lists its own shard of added samples first,
 * then its parent's shards (see pieces.ts). Deleting the parent leaves the shards a
 * version reads in place; deleteDataset removes them with the last version reading them.
 */
import type { DatasetMeta, ShardRecord, ShardRef, SplitInfo } from '../types';
import { runWrites, StorageFullError, isQuotaError, type HearthDb } from './db';
import { announce } from './changes';
import { browserLocks, loadLockName, type Locks } from './locks';
import { checkDatasetMeta, restoreDatasetMeta } from './restoreDataset';
import { splitPieces } from './pieces';
import { getDataset } from './datasets';
import { putSeries } from './series';
import { seal, unseal } from './vault';

/** Samples to add, stored the dataset's way: x count × prod(shape) values of its dtype, y labels or targets. */
export interface AddedSamples {
  x: Uint8Array | Float32Array;
  y: Uint8Array | Float32Array;
}

/** At most this many samples are added in one version; more is an import, not a correction. */
export const MAX_ADDED = 100_000;

/** "MNIST v3" from "MNIST v2": the family's name without a version number. */
export function baseName(meta: Pick<DatasetMeta, 'name' | 'version'>): string {
  return meta.version ? meta.name.replace(/ v\d+$/, '') : meta.name;
}

/** Checks added samples against the dataset they join; throws a message a person can act on. */
export function checkAdded(parent: DatasetMeta, added: AddedSamples): number {
  const sampleLen = parent.shape.reduce((a, b) => a * b, 1);
  const count = added.y.length;
  const regression = parent.task === 'regression';
  const XType = parent.dtype === 'float32' ? Float32Array : Uint8Array;
  const YType = regression ? Float32Array : Uint8Array;
  if (count < 1) throw new Error('There are no samples to add.');
  if (count > MAX_ADDED) throw new Error(`${count} samples are too many to add at once (at most ${MAX_ADDED}); import them as a dataset instead.`);
  if (!(added.x instanceof XType) || !(added.y instanceof YType)) {
    throw new Error(`Samples for ${parent.name} must be ${XType.name} values with ${YType.name} ${regression ? 'targets' : 'labels'}.`);
  }
  if (added.x.length !== count * sampleLen) {
    throw new Error(`Each sample for ${parent.name} has ${sampleLen} values (${parent.shape.join('×')}); got ${added.x.length} values for ${count} samples.`);
  }
  if (added.x instanceof Float32Array && !added.x.every(Number.isFinite)) throw new Error('A sample to add has a value that is not a finite number.');
  for (const label of added.y) {
    if (regression ? !Number.isFinite(label) : label >= parent.classes.length) {
      throw new Error(regression ? 'A target to add is not a finite number.' : `Label ${label} is not one of the ${parent.classes.length} classes of ${parent.name}.`);
    }
  }
  return count;
}

/**
 * Makes a new version of dataset `parentId` whose training split is `added` followed
 * by the parent's training samples; returns its record. The parent stays as it was.
 */
export async function createVersion(
  db: HearthDb,
  parentId: string,
  added: AddedSamples,
  opts: { locks?: Locks | null; now?: number } = {},
): Promise<DatasetMeta> {
  const parent = await getDataset(db, parentId);
  if (!parent) throw new Error('The dataset to add to is no longer stored (it may have been deleted). Load it again, or pick another.');
  const count = checkAdded(parent, added);
  const rootId = parent.version?.rootId ?? parent.id;
  const family = (await Promise.all((await db.getAll('datasets')).map((raw) => unseal(db, 'datasets', raw).catch(() => raw)))).flatMap((raw) => {
    try {
      const m = restoreDatasetMeta(raw);
      return m.id === rootId || m.version?.rootId === rootId ? [m] : [];
    } catch {
      return [];
    }
  });
  const number = Math.max(1, ...family.map((m) => m.version?.number ?? 1)) + 1;
  const now = opts.now ?? Date.now();
  // An id the experiment config accepts (letters, digits, . _ -, at most 64), so the version can be trained on and linked to.
  const id = `${rootId.replace(/[^a-z0-9._-]/gi, '').slice(0, 40) || 'dataset'}.v${number}-${now.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  const sampleLen = parent.shape.reduce((a, b) => a * b, 1);
  const shardSize = parent.splits.train.shardSize;
  const own: ShardRecord[] = [];
  for (let from = 0, index = 0; from < count; from += shardSize, index++) {
    const to = Math.min(count, from + shardSize);
    own.push({ datasetId: id, split: 'train', index, count: to - from, x: added.x.slice(from * sampleLen, to * sampleLen), y: added.y.slice(from, to) });
  }
  const bytes = own.reduce((n, s) => n + s.x.byteLength + s.y.byteLength, 0);
  const ownRefs: ShardRef[] = own.map((s) => ({ datasetId: id, index: s.index, count: s.count }));
  const shared = (info: SplitInfo, split: 'test' | 'val'): SplitInfo => ({ ...info, pieces: splitPieces(parent, split) });
  const train = parent.splits.train;
  const classCounts = train.classCounts.slice();
  if (classCounts.length === parent.classes.length) for (const label of added.y) classCounts[label]++;
  const trainPieces = [...ownRefs, ...splitPieces(parent, 'train')];
  const meta: DatasetMeta = {
    ...parent,
    id,
    name: `${baseName(parent)} v${number}`,
    source: `${parent.name} with ${count} added sample${count === 1 ? '' : 's'}`,
    splits: {
      train: { count: train.count + count, shardSize, shards: trainPieces.length, classCounts, pieces: trainPieces },
      test: shared(parent.splits.test, 'test'),
      ...(parent.splits.val ? { val: shared(parent.splits.val, 'val') } : {}),
    },
    bytes,
    createdAt: now,
    version: { parentId: parent.id, rootId, number, added: count },
  };
  delete meta.importReport;
  // The record must read back: the same gate every read goes through.
  checkDatasetMeta(meta);

  const write = async () => {
    try {
      await putSeries(db, 'shards', own.length, (i) => own[i]);
      const record = await seal(db, 'datasets', meta);
      // The record goes in only while the parent's shards are all there: a delete of the
      // parent that got in first has taken the ones no one else read.
      const tx = db.transaction(['datasets', 'shards'], 'readwrite');
      const shards = tx.objectStore('shards');
      let gone = false;
      for (const split of ['train', 'val', 'test'] as const) {
        for (const p of splitPieces(meta, split)) {
          if (p.datasetId !== id && !(await shards.getKey([p.datasetId, split, p.index]))) gone = true;
        }
      }
      await runWrites(tx, (track) => {
        if (gone) throw new Error(`${parent.name} was deleted while the new version was being made; nothing was added.`);
        track(tx.objectStore('datasets').put(record));
      });
    } catch (err) {
      const tx = db.transaction('shards', 'readwrite');
      await runWrites(tx, (track) => own.forEach((s) => track(tx.store.delete([id, 'train', s.index])))).catch(() => {});
      if (isQuotaError(err)) throw new StorageFullError(`the new version of "${parent.name}"`, bytes);
      throw err;
    }
  };
  const locks = opts.locks === undefined ? browserLocks() : opts.locks;
  // Under a load lock, so another tab's clean-up at start never takes its shards for an interrupted load's.
  if (locks) await locks.request(loadLockName(db.name, id), { ifAvailable: false }, write);
  else await write();
  announce(db.name, { store: 'datasets', id, change: 'added' });
  return meta;
}
