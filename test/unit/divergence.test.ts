import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/lib/model/build';
import { train } from '../../src/lib/train/loop';
import { batchTensors, lossAndScore } from '../../src/lib/train/evaluate';
import type { BatchSource } from '../../src/lib/data/source';
import { memorySource, mulberry32 } from './helpers/memorySource';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 256 rows of two features in [-1, 1]; target 2 + x1 − x2 rounded, in 0–4: already on a unit scale. */
function regressionRows() {
  const rand = mulberry32(9);
  const n = 256;
  const x = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = 2 * rand() - 1;
    x[2 * i + 1] = 2 * rand() - 1;
    labels[i] = Math.round(2 + x[2 * i] - x[2 * i + 1]);
  }
  return { x, labels };
}

const rows = regressionRows();
const source = () => memorySource({ ...rows, sampleShape: [1, 1, 2], numClasses: 0, batchSize: 16, shuffleSeed: 2 });

/**
 * The same SGD steps as the loop, reading each batch's loss at once: the first
 * batch (1-based) whose loss is not finite, or null. The slow, obvious way.
 */
async function firstBadBatchByHand(src: BatchSource, learningRate: number, epochs: number) {
  const model = buildModel('tabular-mlp', [1, 1, 2], 0, 5, 'regression');
  const optimizer = tf.train.sgd(learningRate);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      let b = 0;
      for await (const batch of src.epoch(epoch)) {
        b++;
        const loss = tf.tidy(() => {
          const { xs, ...t } = batchTensors(batch, src);
          return optimizer.minimize(() => tf.mean(lossAndScore(model.apply(xs, { training: true }) as tf.Tensor, t).loss) as tf.Scalar, true)!;
        });
        const value = (await loss.data())[0];
        loss.dispose();
        if (!Number.isFinite(value)) return { epoch: epoch + 1, batch: b, value: Number.isNaN(value) ? 'NaN' : 'Infinity' };
      }
    }
    return null;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

describe('a diverging run', () => {
  it('stops within a read of the sums and names the first batch whose loss was not finite', async () => {
    const expected = await firstBadBatchByHand(source(), 10, 3);
    expect(expected).not.toBeNull();
    for (const reportEveryMs of [0, 1e9]) {
      const before = tf.memory().numTensors;
      const model = buildModel('tabular-mlp', [1, 1, 2], 0, 5, 'regression');
      const src = source();
      const epochs: number[] = [];
      const optimizer = tf.train.sgd(10);
      const result = await train({
        model,
        optimizer,
        epochs: 3,
        train: src,
        validation: null,
        reportEveryMs,
        onBatch: () => {},
        onEpoch: (log) => epochs.push(log.epoch),
      });
      optimizer.dispose();
      model.dispose();
      expect(result.diverged).toEqual({ ...expected, batchesPerEpoch: 16, during: 'training' });
      expect(result.stopped).toBe(false);
      // No epoch with a non-finite loss is logged.
      expect(result.history.map((h) => h.epoch)).toEqual(epochs);
      expect(epochs.length).toBe(expected!.epoch - 1);
      if (reportEveryMs === 0) {
        // Reading every batch, two behind: the second batch after the bad one is the last pulled
        // (or the epoch's last batch, whose read is of the newest sums).
        expect(src.pulled).toBe((expected!.epoch - 1) * 16 + Math.min(expected!.batch + 2, 16));
      }
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('does not call a run at a sensible learning rate diverged', async () => {
    expect(await firstBadBatchByHand(source(), 0.05, 3)).toBeNull();
    const model = buildModel('tabular-mlp', [1, 1, 2], 0, 5, 'regression');
    const result = await train({ model, optimizer: tf.train.sgd(0.05), epochs: 3, train: source(), validation: null });
    model.dispose();
    expect(result.diverged).toBeNull();
    expect(result.history).toHaveLength(3);
    expect(result.history[2].loss).toBeLessThan(result.history[0].loss);
  });

  it('catches a validation loss that is not finite', async () => {
    // A linear model trained on small inputs; the validation inputs are so large that its outputs overflow.
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 2] }), tf.layers.dense({ units: 1 })] });
    const huge = memorySource({ x: new Float32Array(32).fill(3e38), labels: new Uint8Array(16), sampleShape: [1, 1, 2], numClasses: 0, batchSize: 16 });
    const before = tf.memory().numTensors;
    const optimizer = tf.train.sgd(0.01);
    const result = await train({ model, optimizer, epochs: 2, train: source(), validation: huge });
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(result.diverged).toMatchObject({ epoch: 1, batch: 16, during: 'validation' });
    expect(result.history).toEqual([]);
  });
});
