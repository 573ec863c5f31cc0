import { describe, expect, it } from 'vitest';
import { mulberry32, shuffleInPlace } from '../../src/lib/data/rng';

const take = (rand: () => number, n: number) => Array.from({ length: n }, rand);

describe('mulberry32', () => {
  it('gives the same sequence for the same seed', () => {
    expect(take(mulberry32(42), 20)).toEqual(take(mulberry32(42), 20));
  });

  it('gives a different sequence for a different seed', () => {
    const a = take(mulberry32(1), 20);
    const b = take(mulberry32(2), 20);
    expect(a.filter((v, i) => v === b[i]).length).toBe(0);
  });

  it('matches mulberry32 recomputed independently with BigInt arithmetic', () => {
    // The published algorithm, redone with explicit mod-2^32 BigInt maths instead of Math.imul and >>> tricks.
    const M = 1n << 32n;
    const mul = (a: bigint, b: bigint) => (a * b) % M;
    function* reference(seed: number) {
      let state = BigInt(seed) % M;
      for (;;) {
        state = (state + 0x6d2b79f5n) % M;
        let t = state;
        t = mul(t ^ (t >> 15n), t | 1n);
        t = (t ^ ((t + mul(t ^ (t >> 7n), t | 61n)) % M)) % M;
        yield Number(t ^ (t >> 14n)) / 2 ** 32;
      }
    }
    for (const seed of [0, 1, 42, 2 ** 31 - 1]) {
      const ref = reference(seed);
      const rand = mulberry32(seed);
      for (let i = 0; i < 5; i++) expect(rand()).toBe(ref.next().value);
    }
  });

  it('stays in [0, 1) with a mean near one half', () => {
    const values = take(mulberry32(7), 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
  });
});

describe('shuffleInPlace', () => {
  it('permutes: every element stays exactly once', () => {
    const arr = Uint32Array.from({ length: 1000 }, (_, i) => i);
    shuffleInPlace(arr, mulberry32(3));
    expect(Array.from(arr).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(arr.some((v, i) => v !== i)).toBe(true);
  });

  it('is deterministic for a seed and returns the same array', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    const b = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(shuffleInPlace(a, mulberry32(9))).toBe(a);
    shuffleInPlace(b, mulberry32(9));
    expect(a).toEqual(b);
  });

  it('follows Fisher–Yates with a scripted generator', () => {
    // rand() = 0 always picks j = 0: i=3 swaps with 0, i=2 with 0, i=1 with 0.
    // [a,b,c,d] -> [d,b,c,a] -> [c,b,d,a] -> [b,c,d,a]
    expect(shuffleInPlace(['a', 'b', 'c', 'd'], () => 0)).toEqual(['b', 'c', 'd', 'a']);
    // rand() just below 1 picks j = i every time: nothing moves.
    expect(shuffleInPlace(['a', 'b', 'c', 'd'], () => 0.999)).toEqual(['a', 'b', 'c', 'd']);
  });
});
