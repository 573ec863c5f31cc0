// One round of the encryption benchmark, in the benchmark page: a fresh database, encrypted
// or not, into which MNIST is stored (the built-in's store phase) and a CSV imported through
// the import worker, then the MLP trained on it through the training worker. Encrypted, both
// workers get the key as the app gives it, so every shard, run and checkpoint is sealed.
// run.mjs calls the phases one at a time, so that it can take the browser's CPU time of each.
import type { BackendName } from '../../src/lib/config';
import { installBuiltin } from '../../src/lib/data/builtin';
import { openHearthDb, type HearthDb } from '../../src/lib/storage/db';
import { runPass, turnOn } from '../../src/lib/storage/encryptInPlace';
import { isSealed, setKey } from '../../src/lib/storage/vault';
import type { WorkerEvent } from '../../src/lib/protocol';
import { TrainingClient, trainingWorker } from '../../src/worker/client';
import { ImportClient, importWorker } from '../../src/worker/importClient';
import { ask, makeCsv, storedCount } from './importRun';
import { mnistConfig } from './mnistConfig';

export interface EncryptionJob {
  encrypted: boolean;
  backend: BackendName;
  samples: number;
  epochs: number;
  batchSize: number;
  csvRows: number;
}

export interface EncryptionRound {
  /** Seconds loading MNIST as the Load button does: read the files, decode, store. */
  loadSeconds: number;
  /** The store phase of that alone: the 70,000 images written, sealed when encryption is on. */
  storeSeconds: number;
  csvSeconds: number;
  csvRows: number;
  epochSeconds: number[];
  /** Shards stored sealed, of all: all of them encrypted, none clear. */
  sealedShards: number;
  shards: number;
}

export function deleteDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

/** The round under way: its database and the two workers, between the phases run.mjs calls one by one (to take each one's CPU time). */
let round: { job: EncryptionJob; dbName: string; db: HearthDb; training: TrainingClient; imports: ImportClient } | null = null;

const current = () => {
  if (!round) throw new Error('No encryption round was started.');
  return round;
};

/** A fresh database, encrypted or not, and the workers holding its key as the app hands it to them. */
export async function encryptionStart(job: EncryptionJob): Promise<void> {
  const dbName = job.encrypted ? 'hearth-bench-sealed' : 'hearth-bench-clear';
  await deleteDb(dbName);
  const db = await openHearthDb(undefined, dbName);
  const held = job.encrypted ? await turnOn(db, 'a benchmark passphrase') : null;
  if (held) await runPass(db);
  const training = new TrainingClient(trainingWorker(dbName));
  const imports = new ImportClient(importWorker(dbName));
  training.setVaultKey(held);
  imports.setVaultKey(held);
  round = { job, dbName, db, training, imports };
}

/** Loads MNIST as the Load button does; the store phase is timed from its first progress report. */
export async function encryptionLoad(): Promise<Pick<EncryptionRound, 'loadSeconds' | 'storeSeconds'>> {
  let storeStarted = 0;
  const loadStarted = performance.now();
  await installBuiltin(current().db, 'mnist', { onProgress: (phase) => phase === 'store' && !storeStarted && (storeStarted = performance.now()) });
  return { loadSeconds: (performance.now() - loadStarted) / 1000, storeSeconds: (performance.now() - storeStarted) / 1000 };
}

export async function encryptionCsv(): Promise<Pick<EncryptionRound, 'csvSeconds' | 'csvRows'>> {
  const { job, imports } = current();
  const file = makeCsv(job.csvRows, 20);
  const t0 = performance.now();
  const options = { name: file.name, label: 'label', features: [...Array.from({ length: 18 }, (_, i) => `x${i}`), 'colour'], task: 'classification' as const, missing: 'fill' as const, seed: 1 };
  const done = await ask(imports, { type: 'import', jobId: 'enc-import', source: { kind: 'csv', file, options } }, 'imported');
  return { csvSeconds: (performance.now() - t0) / 1000, csvRows: storedCount(done) };
}

/** Trains the MLP on the first job.samples images (evaluated and saved, as a run is). */
export function encryptionTrain(): Promise<Pick<EncryptionRound, 'epochSeconds'>> {
  const { job, training } = current();
  return new Promise((resolve, reject) => {
    const runId = crypto.randomUUID();
    const seconds: number[] = [];
    training.subscribe((ev: WorkerEvent) => {
      if (ev.runId !== runId) return;
      if (ev.type === 'epoch') seconds.push(ev.log.seconds);
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === 'done') resolve({ epochSeconds: seconds });
    });
    training.request({ type: 'train', runId, config: mnistConfig(job), modelName: `encryption benchmark (${job.encrypted ? 'on' : 'off'})` });
  });
}

/** Counts the shards stored sealed, and removes the round's database. */
export async function encryptionEnd(): Promise<Pick<EncryptionRound, 'sealedShards' | 'shards'>> {
  const { dbName, db, training, imports } = current();
  round = null;
  try {
    const shards = await db.getAll('shards');
    return { sealedShards: shards.filter(isSealed).length, shards: shards.length };
  } finally {
    training.terminate();
    imports.terminate();
    setKey(dbName, null);
    db.close();
    await deleteDb(dbName);
  }
}
