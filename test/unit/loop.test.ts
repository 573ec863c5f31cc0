import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/lib/model/build';
import { QUEUE_DEPTH, train, type BatchProgress } from '../../src/lib/train/loop';
import { evaluate, validate } from '../../src/lib/train/evaluate';
import { INFERENCE_SHARE } from '../../src/lib/train/eta';
import { createShardSource } from '../../src/lib/data/shardSource';
import type { EpochLog } from '../../src/lib/types';
import { blobs, memorySource, mulberry32, type MemorySource } from './helpers/memorySource';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: [number, number, number] = [8, 8, 1];
const data = blobs(320, 3);
// The last 64 samples validate, as the worker splits.
const trainSet = { x: data.x.subarray(0, 256 * 64), labels: data.labels.subarray(0, 256) };
const valSet = { x: data.x.subarray(256 * 64), labels: data.labels.subarray(256) };
const source = (batchSize = 32) =>
  memorySource({ ...trainSet, sampleShape: SHAPE, numClasses: 2, batchSize, shuffleSeed: 5 });
const validation = () => memorySource({ ...valSet, sampleShape: SHAPE, numClasses: 2, batchSize: 32 });

async function run(seed: number, epochs: number, extra: Partial<Parameters<typeof train>[0]> = {}) {
  const model = buildModel('mlp', SHAPE, 2, seed);
  const tensors: number[] = [];
  const src = source();
  const optimizer = tf.train.sgd(0.05);
  const result = await train({
    model,
    optimizer,
    epochs,
    train: src,
    validation: validation(),
    onEpoch: (_log, n) => tensors.push(n),
    ...extra,
  });
  // The caller owns the optimizer (its state could be kept in a checkpoint).
  optimizer.dispose();
  return { model, result, tensors, src };
}

describe('train', () => {
  it('learns a linearly separable toy set without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const { model, result, tensors } = await run(1, 10);
    const h = result.history;
    expect(result.stopped).toBe(false);
    expect(h.map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    console.log(`toy set: loss ${h[0].loss.toFixed(4)} -> ${h[9].loss.toFixed(4)}, acc ${h[9].acc}, val ${h[9].valAcc}`);
    expect(h[9].loss).toBeLessThan(0.5 * h[0].loss);
    expect(h[9].acc).toBeGreaterThan(0.95);
    expect(h[9].valAcc).toBeGreaterThan(0.95);
    expect(tensors).toHaveLength(10);
    expect(tensors[9]).toBe(tensors[0]);
    // Only the model's weights remain once the run is over.
    expect(tf.memory().numTensors - before).toBe(model.getWeights().length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is reproducible for a seed and differs across seeds', async () => {
    const a = await run(11, 1);
    const b = await run(11, 1);
    const c = await run(12, 1);
    for (const r of [a, b, c]) r.model.dispose();
    expect(Math.abs(a.result.history[0].loss - b.result.history[0].loss)).toBeLessThan(1e-6);
    expect(Math.abs(a.result.history[0].loss - c.result.history[0].loss)).toBeGreaterThan(1e-4);
  });

  it('stops before pulling another batch once shouldStop is true', async () => {
    const src = source();
    const { model, result } = await run(1, 5, { train: src, shouldStop: () => src.pulled >= 3 });
    model.dispose();
    expect(src.pulled).toBe(3);
    expect(result.stopped).toBe(true);
    // The stopped epoch was incomplete, so it is not logged.
    expect(result.history).toEqual([]);
  });

  it('throttles batch reports to the last batch of each epoch when reportEveryMs is huge', async () => {
    const reports: BatchProgress[] = [];
    const logs: EpochLog[] = [];
    const { model } = await run(2, 3, {
      reportEveryMs: 1e9,
      onBatch: (p) => reports.push(p),
      onEpoch: (log) => logs.push(log),
    });
    model.dispose();
    expect(reports.map((r) => [r.epoch, r.batch, r.batchesPerEpoch, r.samplesSeen])).toEqual([
      [1, 8, 8, 256],
      [2, 8, 8, 512],
      [3, 8, 8, 768],
    ]);
    // With no report in between, the mean since the last report is the epoch mean.
    reports.forEach((r, i) => {
      expect(r.loss).toBeCloseTo(logs[i].loss, 4);
      expect(r.acc).toBeCloseTo(logs[i].acc, 6);
    });
    // Time left counts the validation passes still to come: all three after epoch 1's training,
    // at first guessed from the training rate, later timed from the passes that ran.
    expect(reports[0].etaSeconds).toBeCloseTo((512 + 3 * 64 * INFERENCE_SHARE) / reports[0].samplesPerSec, 6);
    const perValidated = (logs[1].seconds - 256 / logs[1].samplesPerSec) / 64; // the latest pass
    const ratio = reports[2].etaSeconds / (64 * perValidated);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('reports two batches behind when reportEveryMs is 0, and the reports add up to the epoch', async () => {
    const reports: BatchProgress[] = [];
    const { model, result } = await run(2, 1, { reportEveryMs: 0, onBatch: (p) => reports.push(p) });
    model.dispose();
    // Mid-epoch reads lag QUEUE_DEPTH batches so the device is never idle while JavaScript waits;
    // the last batch of the epoch reads the newest sums, so its report also covers the two before.
    expect(QUEUE_DEPTH).toBe(2);
    expect(reports.map((r) => r.batch)).toEqual([1, 2, 3, 4, 5, 8]);
    expect(reports.map((r) => r.samplesSeen)).toEqual([32, 64, 96, 128, 160, 256]);
    // Each report is the mean since the previous one: weighted by its samples they give the epoch's loss.
    let seen = 0;
    let sum = 0;
    for (const r of reports) {
      sum += r.loss * (r.samplesSeen - seen);
      seen = r.samplesSeen;
    }
    expect(sum / 256).toBeCloseTo(result.history[0].loss, 5);
  });
});

/** The same batches, each handed out `ms` later: a batch that takes longer than reportEveryMs. */
const slowed = (src: MemorySource, ms: number): MemorySource => ({
  ...src,
  async *epoch(i: number) {
    for await (const batch of src.epoch(i)) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      yield batch;
    }
  },
});

describe('train with batches slower than reportEveryMs', () => {
  it('keeps two batches queued behind every mid-epoch read, and trains exactly as a run that rarely reads', async () => {
    const src = source();
    // How many batches were queued when each read of the device was started.
    const started: number[] = [];
    const data = tf.Tensor.prototype.data;
    tf.Tensor.prototype.data = function (this: tf.Tensor) {
      started.push(src.pulled);
      return data.call(this);
    } as typeof data;
    const reports: { batch: number; epoch: number; queued: number }[] = [];
    let slow: Awaited<ReturnType<typeof run>>;
    try {
      slow = await run(4, 2, {
        train: slowed(src, 10),
        reportEveryMs: 5,
        onBatch: (p) => reports.push({ epoch: p.epoch, batch: p.batch, queued: src.pulled - (p.epoch - 1) * 8 - p.batch }),
      });
    } finally {
      tf.Tensor.prototype.data = data;
    }
    const midEpoch = reports.filter((r) => r.batch < 8);
    // A read every batch (each batch is slower than reportEveryMs), two batches behind.
    expect(midEpoch.map((r) => [r.epoch, r.batch])).toEqual([1, 2].flatMap((e) => [1, 2, 3, 4, 5].map((b) => [e, b])));
    expect(Math.min(...midEpoch.map((r) => r.queued))).toBeGreaterThanOrEqual(2);
    // Each read was started right after the batch it covers was queued, before the next ones:
    // a GPU, which copies in queue order, then answers without waiting for them.
    for (const r of midEpoch) expect(started).toContain((r.epoch - 1) * 8 + r.batch);
    // The first read of the run was answered only once three batches had been handed out.
    expect(reports[0]).toEqual({ epoch: 1, batch: 1, queued: 2 });

    const quick = await run(4, 2, { reportEveryMs: 1e9 });
    expect(slow.result.history.map((h) => [h.loss, h.acc, h.valLoss])).toEqual(quick.result.history.map((h) => [h.loss, h.acc, h.valLoss]));
    const weights = async (m: tf.LayersModel) => Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
    expect(await weights(slow.model)).toEqual(await weights(quick.model));
    expect(slow.tensors[1]).toBe(slow.tensors[0]);
    slow.model.dispose();
    quick.model.dispose();
  });
});

describe('train with the CNN', () => {
  it('runs a convolutional model without leaking tensors', async () => {
    // 12×12 images: class 0 bright on the left, class 1 on the right.
    const n = 32;
    const x = new Float32Array(n * 144);
    const labels = new Uint8Array(n).map((_, i) => i % 2);
    for (let s = 0; s < n; s++) for (let p = 0; p < 144; p++) x[s * 144 + p] = (p % 12 < 6) === (labels[s] === 0) ? 0.9 : 0.1;
    const src = memorySource({ x, labels, sampleShape: [12, 12, 1], numClasses: 2, batchSize: 16, shuffleSeed: 1 });
    const model = buildModel('cnn', [12, 12, 1], 2, 3);
    const tensors: number[] = [];
    const { history } = await train({
      model, optimizer: tf.train.adam(0.01), epochs: 2, train: src, validation: null,
      onEpoch: (_l, t) => tensors.push(t),
    });
    model.dispose();
    expect(tensors[1]).toBe(tensors[0]);
    expect(history[1].loss).toBeLessThan(history[0].loss);
    expect(history[1].valLoss).toBeNull();
  });
});

describe('validate and evaluate', () => {
  it('agree with tfjs own cross-entropy and argmax', async () => {
    const model = buildModel('mlp', SHAPE, 2, 4);
    const xs = tf.tensor(valSet.x, [64, ...SHAPE]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(valSet.labels), 'int32'), 2);
    const probs = model.predict(xs) as tf.Tensor;
    const expectedLoss = (await tf.mean(tf.metrics.categoricalCrossentropy(ys, probs)).data())[0];
    const predicted = Array.from(await tf.argMax(probs, -1).data());
    tf.dispose([xs, ys, probs]);
    const correct = predicted.filter((p, i) => p === valSet.labels[i]).length;

    const val = await validate(model, validation());
    expect(val!.loss).toBeCloseTo(expectedLoss, 5);
    expect(val!.acc).toBeCloseTo(correct / 64, 10);

    const progress: [number, number][] = [];
    const result = await evaluate(model, validation(), { onProgress: (d, t) => progress.push([d, t]) });
    if (result?.task !== 'classification') throw new Error('expected a classification result');
    expect(progress).toEqual([[32, 64], [64, 64]]);
    expect(result.samples).toBe(64);
    expect(result.loss).toBeCloseTo(expectedLoss, 5);
    expect(result.accuracy).toBeCloseTo(correct / 64, 10);
    const truePos0 = predicted.filter((p, i) => p === 0 && valSet.labels[i] === 0).length;
    expect(result.confusion[0]).toBe(truePos0);
    expect(result.confusion.reduce((a, b) => a + b, 0)).toBe(64);
    model.dispose();
  });
});

/** A float32 tabular source over in-memory rows, in shards of 64, as run.ts builds them from storage. */
function tableSource(
  x: Float32Array,
  y: Float32Array,
  features: number,
  o: { batchSize: number; shuffle: boolean; scale: { mean: number; std: number } },
) {
  const count = y.length;
  const shardSize = 64;
  return createShardSource({
    readShard: async (i) => {
      const from = i * shardSize;
      const to = Math.min(count, from + shardSize);
      return { x: x.slice(from * features, to * features), y: y.slice(from, to), count: to - from };
    },
    split: { count, shardSize, shards: Math.ceil(count / shardSize), classCounts: [] },
    sampleShape: [1, 1, features],
    numClasses: 0,
    start: 0,
    end: count,
    batchSize: o.batchSize,
    shuffle: o.shuffle,
    seed: 3,
    dtype: 'float32',
    task: 'regression',
    targetScale: o.scale,
  });
}

describe('regression', () => {
  it('validates and evaluates in target units, by hand', async () => {
    // One input, one linear unit: standardised output 2x + 0.5, so a prediction is 10 + 4(2x + 0.5).
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 1] }), tf.layers.dense({ units: 1 })] });
    const weights = [tf.tensor2d([[2]]), tf.tensor1d([0.5])];
    model.setWeights(weights);
    tf.dispose(weights);
    const scale = { mean: 10, std: 4 };
    // x 0, 1, −1 -> predictions 12, 20, 4; true 12, 20, 6.
    const src = () => tableSource(new Float32Array([0, 1, -1]), new Float32Array([12, 20, 6]), 1, { batchSize: 2, shuffle: false, scale });
    const val = await validate(model, src(), undefined, scale);
    // Standardised squared errors 0, 0, (2/4)² -> mean 1/12; absolute errors 0, 0, 2 -> MAE 2/3.
    expect(val!.loss).toBeCloseTo(1 / 12, 6);
    expect(val!.acc).toBeCloseTo(2 / 3, 6);
    const result = await evaluate(model, src(), { scale });
    if (result?.task !== 'regression') throw new Error('expected a regression result');
    expect(result.samples).toBe(3);
    expect(result.mae).toBeCloseTo(2 / 3, 5);
    expect(result.mse).toBeCloseTo(4 / 3, 5);
    expect(result.loss).toBe(result.mse);
    // mean 38/3; SStot = (−2/3)² + (22/3)² + (−20/3)² = 888/9; SSres = 4.
    expect(result.r2).toBeCloseTo(1 - 4 / (888 / 9), 5);
    model.dispose();
  });

  it('learns y = 3·x1 − 2·x2 + 5 with the tabular MLP: MAE < 0.3 and R² > 0.95 on the test rows', async () => {
    const rand = mulberry32(9);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const make = (n: number) => {
      const x = new Float32Array(2 * n);
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x[2 * i] = 4 * rand() - 2;
        x[2 * i + 1] = 4 * rand() - 2;
        y[i] = 3 * x[2 * i] - 2 * x[2 * i + 1] + 5 + 0.05 * gauss();
      }
      return { x, y };
    };
    const trainSet = make(600);
    const testSet = make(200);
    const mean = trainSet.y.reduce((a, b) => a + b, 0) / 600;
    const std = Math.sqrt(trainSet.y.reduce((a, b) => a + (b - mean) ** 2, 0) / 600);
    const scale = { mean, std };
    const model = buildModel('tabular-mlp', [1, 1, 2], 0, 5, 'regression');
    const tensors: number[] = [];
    const before = tf.memory().numTensors;
    const optimizer = tf.train.adam(0.01);
    const { history } = await train({
      model,
      optimizer,
      epochs: 15,
      train: tableSource(trainSet.x, trainSet.y, 2, { batchSize: 32, shuffle: true, scale }),
      validation: tableSource(testSet.x, testSet.y, 2, { batchSize: 256, shuffle: false, scale }),
      targetScale: scale,
      onEpoch: (_l, n) => tensors.push(n),
    });
    const result = await evaluate(model, tableSource(testSet.x, testSet.y, 2, { batchSize: 64, shuffle: false, scale }), { scale });
    if (result?.task !== 'regression') throw new Error('expected a regression result');
    const last = history.at(-1)!;
    console.log(`linear set: std ${std.toFixed(2)}, train MAE ${history[0].acc.toFixed(3)} -> ${last.acc.toFixed(3)}, test MAE ${result.mae.toFixed(3)}, R² ${result.r2.toFixed(4)}`);
    expect(result.mae).toBeLessThan(0.3);
    expect(result.r2).toBeGreaterThan(0.95);
    // The epoch's valAcc is the same MAE, in target units, and valLoss the MSE in the standardised scale.
    expect(last.valAcc!).toBeCloseTo(result.mae, 4);
    expect(last.valLoss! * std * std).toBeCloseTo(result.mse, 3);
    expect(last.acc).toBeLessThan(history[0].acc / 3);
    expect(tensors.at(-1)).toBe(tensors[0]);
    optimizer.dispose();
    expect(tf.memory().numTensors - before).toBe(0);
    model.dispose();
  }, 120_000);
});

describe('the CIFAR-10 CNN', () => {
  it('trains a batch of 32×32×3 images with dropout, keeps its tensor count, and drops units only in training', async () => {
    const rand = mulberry32(4);
    // One batch per epoch, small: the cpu backend's convolutions are slow.
    const n = 2;
    const x = new Float32Array(n * 3072).map(() => rand());
    const labels = new Uint8Array(n).map((_, i) => i % 10);
    const src = memorySource({ x, labels, sampleShape: [32, 32, 3], numClasses: 10, batchSize: 2 });
    const model = buildModel('cifar-cnn', [32, 32, 3], 10, 2);
    expect(model.countParams()).toBe(122570);
    const tensors: number[] = [];
    const { history } = await train({
      model, optimizer: tf.train.adam(0.001), epochs: 2, train: src, validation: null,
      onEpoch: (_l, t) => tensors.push(t),
    });
    expect(history).toHaveLength(2);
    expect(Number.isFinite(history[1].loss)).toBe(true);
    expect(tensors[1]).toBe(tensors[0]);

    const xs = tf.tensor4d(x.subarray(0, 2 * 3072), [2, 32, 32, 3]);
    const outs = [
      model.apply(xs, { training: true }),
      model.apply(xs, { training: true }),
      model.apply(xs, { training: false }),
      model.predict(xs),
    ] as tf.Tensor[];
    const [t1, t2, e1, e2] = await Promise.all(outs.map((t) => t.data()));
    // Dropout draws a new mask each call in training; inference is deterministic.
    expect(Array.from(t1)).not.toEqual(Array.from(t2));
    expect(Array.from(e1)).toEqual(Array.from(e2));
    tf.dispose([xs, ...outs]);
    model.dispose();
  }, 120_000);
});

describe('throughput', () => {
  it('measures the MNIST-sized MLP on the cpu backend', async () => {
    const n = 512;
    const x = new Float32Array(n * 784).map((_, i) => (i % 255) / 255);
    const labels = new Uint8Array(n).map((_, i) => i % 10);
    const src = memorySource({ x, labels, sampleShape: [28, 28, 1], numClasses: 10, batchSize: 128 });
    const model = buildModel('mlp', [28, 28, 1], 10, 1);
    const { history } = await train({ model, optimizer: tf.train.adam(0.001), epochs: 2, train: src, validation: null });
    model.dispose();
    console.log(`MLP 784-512-256-128-10, batch 128, cpu: ${history[1].samplesPerSec.toFixed(0)} samples/s`);
    expect(history[1].samplesPerSec).toBeGreaterThan(0);
    expect(history[1].samplesPerSec).toBeCloseTo(n / history[1].seconds, 0);
  });
});
