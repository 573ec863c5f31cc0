// Training a model from a layer list: the losses the list chooses, and the worker refusing a
// stack that cannot work with the words the page shows.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { freshDb, tinyTabular } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import type { WorkerEvent } from '../../src/lib/protocol';
import { runTraining, type RunContext } from '../../src/lib/train/run';
import { Predictor } from '../../src/lib/train/predict';
import { describeError } from '../../src/lib/train/errors';
import { layersFromText } from '../../src/lib/model/layers';
import { describeProblem, modelProblem } from '../../src/lib/model/validate';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let db: HearthDb;
beforeEach(async () => {
  ({ db } = await freshDb());
});

const base = { epochs: 2, batchSize: 16, validationSplit: 0, backend: 'cpu', seed: 1, learningRate: 0.01 };

async function run(config: Record<string, unknown>) {
  const events: WorkerEvent[] = [];
  const ctx: RunContext = { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 };
  await runTraining({ runId: 'd', config: { ...base, ...config } }, ctx);
  return events;
}

describe('runTraining with a layer list', () => {
  it('trains a 1-unit sigmoid head with binary cross-entropy and predicts both classes', async () => {
    const { meta, data } = tinyTabular('pair', { train: 64, test: 16 }, 32, { task: 'classification', features: 4 });
    await writeDataset(db, meta, data);
    const events = await run({ datasetId: 'pair', layers: 'flatten_dense-8-relu_dense-1-sigmoid', epochs: 20 });
    // 4·8+8 + 8·1+1
    expect(events[1]).toMatchObject({ type: 'started', paramCount: 49 });
    const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e.log] : []));
    // Binary cross-entropy of an untrained sigmoid is near ln 2; the separable labels bring it down.
    expect(epochs[0].loss).toBeGreaterThan(0.4);
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0].loss);
    const evaluation = events.find((e) => e.type === 'evaluation');
    if (evaluation?.type !== 'evaluation' || evaluation.result.task !== 'classification') throw new Error('no evaluation');
    expect(evaluation.result.confusion.flat().reduce((a, b) => a + b, 0)).toBe(16);
    const saved = events.find((e) => e.type === 'saved');
    if (saved?.type !== 'saved') throw new Error('not saved');
    expect(saved.model.name).toMatch(/^Custom model on Table pair · /);
    const predictor = new Predictor(db);
    const probs = await predictor.predict(saved.model.id, new Float32Array([0.8, 0, 0, 0]));
    predictor.dispose();
    expect(probs).toHaveLength(2);
    expect(probs[0] + probs[1]).toBeCloseTo(1, 6);
  });

  it('trains a regression on mean absolute error when asked', async () => {
    const { meta, data } = tinyTabular('rent', { train: 48, test: 8 }, 16, {
      task: 'regression',
      label: (x) => 50 + 20 * x[0] - 10 * x[1],
      target: { mean: 50, std: 15 },
    });
    await writeDataset(db, meta, data);
    const log = async (loss: string) => (await run({ datasetId: 'rent', layers: 'flatten_dense-8-relu_dense-1-linear', loss })).find((e) => e.type === 'epoch');
    // With MAE the loss is the absolute error in the standardised scale, so the reported MAE (target units) is loss · std.
    const mae = await log('mae');
    if (mae?.type !== 'epoch') throw new Error('no epoch');
    expect(mae.log.acc).toBeCloseTo(mae.log.loss * 15, 3);
    const mse = await log('mse');
    if (mse?.type !== 'epoch') throw new Error('no epoch');
    expect(Math.abs(mse.log.acc - mse.log.loss * 15)).toBeGreaterThan(0.01);
  });

  it('refuses a stack that cannot work, with the message the page shows', async () => {
    const { meta, data } = tinyTabular('pair', { train: 32, test: 8 }, 16, { task: 'classification', features: 4 });
    await writeDataset(db, meta, data);
    const layers = layersFromText('flatten_dense-8-relu_dense-3-softmax')!;
    const page = describeProblem(modelProblem({ model: 'mlp', layers, loss: 'auto' }, meta)!, layers);
    expect(page).toBe('Layer 3 (Dense): A softmax head needs one unit per class: 2 for this dataset, not 3.');
    let error: unknown;
    await run({ datasetId: 'pair', layers: 'flatten_dense-8-relu_dense-3-softmax' }).catch((e: unknown) => (error = e));
    expect(describeError(error)).toEqual({ kind: 'bad-config', message: page });
  });
});
