/**
 * The pieces every restore gate is built from. A record read back from IndexedDB
 * is untrusted input: another version of Hearth, another tab, a browser extension
 * or a damaged disk may have written it. A gate fills what an older version left
 * out, bounds what could swamp the page (200,000 class names), and refuses what
 * cannot be repaired by throwing a BadRecord whose message says why.
 */

export class BadRecord extends Error {
  override name = 'BadRecord';
}

export type Raw = Record<string, unknown>;

/** A stored record that its restore gate refused: named, so the person can delete it. */
export interface StoredProblem {
  /** The record's key, to delete it by. */
  id: string;
  message: string;
}

/**
 * A restore gate from its checks: a BadRecord becomes an Error whose message
 * `explain(label, why)` words for people, naming the record.
 */
export function gate<T>(check: (raw: unknown) => T, explain: (label: string, why: string) => string): (raw: unknown) => T {
  return (raw) => {
    try {
      return check(raw);
    } catch (err) {
      if (!(err instanceof BadRecord)) throw err;
      throw new Error(explain(labelOf(raw), err.message));
    }
  };
}

/**
 * Every record of a store through its gate, newest first. One that is refused is
 * left out and named in `problems`, never hiding the others.
 */
export async function readAllThrough<T extends { createdAt: number }>(
  store: { getAllKeys(): Promise<IDBValidKey[]>; getAll(): Promise<unknown[]> },
  restore: (raw: unknown) => T,
  open: (raw: unknown) => Promise<unknown> = async (raw) => raw,
): Promise<{ items: T[]; problems: StoredProblem[] }> {
  const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
  // Opened (decrypted) after the transaction: a record that does not open is a problem like any other.
  const opened = await Promise.allSettled(values.map(open));
  const items: T[] = [];
  const problems: StoredProblem[] = [];
  opened.forEach((o, i) => {
    try {
      if (o.status === 'rejected') throw o.reason;
      items.push(restore(o.value));
    } catch (err) {
      // Locked data is not damaged: the whole read fails, and nothing is listed as a problem.
      if ((err as Error | null)?.name === 'LockedError') throw err;
      const message = err instanceof BadRecord ? `The stored record "${String(keys[i])}" cannot be opened: ${err.message}. Delete it.` : err instanceof Error ? err.message : String(err);
      problems.push({ id: String(keys[i]), message });
    }
  });
  return { items: items.sort((a, b) => b.createdAt - a.createdAt), problems };
}

export function asObject(raw: unknown, what = 'the record'): Raw {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRecord(`${what} is not an object`);
  return raw as Raw;
}

/** The name a person knows a record by, for messages about it: its name, else its id. */
export function labelOf(raw: unknown): string {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Raw;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 80) : null);
  return text(r.name) ?? text(r.id) ?? 'without a name';
}

export function requiredString(value: unknown, field: string, maxLength = 200): string {
  if (typeof value !== 'string' || !value) throw new BadRecord(`it has no ${field}`);
  if (value.length > maxLength) throw new BadRecord(`its ${field} is ${value.length} characters long (at most ${maxLength})`);
  return value;
}

/** Text that is only shown: a missing one takes the fallback, a long one is cut. */
export function displayString(value: unknown, fallback: string, maxLength = 200): string {
  return typeof value === 'string' ? value.slice(0, maxLength) : fallback;
}

export function finiteOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new BadRecord(`its ${field} ${JSON.stringify(value)?.slice(0, 40)} is not a whole number from ${min} to ${max}`);
  }
  return value as number;
}

export function oneOf<T extends string>(value: unknown, options: readonly T[], fallback: T, field: string): T {
  if (value === undefined) return fallback;
  if (options.includes(value as T)) return value as T;
  throw new BadRecord(`its ${field} "${String(value).slice(0, 40)}" is not one of ${options.join(', ')}`);
}

/** Largest side and number of values per sample Hearth can train on; past these a record is not a real dataset. */
export const MAX_SIDE = 4096;
export const MAX_SAMPLE_VALUES = 1 << 24;

export function sampleShape(value: unknown, field: string): [number, number, number] {
  const ok = Array.isArray(value) && value.length === 3 && value.every((d) => Number.isInteger(d) && d > 0 && d <= MAX_SIDE);
  if (!ok) throw new BadRecord(`its ${field} ${JSON.stringify(value)?.slice(0, 60)} is not three whole numbers from 1 to ${MAX_SIDE}`);
  const [h, w, c] = value as number[];
  if (h * w * c > MAX_SAMPLE_VALUES) throw new BadRecord(`its ${field} ${h}×${w}×${c} has more values per sample than Hearth can train on`);
  return [h, w, c];
}

/** Labels are stored as bytes, so a classifier has at most 256 classes. */
export const MAX_CLASSES = 256;

export function classNames(value: unknown, task: 'classification' | 'regression'): string[] {
  if (!Array.isArray(value)) throw new BadRecord('its class names are missing');
  if (task === 'regression') return [];
  if (value.length < 1 || value.length > MAX_CLASSES) {
    throw new BadRecord(`it has ${value.length.toLocaleString('en-US')} class names; a classifier has 1 to ${MAX_CLASSES}`);
  }
  if (!value.every((c) => typeof c === 'string')) throw new BadRecord('its class names are not all text');
  return (value as string[]).map((c) => c.slice(0, 200));
}

export function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
