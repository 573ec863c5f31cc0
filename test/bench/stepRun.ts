/**
 * Times the app's own training step: src/lib/train/loop.ts's train() on a preset
 * from src/lib/model, fed from memory so that only the loop and the backend are
 * measured, not IndexedDB. Used in a Chromium worker (step.worker.ts) and in Node
 * through Dawn (test/dawn/stepBench.ts). The backend must already be running; the
 * speed-up switches must be set before it started (see speedups.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource } from '../../src/lib/data/source';
import { buildModel } from '../../src/lib/model/build';
import { train } from '../../src/lib/train/loop';
import { createOptimizer } from '../../src/lib/train/optimizers';
import { speedups, type Speedups } from '../../src/lib/train/speedups';
export { speedupVariants } from './stepTiming';
import { mulberry32 } from '../unit/helpers/memorySource';
import { kernelShares, summariseRounds, type KernelShare, type StepTiming } from './stepTiming';

export type StepModel = 'mlp' | 'cnn';

export const MNIST_SHAPE: [number, number, number] = [28, 28, 1];

export interface StepCase {
  model: StepModel;
  batchSize: number;
  /** Steps in each round, fixed for the measurement. */
  steps: number;
  /** Timed rounds, after one warm-up round of the same length. */
  rounds: number;
}

export interface StepResult extends StepCase, StepTiming {
  backend: string;
  speedups: Speedups;
  /** tf.memory().numTensors after the warm-up round and after the last: equal when nothing leaks. */
  tensors: [number, number];
}

/**
 * A source of `steps` batches per epoch, cycling through a few distinct batches of
 * random pixels and labels made up front, so making batches costs nothing measurable.
 */
export function cyclingSource(batchSize: number, steps: number, seed = 1, distinct = 4): BatchSource {
  const rand = mulberry32(seed);
  const per = MNIST_SHAPE[0] * MNIST_SHAPE[1] * MNIST_SHAPE[2];
  const pool: Batch[] = Array.from({ length: Math.min(distinct, steps) }, () => ({
    x: Float32Array.from({ length: batchSize * per }, () => rand()),
    labels: Uint8Array.from({ length: batchSize }, () => Math.floor(rand() * 10)),
    size: batchSize,
  }));
  return {
    samples: batchSize * steps,
    batchSize,
    batchesPerEpoch: steps,
    sampleShape: MNIST_SHAPE,
    numClasses: 10,
    async *epoch() {
      for (let b = 0; b < steps; b++) yield pool[b % pool.length];
    },
  };
}

function modelAndOptimizer(model: StepModel): { net: tf.LayersModel; optimizer: tf.Optimizer } {
  return { net: buildModel(model, MNIST_SHAPE, 10, 42), optimizer: createOptimizer('adam', 0.001) };
}

/** One epoch of train() over `source`, timed from the call to its return (train() reads the sums back at the end). */
async function timedEpoch(net: tf.LayersModel, optimizer: tf.Optimizer, source: BatchSource): Promise<number> {
  const t0 = performance.now();
  const r = await train({ model: net, optimizer, epochs: 1, train: source, validation: null, reportEveryMs: 250 });
  if (r.diverged) throw new Error(`The loss diverged at batch ${r.diverged.batch}.`);
  return performance.now() - t0;
}

/**
 * Milliseconds per training step for one case: a fresh model and Adam optimizer,
 * one warm-up round, then `rounds` timed rounds, each a train() call of `steps`
 * batches. `onRound` hears each round's time (for a caller that reports progress).
 */
export async function measureSteps(c: StepCase, onRound?: (i: number, ms: number) => void): Promise<StepResult> {
  const { net, optimizer } = modelAndOptimizer(c.model);
  const source = cyclingSource(c.batchSize, c.steps);
  try {
    const roundMs: number[] = [];
    let afterWarmup = 0;
    for (let i = 0; i <= c.rounds; i++) {
      roundMs.push(await timedEpoch(net, optimizer, source));
      onRound?.(i, roundMs[i]);
      if (i === 0) afterWarmup = tf.memory().numTensors;
    }
    return { ...c, ...summariseRounds(roundMs, c.steps, 1), backend: tf.getBackend(), speedups: { ...speedups }, tensors: [afterWarmup, tf.memory().numTensors] };
  } finally {
    net.dispose();
    optimizer.dispose();
  }
}

export interface KernelProfile {
  model: StepModel;
  batchSize: number;
  steps: number;
  /** Whether the device measured kernel times (WebGPU timestamp queries); without, ms are 0 and only launches count. */
  timed: boolean;
  /** Kernel launches per step, all kernels. */
  launchesPerStep: number;
  /** Summed kernel milliseconds per step. */
  kernelMsPerStep: number;
  /** Wall milliseconds per step while profiling (profiling itself slows every launch). */
  wallMsPerStep: number;
  kernels: KernelShare[];
}

/** Which kernels a training step launches and, with timestamp queries, how long each ran: tf.profile around one warmed-up round. */
export async function profileSteps(model: StepModel, batchSize: number, steps: number): Promise<KernelProfile> {
  const { net, optimizer } = modelAndOptimizer(model);
  const source = cyclingSource(batchSize, steps);
  try {
    await timedEpoch(net, optimizer, source);
    let wall = 0;
    const info = await tf.profile(async () => {
      wall = await timedEpoch(net, optimizer, source);
    });
    const kernels = kernelShares(info.kernels, steps);
    const timed = info.kernels.some((k) => typeof k.kernelTimeMs === 'number' && k.kernelTimeMs > 0);
    return {
      model,
      batchSize,
      steps,
      timed,
      launchesPerStep: info.kernels.length / steps,
      kernelMsPerStep: kernels.reduce((s, k) => s + k.ms, 0),
      wallMsPerStep: wall / steps,
      kernels,
    };
  } finally {
    net.dispose();
    optimizer.dispose();
  }
}
