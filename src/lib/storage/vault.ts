/**
 * Encryption at rest: the one seam every stored record passes. A write calls
 * seal() on the record before its transaction opens (WebCrypto is asynchronous,
 * and a transaction with nothing to do would commit meanwhile); a read calls
 * unseal() on what it got. With encryption off both hand the record through.
 *
 * A sealed record keeps in clear only the fields of its key (ids, and a shard's
 * split and index), which IndexedDB needs to find, order and index records; the
 * rest is packed and AES-GCM encrypted with the record's store and key as
 * additional data. Ids are random or a built-in's name, never a person's data.
 *
 * The "vault" record, in its own store, is in clear by necessity: the PBKDF2
 * salt and iteration count (needed to derive the key again), a known value
 * sealed with the key (to tell a wrong passphrase at once, without touching
 * data) and the state of an encryption pass. The passphrase is never stored.
 *
 * Each page and worker holds the key in memory for its database (setKey); the
 * page passes the CryptoKey to its workers, never the passphrase. A record is
 * self-describing (sealed or not), so a half-done pass leaves every record
 * readable and can be finished later.
 */
import { decrypt, encrypt, type KdfParams, type Sealed } from './crypto';
import type { HearthDb } from './db';
import { pack, unpack } from './pack';
import { BadRecord, asObject } from './restore';

/** The stores whose records are sealed, and the fields of each record's key, which stay in clear. */
export const KEY_FIELDS = {
  datasets: ['id'],
  shards: ['datasetId', 'split', 'index'],
  models: ['id'],
  modelWeights: ['id'],
  runs: ['id'],
  checkpoints: ['runId'],
} as const;
export type SealedStore = keyof typeof KEY_FIELDS;
export const SEALED_STORES = Object.keys(KEY_FIELDS) as SealedStore[];

export const VAULT_ID = 'vault';

/**
 * on: every record is sealed, and every write is. encrypting: a pass is sealing
 * the records still in clear; writes are sealed. decrypting: a pass is opening
 * them; writes go in clear. A pass cut short is finished when the data is next unlocked.
 */
export type VaultState = 'encrypting' | 'on' | 'decrypting';

export interface VaultRecord {
  id: typeof VAULT_ID;
  kdf: KdfParams;
  /** CHECK_TEXT sealed with the key. */
  check: Sealed;
  state: VaultState;
  changedAt: number;
}

export const CHECK_TEXT = 'Hearth encryption check';
export const CHECK_PLACE = 'vault:check';

/** How a sealed record is stored: its key fields, then this. */
export interface SealedEnvelope {
  $sealed: 1;
  iv: Uint8Array;
  data: ArrayBuffer;
}

export class LockedError extends Error {
  override name = 'LockedError';
  constructor() {
    super('Hearth’s data on this device is encrypted and locked in this tab: unlock it with the passphrase (the prompt at the top of the page). Nothing was changed.');
  }
}

/** This page's or worker's keys, by database name: the key and the salt it was derived with. */
const keys = new Map<string, { key: CryptoKey; salt: Uint8Array }>();

export function setKey(dbName: string, held: { key: CryptoKey; salt: Uint8Array } | null): void {
  if (held) keys.set(dbName, held);
  else keys.delete(dbName);
}

export const heldKey = (dbName: string) => keys.get(dbName) ?? null;

export function isSealed(raw: unknown): raw is SealedEnvelope {
  return typeof raw === 'object' && raw !== null && (raw as { $sealed?: unknown }).$sealed === 1;
}

/** The bytes a sealed record occupies (its ciphertext), for the storage figures. */
export const sealedBytes = (raw: SealedEnvelope) => raw.data.byteLength;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The vault record, or undefined when encryption is off. */
export async function readVault(db: HearthDb): Promise<VaultRecord | undefined> {
  const raw = await db.get('vault', VAULT_ID);
  if (raw === undefined) return undefined;
  const r = asObject(raw, 'the encryption record');
  const kdf = asObject(r.kdf, 'its key settings');
  const check = asObject(r.check, 'its check');
  const ok =
    kdf.salt instanceof Uint8Array &&
    typeof kdf.iterations === 'number' &&
    check.iv instanceof Uint8Array &&
    check.data instanceof ArrayBuffer &&
    (r.state === 'encrypting' || r.state === 'on' || r.state === 'decrypting');
  if (!ok) throw new Error('Hearth’s encryption record is damaged, so the encrypted data cannot be opened. Delete everything Hearth stored to start again.');
  return raw as VaultRecord;
}

/** The clear key fields of a record in `store`, in their order, and the place name its ciphertext is bound to. */
function placeOf(store: SealedStore, raw: Record<string, unknown>): { fields: Record<string, unknown>; place: string } {
  const fields: Record<string, unknown> = {};
  for (const f of KEY_FIELDS[store]) fields[f] = raw[f];
  return { fields, place: `${store}:${JSON.stringify(Object.values(fields))}` };
}

/** Seals `value` with `key` for its place in `store`. */
export async function sealWith<T>(key: CryptoKey, store: SealedStore, value: T): Promise<SealedEnvelope> {
  const { fields, place } = placeOf(store, value as Record<string, unknown>);
  const { iv, data } = await encrypt(key, pack(value), place);
  return { ...fields, $sealed: 1, iv, data };
}

/** Opens a sealed record with `key`; a record that does not open (changed, damaged, moved) is a BadRecord. */
export async function openWith(key: CryptoKey, store: SealedStore, raw: SealedEnvelope): Promise<unknown> {
  const { fields, place } = placeOf(store, raw as unknown as Record<string, unknown>);
  let plain: Uint8Array;
  try {
    plain = await decrypt(key, raw, place);
  } catch {
    throw new BadRecord(`its encrypted ${store} record ${JSON.stringify(Object.values(fields))} does not decrypt: it was changed or damaged`);
  }
  return unpack(plain);
}

/** Whether writes are sealed now: encryption is on, or being turned on. */
export async function sealsWrites(db: HearthDb): Promise<boolean> {
  const vault = await readVault(db);
  return !!vault && vault.state !== 'decrypting';
}

/**
 * How this page or worker writes to a database, as its vault record said when read:
 * sealed with `key` (for the vault of `salt`), or in clear (key null). A series of
 * writes (an import's shards) reads it once and checks in each write's own
 * transaction that it still holds (modeHolds), so encryption turned off, or on again
 * with another passphrase, in another tab meanwhile is never missed.
 */
export interface WriteMode {
  key: CryptoKey | null;
  salt: Uint8Array | null;
}

/** The write mode now: in clear when encryption is off or being turned off, else sealed with this realm's key (LockedError without one). */
export async function writeMode(db: HearthDb): Promise<WriteMode> {
  const vault = await readVault(db);
  if (!vault || vault.state === 'decrypting') return { key: null, salt: null };
  const held = keys.get(db.name);
  // A key derived with another salt belongs to an earlier passphrase (encryption was turned off and on in another tab).
  if (!held || !sameBytes(held.salt, vault.kdf.salt)) throw new LockedError();
  return { key: held.key, salt: vault.kdf.salt };
}

/** Whether the vault record as stored now (undefined: none) still asks for writes made in `mode`. */
export function modeHolds(mode: WriteMode, raw: unknown): boolean {
  const vault = raw as Partial<VaultRecord> | undefined;
  if (!vault || vault.state === 'decrypting') return mode.key === null;
  const salt = vault.kdf?.salt;
  return mode.salt !== null && salt instanceof Uint8Array && sameBytes(mode.salt, salt);
}

/** What to store for `value` in `store` when writing in `mode`: the value itself in clear, else its sealed form. */
export async function sealAs<T>(mode: WriteMode, store: SealedStore, value: T): Promise<T> {
  return mode.key ? ((await sealWith(mode.key, store, value)) as unknown as T) : value;
}

/**
 * What to store for `value` in `store`: the value itself with encryption off, its
 * sealed form with it on. Typed as T, since that is what the schema's typing asks
 * of a put; the sealed form has the same key fields, which is all IndexedDB reads.
 */
export async function seal<T>(db: HearthDb, store: SealedStore, value: T): Promise<T> {
  return sealAs(await writeMode(db), store, value);
}

/** The record a stored value holds: a clear one as it is, a sealed one opened (LockedError without the key). */
export async function unseal(db: HearthDb, store: SealedStore, raw: unknown): Promise<unknown> {
  if (!isSealed(raw)) return raw;
  const held = keys.get(db.name);
  if (!held) throw new LockedError();
  return openWith(held.key, store, raw);
}

/**
 * Whether two stored values are the same write, for compare-and-swap: sealed ones by
 * their IV (fresh for every write), clear ones by their content, arrays by their bytes.
 */
export function sameStored(a: unknown, b: unknown): boolean {
  if (isSealed(a) || isSealed(b)) return isSealed(a) && isSealed(b) && sameBytes(a.iv, b.iv);
  if (a === b) return true;
  if (a instanceof ArrayBuffer || b instanceof ArrayBuffer) {
    return a instanceof ArrayBuffer && b instanceof ArrayBuffer && sameBytes(new Uint8Array(a), new Uint8Array(b));
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    return sameBytes(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => sameStored((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What the page posts its workers when it unlocks or locks: the key itself (a CryptoKey clones), never the passphrase. */
export interface KeyMessage {
  vaultKey: { key: CryptoKey; salt: Uint8Array } | null;
}

export const isKeyMessage = (data: unknown): data is KeyMessage =>
  typeof data === 'object' && data !== null && 'vaultKey' in data && Object.keys(data).length === 1;

/** A worker's message handler that first takes the page's key messages for `dbName`, and hands every other message on. */
export function acceptingKeys(dbName: string, handle: (e: MessageEvent) => void): (e: MessageEvent) => void {
  return (e) => {
    if (isKeyMessage(e.data)) setKey(dbName, e.data.vaultKey);
    else handle(e);
  };
}

/** unseal for one store, as readAllThrough takes it. */
export const opener = (db: HearthDb, store: SealedStore) => (raw: unknown) => unseal(db, store, raw);
