import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Scalars } from '../../src/lib/train/scalars';
import { train } from '../../src/lib/train/loop';
import { buildModel } from '../../src/lib/model/build';
import { batchTensors, lossAndScore } from '../../src/lib/train/evaluate';
import { blobs, memorySource } from './helpers/memorySource';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Scalars', () => {
  it('makes one kept scalar per value, which a tidy does not dispose', () => {
    const scalars = new Scalars();
    const before = tf.memory().numTensors;
    const a = tf.tidy(() => scalars.of(32));
    expect(a.isDisposed).toBe(false);
    expect(a.dataSync()[0]).toBe(32);
    expect(scalars.of(32)).toBe(a);
    expect(scalars.of(0.999).dataSync()[0]).toBe(Math.fround(0.999));
    expect(tf.memory().numTensors - before).toBe(2);
    scalars.dispose();
    expect(a.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps at most 16, letting the oldest go', () => {
    const scalars = new Scalars();
    const first = scalars.of(0);
    for (let v = 1; v <= 16; v++) scalars.of(v);
    expect(scalars.size).toBe(16);
    expect(first.isDisposed).toBe(true);
    expect(scalars.of(16).isDisposed).toBe(false);
    scalars.dispose();
    expect(scalars.size).toBe(0);
  });
});

describe('train with kept scalars', () => {
  const SHAPE: [number, number, number] = [8, 8, 1];
  const data = blobs(80, 6);
  // Batches of 32, 32 and 16: two batch sizes, and a learning rate that changes after epoch 1.
  const source = () => memorySource({ ...data, sampleShape: SHAPE, numClasses: 2, batchSize: 32, shuffleSeed: 3 });

  it('gives the same weights, to the bit, as a step that makes its scalars from numbers', async () => {
    const decay = 0.05;
    const rates = [0.05, 0.02];
    const viaLoop = buildModel('mlp', SHAPE, 2, 4);
    const sgd = tf.train.sgd(rates[0]);
    const result = await train({
      model: viaLoop,
      optimizer: sgd,
      epochs: 2,
      train: source(),
      validation: null,
      weightDecay: decay,
      afterEpoch: () => ({ learningRate: rates[1] }),
    });
    sgd.dispose();

    // The step as it was written before the scalars were kept.
    const byHand = buildModel('mlp', SHAPE, 2, 4);
    const kernels = byHand.trainableWeights.filter((w) => /kernel$/.test(w.originalName));
    let lossSum = 0;
    for (const [epoch, rate] of rates.entries()) {
      const opt = tf.train.sgd(rate);
      const src = source();
      lossSum = 0;
      for await (const batch of src.epoch(epoch)) {
        const loss = tf.tidy(() => {
          const { xs, ...targets } = batchTensors(batch, src);
          const mean = opt.minimize(() => tf.mean(lossAndScore(byHand.apply(xs, { training: true }) as tf.Tensor, targets).loss) as tf.Scalar, true)!;
          for (const k of kernels) k.write(tf.mul(k.read(), 1 - rate * decay));
          return tf.mul(mean, batch.size);
        });
        lossSum += loss.dataSync()[0];
        loss.dispose();
      }
      opt.dispose();
    }
    const a = viaLoop.getWeights().map((w) => Array.from(w.dataSync()));
    const b = byHand.getWeights().map((w) => Array.from(w.dataSync()));
    expect(a).toEqual(b);
    expect(result.history[1].loss).toBeCloseTo(lossSum / 80, 5);
    viaLoop.dispose();
    byHand.dispose();
  });
});
