// Writing an import's shards with encryption on: the vault record read once per import,
// the next shard sealed while one is written, and a vault changed meanwhile (encryption
// turned off, or on again with another passphrase, in another tab) never missed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import 'fake-indexeddb/auto';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { newKdfParams } from '../../src/lib/storage/crypto';
import { LockedError, VAULT_ID, isSealed, readVault, setKey } from '../../src/lib/storage/vault';
import { turnOn } from '../../src/lib/storage/encryptInPlace';
import { listDatasets, readShard, writeDataset } from '../../src/lib/storage/datasets';
import { putSeries } from '../../src/lib/storage/series';
import type { ShardRecord } from '../../src/lib/types';

const PASS = 'correct horse battery staple';

afterEach(() => {
  vi.restoreAllMocks();
  setKey('hearth', null);
});

/** Reads of the vault record, counted where IndexedDB serves them: alone (a transaction of its own), or inside a write's transaction. */
function countVaultReads() {
  const counts = { alone: 0, inWrite: 0 };
  const get = IDBObjectStore.prototype.get;
  vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    if (this.name === 'vault') counts[this.transaction.mode === 'readwrite' ? 'inWrite' : 'alone']++;
    return get.call(this, key);
  });
  return counts;
}

/** Every stored shard of dataset `id`, as stored, in key order. */
async function storedShards(db: HearthDb, id: string): Promise<unknown[]> {
  return (await db.getAll('shards')).filter((s) => (s as unknown as { datasetId: string }).datasetId === id);
}

describe('an import with encryption on', () => {
  it('reads the vault record once, checks it in each write, and stores every shard sealed and readable', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const { meta, data } = tinyDataset('a', { train: 10, test: 4 }, 2); // 5 + 2 shards
    const reads = countVaultReads();
    await writeDataset(db, meta, data, { locks: null });
    expect(reads).toEqual({ alone: 1, inWrite: 8 }); // 7 shards and the dataset record
    const shards = await storedShards(db, 'a');
    expect(shards).toHaveLength(7);
    expect(shards.every(isSealed)).toBe(true);
    expect(Array.from((await readShard(db, 'a', 'train', 4)).x)).toEqual([8, 9, 10, 11, 9, 10, 11, 12]);
    expect(Array.from((await readShard(db, 'a', 'test', 1)).y)).toEqual([2, 0]);
  });

  it('with encryption off, reads the vault once too and stores shards in clear that own their buffers', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('a', { train: 10, test: 4 }, 2);
    const reads = countVaultReads();
    await writeDataset(db, meta, data, { locks: null });
    expect(reads).toEqual({ alone: 1, inWrite: 8 });
    const shard = (await storedShards(db, 'a'))[1] as ShardRecord;
    expect(isSealed(shard)).toBe(false);
    // A record holding a view would have cloned the whole split's 40 bytes.
    expect(shard.x.buffer.byteLength).toBe(8);
  });

  it('seals the next shards while the one before them is being written', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const events: string[] = [];
    const transaction = db.transaction.bind(db);
    vi.spyOn(db, 'transaction').mockImplementation(((...args: Parameters<HearthDb['transaction']>) => {
      const tx = transaction(...args);
      const names = args[0] as string | ArrayLike<string>;
      if ((typeof names === 'string' ? [names] : Array.from(names)).includes('shards')) {
        events.push('write begins');
        void tx.done.then(() => events.push('write done'));
      }
      return tx;
    }) as HearthDb['transaction']);
    const record = (index: number): ShardRecord => ({ datasetId: 'p', split: 'train', index, count: 1, x: new Uint8Array([index]), y: new Uint8Array([0]) });
    await putSeries(db, 'shards', 5, (i) => {
      events.push(`make ${i}`);
      return record(i);
    });
    const write = ['write begins', 'write done'];
    // Records n + 1 to n + 3 are made, and their sealing started, before record n's write begins.
    expect(events).toEqual(['make 0', 'make 1', 'make 2', 'make 3', ...write, 'make 4', ...write, ...write, ...write, ...write]);
  });

  it('turned off in another tab midway: the shards after it go in clear, and all of them read back', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const { meta, data } = tinyDataset('a', { train: 8, test: 2 }, 2); // 4 + 1 shards
    const vault = (await readVault(db))!;
    let turnedOff = false;
    await writeDataset(db, meta, data, {
      locks: null,
      onProgress: () => {
        // After the first shard, while the second is already sealed: the other tab's transaction is made first.
        if (turnedOff) return;
        turnedOff = true;
        void db.put('vault', { ...vault, state: 'decrypting' });
      },
    });
    const shards = await storedShards(db, 'a');
    expect(shards.map(isSealed)).toEqual([false, true, false, false, false]); // key order: test 0, then train 0–3
    // Train shard 1 was sealed from a view of the split, then made again in clear: it owns its 8 bytes, not the split's 32.
    expect((shards[2] as ShardRecord).x.buffer.byteLength).toBe(8);
    expect(isSealed(await db.get('datasets', 'a'))).toBe(false);
    expect(Array.from((await readShard(db, 'a', 'train', 1)).x)).toEqual([2, 3, 4, 5, 3, 4, 5, 6]);
    expect((await listDatasets(db)).map((d) => d.name)).toEqual(['Tiny a']);
  });

  it('turned off and on again with another passphrase midway: fails as locked and keeps nothing of the import', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const { meta, data } = tinyDataset('a', { train: 8, test: 2 }, 2);
    const vault = (await readVault(db))!;
    let changed = false;
    const err = await writeDataset(db, meta, data, {
      locks: null,
      onProgress: () => {
        if (changed) return;
        changed = true;
        void db.put('vault', { ...vault, id: VAULT_ID, kdf: newKdfParams(), state: 'on' });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect(await storedShards(db, 'a')).toEqual([]);
    expect(await db.get('datasets', 'a')).toBeUndefined();
  });
});
