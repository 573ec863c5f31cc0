/**
 * What Hearth keeps on this device, counted from the storage itself rather than
 * from what the app believes it wrote: every object store of the database (the
 * ones added later included, since it walks the database's own list) and every
 * Cache Storage cache of this origin.
 *
 * Sizes are the bytes of the values (typed arrays and buffers by their length,
 * text at two bytes a character): close to what the data weighs, not the
 * browser's on-disk format, which compresses and adds indexes.
 */
import type { IDBPDatabase } from 'idb';
import type { HearthDb } from './db';

export interface StoreSummary {
  name: string;
  records: number;
  bytes: number;
}

export interface CacheSummary {
  name: string;
  entries: number;
  bytes: number;
}

/** The bytes a stored value holds, roughly: `approxBytes({ x: new Uint8Array(10) })` is 12 (2 for the key, 10 for the data). */
export function approxBytes(value: unknown, seen: Set<object> = new Set()): number {
  switch (typeof value) {
    case 'string':
      return value.length * 2;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    case 'object':
      break;
    default:
      return 0;
  }
  if (value === null || seen.has(value)) return 0;
  seen.add(value);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value.byteLength;
  if (typeof Blob !== 'undefined' && value instanceof Blob) return value.size;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + approxBytes(v, seen), 0);
  let sum = 0;
  for (const [key, v] of Object.entries(value)) sum += key.length * 2 + approxBytes(v, seen);
  return sum;
}

/** Every store of the database, with its record count and size, in the database's order. */
export async function summarizeStores(db: HearthDb): Promise<StoreSummary[]> {
  // Walked by name, so a store this file has never heard of is counted too.
  const anyDb = db as unknown as IDBPDatabase;
  const out: StoreSummary[] = [];
  for (const name of Array.from(anyDb.objectStoreNames)) {
    let records = 0;
    let bytes = 0;
    let cursor = await anyDb.transaction(name).store.openCursor();
    while (cursor) {
      records += 1;
      bytes += approxBytes(cursor.value);
      cursor = await cursor.continue();
    }
    out.push({ name, records, bytes });
  }
  return out;
}

/** Every cache of this origin with its entries and the bytes of their bodies. */
export async function summarizeCaches(storage: CacheStorage): Promise<CacheSummary[]> {
  const out: CacheSummary[] = [];
  for (const name of await storage.keys()) {
    const cache = await storage.open(name);
    let bytes = 0;
    const requests = await cache.keys();
    for (const request of requests) {
      const response = await cache.match(request);
      if (response) bytes += (await response.blob()).size;
    }
    out.push({ name, entries: requests.length, bytes });
  }
  return out;
}
