/**
 * Loads that are still alive, across tabs and workers. A dataset's shards are
 * written before its record, so until the record lands they look exactly like the
 * leftovers of a load that died; only a lock tells the two apart. A load holds
 * its lock (Web Locks API) from its first shard to its record, and the start-up
 * cleanup removes only the shards whose lock it can take. A tab or worker that
 * dies releases its locks, so its leftovers become cleanable at once.
 */

/** The part of the Web Locks API used here; navigator.locks in a browser. */
export interface Locks {
  request<T>(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<T> | T): Promise<T>;
}

/** The browser's lock manager, or null where there is none (an insecure context, an old browser). */
export function browserLocks(): Locks | null {
  const locks = (globalThis as { navigator?: { locks?: Locks } }).navigator?.locks;
  return locks ?? null;
}

/** The lock a load of `datasetId` into database `dbName` holds until its record is written. */
export function loadLockName(dbName: string, datasetId: string): string {
  return `${dbName}:load:${datasetId}`;
}

/** The lock a training worker holds while it trains run `runId` in database `dbName`. */
export function runLockName(dbName: string, runId: string): string {
  return `${dbName}:run:${runId}`;
}

export class LoadBusyError extends Error {
  override name = 'LoadBusyError';
}
