/**
 * Seeded train/validation/test splits for datasets that arrive without one. Each
 * class is cut in proportion (stratified), so a rare class still reaches every
 * part it can, and the same labels and seed always give the same split.
 */
import { mulberry32, shuffleInPlace } from './rng';

export interface SplitIndices {
  train: Uint32Array;
  val: Uint32Array;
  test: Uint32Array;
}

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.8, val: 0.1, test: 0.1 };

function checkFractions(f: SplitFractions): void {
  const parts = [f.train, f.val, f.test];
  if (parts.some((p) => !(p >= 0)) || Math.abs(parts[0] + parts[1] + parts[2] - 1) > 1e-9) {
    throw new RangeError(`Split fractions must be zero or more and add up to 1; got ${parts.join(' + ')}.`);
  }
}

/**
 * Largest-remainder rounding: floor each share, then hand the leftover samples to
 * the parts with the biggest fractional remainders (ties: train, then val, then test).
 * A class with one sample therefore goes to train.
 */
export function cutCounts(n: number, f: SplitFractions): [number, number, number] {
  const exact = [n * f.train, n * f.val, n * f.test];
  const counts = exact.map(Math.floor) as [number, number, number];
  let left = n - counts[0] - counts[1] - counts[2];
  const order = [0, 1, 2].sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % 3, left--) counts[order[k]]++;
  return counts;
}

function cutGroups(groups: Uint32Array[], f: SplitFractions, seed: number): SplitIndices {
  const rand = mulberry32(seed);
  const parts: number[][] = [[], [], []];
  for (const group of groups) {
    shuffleInPlace(group, rand);
    const [nTrain, nVal] = cutCounts(group.length, f);
    for (let i = 0; i < group.length; i++) parts[i < nTrain ? 0 : i < nTrain + nVal ? 1 : 2].push(group[i]);
  }
  const sorted = parts.map((p) => Uint32Array.from(p).sort());
  return { train: sorted[0], val: sorted[1], test: sorted[2] };
}

export function stratifiedSplit(
  labels: ArrayLike<number>,
  numClasses: number,
  fractions: SplitFractions = DEFAULT_FRACTIONS,
  seed = 0,
): SplitIndices {
  checkFractions(fractions);
  const sizes = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) {
      throw new RangeError(`Sample ${i} has label ${c}; labels must be class numbers from 0 to ${numClasses - 1}.`);
    }
    sizes[c]++;
  }
  const groups = sizes.map((n) => new Uint32Array(n));
  const filled = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) groups[labels[i]][filled[labels[i]]++] = i;
  return cutGroups(groups, fractions, seed);
}

/** For regression targets, where there are no classes to balance. */
export function randomSplit(n: number, fractions: SplitFractions = DEFAULT_FRACTIONS, seed = 0): SplitIndices {
  checkFractions(fractions);
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  return cutGroups([all], fractions, seed);
}

/** Copies the listed rows of a row-major matrix into a new one of the same type. */
export function gatherRows<T extends Uint8Array | Float32Array>(x: T, rowLength: number, indices: ArrayLike<number>): T {
  const out = new (x.constructor as { new (n: number): T })(indices.length * rowLength);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i] * rowLength;
    if (start + rowLength > x.length) throw new RangeError(`Row ${indices[i]} is past the end of the data.`);
    out.set(x.subarray(start, start + rowLength), i * rowLength);
  }
  return out;
}
