/**
 * Many records written to one store, each in a transaction of its own (an import's
 * shards), as fast with encryption on as the disk allows. The vault record is read
 * once for the series, not once per record, and records n + 1 to n + 3 are sealed while
 * record n is being written: WebCrypto encrypts on a thread of its own and IndexedDB writes in
 * the browser's, so the two overlap instead of adding up.
 *
 * Each write's transaction also reads the vault record and gives up the write if the
 * mode it was sealed in no longer holds (encryption turned off, or on again with
 * another passphrase, in another tab meanwhile); the record is then sealed again in
 * the mode that now holds and written. IndexedDB orders that transaction with the one
 * that changed the vault, so a record can never be written in a form that a pass
 * already under way would miss.
 */
import { runWrites, type HearthDb } from './db';
import { VAULT_ID, modeHolds, sealAs, writeMode, type SealedStore, type WriteMode } from './vault';

export interface SeriesHooks<T> {
  /** Before record i is written (it may throw, to stop the series): a cleanup must cover it from here on. */
  writing?: (value: T, i: number) => void;
  /** After record i is stored. */
  written?: (value: T, i: number) => void;
}

/** A record's prepared form: the value, and what is stored for it in `mode`. */
interface Prepared<T> {
  value: T;
  stored: T;
  mode: WriteMode;
}

/** Records sealed ahead of the one being written: a few shards' bytes at most (4 MB each). */
const AHEAD = 3;

/** Thrown inside a write's transaction to abort it: the vault changed since the record was sealed. */
class ModeChanged extends Error {}

/** Puts `stored` if the vault still asks for `mode`'s writes, in one transaction; false (nothing written) if not. */
async function putIfMode<T>(db: HearthDb, store: SealedStore, stored: T, mode: WriteMode): Promise<boolean> {
  const tx = db.transaction([store, 'vault'], 'readwrite');
  try {
    await runWrites(tx, (track) => {
      track(
        tx.objectStore('vault').get(VAULT_ID).then((vault) => {
          if (!modeHolds(mode, vault)) throw new ModeChanged();
        }),
      );
      track(tx.objectStore(store).put(stored as never));
    });
    return true;
  } catch (err) {
    if (err instanceof ModeChanged) return false;
    throw err;
  }
}

/**
 * Writes `count` records made by make(i), in order, to `store`; make is called up to AHEAD
 * records ahead of the write, with whether the record is to be sealed, so that it can hand over a
 * view where a clear record would need its own buffer. Returns the mode the last record
 * was written in, for a series that follows.
 */
export async function putSeries<T>(
  db: HearthDb,
  store: SealedStore,
  count: number,
  make: (i: number, sealing: boolean) => T,
  hooks: SeriesHooks<T> = {},
  /** The mode an earlier series ended in, so the vault is not read again; read when absent. */
  from?: WriteMode,
): Promise<WriteMode> {
  let mode = from ?? (await writeMode(db));
  const prepare = (i: number, value?: T): Promise<Prepared<T>> => {
    const m = mode;
    const v = value ?? make(i, m.key !== null);
    const p = sealAs(m, store, v).then((stored) => ({ value: v, stored, mode: m }));
    // If the series stops first, a record prepared ahead and never awaited must not surface as an unhandled rejection.
    p.catch(() => {});
    return p;
  };
  // Records prepared ahead: WebCrypto's thread seals them back to back, so a late wake-up of either thread
  // (a busy machine) does not leave the other waiting.
  const ahead: Promise<Prepared<T>>[] = [];
  let made = 0;
  const fill = () => {
    while (made < count && ahead.length < AHEAD) ahead.push(prepare(made++));
  };
  fill();
  for (let i = 0; i < count; i++) {
    let current = await ahead.shift()!;
    fill();
    hooks.writing?.(current.value, i);
    while (!(await putIfMode(db, store, current.stored, current.mode))) {
      mode = await writeMode(db);
      // make(i, sealing) may have handed a view for sealing; a clear record needs its own buffer.
      current = await prepare(i, current.mode.key !== null && mode.key === null ? undefined : current.value);
      // Those prepared ahead are in the old mode: made again in the new one.
      ahead.length = 0;
      made = i + 1;
      fill();
    }
    hooks.written?.(current.value, i);
  }
  return mode;
}
