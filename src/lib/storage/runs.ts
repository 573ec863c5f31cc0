/**
 * Recorded runs and their checkpoints. The training worker writes both (a run
 * record when it starts, the checkpoint and the record after every epoch, the
 * record again when it ends, dropping the checkpoint); the page reads them,
 * renames a run and keeps notes on it. Everything read passes a restore gate.
 */
import type { CheckpointRecord, RunRecord } from '../types';
import { runWrites, type HearthDb } from './db';
import { readAllThrough, type StoredProblem } from './restore';
import { restoreCheckpoint, restoreRunRecord } from './restoreRun';
import { announce } from './changes';
import { isSealed, opener, sameStored, seal, sealedBytes, unseal } from './vault';

export async function readRuns(db: HearthDb): Promise<{ runs: RunRecord[]; problems: StoredProblem[] }> {
  const { items, problems } = await readAllThrough(db.transaction('runs').store, restoreRunRecord, opener(db, 'runs'));
  return { runs: items, problems };
}

export async function getRun(db: HearthDb, id: string): Promise<RunRecord | undefined> {
  const raw = await db.get('runs', id);
  return raw === undefined ? undefined : restoreRunRecord(await unseal(db, 'runs', raw));
}

export async function putRun(db: HearthDb, run: RunRecord): Promise<void> {
  const sealed = await seal(db, 'runs', run);
  const tx = db.transaction('runs', 'readwrite');
  await runWrites(tx, (track) => track(tx.store.put(sealed)));
  announce(db.name, { store: 'runs', id: run.id, change: 'added' });
}

/**
 * Renames a run or changes its notes. Decrypting and encrypting cannot happen inside a
 * transaction, so the record is read, edited and sealed outside one, then written only
 * if it is still the record that was read (compare and swap): an epoch's write in
 * between is not undone, the edit is made again on the newer record instead.
 */
export async function editRun(db: HearthDb, id: string, edit: Partial<Pick<RunRecord, 'name' | 'notes'>>): Promise<RunRecord> {
  for (let attempt = 0; ; attempt++) {
    const before = await db.get('runs', id);
    if (before === undefined) throw new Error('That run is no longer stored (it was deleted, perhaps in another tab).');
    const updated: RunRecord = { ...restoreRunRecord(await unseal(db, 'runs', before)), ...edit };
    const sealed = await seal(db, 'runs', updated);
    const tx = db.transaction('runs', 'readwrite');
    let swapped = false;
    await runWrites(tx, (track) => {
      const step = tx.store.get(id).then((now) => {
        if (now === undefined) throw new Error('That run is no longer stored (it was deleted, perhaps in another tab).');
        if (!sameStored(now, before)) return;
        swapped = true;
        return tx.store.put(sealed);
      });
      track(step);
    });
    if (swapped || attempt >= 20) {
      if (!swapped) throw new Error('The run kept changing while it was being edited; try again when its training has ended.');
      announce(db.name, { store: 'runs', id, change: 'added' });
      return updated;
    }
  }
}


/** A run and its checkpoint, in one transaction. */
export async function deleteRun(db: HearthDb, id: string): Promise<void> {
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  await runWrites(tx, (track) => {
    track(tx.objectStore('runs').delete(id));
    track(tx.objectStore('checkpoints').delete(id));
  });
  announce(db.name, { store: 'runs', id, change: 'deleted' });
}

/** The run record and its new checkpoint together: a record never claims an epoch its checkpoint lacks. */
export async function putCheckpoint(db: HearthDb, run: RunRecord, checkpoint: CheckpointRecord): Promise<void> {
  const [sealedCheckpoint, sealedRun] = await Promise.all([seal(db, 'checkpoints', checkpoint), seal(db, 'runs', run)]);
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  await runWrites(tx, (track) => {
    track(tx.objectStore('checkpoints').put(sealedCheckpoint));
    track(tx.objectStore('runs').put(sealedRun));
  });
  announce(db.name, { store: 'runs', id: run.id, change: 'added' });
}

export async function getCheckpoint(db: HearthDb, runId: string): Promise<CheckpointRecord | undefined> {
  const raw = await db.get('checkpoints', runId);
  return raw === undefined ? undefined : restoreCheckpoint(await unseal(db, 'checkpoints', raw));
}

/** The run's final record; its checkpoint goes, since an ended run is not resumed. */
export async function endRun(db: HearthDb, run: RunRecord): Promise<void> {
  const sealed = await seal(db, 'runs', run);
  const tx = db.transaction(['runs', 'checkpoints'], 'readwrite');
  await runWrites(tx, (track) => {
    track(tx.objectStore('runs').put(sealed));
    track(tx.objectStore('checkpoints').delete(run.id));
  });
  announce(db.name, { store: 'runs', id: run.id, change: 'added' });
}

/** Bytes held by checkpoints (the storage panel's figure), and which runs have one. */
export async function checkpointSizes(db: HearthDb): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let cursor = await db.transaction('checkpoints').store.openCursor();
  while (cursor) {
    const v = cursor.value as Partial<CheckpointRecord>;
    // A sealed checkpoint is counted by its ciphertext: what it occupies, read without decrypting it.
    const bytes = isSealed(v) ? sealedBytes(v) : (v.weights?.data?.byteLength ?? 0) + (v.optimizer?.state?.data?.byteLength ?? 0);
    sizes.set(String(cursor.key), bytes);
    cursor = await cursor.continue();
  }
  return sizes;
}
