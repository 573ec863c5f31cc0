/**
 * Encryption at rest as the page sees it: whether stored data is encrypted and
 * unlocked, turning it on and off, unlocking with the passphrase, and the pass
 * that encrypts or decrypts what is stored, with its progress.
 *
 * The key lives in this tab's memory only (and in its workers, which get the
 * CryptoKey, never the passphrase): a reload asks for the passphrase again. A
 * locked database is not an error: the lists wait, empty, for the unlock
 * (`readable` resolves then), and nothing is reported as damaged.
 */
import { describeStorageError } from '../lib/storage/db';
import { WrongPassphraseError } from '../lib/storage/crypto';
import { LockedError, heldKey, readVault, setKey, type VaultState } from '../lib/storage/vault';
import { MIN_PASSPHRASE, runPass, turnOff, turnOn, unlock, watchVault, type Held } from '../lib/storage/encryptInPlace';
import type { Services } from './services';

/** checking: the vault is being read. off: nothing is encrypted. locked: encrypted, no key here. unlocked: encrypted, key held. */
export type EncryptionStatus = 'checking' | 'off' | 'locked' | 'unlocked';

export interface EncryptionDeps {
  db: Services['db'];
  dbName: string;
  training: Services['training'];
  imports: Services['imports'];
  /** Whether a run, a held model, a load or an import is under way (a pass must not run beside them). */
  busy: () => boolean;
  /** Reads the lists again, after an unlock that follows a lock from another tab. */
  reread: () => void;
}

export class Encryption {
  private readonly deps: EncryptionDeps;
  private stopWatching: (() => void) | null = null;
  private becomeReadable: () => void = () => {};
  /** Resolves once stored data can be read: at once when it is not encrypted, else at the unlock. */
  readonly readable: Promise<void>;
  private wasReadable = false;

  status = $state<EncryptionStatus>('checking');
  /** What the vault says: a pass under way, or on. Null when off. */
  stored = $state<VaultState | null>(null);
  /** A pass running in this tab: records done of all. */
  progress = $state<{ direction: 'encrypting' | 'decrypting'; done: number; total: number } | null>(null);
  /** Deriving a key (PBKDF2 takes a moment on purpose). */
  working = $state(false);
  /** Why the last action failed (a wrong passphrase, passphrases that differ), or null. */
  message = $state<string | null>(null);

  constructor(deps: EncryptionDeps) {
    this.deps = deps;
    this.readable = new Promise((resolve) => {
      this.becomeReadable = () => {
        this.wasReadable = true;
        resolve();
      };
    });
  }

  readonly minLength = MIN_PASSPHRASE;

  /** Reads the vault and follows other tabs' changes; resolves when stored data can be read. */
  async init(): Promise<void> {
    this.stopWatching ??= watchVault(this.deps.dbName, () => void this.recheck());
    await this.recheck();
    return this.readable;
  }

  /** Reads the vault afresh: another tab turned encryption on or off, or everything was deleted. */
  async recheck(): Promise<void> {
    try {
      const db = await this.deps.db();
      const vault = await readVault(db);
      this.stored = vault?.state ?? null;
      const held = heldKey(db.name);
      if (!vault) {
        if (held) this.giveKey(null);
        this.status = 'off';
      } else if (!held || held.salt.some((v, i) => v !== vault.kdf.salt[i])) {
        // Encrypted with a passphrase this tab does not hold (set in another tab).
        if (held) this.giveKey(null);
        this.status = 'locked';
        return;
      } else {
        this.status = 'unlocked';
      }
      if (!this.wasReadable) this.becomeReadable();
    } catch (err) {
      // An unreadable database: the lists report it in their own words.
      this.message = describeStorageError(err);
      this.status = 'off';
      if (!this.wasReadable) this.becomeReadable();
    }
  }

  async unlock(passphrase: string): Promise<void> {
    if (this.working) return;
    this.working = true;
    this.message = null;
    try {
      this.giveKey(await unlock(await this.deps.db(), passphrase));
      this.status = 'unlocked';
      if (this.wasReadable) this.deps.reread();
      else this.becomeReadable();
      this.working = false;
      // A pass cut short (the tab closed midway) goes on now.
      await this.pass();
    } catch (err) {
      this.message = err instanceof WrongPassphraseError ? err.message : describe(err);
    } finally {
      this.working = false;
    }
  }

  /** Encrypts everything stored with a key from `passphrase`; `repeat` must match it. */
  async turnOn(passphrase: string, repeat: string): Promise<void> {
    if (this.working || this.progress) return;
    this.message = null;
    if (passphrase !== repeat) {
      this.message = 'The two passphrases differ. Type the same one twice.';
      return;
    }
    if (this.refuseWhileBusy()) return;
    this.working = true;
    try {
      this.giveKey(await turnOn(await this.deps.db(), passphrase));
      this.status = 'unlocked';
      this.stored = 'encrypting';
      this.working = false;
      await this.pass();
    } catch (err) {
      this.message = describe(err);
    } finally {
      this.working = false;
    }
  }

  /** Decrypts everything and forgets the key; needs the data unlocked. */
  async turnOff(): Promise<void> {
    if (this.working || this.progress || this.refuseWhileBusy()) return;
    this.message = null;
    try {
      await turnOff(await this.deps.db());
      this.stored = 'decrypting';
      await this.pass();
    } catch (err) {
      this.message = describe(err);
    }
  }

  /** Runs (or finishes) the pass the vault asks for, showing its progress. */
  private async pass(): Promise<void> {
    const db = await this.deps.db();
    const vault = await readVault(db);
    if (!vault || vault.state === 'on') return;
    this.progress = { direction: vault.state, done: 0, total: 0 };
    try {
      const ended = await runPass(db, {
        onProgress: (done, total) => (this.progress = { direction: vault.state as 'encrypting' | 'decrypting', done, total }),
      });
      if (ended === 'off') {
        this.giveKey(null);
        this.status = 'off';
      }
      this.stored = ended === 'off' ? null : ended;
    } catch (err) {
      this.message = `The pass stopped: ${describe(err)} Every record is whole; it goes on at the next unlock or when you try again.`;
    } finally {
      this.progress = null;
    }
  }

  /** Finishes a pass that stopped (a full disk, another tab's lock); the button's action. */
  async resume(): Promise<void> {
    if (this.progress || this.refuseWhileBusy()) return;
    this.message = null;
    await this.pass();
  }

  private refuseWhileBusy(): boolean {
    if (!this.deps.busy()) return false;
    this.message = 'Let the run, the load or the import finish (and save or discard a trained model) first.';
    return true;
  }

  /** The key for this tab and its workers, or null to forget it everywhere here. */
  private giveKey(held: Held | null): void {
    setKey(this.deps.dbName, held);
    this.deps.training.setVaultKey(held);
    this.deps.imports.setVaultKey(held);
  }

  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }
}

/** A storage failure (a DOMException: full disk, closed connection) in the words used elsewhere; anything else by its own message. */
function describe(err: unknown): string {
  if (err instanceof LockedError || !(err instanceof DOMException)) return err instanceof Error ? err.message : String(err);
  return describeStorageError(err);
}
