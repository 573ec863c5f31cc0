// Early stopping keeps the best epoch's weights, weight decay shrinks kernels only, and each optimizer is built with its own parameters.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../src/lib/model/build';
import { train } from '../../src/lib/train/loop';
import { EarlyStopping } from '../../src/lib/train/earlyStopping';
import { createOptimizer, learningRateOf, setLearningRate } from '../../src/lib/train/optimizers';
import { blobs, memorySource } from './helpers/memorySource';
import { freshDb } from './helpers/fakeDb';
import { installBuiltin } from '../../src/lib/data/builtin';
import { runTraining } from '../../src/lib/train/run';
import { listModels } from '../../src/lib/storage/models';
import type { WorkerEvent } from '../../src/lib/protocol';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE: [number, number, number] = [8, 8, 1];
const data = blobs(256, 3);
const source = (n = 256) => memorySource({ x: data.x.slice(0, n * 64), labels: data.labels.slice(0, n), sampleShape: SHAPE, numClasses: 2, batchSize: 32, shuffleSeed: 5 });
const weightsOf = async (model: tf.LayersModel) => Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));

describe('early stopping', () => {
  it('stops after `patience` epochs without a lower validation loss and restores the best epoch’s weights exactly', async () => {
    const model = buildModel('tabular-mlp', SHAPE, 2, 3);
    // A rate high enough that the validation loss rises again after a few epochs.
    const optimizer = createOptimizer('adam', 0.05);
    const stopping = new EarlyStopping(model, 2);
    const byEpoch = new Map<number, number[][]>();
    const result = await train({
      model,
      optimizer,
      epochs: 40,
      train: source(192),
      validation: memorySource({ x: data.x.slice(192 * 64), labels: data.labels.slice(192), sampleShape: SHAPE, numClasses: 2, batchSize: 64 }),
      afterEpoch: async (log) => {
        byEpoch.set(log.epoch, await weightsOf(model));
        return { stop: stopping.afterEpoch(log) };
      },
    });
    const losses = result.history.map((h) => h.valLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(result.endedEarly).toBe(true);
    expect(stopping.bestEpoch).toBe(best);
    expect(result.history.length).toBe(best + 2);
    expect(await weightsOf(model)).not.toEqual(byEpoch.get(best));
    expect(stopping.restore(result.history.length)).toBe(true);
    expect(await weightsOf(model)).toEqual(byEpoch.get(best));
    const before = tf.memory().numTensors;
    stopping.dispose();
    expect(tf.memory().numTensors).toBe(before - model.getWeights().length);
    optimizer.dispose();
    model.dispose();
  });

  it('does not restore when the last epoch was the best', () => {
    const model = buildModel('tabular-mlp', SHAPE, 2, 3);
    const stopping = new EarlyStopping(model, 3);
    const log = { epoch: 1, loss: 1, acc: 0, valLoss: 0.5, valAcc: 0, seconds: 0, samplesPerSec: 0 };
    expect(stopping.afterEpoch(log)).toBe(false);
    expect(stopping.restore(1)).toBe(false);
    expect(() => new EarlyStopping(model, 0)).toThrow('Early stopping needs a patience of 1 or more epochs; got 0.');
    stopping.dispose();
    model.dispose();
  });
});

describe('decoupled weight decay', () => {
  it('at a rate that leaves the gradient step negligible, multiplies every kernel by 1 − lr × decay per step and leaves biases alone', async () => {
    const model = buildModel('tabular-mlp', SHAPE, 2, 3);
    const names = model.trainableWeights.map((w) => w.originalName);
    const before = await weightsOf(model);
    const optimizer = createOptimizer('sgd', 1e-9);
    // 1 epoch of 256 / 32 = 8 steps: kernels × (1 − 1e-9 × 1e7)^8 = 0.99^8.
    await train({ model, optimizer, epochs: 1, train: source(), validation: null, weightDecay: 1e7 });
    const after = await weightsOf(model);
    names.forEach((name, i) => {
      const factor = name.endsWith('kernel') ? 0.99 ** 8 : 1;
      after[i].forEach((v, j) => expect(v).toBeCloseTo(before[i][j] * factor, 5));
    });
    expect(names.filter((n) => n.endsWith('kernel'))).toHaveLength(3);
    optimizer.dispose();
    model.dispose();
  });
});

describe('createOptimizer', () => {
  it('builds each optimizer with its own parameters, and the schedule can change the rate of each', () => {
    const o = (kind: 'sgd' | 'adam' | 'rmsprop', params = {}) => createOptimizer(kind, 0.1, params) as unknown as Record<string, unknown>;
    expect(o('sgd').getClassName).toBeDefined();
    expect((o('sgd') as unknown as tf.Optimizer).getClassName()).toBe('SGD');
    const momentum = o('sgd', { momentum: 0.9, nesterov: true });
    expect([(momentum as unknown as tf.Optimizer).getClassName(), momentum.momentum, momentum.useNesterov]).toEqual(['Momentum', 0.9, true]);
    const adam = o('adam', { beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
    expect([adam.beta1, adam.beta2, adam.epsilon]).toEqual([0.8, 0.99, 1e-6]);
    const rms = o('rmsprop', { rho: 0.95, momentum: 0.5, epsilon: 1e-6 });
    expect([(rms as unknown as tf.Optimizer).getClassName(), rms.decay, rms.momentum, rms.epsilon]).toEqual(['RMSProp', 0.95, 0.5, 1e-6]);
    for (const opt of [momentum, adam, rms] as unknown as tf.Optimizer[]) {
      setLearningRate(opt, 0.02);
      expect(learningRateOf(opt)).toBe(0.02);
      opt.dispose();
    }
  });
});

describe('a run that early stopping ends', () => {
  it('posts where it stopped and which epoch it kept, and the saved model records it', async () => {
    const { db } = await freshDb();
    await installBuiltin(db, 'iris');
    const events: WorkerEvent[] = [];
    const config = { datasetId: 'iris', model: 'tabular-mlp', optimizer: 'adam', learningRate: 0.05, batchSize: 8, epochs: 100, patience: 2, backend: 'cpu', seed: 42 };
    const before = tf.memory().numTensors;
    await runTraining({ runId: 'es', config }, { db, post: (e) => events.push(e), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 });
    expect(tf.memory().numTensors).toBe(before);
    const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e.log] : []));
    const losses = epochs.map((l) => l.valLoss!);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    const stop = events.find((e) => e.type === 'early-stopped');
    expect(stop).toEqual({ type: 'early-stopped', runId: 'es', epoch: best + 2, bestEpoch: best, restored: true });
    expect(epochs.length).toBe(best + 2);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['saved', 'done']);
    const [saved] = await listModels(db);
    expect(saved.earlyStop).toEqual({ epoch: best + 2, bestEpoch: best, restored: true });
  });
});
