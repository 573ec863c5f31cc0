// What the "Your data" panel counts and deletes, on fake-indexeddb and an in-memory
// Cache Storage: every store counted (one this code has never heard of included),
// everything deleted, and a failure reported rather than covered up.
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import { FakeCacheStorage, fakeServiceWorker } from './helpers/fakeCaches';
import { DB_NAME, STORES, lazyHearthDb, openHearthDb, type HearthDb } from '../../src/lib/storage/db';
import { writeDataset, listDatasets } from '../../src/lib/storage/datasets';
import { approxBytes, summarizeCaches, summarizeStores } from '../../src/lib/storage/inventory';
import { wipeEverything, WipeError } from '../../src/lib/storage/wipe';
import type { SavedModelMeta } from '../../src/lib/types';

/**
 * Records in every store of STORES: one dataset of 10 + 5 samples in shards of 4 (3 + 2
 * shards), one model with 1,000 bytes of weights, and in each other store (runs,
 * checkpoints, any added later) one record of 6 bytes of text under its key.
 */
async function fillEveryStore(db: HearthDb): Promise<void> {
  const { meta, data } = tinyDataset('tiny', { train: 10, test: 5 }, 4);
  await writeDataset(db, meta, data, { locks: null });
  await db.put('models', { id: 'm1', name: 'Model' } as unknown as SavedModelMeta);
  await db.put('modelWeights', { id: 'm1', modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(1000) });
  const anyDb = db as unknown as IDBPDatabase;
  for (const name of Object.values(STORES)) {
    const store = anyDb.transaction(name, 'readwrite').store;
    if ((await store.count()) === 0) await store.put({ [store.keyPath as string]: 'r1', note: 'abc' });
  }
  for (const s of await summarizeStores(db)) expect(s.records, s.name).toBeGreaterThan(0);
}

async function cacheWithApp(): Promise<FakeCacheStorage> {
  const caches = new FakeCacheStorage();
  const cache = await caches.open('hearth-app-0123456789abcdef');
  await cache.put('http://hearth.test/index.html', new Response('<!doctype html>')); // 15 bytes
  await cache.put('http://hearth.test/assets/index.js', new Response(new Uint8Array(2048)));
  return caches;
}

describe('approxBytes', () => {
  it('counts buffers by length and text at two bytes a character', () => {
    expect(approxBytes({ x: new Uint8Array(10) })).toBe(12);
    expect(approxBytes({ id: 'm1', modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(1000) })).toBe(4 + 4 + 26 + 22 + 20 + 1000);
    expect(approxBytes([1, true, null])).toBe(9);
  });
});

describe('summarizeStores', () => {
  it('counts the records and bytes of every store', async () => {
    const { db } = await freshDb();
    await fillEveryStore(db);
    const stores = await summarizeStores(db);
    expect(stores.map((s) => s.name).sort()).toEqual(Object.values(STORES).sort());
    const byName = Object.fromEntries(stores.map((s) => [s.name, s]));
    expect(byName.datasets.records).toBe(1);
    expect(byName.shards.records).toBe(5);
    expect(byName.models.records).toBe(1);
    expect(byName.modelWeights).toEqual({ name: 'modelWeights', records: 1, bytes: 1076 });
    // 15 samples of 4 pixels and a label each, plus the shards' keys and ids.
    expect(byName.shards.bytes).toBeGreaterThanOrEqual(15 * 5);
  });

  it('counts a store it has never heard of, and empty stores as zero', async () => {
    const factory = new IDBFactory();
    const request = factory.open('other', 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('runs', { keyPath: 'id' });
      request.result.createObjectStore('checkpoints', { keyPath: 'id' });
    };
    const db = (await wrap(request)) as unknown as IDBPDatabase;
    await db.put('runs', { id: 'r1', note: 'abc' });
    const stores = await summarizeStores(db as unknown as HearthDb);
    expect(stores).toEqual([
      { name: 'checkpoints', records: 0, bytes: 0 },
      { name: 'runs', records: 1, bytes: 4 + 4 + 8 + 6 },
    ]);
    db.close();
  });
});

describe('summarizeCaches', () => {
  it('lists each cache with its entries and body bytes', async () => {
    expect(await summarizeCaches((await cacheWithApp()).asCacheStorage())).toEqual([
      { name: 'hearth-app-0123456789abcdef', entries: 2, bytes: 15 + 2048 },
    ]);
  });
});

describe('wipeEverything', () => {
  it('deletes the database with data in every store, every cache and the service worker, while a connection is open', async () => {
    const factory = new IDBFactory();
    const db = lazyHearthDb(factory);
    await fillEveryStore(await db());
    // A second database of this origin, as another version or an embed could leave.
    (await openHearthDb(factory, 'hearth-embed')).close();
    const caches = await cacheWithApp();
    const sw = fakeServiceWorker(1);

    const report = await wipeEverything({ factory, dbNames: [DB_NAME], caches: caches.asCacheStorage(), serviceWorker: sw.container });

    expect(report).toEqual({ databases: [DB_NAME, 'hearth-embed'], caches: ['hearth-app-0123456789abcdef'], serviceWorkers: 1 });
    expect(await factory.databases()).toEqual([]);
    expect(await caches.keys()).toEqual([]);
    expect(sw.registrations[0].unregistered).toBe(true);
    // The open connection stepped aside; the next use opens a fresh, empty database.
    const fresh = await db();
    expect(await listDatasets(fresh)).toEqual([]);
    expect((await summarizeStores(fresh)).every((s) => s.records === 0)).toBe(true);
  });

  it('reports what it could not delete, and still deletes the rest', async () => {
    const factory = new IDBFactory();
    const db = await openHearthDb(factory);
    await fillEveryStore(db);
    const caches = await cacheWithApp();
    caches.failDelete = true;
    const error = await wipeEverything({ factory, dbNames: [DB_NAME], caches: caches.asCacheStorage() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WipeError);
    expect((error as WipeError).failures).toEqual(['the offline copy of the app (The cache could not be deleted.)']);
    expect(await factory.databases()).toEqual([]);
    expect(await caches.keys()).toEqual(['hearth-app-0123456789abcdef']);
  });

  it('fails, naming the database, when a connection will not close', async () => {
    const factory = new IDBFactory();
    // A connection that ignores the request to close (a tab running code without the handler).
    const request = factory.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('datasets', { keyPath: 'id' });
    const stubborn = await new Promise<IDBDatabase>((resolve) => (request.onsuccess = () => resolve(request.result)));
    const error = await wipeEverything({ factory, dbNames: [DB_NAME] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WipeError);
    expect((error as WipeError).message).toBe(
      'Not everything could be deleted: the database “hearth” (it is still open in another tab; close Hearth’s other tabs and try again).',
    );
    stubborn.close();
  });
});
