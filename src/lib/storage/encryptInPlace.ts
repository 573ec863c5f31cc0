/**
 * Turning encryption at rest on and off, unlocking, and the pass that encrypts
 * (or decrypts) what is stored, record by record, in place.
 *
 * The pass is crash-safe and resumable: each record is rewritten in a
 * transaction of its own, and only if it is still the value that was read
 * (compare and swap), so a record is always whole, either clear or sealed,
 * and readable both ways once unlocked. The vault record says a pass is under
 * way ("encrypting" or "decrypting"); a tab closed midway leaves it so, and the
 * pass goes on at the next unlock. Only when every record is done does the
 * vault say "on" (or go, when decrypting).
 */
import { CHECK_PLACE, CHECK_TEXT, LockedError, SEALED_STORES, VAULT_ID, heldKey, isSealed, openWith, readVault, sameStored, sealWith, setKey, type SealedEnvelope, type VaultRecord } from './vault';
import { WrongPassphraseError, decrypt, deriveKey, encrypt, newKdfParams } from './crypto';
import { runWrites, type HearthDb } from './db';

export const MIN_PASSPHRASE = 8;

export type Held = { key: CryptoKey; salt: Uint8Array };

async function putVault(db: HearthDb, vault: VaultRecord): Promise<void> {
  const tx = db.transaction('vault', 'readwrite');
  await runWrites(tx, (track) => track(tx.store.put(vault)));
  announceVault(db.name);
}

/**
 * Starts encrypting: derives a key from a new salt, stores the vault record (state
 * "encrypting", so new writes are sealed from now on) and holds the key. runPass
 * then seals what was stored before.
 */
export async function turnOn(db: HearthDb, passphrase: string): Promise<Held> {
  if (passphrase.length < MIN_PASSPHRASE) throw new Error(`Choose a passphrase of at least ${MIN_PASSPHRASE} characters.`);
  if (await readVault(db)) throw new Error('Encryption is already on.');
  const kdf = newKdfParams();
  const key = await deriveKey(passphrase, kdf);
  const check = await encrypt(key, new TextEncoder().encode(CHECK_TEXT), CHECK_PLACE);
  const held = { key, salt: kdf.salt };
  setKey(db.name, held);
  await putVault(db, { id: VAULT_ID, kdf, check, state: 'encrypting', changedAt: Date.now() });
  return held;
}

/** Derives the key from the passphrase and checks it against the vault; a wrong one is a WrongPassphraseError. */
export async function unlock(db: HearthDb, passphrase: string): Promise<Held> {
  const vault = await readVault(db);
  if (!vault) throw new Error('The data on this device is not encrypted.');
  const key = await deriveKey(passphrase, vault.kdf);
  let text = '';
  try {
    text = new TextDecoder().decode(await decrypt(key, vault.check, CHECK_PLACE));
  } catch {
    // GCM's tag does not match: another key.
  }
  if (text !== CHECK_TEXT) throw new WrongPassphraseError();
  const held = { key, salt: vault.kdf.salt };
  setKey(db.name, held);
  return held;
}

/** Starts decrypting: new writes go in clear from now on, and runPass opens what is sealed. Needs the key. */
export async function turnOff(db: HearthDb): Promise<void> {
  const vault = await readVault(db);
  if (!vault) return;
  if (!heldKey(db.name)) throw new LockedError();
  if (vault.state !== 'decrypting') await putVault(db, { ...vault, state: 'decrypting', changedAt: Date.now() });
}

export interface PassOptions {
  /** Records done of all records, after each one. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Finishes the pass the vault record says is under way, if any: seals every record
 * still in clear ("encrypting"), or opens every sealed one ("decrypting"). Stopped
 * midway (an abort, a closed tab, a full disk), it leaves every record whole, and
 * running it again goes on where it stopped.
 */
export async function runPass(db: HearthDb, opts: PassOptions = {}): Promise<VaultRecord['state'] | 'off'> {
  const vault = await readVault(db);
  if (!vault) return 'off';
  if (vault.state === 'on') return 'on';
  const held = heldKey(db.name);
  if (!held) throw new LockedError();
  const sealing = vault.state === 'encrypting';
  const todo = await Promise.all(SEALED_STORES.map(async (store) => ({ store, keys: await db.getAllKeys(store) })));
  const total = todo.reduce((n, t) => n + t.keys.length, 0);
  let done = 0;
  for (const { store, keys } of todo) {
    for (const key of keys) {
      if (opts.signal?.aborted) throw new DOMException('The encryption pass was stopped; it goes on at the next unlock.', 'AbortError');
      const raw = await db.get(store, key as never);
      if (raw !== undefined && isSealed(raw) !== sealing) {
        const next = sealing ? await sealWith(held.key, store, raw) : await openWith(held.key, store, raw as unknown as SealedEnvelope);
        const tx = db.transaction(store, 'readwrite');
        await runWrites(tx, (track) =>
          track(
            tx.store.get(key as never).then((now) => {
              // Written meanwhile (by a run in a worker): the newer write already has the right form.
              if (now !== undefined && sameStored(now, raw)) return tx.store.put(next as never);
            }),
          ),
        );
      }
      done += 1;
      opts.onProgress?.(done, total);
    }
  }
  if (sealing) {
    await putVault(db, { ...vault, state: 'on', changedAt: Date.now() });
    return 'on';
  }
  const tx = db.transaction('vault', 'readwrite');
  await runWrites(tx, (track) => track(tx.store.delete(VAULT_ID)));
  setKey(db.name, null);
  announceVault(db.name);
  return 'off';
}

const vaultChannel = (dbName: string) => `${dbName}:vault`;
/** Identifies this page or worker, so it does not hear its own announcements. */
const SENDER = Math.random().toString(36).slice(2);

/** Tells other tabs that encryption was turned on or off, or a pass ended: they read the vault again. */
export function announceVault(dbName: string): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(vaultChannel(dbName));
  try {
    channel.postMessage({ sender: SENDER });
  } finally {
    channel.close();
  }
}

/** Calls onChange when another page announces a change; returns a function that stops listening. */
export function watchVault(dbName: string, onChange: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(vaultChannel(dbName));
  channel.onmessage = (e: MessageEvent) => {
    if ((e.data as { sender?: unknown } | null)?.sender !== SENDER) onChange();
  };
  return () => channel.close();
}
