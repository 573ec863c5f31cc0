// Where the time of encryption at rest goes, in the benchmark page: MNIST-sized shards
// (2,188 images of 28×28, 1.7 MB each) written and read through the storage layer with
// encryption off and on, and each step of a sealed write and read timed on its own:
// one transaction per shard as writeDataset does, alone and as its pipelined series.
import { openHearthDb, runWrites, type HearthDb } from '../../src/lib/storage/db';
import { turnOn } from '../../src/lib/storage/encryptInPlace';
import { decrypt, encrypt } from '../../src/lib/storage/crypto';
import { pack, unpack } from '../../src/lib/storage/pack';
import { heldKey, readVault, seal, setKey, unseal, type SealedEnvelope } from '../../src/lib/storage/vault';
import { putSeries } from '../../src/lib/storage/series';
import type { ShardRecord } from '../../src/lib/types';
import { deleteDb } from './encryptionRun';

export interface ProfileJob {
  shards: number;
  samples: number;
}

/** Milliseconds per shard, the mean over all shards. */
export type EncryptionProfile = Record<string, number>;

function shardsOf(job: ProfileJob): ShardRecord[] {
  return Array.from({ length: job.shards }, (_, index) => {
    const x = new Uint8Array(job.samples * 784);
    for (let i = 0; i < x.length; i += 97) x[i] = (i * 31 + index) & 255;
    return { datasetId: 'profile', split: 'train', index, count: job.samples, x, y: new Uint8Array(job.samples).fill(index % 10) };
  });
}

async function putEach(db: HearthDb, records: unknown[]): Promise<void> {
  for (const r of records) {
    const tx = db.transaction('shards', 'readwrite');
    await runWrites(tx, (track) => track(tx.store.put(r as never)));
  }
}

export async function encryptionProfile(job: ProfileJob): Promise<EncryptionProfile> {
  const dbName = 'hearth-bench-profile';
  await deleteDb(dbName);
  const db = await openHearthDb(undefined, dbName);
  const out: EncryptionProfile = {};
  const n = job.shards;
  const time = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    out[name] = (performance.now() - t0) / n;
    return r;
  };
  try {
    const shards = shardsOf(job);
    await time('put, clear', () => putEach(db, shards));
    await time('get, clear', async () => {
      for (const s of shards) await db.get('shards', ['profile', 'train', s.index]);
    });
    await time('series write (putSeries), clear', () => putSeries(db, 'shards', n, (i) => shards[i]));
    await turnOn(db, 'a benchmark passphrase');
    const key = heldKey(dbName)!.key;
    await time('readVault', async () => {
      for (let i = 0; i < n; i++) await readVault(db);
    });
    const packed = await time('pack', async () => shards.map((s) => pack(s)));
    const sealed = await time('encrypt (AES-GCM)', async () => {
      const r: Awaited<ReturnType<typeof encrypt>>[] = [];
      for (const p of packed) r.push(await encrypt(key, p, 'profile'));
      return r;
    });
    // The same bytes in one call: what AES-GCM itself costs, without a call's fixed price (a hop to WebCrypto's thread and back).
    const whole = new Uint8Array(packed.reduce((n, p) => n + p.byteLength, 0));
    packed.reduce((at, p) => (whole.set(p, at), at + p.byteLength), 0);
    await time('encrypt, all shards in one call', () => encrypt(key, whole, 'profile'));
    const opened = await time('decrypt (AES-GCM)', async () => {
      const r: Uint8Array[] = [];
      for (const s of sealed) r.push(await decrypt(key, s, 'profile'));
      return r;
    });
    await time('unpack', async () => opened.map((o) => unpack(o)));
    const envelopes = await time('seal (whole)', async () => {
      const r: unknown[] = [];
      for (const s of shards) r.push(await seal(db, 'shards', s));
      return r;
    });
    await time('put, sealed', () => putEach(db, envelopes));
    await time('series write (putSeries), sealed', () => putSeries(db, 'shards', n, (i) => shards[i]));
    const raws = await time('get, sealed', async () => {
      const r: unknown[] = [];
      for (const s of shards) r.push(await db.get('shards', ['profile', 'train', s.index]));
      return r;
    });
    await time('unseal (whole)', async () => {
      for (const raw of raws) await unseal(db, 'shards', raw as SealedEnvelope);
    });
    return out;
  } finally {
    setKey(dbName, null);
    db.close();
    await deleteDb(dbName);
  }
}
