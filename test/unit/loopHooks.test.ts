// What a caller gives the loop: its own optimizer, a starting epoch and history
// (a resumed run), and an end-of-epoch hook that can stop or change the learning rate.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/lib/model/build';
import { train } from '../../src/lib/train/loop';
import { createOptimizer, learningRateOf, setLearningRate } from '../../src/lib/train/optimizers';
import { blobs, memorySource } from './helpers/memorySource';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: [number, number, number] = [8, 8, 1];
const data = blobs(256, 3);
const source = () => memorySource({ ...data, sampleShape: SHAPE, numClasses: 2, batchSize: 32, shuffleSeed: 5 });
const weightsOf = async (model: tf.LayersModel) => Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));

describe('train, driven by its caller', () => {
  it('resumed at epoch 3 with the same model and optimizer, ends exactly where an uninterrupted run ends', async () => {
    const whole = buildModel('tabular-mlp', SHAPE, 2, 7);
    const wholeOpt = createOptimizer('adam', 0.01);
    const uninterrupted = await train({ model: whole, optimizer: wholeOpt, epochs: 4, train: source(), validation: null });

    const parts = buildModel('tabular-mlp', SHAPE, 2, 7);
    const partsOpt = createOptimizer('adam', 0.01);
    const first = await train({ model: parts, optimizer: partsOpt, epochs: 2, train: source(), validation: null });
    const second = await train({ model: parts, optimizer: partsOpt, epochs: 4, startEpoch: 2, history: first.history, train: source(), validation: null });

    expect(second.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(second.history.map((h) => h.loss)).toEqual(uninterrupted.history.map((h) => h.loss));
    expect(await weightsOf(parts)).toEqual(await weightsOf(whole));
    wholeOpt.dispose();
    partsOpt.dispose();
    whole.dispose();
    parts.dispose();
  });

  it('stops when the end-of-epoch hook asks, as an early end and not a Stop', async () => {
    const model = buildModel('tabular-mlp', SHAPE, 2, 3);
    const optimizer = createOptimizer('sgd', 0.05);
    const seen: number[] = [];
    const result = await train({
      model,
      optimizer,
      epochs: 10,
      train: source(),
      validation: null,
      afterEpoch: (log, history) => {
        seen.push(history.length);
        return { stop: log.epoch === 3 };
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(result.history).toHaveLength(3);
    expect(result.endedEarly).toBe(true);
    expect(result.stopped).toBe(false);
    optimizer.dispose();
    model.dispose();
  });

  for (const kind of ['sgd', 'adam'] as const) {
    it(`changes the learning rate of ${kind} from the next epoch on`, async () => {
      const model = buildModel('tabular-mlp', SHAPE, 2, 3);
      const optimizer = createOptimizer(kind, 0.05);
      let after2: number[][] = [];
      const rates: number[] = [];
      await train({
        model,
        optimizer,
        epochs: 4,
        train: source(),
        validation: null,
        afterEpoch: async (log) => {
          rates.push(learningRateOf(optimizer));
          if (log.epoch === 2) {
            after2 = await weightsOf(model);
            return { learningRate: 1e-30 }; // as good as frozen
          }
        },
      });
      expect(rates).toEqual([0.05, 0.05, 1e-30, 1e-30]);
      const final = await weightsOf(model);
      final.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(after2[i][j], 5)));
      optimizer.dispose();
      model.dispose();
    });
  }

  it('refuses a learning rate that is not above 0', () => {
    expect(() => createOptimizer('adam', 0)).toThrow('The learning rate must be above 0; got 0.');
    const optimizer = createOptimizer('sgd', 0.1);
    expect(() => setLearningRate(optimizer, Number.NaN)).toThrow(/above 0/);
    optimizer.dispose();
  });
});
