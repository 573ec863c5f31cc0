/**
 * Deleting everything Hearth stored on this device: its IndexedDB database(s),
 * every Cache Storage cache of this origin (the offline copy of the app) and the
 * service worker registration. Every step is tried even when one fails, then the
 * result is checked against the storage itself; anything left is a WipeError that
 * names it, so a caller never reports success for data still there.
 *
 * Open connections step aside on their own: openHearthDb closes a connection when
 * another asks to delete or upgrade the database (workers and other tabs too).
 */

export interface WipeTargets {
  factory: IDBFactory;
  /** The databases to delete; those that `factory.databases()` lists are added (the origin is Hearth's alone). */
  dbNames: string[];
  caches?: CacheStorage | null;
  serviceWorker?: Pick<ServiceWorkerContainer, 'getRegistrations'> | null;
}

export interface WipeReport {
  databases: string[];
  caches: string[];
  serviceWorkers: number;
}

export class WipeError extends Error {
  override name = 'WipeError';
  readonly failures: string[];
  constructor(failures: string[]) {
    super(`Not everything could be deleted: ${failures.join('; ')}.`);
    this.failures = failures;
  }
}

const reason = (err: unknown) => (err as { message?: string } | null)?.message || String(err);

function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('the browser refused'));
    // Something kept a connection open after being asked to close it (an older Hearth in another tab).
    request.onblocked = () => reject(new Error('it is still open in another tab; close Hearth’s other tabs and try again'));
  });
}

async function listedDatabases(factory: IDBFactory): Promise<string[]> {
  if (typeof factory.databases !== 'function') return [];
  return (await factory.databases()).flatMap((d) => (d.name ? [d.name] : []));
}

export async function wipeEverything(targets: WipeTargets): Promise<WipeReport> {
  const failures: string[] = [];
  const report: WipeReport = { databases: [], caches: [], serviceWorkers: 0 };
  const { factory } = targets;

  const names = new Set(targets.dbNames);
  for (const name of await listedDatabases(factory).catch(() => [])) names.add(name);
  for (const name of names) {
    try {
      await deleteDatabase(factory, name);
      report.databases.push(name);
    } catch (err) {
      failures.push(`the database “${name}” (${reason(err)})`);
    }
  }

  if (targets.caches) {
    try {
      for (const name of await targets.caches.keys()) {
        if (await targets.caches.delete(name)) report.caches.push(name);
      }
    } catch (err) {
      failures.push(`the offline copy of the app (${reason(err)})`);
    }
  }

  if (targets.serviceWorker) {
    try {
      for (const registration of await targets.serviceWorker.getRegistrations()) {
        if (await registration.unregister()) report.serviceWorkers += 1;
      }
    } catch (err) {
      failures.push(`the service worker (${reason(err)})`);
    }
  }

  // Trust the storage, not the steps: whatever is still listed was not deleted.
  try {
    const left = (await listedDatabases(factory)).filter((n) => names.has(n));
    for (const name of left) if (!failures.some((f) => f.includes(`“${name}”`))) failures.push(`the database “${name}” (still there)`);
    const cachesLeft = targets.caches ? await targets.caches.keys() : [];
    if (cachesLeft.length && !failures.some((f) => f.startsWith('the offline copy'))) failures.push(`the caches ${cachesLeft.join(', ')} (still there)`);
  } catch (err) {
    failures.push(`checking what is left (${reason(err)})`);
  }
  if (failures.length) throw new WipeError(failures);
  return report;
}
