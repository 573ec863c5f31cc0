// One round of the encryption benchmark, in the benchmark page: a fresh database, encrypted
// or not, into which MNIST is stored (the built-in's store phase) and a CSV imported through
// the import worker, then the MLP trained on it through the training worker. Encrypted, both
// workers get the key as the app gives it, so every shard, run and checkpoint is sealed.
import type { BackendName } from '../../src/lib/config';
import { installBuiltin } from '../../src/lib/data/builtin';
import { openHearthDb } from '../../src/lib/storage/db';
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

function deleteDb(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

export async function encryptionRound(job: EncryptionJob): Promise<EncryptionRound> {
  const dbName = job.encrypted ? 'hearth-bench-sealed' : 'hearth-bench-clear';
  await deleteDb(dbName);
  const db = await openHearthDb(undefined, dbName);
  const held = job.encrypted ? await turnOn(db, 'a benchmark passphrase') : null;
  if (held) await runPass(db);
  const training = new TrainingClient(trainingWorker(dbName));
  const imports = new ImportClient(importWorker(dbName));
  training.setVaultKey(held);
  imports.setVaultKey(held);
  try {
    let storeStarted = 0;
    const loadStarted = performance.now();
    await installBuiltin(db, 'mnist', { onProgress: (phase) => phase === 'store' && !storeStarted && (storeStarted = performance.now()) });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const storeSeconds = (performance.now() - storeStarted) / 1000;

    const file = makeCsv(job.csvRows, 20);
    const t0 = performance.now();
    const options = { name: file.name, label: 'label', features: [...Array.from({ length: 18 }, (_, i) => `x${i}`), 'colour'], task: 'classification' as const, missing: 'fill' as const, seed: 1 };
    const done = await ask(imports, { type: 'import', jobId: 'enc-import', source: { kind: 'csv', file, options } }, 'imported');
    const csvSeconds = (performance.now() - t0) / 1000;

    const epochSeconds = await new Promise<number[]>((resolve, reject) => {
      const runId = crypto.randomUUID();
      const seconds: number[] = [];
      training.subscribe((ev: WorkerEvent) => {
        if (ev.runId !== runId) return;
        if (ev.type === 'epoch') seconds.push(ev.log.seconds);
        if (ev.type === 'error') reject(new Error(ev.message));
        if (ev.type === 'done') resolve(seconds);
      });
      training.request({ type: 'train', runId, config: mnistConfig(job), modelName: `encryption benchmark (${job.encrypted ? 'on' : 'off'})` });
    });
    const shards = await db.getAll('shards');
    return { loadSeconds, storeSeconds, csvSeconds, csvRows: storedCount(done), epochSeconds, sealedShards: shards.filter(isSealed).length, shards: shards.length };
  } finally {
    training.terminate();
    imports.terminate();
    setKey(dbName, null);
    db.close();
    await deleteDb(dbName);
  }
}
