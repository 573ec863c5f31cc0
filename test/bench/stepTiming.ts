/**
 * Per-step timing for the step benchmarks (Chromium and Node/Dawn): what a round of
 * training steps cost, summarised. Pure arithmetic, no tfjs, so it is unit-tested.
 *
 * A measurement is rounds of the same number of steps, each round timed as a whole
 * up to a read-back (a GPU backend queues work ahead, so one step alone cannot be
 * timed without a sync that the real loop does not do). The first rounds are
 * warm-up (shader compilation, buffer pools filling) and are left out.
 */
import { speedups, type Speedups } from '../../src/lib/train/speedups';

/** The speed-up switches as configurations to compare: all on, each one off alone, all off. */
export function speedupVariants(): { name: string; speedups: Speedups }[] {
  const keys = Object.keys(speedups) as (keyof Speedups)[];
  const all = (on: boolean) => Object.fromEntries(keys.map((k) => [k, on])) as unknown as Speedups;
  return [
    { name: 'all on', speedups: all(true) },
    ...keys.map((k) => ({ name: `${k} off`, speedups: { ...all(true), [k]: false } })),
    { name: 'all off', speedups: all(false) },
  ];
}

export interface StepTiming {
  /** Median over the timed rounds of each round's milliseconds per step. */
  msPerStep: number;
  /** Fastest and slowest timed round, milliseconds per step. */
  minMs: number;
  maxMs: number;
  /** Milliseconds per step of each timed round, in order. */
  roundsMs: number[];
  /** Milliseconds per step of the warm-up rounds, kept to show what compilation costs. */
  warmupMs: number[];
  stepsPerRound: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('The median of no values is undefined.');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Summarises rounds timed as wholes. `roundMs[i]` is round i's wall time for
 * `stepsPerRound` steps; the first `warmupRounds` are excluded from the figures.
 * 3 rounds of 10 steps in 500, 120 and 100 ms with one warm-up: 11 ms per step
 * (the median of 12 and 10), min 10, max 12.
 */
export function summariseRounds(roundMs: readonly number[], stepsPerRound: number, warmupRounds = 1): StepTiming {
  if (!(stepsPerRound >= 1) || !Number.isInteger(stepsPerRound)) throw new Error(`stepsPerRound must be a whole number ≥ 1; got ${stepsPerRound}.`);
  if (roundMs.length <= warmupRounds) {
    throw new Error(`${roundMs.length} round(s) timed with ${warmupRounds} of warm-up: no round is left to measure.`);
  }
  const perStep = roundMs.map((ms) => ms / stepsPerRound);
  const timed = perStep.slice(warmupRounds);
  return {
    msPerStep: median(timed),
    minMs: Math.min(...timed),
    maxMs: Math.max(...timed),
    roundsMs: timed,
    warmupMs: perStep.slice(0, warmupRounds),
    stepsPerRound,
  };
}

/**
 * How many steps a round should have on a slow backend: as many as make up about
 * `sampleBudget` samples at this batch size, at least 1 and at most `maxSteps`.
 * Batch 1 with a budget of 256 and a cap of 16: 16; batch 128: 2; batch 512: 1.
 */
export function stepsForBudget(batchSize: number, sampleBudget: number, maxSteps: number): number {
  return Math.max(1, Math.min(maxSteps, Math.floor(sampleBudget / batchSize)));
}

/** One kernel's share of profiled steps. */
export interface KernelShare {
  name: string;
  /** Launches per step. */
  calls: number;
  /** Kernel milliseconds per step (0 without timestamp queries). */
  ms: number;
}

/**
 * Sums tf.profile's kernel records by kernel name, per step, heaviest first (then
 * by launches). A record's kernelTimeMs is a number with timestamp queries; without
 * them tfjs gives an object with an error, counted here as 0 ms.
 */
export function kernelShares(kernels: readonly { name: string; kernelTimeMs: unknown }[], steps: number): KernelShare[] {
  const byName = new Map<string, { calls: number; ms: number }>();
  for (const k of kernels) {
    const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
    entry.calls++;
    if (typeof k.kernelTimeMs === 'number' && Number.isFinite(k.kernelTimeMs)) entry.ms += k.kernelTimeMs;
    byName.set(k.name, entry);
  }
  return [...byName]
    .map(([name, e]) => ({ name, calls: e.calls / steps, ms: e.ms / steps }))
    .sort((a, b) => b.ms - a.ms || b.calls - a.calls || a.name.localeCompare(b.name));
}
