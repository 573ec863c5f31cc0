// Two tabs (or a tab and a worker) on one database: a load in progress in one is
// never taken for the leftovers of a dead load by the other's start-up cleanup, and
// each hears of datasets the other adds or deletes.
import { describe, expect, it, vi } from 'vitest';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import { memoryLocks } from './helpers/memoryLocks';
import { deleteDataset, readShard, removeIncomplete, writeDataset } from '../../src/lib/storage/datasets';
import { watchChanges, type StorageChange } from '../../src/lib/storage/changes';
import { LoadBusyError } from '../../src/lib/storage/locks';

describe('a load in one tab and the start-up cleanup of another', () => {
  it('leaves every shard of the load in progress, however often the other tab starts', async () => {
    const { db } = await freshDb();
    const locks = memoryLocks();
    const { meta, data } = tinyDataset('big', { train: 40, test: 8 }, 4);
    const cleanups: Promise<number>[] = [];
    // The other tab starts (and cleans up) after each shard the load writes.
    const stored = await writeDataset(db, meta, data, {
      locks,
      onProgress: (fraction) => {
        if (fraction < 1) cleanups.push(removeIncomplete(db, { locks }));
      },
    });
    expect(cleanups.length).toBe(11);
    expect(await Promise.all(cleanups)).toEqual(new Array(11).fill(0));
    expect(stored.splits.train.shards).toBe(10);
    for (let i = 0; i < 10; i++) expect((await readShard(db, 'big', 'train', i)).count).toBe(4);
    for (let i = 0; i < 2; i++) expect((await readShard(db, 'big', 'test', i)).count).toBe(4);
  });

  it('holds the load lock from the first shard to the record, and lets go after', async () => {
    const { db } = await freshDb();
    const locks = memoryLocks();
    const { meta, data } = tinyDataset('twice', { train: 8, test: 4 }, 4);
    const heldDuring: boolean[] = [];
    await writeDataset(db, meta, data, { locks, onProgress: () => heldDuring.push(locks.held.has(`${db.name}:load:twice`)) });
    expect(heldDuring).toEqual([true, true, true, true]);
    expect(locks.held.size).toBe(0);
  });

  it('tells a busy load apart from an error', async () => {
    const { db } = await freshDb();
    const locks = memoryLocks();
    const { meta, data } = tinyDataset('held', { train: 4, test: 2 }, 4);
    let release!: () => void;
    const holder = locks.request(`${db.name}:load:held`, { ifAvailable: true }, () => new Promise<void>((r) => (release = r)));
    const err = await writeDataset(db, meta, data, { locks }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadBusyError);
    expect((err as Error).message).toBe('Tiny held is being loaded in another tab or window; it will appear here once it is stored.');
    release();
    await holder;
    expect((await writeDataset(db, meta, data, { locks })).id).toBe('held');
  });
});

describe('changes announced to other tabs', () => {
  it('announces a dataset added and deleted, to listeners of the same database only', async () => {
    const { db } = await freshDb();
    const heard: StorageChange[] = [];
    const elsewhere: StorageChange[] = [];
    // A listener in this very context hears nothing of its own writes; a real second tab is another context,
    // which a second module instance stands in for here.
    vi.resetModules();
    const { watchChanges: watchFromOtherTab } = await import('../../src/lib/storage/changes');
    const stop = watchFromOtherTab(db.name, (c: StorageChange) => heard.push(c));
    const stopOther = watchFromOtherTab('another-db', (c: StorageChange) => elsewhere.push(c));
    const stopSelf = watchChanges(db.name, (c) => heard.push({ ...c, id: `self:${c.id}` }));
    const { meta, data } = tinyDataset('seen', { train: 4, test: 2 }, 4);
    await writeDataset(db, meta, data, { locks: memoryLocks() });
    await deleteDataset(db, 'seen', { locks: memoryLocks() });
    await new Promise((r) => setTimeout(r, 50));
    stop();
    stopOther();
    stopSelf();
    expect(heard).toEqual([
      { store: 'datasets', id: 'seen', change: 'added' },
      { store: 'datasets', id: 'seen', change: 'deleted' },
    ]);
    expect(elsewhere).toEqual([]);
  });
});
