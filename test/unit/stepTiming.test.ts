import { describe, expect, it } from 'vitest';
import { kernelShares, median, speedupVariants, stepsForBudget, summariseRounds } from '../bench/stepTiming';
import { cyclingSource } from '../bench/stepRun';

describe('step timing for the per-step benchmarks', () => {
  it('takes the median of odd and even counts, unsorted input included', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('leaves the warm-up rounds out and reports ms per step of the rest', () => {
    const t = summariseRounds([500, 120, 100], 10);
    expect(t.warmupMs).toEqual([50]);
    expect(t.roundsMs).toEqual([12, 10]);
    expect(t.msPerStep).toBe(11);
    expect(t.minMs).toBe(10);
    expect(t.maxMs).toBe(12);
    expect(t.stepsPerRound).toBe(10);
  });

  it('is not pulled by one slow round: the median of 4, 4 and 40 ms/step is 4', () => {
    const t = summariseRounds([1000, 8, 80, 8], 2);
    expect(t.msPerStep).toBe(4);
    expect(t.maxMs).toBe(40);
  });

  it('counts several warm-up rounds and refuses a measurement that is all warm-up', () => {
    expect(summariseRounds([90, 60, 30], 3, 2)).toMatchObject({ warmupMs: [30, 20], roundsMs: [10], msPerStep: 10 });
    expect(() => summariseRounds([90], 3)).toThrow(/no round is left/);
    expect(() => summariseRounds([90, 30], 0)).toThrow(/stepsPerRound/);
  });

  it('gives slow cases fewer steps, between 1 and the cap', () => {
    expect(stepsForBudget(1, 256, 16)).toBe(16);
    expect(stepsForBudget(32, 64, 4)).toBe(2);
    expect(stepsForBudget(128, 256, 16)).toBe(2);
    expect(stepsForBudget(512, 64, 4)).toBe(1);
  });

  it('sums profiled kernels per step by name, heaviest first, an error record counting as 0 ms', () => {
    const kernels = [
      { name: 'MatMul', kernelTimeMs: 2 },
      { name: 'Add', kernelTimeMs: 0.5 },
      { name: 'MatMul', kernelTimeMs: 4 },
      { name: 'Add', kernelTimeMs: { error: 'no timestamp queries' } },
      { name: 'Relu', kernelTimeMs: 1 },
    ];
    expect(kernelShares(kernels, 2)).toEqual([
      { name: 'MatMul', calls: 1, ms: 3 },
      { name: 'Relu', calls: 0.5, ms: 0.5 },
      { name: 'Add', calls: 1, ms: 0.25 },
    ]);
  });

  it('compares every speed-up switch: all on, each off alone, all off', () => {
    const v = speedupVariants();
    expect(v.map((x) => x.name)).toEqual(['all on', 'pooledUploads off', 'fusedOptimizer off', 'all off']);
    expect(v[1].speedups).toEqual({ pooledUploads: false, fusedOptimizer: true });
    expect(v[3].speedups).toEqual({ pooledUploads: false, fusedOptimizer: false });
  });

  it('feeds a fixed number of batches per epoch from a few made up front', async () => {
    const source = cyclingSource(8, 6, 1, 4);
    expect(source).toMatchObject({ samples: 48, batchesPerEpoch: 6, batchSize: 8, numClasses: 10 });
    const batches = [];
    for await (const b of source.epoch(0)) batches.push(b);
    expect(batches).toHaveLength(6);
    expect(batches[4]).toBe(batches[0]);
    expect(batches[1]).not.toBe(batches[0]);
    expect(batches[0].x).toHaveLength(8 * 784);
    expect(Math.max(...batches[0].labels)).toBeLessThan(10);
  });
});
