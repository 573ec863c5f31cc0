/**
 * The fused WebGPU optimizers (src/lib/train/webgpu/fusedOptimizers.ts) against tfjs's
 * own, on tfjs's WebGPU backend in Dawn. Prints one JSON line: per optimizer the
 * largest difference of weights and slots after several steps, an MLP's loss curve
 * and weights trained both ways, a checkpointed run against an uninterrupted one,
 * a frozen layer, and the kernels, dispatches and uploads of one training step.
 * With the argument `bench`, it prints milliseconds per step instead.
 */
import './gpu';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { OptimizerId } from '../../src/lib/config';
import type { CheckpointRecord } from '../../src/lib/types';
import { applyCheckpoint, captureCheckpoint } from '../../src/lib/train/checkpoint';
import { trainableVariables } from '../../src/lib/train/fineTune';
import { createOptimizer, type OptimizerParams } from '../../src/lib/train/optimizers';
import { setSpeedups } from '../../src/lib/train/speedups';
import { dispatchLimits } from '../../src/lib/train/webgpu/optimizerKernels';
import { CASES, compareCases, diffOf, flat } from './optimizerSteps';

await tf.setBackend('webgpu');
await tf.ready();

/** Counts the GPU work tfjs and the fused kernels record: compute dispatches and writes from JavaScript. */
const counts = { dispatches: 0, writeBuffer: 0, mappedBuffers: 0 };
const g = globalThis as unknown as Record<string, { prototype: Record<string, (...a: unknown[]) => unknown> }>;
function countCalls(cls: string, method: string, key: keyof typeof counts, when: (args: unknown[]) => boolean = () => true) {
  const proto = g[cls].prototype;
  const original = proto[method];
  proto[method] = function (this: unknown, ...args: unknown[]) {
    if (when(args)) counts[key]++;
    return original.apply(this, args);
  };
}
countCalls('GPUComputePassEncoder', 'dispatchWorkgroups', 'dispatches');
countCalls('GPUQueue', 'writeBuffer', 'writeBuffer');
countCalls('GPUDevice', 'createBuffer', 'mappedBuffers', (args) => Boolean((args[0] as { mappedAtCreation?: boolean }).mappedAtCreation));

const maxDiff = (a: number[], b: number[]) => diffOf([a], [b]);
const same = (a: number[][], b: number[][]) => a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])));

// A scalar and odd sizes.
const SHAPES = [[], [7], [3, 5], [40, 30]];

// Data and model for the training comparisons: 128 samples, 20 features, 3 classes.
const xs = tf.randomNormal([128, 20], 0, 1, 'float32', 7);
const ys = tf.tidy(() => tf.oneHot(tf.argMax(tf.matMul(xs, tf.randomNormal([20, 3], 0, 1, 'float32', 8)), 1), 3));

function mlp(units: number[], inputs: number): tf.Sequential {
  const model = tf.sequential();
  units.forEach((n, i) =>
    model.add(
      tf.layers.dense({
        units: n,
        inputShape: i === 0 ? [inputs] : undefined,
        activation: i === units.length - 1 ? 'linear' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 11 + i }),
        biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 31 + i }),
      }),
    ),
  );
  return model;
}

function trainStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor, y: tf.Tensor, vars: tf.Variable[]): tf.Scalar {
  return tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!);
}

/** Trains epochs [from, to) in 4 batches of 32 and returns each epoch's mean loss. */
async function epochs(model: tf.LayersModel, opt: tf.Optimizer, from: number, to: number, vars = trainableVariables(model)): Promise<number[]> {
  const losses: number[] = [];
  for (let e = from; e < to; e++) {
    const batchLosses: tf.Scalar[] = [];
    for (let b = 0; b < 128; b += 32) {
      const [x, y] = [xs.slice([b, 0], [32, 20]), ys.slice([b, 0], [32, 3])];
      batchLosses.push(trainStep(model, opt, x, y, vars));
      tf.dispose([x, y]);
    }
    const mean = tf.tidy(() => tf.mean(tf.stack(batchLosses)));
    losses.push((await mean.data())[0]);
    tf.dispose([mean, ...batchLosses]);
  }
  return losses;
}

async function curve(kind: OptimizerId, params: Partial<OptimizerParams>, fused: boolean) {
  setSpeedups({ fusedOptimizer: fused });
  const model = mlp([32, 16, 3], 20);
  const opt = createOptimizer(kind, 0.01, params);
  const losses = await epochs(model, opt, 0, 3);
  const weights = await flat(model.getWeights());
  opt.dispose();
  model.dispose();
  return { losses, weights };
}

/** Four epochs uninterrupted, and two, a checkpoint, a new model and optimizer, and two more. */
async function resumed(kind: OptimizerId) {
  setSpeedups({ fusedOptimizer: true });
  const whole = mlp([32, 16, 3], 20);
  const wholeOpt = createOptimizer(kind, 0.01);
  const wholeLosses = await epochs(whole, wholeOpt, 0, 4);
  const first = mlp([32, 16, 3], 20);
  const firstOpt = createOptimizer(kind, 0.01);
  const firstLosses = await epochs(first, firstOpt, 0, 2);
  const checkpoint = { ...(await captureCheckpoint(first, firstOpt, kind)) } as CheckpointRecord;
  firstOpt.dispose();
  first.dispose();
  const second = mlp([32, 16, 3], 20);
  const secondOpt = createOptimizer(kind, 0.01);
  await applyCheckpoint(second, secondOpt, checkpoint);
  const secondLosses = await epochs(second, secondOpt, 2, 4);
  const result = {
    identical: same(await flat(whole.getWeights()), await flat(second.getWeights())),
    diff: diffOf(await flat(whole.getWeights()), await flat(second.getWeights())),
    wholeLosses,
    resumedLosses: [...firstLosses, ...secondLosses],
  };
  wholeOpt.dispose();
  secondOpt.dispose();
  whole.dispose();
  second.dispose();
  return result;
}

/** The first layer frozen, as fine-tuning freezes it: only the others' variables reach the optimizer. */
async function frozen() {
  setSpeedups({ fusedOptimizer: true });
  const model = mlp([32, 16, 3], 20);
  model.layers[0].trainable = false;
  const before = await flat(model.getWeights());
  const opt = createOptimizer('adam', 0.01);
  await epochs(model, opt, 0, 2);
  const after = await flat(model.getWeights());
  // model.getWeights() lists the trainable weights first: layers 1 and 2, then the frozen layer 0.
  const names = model.weights.map((w) => w.originalName);
  const frozenIdx = names.map((n, i) => (n.startsWith(model.layers[0].name) ? i : -1)).filter((i) => i >= 0);
  const trainedIdx = names.map((_, i) => i).filter((i) => !frozenIdx.includes(i));
  const result = {
    frozenIdentical: frozenIdx.length === 2 && frozenIdx.every((i) => same([before[i]], [after[i]])),
    trainedChanged: trainedIdx.every((i) => diffOf([before[i]], [after[i]]) > 1e-4),
    slots: (await opt.getWeights()).length,
  };
  opt.dispose();
  model.dispose();
  return result;
}

const MNIST_MLP = [512, 256, 128, 10];

/** Runs `use` with an Adam training step of the MNIST MLP on a fixed batch, then disposes it all. */
async function withMnistStep<T>(fused: boolean, batch: number, use: (step: () => tf.Scalar) => Promise<T>): Promise<T> {
  setSpeedups({ fusedOptimizer: fused });
  const model = mlp(MNIST_MLP, 784);
  const opt = createOptimizer('adam', 0.001);
  const x = tf.randomUniform([batch, 784], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 4), 10);
  const vars = trainableVariables(model);
  try {
    return await use(() => trainStep(model, opt, x, y, vars));
  } finally {
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  }
}

/** Kernels, dispatches and uploads of one MNIST-MLP training step (the third; the first two warm up). */
const stepCounts = (fused: boolean, batch = 32) =>
  withMnistStep(fused, batch, async (step) => {
    for (let i = 0; i < 2; i++) {
      const warm = step();
      await warm.data();
      warm.dispose();
    }
    const tensorsBefore = tf.memory().numTensors;
    Object.assign(counts, { dispatches: 0, writeBuffer: 0, mappedBuffers: 0 });
    const profile = await tf.profile(() => step());
    const seen = { ...counts };
    tf.dispose(profile.result as tf.Tensor);
    const byName: Record<string, number> = {};
    for (const k of profile.kernels) byName[k.name] = (byName[k.name] ?? 0) + 1;
    return { kernels: profile.kernels.length, byName, ...seen, tensorsAfterMinusBefore: tf.memory().numTensors - tensorsBefore };
  });

/** Milliseconds per MNIST-MLP Adam step, the mean of `steps` after `warm` warm-up steps, the device drained at both ends. */
const msPerStep = (fused: boolean, batch: number, steps: number, warm = 3) =>
  withMnistStep(fused, batch, async (step) => {
    const run = async (n: number) => {
      let last: tf.Scalar | null = null;
      for (let i = 0; i < n; i++) {
        last?.dispose();
        last = step();
      }
      await last!.data();
      last!.dispose();
    };
    await run(warm);
    const t0 = performance.now();
    await run(steps);
    return (performance.now() - t0) / steps;
  });

if (process.argv.includes('bench')) {
  const steps = Number(process.argv[process.argv.indexOf('bench') + 1]) || 20;
  const rows = [];
  for (const batch of [32, 128]) {
    // Alternated, best of two, so a busy moment on the machine does not favour one side.
    const off = Math.min(await msPerStep(false, batch, steps), await msPerStep(false, batch, steps));
    const on = Math.min(await msPerStep(true, batch, steps), await msPerStep(true, batch, steps));
    rows.push({ batch, off, on });
  }
  const adapter = await navigator.gpu.requestAdapter();
  console.log(JSON.stringify({ rows, adapter: adapter?.info ?? null, counts: { off: await stepCounts(false), on: await stepCounts(true) } }));
} else {
  const cases = await compareCases(SHAPES);
  // A tensor over 65,535 workgroups (4 million weights) is dispatched as a grid; a lower limit
  // makes the 40×30 one (19 workgroups) a 4×5 grid, to check the indexing without the cost.
  dispatchLimits.groupsPerDimension = 4;
  cases['adam-grid'] = (await compareCases(SHAPES, CASES.filter((c) => c.name === 'adam'))).adam;
  dispatchLimits.groupsPerDimension = 65535;
  const curves: Record<string, unknown> = {};
  for (const [name, kind, params] of [
    ['adam', 'adam', {}],
    ['momentum', 'sgd', { momentum: 0.9 }],
    ['rmsprop', 'rmsprop', {}],
  ] as const) {
    const stock = await curve(kind, params, false);
    const fused = await curve(kind, params, true);
    curves[name] = { stock: stock.losses, fused: fused.losses, losses: maxDiff(stock.losses, fused.losses), weights: diffOf(stock.weights, fused.weights) };
  }
  console.log(
    JSON.stringify({
      cases,
      curves,
      resumed: { adam: await resumed('adam'), rmsprop: await resumed('rmsprop') },
      frozen: await frozen(),
      counts: { off: await stepCounts(false), on: await stepCounts(true) },
    }),
  );
}
process.exit(0);
