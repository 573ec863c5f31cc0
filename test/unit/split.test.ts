import { describe, expect, it } from 'vitest';
import { cutCounts, gatherRows, randomSplit, stratifiedSplit, type SplitIndices } from '../../src/lib/data/split';

// 100 of class 0 and 50 of class 1 interleaved (every third sample is class 1), then 10 of class 2.
const LABELS = Array.from({ length: 160 }, (_, i) => (i < 150 ? (i % 3 === 2 ? 1 : 0) : 2));

const perClass = (s: SplitIndices, labels: number[], c: number) =>
  [s.train, s.val, s.test].map((part) => Array.from(part).filter((i) => labels[i] === c).length);

describe('stratifiedSplit', () => {
  it('cuts every class 80/10/10', () => {
    expect(LABELS.filter((l) => l === 0).length).toBe(100);
    const s = stratifiedSplit(LABELS, 3, undefined, 42);
    expect(perClass(s, LABELS, 0)).toEqual([80, 10, 10]);
    expect(perClass(s, LABELS, 1)).toEqual([40, 5, 5]);
    expect(perClass(s, LABELS, 2)).toEqual([8, 1, 1]);
  });

  it('covers every sample exactly once, each part sorted', () => {
    const s = stratifiedSplit(LABELS, 3, undefined, 42);
    const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 160 }, (_, i) => i));
    for (const part of [s.train, s.val, s.test]) expect(Array.from(part)).toEqual(Array.from(part).sort((a, b) => a - b));
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const a = stratifiedSplit(LABELS, 3, undefined, 1);
    expect(stratifiedSplit(LABELS, 3, undefined, 1)).toEqual(a);
    const b = stratifiedSplit(LABELS, 3, undefined, 2);
    expect(Array.from(b.test)).not.toEqual(Array.from(a.test));
    expect(perClass(b, LABELS, 1)).toEqual([40, 5, 5]);
  });

  it('rounds by largest remainder, so tiny classes stay in training', () => {
    // 7 × (0.8, 0.1, 0.1) = 5.6, 0.7, 0.7: floors 5, 0, 0, then the two leftovers go to val and test.
    expect(cutCounts(7, { train: 0.8, val: 0.1, test: 0.1 })).toEqual([5, 1, 1]);
    expect(cutCounts(3, { train: 0.8, val: 0.1, test: 0.1 })).toEqual([3, 0, 0]);
    expect(cutCounts(1, { train: 0.8, val: 0.1, test: 0.1 })).toEqual([1, 0, 0]);
    expect(cutCounts(10, { train: 0.5, val: 0.25, test: 0.25 })).toEqual([5, 3, 2]);
    const s = stratifiedSplit([0, 1, 1, 1, 1, 1, 1, 1], 2, undefined, 3);
    expect(perClass(s, [0, 1, 1, 1, 1, 1, 1, 1], 0)).toEqual([1, 0, 0]);
    expect(perClass(s, [0, 1, 1, 1, 1, 1, 1, 1], 1)).toEqual([5, 1, 1]);
  });

  it('refuses labels outside the classes and fractions that do not add up', () => {
    expect(() => stratifiedSplit([0, 3], 3, undefined, 0)).toThrow('Sample 1 has label 3');
    expect(() => stratifiedSplit([0, 1], 2, { train: 0.8, val: 0.1, test: 0.2 }, 0)).toThrow(RangeError);
  });
});

describe('randomSplit', () => {
  it('cuts n rows by the fractions, deterministically', () => {
    const s = randomSplit(25, { train: 0.6, val: 0.2, test: 0.2 }, 9);
    expect([s.train.length, s.val.length, s.test.length]).toEqual([15, 5, 5]);
    expect(randomSplit(25, { train: 0.6, val: 0.2, test: 0.2 }, 9)).toEqual(s);
    expect([...s.train, ...s.val, ...s.test].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});

describe('gatherRows', () => {
  it('copies the chosen rows in order, keeping the type', () => {
    const x = Uint8Array.from([0, 1, 10, 11, 20, 21, 30, 31]);
    expect(Array.from(gatherRows(x, 2, [3, 0]))).toEqual([30, 31, 0, 1]);
    const f = gatherRows(Float32Array.from([0.5, 1.5, 2.5]), 1, Uint32Array.of(2));
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([2.5]);
    expect(() => gatherRows(x, 2, [4])).toThrow(RangeError);
  });
});
