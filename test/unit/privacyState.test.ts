// The "Your data" panel's state in a whole Hearth on fake workers, fake-indexeddb and
// an in-memory Cache Storage: requests tallied by origin, the policy read in plain
// terms, and delete-everything that tells the truth about how it went.
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import 'fake-indexeddb/auto';
import { FakeWorker } from './helpers/fakeWorker';
import { tinyDataset } from './helpers/fakeDb';
import { settle } from './helpers/hearth';
import { FakeCacheStorage, fakeServiceWorker } from './helpers/fakeCaches';
import { createHearth } from '../../src/state/hearth.svelte';
import type { PrivacyPlatform } from '../../src/state/privacy.svelte';
import { TrainingClient } from '../../src/worker/client';
import { ImportClient } from '../../src/worker/importClient';
import { lazyHearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';

const POLICY = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:";

async function privacyHearth(opts: { failCacheDelete?: boolean; policy?: string } = {}) {
  const factory = new IDBFactory();
  const dbName = `hearth-${Math.random().toString(36).slice(2)}`;
  const db = lazyHearthDb(factory, dbName);
  const { meta, data } = tinyDataset('tiny', { train: 6, test: 3 }, 4);
  await writeDataset(await db(), meta, data, { locks: null });
  const caches = new FakeCacheStorage();
  await (await caches.open('hearth-app-1')).put('http://hearth.test/index.html', new Response('x'));
  caches.failDelete = opts.failCacheDelete ?? false;
  let emit: (urls: string[]) => void = () => {};
  const platform: PrivacyPlatform = {
    origin: 'http://hearth.test',
    policy: opts.policy ?? POLICY,
    indexedDB: factory,
    caches: caches.asCacheStorage(),
    serviceWorker: fakeServiceWorker(1).container,
    observeRequests: (onUrls) => ((emit = onUrls), () => {}),
  };
  const hearth = createHearth({
    dbName,
    writeUrl: false,
    platform,
    services: {
      training: new TrainingClient(() => new FakeWorker() as unknown as Worker),
      imports: new ImportClient(() => new FakeWorker() as unknown as Worker),
      db,
    },
  });
  await hearth.library.init();
  await hearth.models.init();
  return { hearth, factory, caches, dbName, emit: (urls: string[]) => emit(urls) };
}

describe('Privacy', () => {
  it('reads the policy in plain terms', async () => {
    const { hearth } = await privacyHearth();
    expect(hearth.privacy.connectsToSelfOnly).toBe(true);
    expect(hearth.privacy.scriptsFromSelfOnly).toBe(true);
    const loose = (await privacyHearth({ policy: "default-src 'self'; connect-src 'self' https://stats.example" })).hearth;
    expect(loose.privacy.connectsToSelfOnly).toBe(false);
  });

  it('tallies requests as they come, by origin', async () => {
    const { hearth, emit } = await privacyHearth();
    hearth.start('');
    emit(['http://hearth.test/', 'http://hearth.test/assets/a.js', 'data:image/png;base64,AA']);
    emit(['https://tracker.example/p.gif']);
    expect(hearth.privacy.requests).toEqual({ total: 3, foreign: ['https://tracker.example/p.gif'] });
    hearth.dispose();
  });

  it('counts what is stored, then deletes everything and tells other tabs', async () => {
    const { hearth, factory, caches, dbName } = await privacyHearth();
    const { privacy, library } = hearth;
    await privacy.refresh();
    expect(privacy.stores?.find((s) => s.name === 'shards')?.records).toBe(3);
    expect(privacy.caches?.map((c) => [c.name, c.entries])).toEqual([['hearth-app-1', 1]]);
    expect(library.datasets.map((d) => d.id)).toEqual(['tiny']);

    const heard: unknown[] = [];
    const channel = new BroadcastChannel(`${dbName}:changes`);
    channel.onmessage = (e) => heard.push(e.data);
    privacy.askToDelete();
    expect(privacy.wipe).toBe('confirming');
    await privacy.deleteEverything();
    await settle();
    channel.close();

    expect(privacy.wipe).toBe('done');
    expect(privacy.wipeMessage).toBe('Everything Hearth stored on this device was deleted.');
    expect(library.datasets).toEqual([]);
    expect(privacy.stores?.every((s) => s.records === 0)).toBe(true);
    expect(privacy.caches).toEqual([]);
    expect(await caches.keys()).toEqual([]);
    // The database was deleted; the lists read since opened a fresh, empty one.
    expect((await factory.databases()).map((d) => d.name)).toEqual([dbName]);
    expect(heard).toMatchObject([{ store: 'datasets', id: 'tiny', change: 'deleted' }]);
    hearth.dispose();
  });

  it('reports a failure and never claims success', async () => {
    const { hearth } = await privacyHearth({ failCacheDelete: true });
    await hearth.privacy.deleteEverything();
    expect(hearth.privacy.wipe).toBe('failed');
    expect(hearth.privacy.wipeMessage).toBe('Not everything could be deleted: the offline copy of the app (The cache could not be deleted.).');
    // What did go is shown as gone.
    expect(hearth.library.datasets).toEqual([]);
    expect(hearth.privacy.caches?.map((c) => c.name)).toEqual(['hearth-app-1']);
    hearth.dispose();
  });

  it('deletes nothing while a load is under way', async () => {
    const { hearth, factory } = await privacyHearth();
    hearth.library.loading = { id: 'circles', name: 'Circles', phase: 'store', fraction: 0.5 };
    await hearth.privacy.deleteEverything();
    expect(hearth.privacy.wipe).toBe('failed');
    expect(hearth.privacy.wipeMessage).toMatch(/^Nothing was deleted/);
    expect((await factory.databases()).length).toBe(1);
    expect(hearth.library.datasets.map((d) => d.id)).toEqual(['tiny']);
    hearth.dispose();
  });
});
