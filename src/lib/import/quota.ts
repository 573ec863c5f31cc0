/**
 * Checking an import against the storage left before any of it is read in, so a
 * file that cannot fit fails at once with a message instead of midway.
 */
import { ImportError, formatBytes } from './errors';

/** navigator.storage.estimate, injected so tests can pretend the disk is nearly full. */
export type EstimateFn = () => Promise<{ usage?: number; quota?: number }>;

/** Bytes the browser still lets this site store; Infinity when it does not say. */
export async function spaceLeft(estimate?: EstimateFn): Promise<number> {
  if (!estimate) return Infinity;
  try {
    const { usage, quota } = await estimate();
    if (typeof quota !== 'number' || !Number.isFinite(quota)) return Infinity;
    return Math.max(0, quota - (usage ?? 0));
  } catch {
    // Storage is checked again when it is written; an estimate that fails is no reason to refuse.
    return Infinity;
  }
}

export function checkSpace(fileName: string, needBytes: number, leftBytes: number): void {
  if (needBytes <= leftBytes) return;
  throw new ImportError(
    fileName,
    `${fileName} needs about ${formatBytes(needBytes)} once imported, but only ${formatBytes(leftBytes)} of storage is left. ` +
      'Free space by deleting datasets or models.',
  );
}
