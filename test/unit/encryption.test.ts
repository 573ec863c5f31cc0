// Encryption at rest: the key's derivation, sealing records, refusing tampered ones and
// wrong passphrases, and encrypting (and decrypting) stored data in place, interrupted.
import { afterEach, describe, expect, it, vi } from 'vitest';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import { DB_VERSION, openHearthDb, type HearthDb } from '../../src/lib/storage/db';
import { MIN_ITERATIONS, WrongPassphraseError, deriveKey, newKdfParams } from '../../src/lib/storage/crypto';
import { pack, unpack } from '../../src/lib/storage/pack';
import { LockedError, SEALED_STORES, isSealed, readVault, setKey } from '../../src/lib/storage/vault';
import { runPass, turnOff, turnOn, unlock } from '../../src/lib/storage/encryptInPlace';
import { deleteDataset, listDatasets, readDatasets, readShard, readSplitShard, removeIncomplete, writeDataset } from '../../src/lib/storage/datasets';
import { createVersion } from '../../src/lib/storage/versions';
import { memoryLocks } from './helpers/memoryLocks';
import { editRun, getRun, putRun, readRuns } from '../../src/lib/storage/runs';
import { writeModel } from '../../src/lib/storage/modelIO';
import { getModelMeta, getWeights } from '../../src/lib/storage/models';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { newRunRecord } from '../../src/lib/train/recorder';
import type { SavedModelMeta } from '../../src/lib/types';
import { runImport } from '../../src/lib/import/pipeline';
import { animalOptions, animalsCsv, csvFile, deps } from './helpers/importPipeline';

const PASS = 'correct horse battery staple';

afterEach(() => {
  vi.restoreAllMocks();
  setKey('hearth', null);
});

/** The thrown value of a promise that must reject. */
const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );

const modelMeta = (id: string): Omit<SavedModelMeta, 'bytes'> => ({
  id,
  name: `Model ${id}`,
  createdAt: 7,
  config: { ...DEFAULT_CONFIG, datasetId: 'a' },
  datasetId: 'a',
  datasetName: 'Tiny a',
  classes: ['a', 'b', 'c'],
  inputShape: [2, 2, 1],
  paramCount: 2,
  backend: 'cpu',
  trainSeconds: 1,
  history: [],
  evaluation: null,
});

/** Two datasets (8 shards), a model and a run, all stored in clear. */
async function storeSome(db: HearthDb) {
  const a = tinyDataset('a', { train: 6, test: 2 }, 2);
  const b = tinyDataset('b', { train: 4, test: 2, val: 2 }, 2);
  await writeDataset(db, a.meta, a.data, { locks: null });
  await writeDataset(db, b.meta, b.data, { locks: null });
  const weights = new Float32Array([0.5, -0.25]).buffer;
  await writeModel(db, { modelTopology: { layers: 1 }, weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }], weightData: weights }, modelMeta('m1'));
  const run = newRunRecord('r1', { ...DEFAULT_CONFIG, datasetId: 'a' }, 'First run', 'Tiny a', 'classification', 100);
  await putRun(db, run);
  return { a, b };
}

/** Every stored value of the sealed stores, as stored. */
async function everything(db: HearthDb): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const store of SEALED_STORES) out.push(...(await db.getAll(store)));
  return out;
}

// PBKDF2 at 600,000 iterations is slow on purpose: on a loaded machine a test needs more than the default 5 s.
describe('key derivation', () => {
  it('uses PBKDF2 with SHA-256, at least 600,000 iterations and a fresh random 16-byte salt', async () => {
    const first = newKdfParams();
    const second = newKdfParams();
    expect(first.iterations).toBeGreaterThanOrEqual(600_000);
    expect(MIN_ITERATIONS).toBe(600_000);
    expect(first.hash).toBe('SHA-256');
    expect(first.salt.byteLength).toBe(16);
    expect(Array.from(first.salt)).not.toEqual(Array.from(second.salt));

    const spy = vi.spyOn(globalThis.crypto.subtle, 'deriveKey');
    const key = await deriveKey(PASS, first);
    const [algorithm] = spy.mock.calls[0] as [Pbkdf2Params, ...unknown[]];
    expect(algorithm.name).toBe('PBKDF2');
    expect(algorithm.hash).toBe('SHA-256');
    expect(algorithm.iterations).toBe(600_000);
    expect(Array.from(algorithm.salt as Uint8Array)).toEqual(Array.from(first.salt));
    expect(key.algorithm).toEqual({ name: 'AES-GCM', length: 256 });
    expect(key.extractable).toBe(false);
    expect(key.usages.sort()).toEqual(['decrypt', 'encrypt']);
  });

  it('refuses stored settings weaker than that, rather than deriving a weak key', async () => {
    const weak = { ...newKdfParams(), iterations: 1000 };
    await expect(deriveKey(PASS, weak)).rejects.toThrow(/weaker than Hearth accepts/);
    await expect(deriveKey(PASS, { ...newKdfParams(), salt: new Uint8Array(4) })).rejects.toThrow(/weaker/);
  });
});

describe('packing a record', () => {
  it('keeps typed arrays, buffers and the numbers JSON would lose', () => {
    const value = {
      x: new Float32Array([1.5, NaN, -Infinity]),
      y: new Uint8Array([1, 2, 3]),
      buf: new Uint8Array([9, 8]).buffer,
      n: -0,
      u: undefined,
      nested: [{ $: 'looks like a marker', v: Infinity }],
    };
    const back = unpack(pack(value)) as typeof value;
    expect(back.x).toBeInstanceOf(Float32Array);
    expect(Array.from(back.x)).toEqual([1.5, NaN, -Infinity]);
    expect(Array.from(back.y)).toEqual([1, 2, 3]);
    expect(Array.from(new Uint8Array(back.buf))).toEqual([9, 8]);
    expect(Object.is(back.n, -0)).toBe(true);
    expect('u' in back && back.u === undefined).toBe(true);
    expect(back.nested).toEqual([{ $: 'looks like a marker', v: Infinity }]);
    // Each array owns its buffer, as one read from IndexedDB does.
    expect(back.y.buffer.byteLength).toBe(3);
  });
});

describe('sealed records', () => {
  it('stores only the key fields in clear and reads the data back unchanged', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const { meta, data } = tinyDataset('a', { train: 6, test: 2 }, 2);
    await writeDataset(db, meta, data, { locks: null });
    const raw = (await db.get('shards', ['a', 'train', 1])) as unknown as Record<string, unknown>;
    expect(isSealed(raw)).toBe(true);
    expect(Object.keys(raw).sort()).toEqual(['$sealed', 'data', 'datasetId', 'index', 'iv', 'split']);
    expect((raw.iv as Uint8Array).byteLength).toBe(12);
    const meta0 = (await db.get('datasets', 'a')) as unknown as Record<string, unknown>;
    expect(meta0.name).toBeUndefined();
    expect(new TextDecoder().decode(meta0.data as ArrayBuffer)).not.toContain('Tiny a');
    expect(Array.from((await readShard(db, 'a', 'train', 1)).x)).toEqual([2, 3, 4, 5, 3, 4, 5, 6]);
    expect((await listDatasets(db)).map((d) => d.name)).toEqual(['Tiny a']);
    // Two writes of one value never share an IV.
    const ivs = (await db.getAll('shards')).map((s) => Array.from((s as unknown as { iv: Uint8Array }).iv).join());
    expect(new Set(ivs).size).toBe(ivs.length);
  });

  it('seals a new version of a dataset, and keeps the shards it shares when its parent is deleted', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const { meta, data } = tinyDataset('p', { train: 10, test: 5 }, 4);
    await writeDataset(db, meta, data, { locks: null });
    const child = await createVersion(db, 'p', { x: Uint8Array.from([250, 250, 250, 250]), y: Uint8Array.from([2]) }, { locks: null });
    expect(isSealed(await db.get('datasets', child.id))).toBe(true);
    expect(isSealed(await db.get('shards', [child.id, 'train', 0]))).toBe(true);
    const test = (await readSplitShard(db, child, 'test', 0)).x;
    await deleteDataset(db, 'p', { locks: null });
    // The parent's 3 train and 2 test shards stay for the version, and start-up clean-up leaves them too.
    expect(await removeIncomplete(db, { locks: memoryLocks() })).toBe(0);
    expect(await db.count('shards')).toBe(3 + 2 + 1);
    expect(Array.from((await readSplitShard(db, child, 'test', 0)).x)).toEqual(Array.from(test));
    expect(Array.from((await readSplitShard(db, child, 'train', 0)).x)).toEqual([250, 250, 250, 250]);
    // Locked, the clean-up cannot tell which shards a version reads, so it removes none.
    setKey('hearth', null);
    expect(await removeIncomplete(db, { locks: memoryLocks() })).toBe(0);
    expect(await db.count('shards')).toBe(6);
  });

  it('rejects a changed byte, and a record moved to another key, as damaged', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    const { meta, data } = tinyDataset('a', { train: 6, test: 2 }, 2);
    await writeDataset(db, meta, data, { locks: null });
    const raw = (await db.get('shards', ['a', 'train', 0])) as unknown as { data: ArrayBuffer };
    const tampered = raw.data.slice(0);
    new Uint8Array(tampered)[3] ^= 1;
    await db.put('shards', { ...raw, data: tampered } as never);
    expect((await rejection(readShard(db, 'a', 'train', 0))).message).toMatch(
      /Dataset Tiny a is damaged: its encrypted shards record \["a","train",0\] does not decrypt: it was changed or damaged/,
    );
    // Shard 2's sealed bytes put under shard 1's key: whole and authentic, but not this record's.
    const other = (await db.get('shards', ['a', 'train', 2])) as unknown as Record<string, unknown>;
    await db.put('shards', { ...other, index: 1 } as never);
    await expect(readShard(db, 'a', 'train', 1)).rejects.toThrow(/does not decrypt/);
    expect(Array.from((await readShard(db, 'a', 'train', 2)).y)).toEqual([1, 2]);
  });

  it('keeps run edits (compare and swap) and model records sealed', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    await runPass(db);
    await storeSome(db);
    expect((await editRun(db, 'r1', { notes: 'try a lower rate' })).notes).toBe('try a lower rate');
    expect((await getRun(db, 'r1'))?.notes).toBe('try a lower rate');
    expect(isSealed(await db.get('runs', 'r1'))).toBe(true);
    expect((await getModelMeta(db, 'm1'))?.bytes).toBe(8);
    // What the Python export and the training worker read: the weights, opened.
    expect(Array.from(new Float32Array((await getWeights(db, 'm1', 'Model m1')).weightData))).toEqual([0.5, -0.25]);
    expect((await everything(db)).every(isSealed)).toBe(true);
  });
});

describe('what stays in clear', () => {
  it('gives an import an id with nothing of its name while encryption is on, and a readable one while off', async () => {
    const { db } = await freshDb();
    const options = { ...animalOptions, name: 'Patients of Dr Smith' };
    const before = await runImport({ kind: 'csv', file: csvFile('patients.csv', animalsCsv()), options }, deps(db, { random: () => 0.5 }));
    expect(before.dataset.id).toBe('patients-of-dr-smith-iiiiii');
    await turnOn(db, PASS);
    await runPass(db);
    const after = await runImport({ kind: 'csv', file: csvFile('patients.csv', animalsCsv()), options }, deps(db, { random: () => 0.5 }));
    expect(after.dataset.id).toBe('dataset-iiiiii');
    expect(after.dataset.name).toBe('Patients of Dr Smith');
    expect((await db.getAllKeys('datasets')).sort()).toEqual(['dataset-iiiiii', 'patients-of-dr-smith-iiiiii']);
    expect((await listDatasets(db)).map((d) => d.name)).toEqual(['Patients of Dr Smith', 'Patients of Dr Smith']);
  });
});

describe('unlocking', () => {
  it('refuses a wrong passphrase with a clear message, and unlocks with the right one', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    await storeSome(db);
    setKey(db.name, null); // a new tab: nothing held
    const wrong = await rejection(unlock(db, 'correct horse battery stapler'));
    expect(wrong).toBeInstanceOf(WrongPassphraseError);
    expect(wrong.message).toBe('That passphrase is not the one this data was encrypted with. Check it (letters’ case counts) and try again.');
    await unlock(db, PASS);
    expect((await listDatasets(db)).map((d) => d.id).sort()).toEqual(['a', 'b']);
  });

  it('while locked, reads and writes fail as locked, and nothing is listed as damaged', async () => {
    const { db } = await freshDb();
    await turnOn(db, PASS);
    await runPass(db);
    await storeSome(db);
    setKey(db.name, null);
    expect(await rejection(readDatasets(db))).toBeInstanceOf(LockedError);
    expect(await rejection(readRuns(db))).toBeInstanceOf(LockedError);
    const { meta, data } = tinyDataset('c', { train: 2, test: 2 }, 2);
    const err = await rejection(writeDataset(db, meta, data, { locks: null }));
    expect(err.message).toMatch(/encrypted and locked/);
    expect(await db.getAllKeys('shards')).toHaveLength(8);
  });
});

describe('encrypting in place', () => {
  it('seals everything stored before, and the data reads back the same', async () => {
    const { db } = await freshDb();
    const { a } = await storeSome(db);
    const before = await readShard(db, 'a', 'train', 2);
    await turnOn(db, PASS);
    const progress: number[] = [];
    expect(await runPass(db, { onProgress: (done) => progress.push(done) })).toBe('on');
    expect(progress.at(-1)).toBe(13); // 8 shards, 2 datasets, a model and its weights, a run
    expect((await everything(db)).every(isSealed)).toBe(true);
    expect((await readVault(db))?.state).toBe('on');
    const after = await readShard(db, 'a', 'train', 2);
    expect(Array.from(after.x)).toEqual(Array.from(before.x));
    expect(Array.from(after.x)).toEqual(Array.from(a.data.train.x.slice(16, 24)));
  });

  it('cut off midway (the tab closed), leaves every record readable, and the next unlock finishes it', async () => {
    const factory = new IDBFactory();
    const db = await openHearthDb(factory, 'hearth');
    const { a, b } = await storeSome(db);
    await turnOn(db, PASS);
    // The tab "closes" after the sixth record: the pass stops there.
    const controller = new AbortController();
    const stopped = await rejection(runPass(db, { signal: controller.signal, onProgress: (done) => done === 6 && controller.abort() }));
    expect(stopped.name).toBe('AbortError');
    db.close();
    setKey('hearth', null);

    const again = await openHearthDb(factory, 'hearth');
    expect((await readVault(again))?.state).toBe('encrypting');
    const stored = await everything(again);
    expect(stored.filter(isSealed)).toHaveLength(6);
    expect(stored.filter((r) => !isSealed(r))).toHaveLength(7);
    // Half sealed, the data is locked as a whole, not half listed.
    expect(await rejection(listDatasets(again))).toBeInstanceOf(LockedError);

    await unlock(again, PASS);
    // Readable both ways before the pass ends.
    expect((await listDatasets(again)).map((d) => d.id).sort()).toEqual(['a', 'b']);
    expect(await runPass(again)).toBe('on');
    expect((await everything(again)).every(isSealed)).toBe(true);
    for (const [set, split, shards] of [[a, 'train', 3], [b, 'val', 1], [b, 'test', 1]] as const) {
      const x: number[] = [];
      for (let i = 0; i < shards; i++) x.push(...(await readShard(again, set.meta.id, split, i)).x);
      expect(x).toEqual(Array.from(set.data[split]!.x));
    }
    expect((await getRun(again, 'r1'))?.name).toBe('First run');
    again.close();
  });

  it('leaves a record written meanwhile as its writer wrote it', async () => {
    const { db } = await freshDb();
    await storeSome(db);
    await turnOn(db, PASS);
    // A run's epoch lands (sealed, since encryption is on) while the pass works.
    const run = (await getRun(db, 'r1'))!;
    let wrote = false;
    await runPass(db, {
      onProgress: () => {
        if (!wrote) void putRun(db, { ...run, notes: 'written during the pass' });
        wrote = true;
      },
    });
    expect((await getRun(db, 'r1'))?.notes).toBe('written during the pass');
  });

  it('turned off, opens every record again and forgets the key; interrupted, it finishes later', async () => {
    const { db } = await freshDb();
    const { a } = await storeSome(db);
    await turnOn(db, PASS);
    await runPass(db);
    await turnOff(db);
    const controller = new AbortController();
    await rejection(runPass(db, { signal: controller.signal, onProgress: (done) => done === 4 && controller.abort() }));
    expect((await readVault(db))?.state).toBe('decrypting');
    // New writes already go in clear.
    const c = tinyDataset('c', { train: 2, test: 2 }, 2);
    await writeDataset(db, c.meta, c.data, { locks: null });
    expect(isSealed(await db.get('datasets', 'c'))).toBe(false);
    expect(await runPass(db)).toBe('off');
    expect(await readVault(db)).toBeUndefined();
    expect((await everything(db)).some(isSealed)).toBe(false);
    setKey(db.name, null);
    expect(Array.from((await readShard(db, 'a', 'train', 0)).x)).toEqual(Array.from(a.data.train.x.slice(0, 8)));
  });
});

describe('database version 3', () => {
  it('opens a version-2 database with its data, unencrypted and readable, and adds the vault store', async () => {
    const factory = new IDBFactory();
    const { meta, data } = tinyDataset('old', { train: 2, test: 2 }, 2);
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('hearth-v2', 2);
      request.onupgradeneeded = () => {
        const v2 = request.result;
        v2.createObjectStore('datasets', { keyPath: 'id' });
        v2.createObjectStore('shards', { keyPath: ['datasetId', 'split', 'index'] }).createIndex('byDataset', 'datasetId');
        for (const s of ['models', 'modelWeights']) v2.createObjectStore(s, { keyPath: 'id' });
        v2.createObjectStore('runs', { keyPath: 'id' });
        v2.createObjectStore('checkpoints', { keyPath: 'runId' });
      };
      request.onsuccess = () => {
        const v2 = request.result;
        const tx = v2.transaction(['datasets', 'shards'], 'readwrite');
        tx.objectStore('datasets').put(meta);
        tx.objectStore('shards').put({ datasetId: 'old', split: 'train', index: 0, count: 2, x: data.train.x, y: data.train.y });
        tx.objectStore('shards').put({ datasetId: 'old', split: 'test', index: 0, count: 2, x: data.test.x, y: data.test.y });
        tx.oncomplete = () => (v2.close(), resolve());
        tx.onerror = () => reject(tx.error);
      };
      request.onerror = () => reject(request.error);
    });
    const db = await openHearthDb(factory, 'hearth-v2');
    expect(db.version).toBe(DB_VERSION);
    expect(DB_VERSION).toBe(3);
    expect(db.objectStoreNames.contains('vault')).toBe(true);
    expect(await readVault(db)).toBeUndefined();
    expect((await listDatasets(db)).map((d) => d.name)).toEqual(['Tiny old']);
    expect(Array.from((await readShard(db, 'old', 'test', 0)).y)).toEqual([0, 1]);
    db.close();
  });
});
