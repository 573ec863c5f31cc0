/**
 * The one IndexedDB database: its schema, opening it, and turning storage
 * failures into messages a person can act on.
 */
import { wrap } from 'idb';
import type { DBSchema, IDBPDatabase } from 'idb';
import type { CheckpointRecord, DatasetMeta, RunRecord, SavedModelMeta, ShardRecord, SplitName } from '../types';
import type { VaultRecord } from './vault';

export const DB_NAME = 'hearth';
// Changing this needs a migration in upgrade(): add a case for the old version.
export const DB_VERSION = 3;

export const STORES = {
  datasets: 'datasets',
  shards: 'shards',
  models: 'models',
  modelWeights: 'modelWeights',
  /** Since version 2: every training run, apart from its model. */
  runs: 'runs',
  /** Since version 2: the last end-of-epoch checkpoint of each run that has not ended, keyed by run id. */
  checkpoints: 'checkpoints',
  /** Since version 3: the one record that says whether the others are encrypted, and how (vault.ts). */
  vault: 'vault',
} as const;

/** What tf.io hands a save handler, minus what we do not keep. */
export interface ModelWeightsRecord {
  id: string;
  modelTopology: unknown;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export interface HearthSchema extends DBSchema {
  datasets: { key: string; value: DatasetMeta };
  shards: {
    key: [string, SplitName, number];
    value: ShardRecord;
    indexes: { byDataset: string };
  };
  models: { key: string; value: SavedModelMeta };
  modelWeights: { key: string; value: ModelWeightsRecord };
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: CheckpointRecord };
  vault: { key: string; value: VaultRecord };
}

export type HearthDb = IDBPDatabase<HearthSchema>;

/**
 * Opens the database on first use and shares it; a failed open is tried again on the
 * next call, and so is one that closed because the database was deleted or upgraded
 * elsewhere (the next call opens it afresh, or fails with a VersionError to explain).
 */
export function lazyHearthDb(factory?: IDBFactory, name: string = DB_NAME): () => Promise<HearthDb> {
  let opening: Promise<HearthDb> | null = null;
  return () =>
    (opening ??= openHearthDb(factory, name).then(
      (db) => {
        const mine = opening;
        db.addEventListener('versionchange', () => {
          if (opening === mine) opening = null;
        });
        return db;
      },
      (err: unknown) => {
        opening = null;
        throw err;
      },
    ));
}

/** `name` is DB_NAME for the app; another name gives an instance (or a test) a database of its own. */
export function openHearthDb(factory?: IDBFactory, name: string = DB_NAME): Promise<HearthDb> {
  const idb = factory ?? globalThis.indexedDB;
  if (!idb) {
    return Promise.reject(new Error('This browser does not offer IndexedDB storage (private browsing can turn it off).'));
  }
  // What idb's openDB does, but on the caller's factory rather than the global one.
  let request: IDBOpenDBRequest;
  try {
    request = idb.open(name, DB_VERSION);
  } catch (err) {
    // Browsers can refuse synchronously (SecurityError in some private or sandboxed contexts).
    return Promise.reject(err);
  }
  request.addEventListener('upgradeneeded', (event) => upgrade(request.result, event.oldVersion));
  const opened = wrap(request) as unknown as Promise<HearthDb>;
  void opened
    .then((db) => {
      // Another tab wants a newer version: step aside rather than block it. Later calls here
      // then fail with InvalidStateError, which describeStorageError explains.
      db.addEventListener('versionchange', () => db.close());
    })
    .catch(() => {});
  return opened;
}

function upgrade(db: IDBDatabase, oldVersion: number): void {
  // Each step runs for every version older than its own, so any older version climbs to today's.
  if (oldVersion < 1) {
    db.createObjectStore(STORES.datasets, { keyPath: 'id' });
    const shards = db.createObjectStore(STORES.shards, { keyPath: ['datasetId', 'split', 'index'] });
    shards.createIndex('byDataset', 'datasetId');
    db.createObjectStore(STORES.models, { keyPath: 'id' });
    db.createObjectStore(STORES.modelWeights, { keyPath: 'id' });
  }
  if (oldVersion < 2) {
    // Version 2 adds stores only; what version 1 stored is left as it was. Guarded, so that
    // running the step again (a store that is already there) cannot fail the upgrade.
    if (!db.objectStoreNames.contains(STORES.runs)) db.createObjectStore(STORES.runs, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(STORES.checkpoints)) db.createObjectStore(STORES.checkpoints, { keyPath: 'runId' });
  }
  if (oldVersion < 3) {
    // Version 3 adds the vault store; no record changes shape (an absent vault record means "not encrypted").
    if (!db.objectStoreNames.contains(STORES.vault)) db.createObjectStore(STORES.vault, { keyPath: 'id' });
  }
}

/**
 * Issues the requests of a readwrite transaction and waits for it to commit. On any
 * failure, including a request that throws synchronously (a full disk in some
 * browsers, an uncloneable value), it aborts the transaction so nothing commits,
 * and it keeps the requests it already issued from surfacing as unhandled rejections.
 *
 * The error thrown is the cause, not a symptom: when a commit fails (Chromium reports
 * a full disk as the transaction's error, "QuotaExceededError" or "DataError: Failed
 * to write blobs (IOError)") the requests only see an AbortError, so the
 * transaction's own error wins over theirs.
 */
export async function runWrites(
  tx: { done: Promise<void>; abort(): void },
  issue: (track: (request: Promise<unknown>) => void) => void,
): Promise<void> {
  const pending: Promise<unknown>[] = [tx.done];
  try {
    issue((request) => pending.push(request));
    await Promise.all(pending);
  } catch (err) {
    for (const p of pending) p.catch(() => {});
    try {
      tx.abort();
    } catch {
      // Already committed or aborted.
    }
    // idb's done rejects with the transaction's error once it has aborted.
    const cause = await tx.done.then(
      () => null,
      (e: unknown) => e,
    );
    throw isAbort(err) && cause && !isAbort(cause) ? cause : err;
  }
}

const isAbort = (err: unknown) => (err as { name?: string } | null)?.name === 'AbortError';

/**
 * A write refused because the site's storage is full: the browser's quota for it, or
 * the disk itself. `what` names what was not stored ("the dataset "Iris""), `bytes`
 * what it needed; everything stored before is unchanged.
 */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
  readonly what: string;
  readonly bytes: number | undefined;
  constructor(what: string, bytes?: number) {
    const need = bytes ? ` (it needs about ${formatMb(bytes)})` : '';
    super(
      `Not enough disk space for this site: ${what} could not be stored${need}, so it was not kept. ` +
        'Everything stored before is unchanged. Free space by deleting datasets or models you no longer need ' +
        "(or files on this device's disk), then try again.",
    );
    this.what = what;
    this.bytes = bytes;
  }
}

function formatMb(bytes: number): string {
  // Rounded up to 0.1 MB so a tiny need never reads as "0.0 MB".
  const mb = Math.max(bytes / 1e6, 0.1);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1)} MB`;
}

/**
 * True for the several shapes a full disk takes across browsers: the quota errors,
 * and Chromium's failure to write a large value's file when the disk itself is full
 * (a DataError or UnknownError "Failed to write blobs (IOError)").
 */
export function isQuotaError(err: unknown): boolean {
  if (err instanceof StorageFullError) return true;
  const e = err as { name?: string; code?: number; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  // Legacy browsers report code 22 (QUOTA_EXCEEDED_ERR) or Firefox's NS_ERROR_DOM_QUOTA_REACHED.
  if (e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED' || e.code === 22) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return (e.name === 'DataError' || e.name === 'UnknownError') && /write blobs|IOError|disk is full|no space/i.test(message);
}

export function describeStorageError(err: unknown): string {
  if (err instanceof StorageFullError) return err.message;
  if (isQuotaError(err)) {
    return (
      'Not enough disk space for this site: the last change could not be stored and was not kept. Everything stored ' +
      "before is unchanged. Free space by deleting datasets or models you no longer need (or files on this device's disk), then try again."
    );
  }
  const e = err as { name?: string; message?: string } | null;
  const name = e && typeof e === 'object' ? e.name : undefined;
  switch (name) {
    case 'AbortError':
      return 'The storage operation was cancelled. Nothing already stored was changed.';
    case 'VersionError':
      return 'The stored data was written by a newer version of Hearth. Reload the page to get the newest version.';
    case 'InvalidStateError':
      return 'The storage connection was closed, probably because Hearth was updated in another tab. Reload the page.';
    case 'UnknownError':
      return 'The browser could not access its storage (this can happen in private browsing or when the disk has a problem). Try reloading the page.';
    case 'SecurityError':
      return 'The browser does not allow this page to use storage (private browsing or a site setting may block it).';
    case 'NotFoundError':
      return "Hearth's storage is missing part of its structure. Reload the page; if that does not help, clear this site's data.";
    case 'DataError':
    case 'ConstraintError':
    case 'DataCloneError':
    case 'TransactionInactiveError':
    case 'ReadOnlyError':
      return `The browser's storage refused an operation (${name}: ${(e as Error).message}). Reloading the page usually clears it. Nothing already stored was changed.`;
  }
  const detail = e && typeof e === 'object' && e.message ? e.message : String(err);
  return `Storage failed: ${detail}`;
}
