import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { deleteDataset, writeDataset } from '../../src/lib/storage/datasets';
import { createVersion } from '../../src/lib/storage/versions';
import { listModels } from '../../src/lib/storage/models';
import { saveModel } from '../../src/lib/storage/modelIO';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import type { WorkerEvent } from '../../src/lib/protocol';
import { runTraining, splitRange, trainingRanges, type RunContext } from '../../src/lib/train/run';
import { Predictor } from '../../src/lib/train/predict';
import { describeError } from '../../src/lib/train/errors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let db: HearthDb;
beforeEach(async () => {
  ({ db } = await freshDb());
  const { meta, data } = tinyDataset('tiny', { train: 100, test: 30 }, 16);
  await writeDataset(db, meta, data);
});

const config = { datasetId: 'tiny', model: 'mlp', epochs: 2, batchSize: 16, validationSplit: 0.2, backend: 'cpu', seed: 1 };

function context(extra: Partial<RunContext> = {}) {
  const events: WorkerEvent[] = [];
  const ctx: RunContext = {
    db,
    post: (ev) => events.push(ev),
    shouldStop: () => false,
    deviceLost: () => null,
    reportEveryMs: 1e9,
    ...extra,
  };
  return { events, ctx };
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return describeError(err);
  }
  throw new Error('expected a failure');
}

describe('splitRange', () => {
  it('holds out the last samples, as Keras does', () => {
    expect(splitRange(60000, 0, 0.1)).toEqual({ trainEnd: 54000, end: 60000 });
    expect(splitRange(100, 7, 0.5)).toEqual({ trainEnd: 3, end: 7 }); // round(3.5) = 4 validate
    expect(splitRange(100, 500, 0)).toEqual({ trainEnd: 100, end: 100 });
    expect(() => splitRange(1, 0, 0.5)).toThrow(/no samples left to train on/);
  });

  it('uses a stored validation split whole, and the whole train split, ignoring validationSplit', () => {
    const info = (count: number) => ({ count, shardSize: 10, shards: Math.ceil(count / 10), classCounts: [] });
    expect(trainingRanges({ splits: { train: info(80), val: info(10), test: info(10) } }, 0, 0.2)).toEqual({
      trainEnd: 80,
      val: { split: 'val', start: 0, end: 10 },
    });
    expect(trainingRanges({ splits: { train: info(80), val: info(10), test: info(10) } }, 30, 0.2).trainEnd).toBe(30);
    expect(trainingRanges({ splits: { train: info(80), val: info(0), test: info(10) } }, 0, 0.2)).toEqual({ trainEnd: 80, val: null });
    expect(trainingRanges({ splits: { train: info(80), test: info(10) } }, 0, 0.25)).toEqual({
      trainEnd: 60,
      val: { split: 'train', start: 60, end: 80 },
    });
  });
});

describe('runTraining', () => {
  it('trains, evaluates and saves, posting the protocol events in order', async () => {
    const before = tf.memory().numTensors;
    const { events, ctx } = context();
    await runTraining({ runId: 'r1', config }, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(events.every((e) => e.runId === 'r1')).toBe(true);
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds).toEqual(['backend', 'started', 'batch', 'epoch', 'checkpoint', 'batch', 'epoch', 'checkpoint', 'evaluating', 'evaluation', 'test-predictions', 'saved', 'done']);
    expect(events[0]).toEqual({ type: 'backend', runId: 'r1', backend: 'cpu', fallbackReason: null });
    // 4·512+512 + 512·256+256 + 256·128+128 + 128·3+3
    expect(events[1]).toEqual({ type: 'started', runId: 'r1', paramCount: 167171, trainSamples: 80, valSamples: 20, batchesPerEpoch: 5, epochs: 2 });
    const evaluating = events.filter((e) => e.type === 'evaluating');
    expect(evaluating.at(-1)).toMatchObject({ done: 30, total: 30 });
    const saved = events.find((e) => e.type === 'saved')!;
    if (saved.type !== 'saved') throw new Error();
    const evaluation = events.find((e) => e.type === 'evaluation')!;
    if (evaluation.type !== 'evaluation' || evaluation.result.task === 'regression') throw new Error();
    expect(saved.model.name).toBe(`MLP on Tiny tiny · ${(evaluation.result.accuracy * 100).toFixed(1)}%`);
    expect(saved.model.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(saved.model.history[0].valLoss).not.toBeNull();
    expect(saved.model).toMatchObject({ paramCount: 167171, backend: 'cpu', datasetId: 'tiny', inputShape: [2, 2, 1], classes: ['a', 'b', 'c'] });
    expect(evaluation.result.samples).toBe(30);
    expect(events.at(-1)).toEqual({ type: 'done', runId: 'r1', stopped: false, evaluated: true });
    expect((await listModels(db)).map((m) => m.id)).toEqual([saved.model.id]);

    const predictor = new Predictor(db);
    const probs = await predictor.predict(saved.model.id, new Float32Array([0.1, 0.2, 0.3, 0.4]));
    expect(probs).toHaveLength(3);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(await failure(predictor.predict(saved.model.id, new Float32Array(5)))).toEqual({
      kind: 'bad-config',
      message: `The model "${saved.model.name}" expects an image of 2×2×1 = 4 values; got 5.`,
    });
    expect((await failure(predictor.predict('nope', new Float32Array(4)))).kind).toBe('model-missing');
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains on a dataset version after its parent is deleted, scored on the parent’s test split', async () => {
    const child = await createVersion(db, 'tiny', { x: new Uint8Array(16).fill(200), y: Uint8Array.of(0, 1, 2, 0) }, { locks: null });
    await deleteDataset(db, 'tiny', { locks: null });
    const { events, ctx } = context();
    await runTraining({ runId: 'v1', config: { ...config, datasetId: child.id } }, ctx);
    const started = events.find((e) => e.type === 'started');
    // 104 samples, the last round(0.2 × 104) = 21 held out for validation.
    expect(started).toMatchObject({ trainSamples: 83, valSamples: 21 });
    const evaluation = events.find((e) => e.type === 'evaluation');
    expect(evaluation?.type === 'evaluation' && evaluation.result.samples).toBe(30);
    expect(events.some((e) => e.type === 'saved')).toBe(true);
  });

  it('evaluates and saves a stopped run, under the given name', async () => {
    // The Stop that ended training is used up as evaluation begins.
    let stop = true;
    const { events, ctx } = context({ shouldStop: () => stop, resetStop: () => (stop = false) });
    await runTraining({ runId: 'r2', config, modelName: '  Early  ' }, ctx);
    const saved = events.find((e) => e.type === 'saved');
    expect(saved).toMatchObject({ model: { name: 'Early', history: [] } });
    expect(events.some((e) => e.type === 'evaluation')).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'done', runId: 'r2', stopped: true, evaluated: true });
  });

  it('uses only trainLimit samples', async () => {
    const { events, ctx } = context();
    await runTraining({ runId: 'r3', config: { ...config, trainLimit: 50, validationSplit: 0.1, epochs: 1 } }, ctx);
    expect(events[1]).toMatchObject({ trainSamples: 45, valSamples: 5, batchesPerEpoch: 3 });
  });

  it('reports a lost GPU instead of saving', async () => {
    const { events, ctx } = context({ shouldStop: () => true, deviceLost: () => 'gpu hung' });
    expect(await failure(runTraining({ runId: 'r4', config }, ctx))).toEqual({
      kind: 'device-lost',
      message:
        'The GPU stopped responding (device lost: gpu hung). Training was halted; your datasets and saved models are safe. Reload the page to start again.',
    });
    expect(events.some((e) => e.type === 'saved')).toBe(false);
    expect(describeError(new Error('mapAsync failed'), 'Device was destroyed.').message).toMatch(
      /^The GPU stopped responding \(device lost: Device was destroyed\)\. /,
    );
  });

  it('explains a missing dataset and bad settings', async () => {
    const { ctx } = context();
    const missing = await failure(runTraining({ runId: 'r5', config: { ...config, datasetId: 'gone' } }, ctx));
    expect(missing.kind).toBe('dataset-missing');
    expect(missing.message).toMatch(/^The dataset "gone" is not in this browser's storage/);
    expect(await failure(runTraining({ runId: 'r6', config: { ...config, epochs: 0 } }, ctx))).toEqual({
      kind: 'bad-config',
      message: 'The experiment settings are not valid: Epochs must be between 1 and 1000 (got 0)',
    });
    expect((await failure(runTraining({ runId: 'r7', config: { ...config, model: 'cnn' } }, ctx))).message).toMatch(/at least 10×10/);
  });
});

describe('runTraining on tabular data', () => {
  it('validates on the stored val split and trains on the whole train split', async () => {
    const { meta, data } = tinyTabular('flowers', { train: 40, test: 8, val: 6 }, 16, { task: 'classification', features: 4 });
    await writeDataset(db, meta, data);
    const { events, ctx } = context();
    await runTraining({ runId: 't1', config: { ...config, datasetId: 'flowers', model: 'tabular-mlp', validationSplit: 0.5 } }, ctx);
    // 4·128+128 + 128·64+64 + 64·2+2
    expect(events[1]).toEqual({ type: 'started', runId: 't1', paramCount: 9026, trainSamples: 40, valSamples: 6, batchesPerEpoch: 3, epochs: 2 });
    const saved = events.find((e) => e.type === 'saved');
    if (saved?.type !== 'saved') throw new Error('not saved');
    expect(saved.model.tabular).toEqual(meta.tabular);
    expect(saved.model.inputShape).toEqual([1, 1, 4]);
    expect(saved.model.name).toMatch(/^Tabular MLP on Table flowers · \d+\.\d%$/);
    expect(saved.model.history[1].valAcc).not.toBeNull();
  });

  it('trains a regression model and posts a RegressionEvaluation in target units', async () => {
    // target = 50 + 20·f0 − 10·f1, stored raw; the dataset's target stats standardise it.
    const { meta, data } = tinyTabular('rent', { train: 64, test: 16, val: 8 }, 32, {
      task: 'regression',
      label: (x) => 50 + 20 * x[0] - 10 * x[1],
      target: { mean: 50, std: 15 },
    });
    await writeDataset(db, meta, data);
    const before = tf.memory().numTensors;
    const { events, ctx } = context();
    await runTraining({ runId: 't2', config: { ...config, datasetId: 'rent', model: 'tabular-mlp', learningRate: 0.01, epochs: 3 } }, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(events[1]).toMatchObject({ paramCount: 8961 - 2 * 128, trainSamples: 64, valSamples: 8 });
    const evaluation = events.find((e) => e.type === 'evaluation');
    if (evaluation?.type !== 'evaluation' || evaluation.result.task !== 'regression') throw new Error('no regression evaluation');
    const r = evaluation.result;
    expect(Object.keys(r).sort()).toEqual(['loss', 'mae', 'mse', 'r2', 'samples', 'task']);
    expect(r.samples).toBe(16);
    expect(Number.isFinite(r.mae) && Number.isFinite(r.r2)).toBe(true);
    expect(r.loss).toBe(r.mse);
    // MSE ≥ MAE² always (Jensen), a check that the two describe the same errors.
    expect(r.mse).toBeGreaterThanOrEqual(r.mae * r.mae - 1e-9);
    const saved = events.find((e) => e.type === 'saved');
    if (saved?.type !== 'saved') throw new Error('not saved');
    expect(saved.model.classes).toEqual([]);
    expect(saved.model.tabular?.target).toEqual({ mean: 50, std: 15 });
    expect(saved.model.name).toBe(`Tabular MLP on Table rent · MAE ${Number(r.mae.toPrecision(3))}`);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(3);
    for (const e of epochs) if (e.type === 'epoch') expect(e.log.acc).toBeGreaterThan(0);

    // The saved model, row by row through the Predictor, scores the test split as the evaluation did.
    const predictor = new Predictor(db);
    let absSum = 0;
    for (let i = 0; i < 16; i++) {
      const [value] = await predictor.predict(saved.model.id, data.test.x.slice(2 * i, 2 * i + 2) as Float32Array);
      absSum += Math.abs(value - data.test.y[i]);
    }
    expect(absSum / 16).toBeCloseTo(r.mae, 3);
    predictor.dispose();
  });

  it('refuses an image preset for a table, and the tabular preset for images', async () => {
    const { meta, data } = tinyTabular('iris', { train: 10, test: 2, val: 2 }, 16, { task: 'classification', features: 4 });
    await writeDataset(db, { ...meta, name: 'Iris' }, data);
    const { events, ctx } = context();
    expect(await failure(runTraining({ runId: 't3', config: { ...config, datasetId: 'iris', model: 'mlp' } }, ctx))).toEqual({
      kind: 'bad-config',
      message: 'The MLP 784-512-256-128-10 preset is for images; pick Tabular MLP for Iris.',
    });
    expect(await failure(runTraining({ runId: 't4', config: { ...config, model: 'tabular-mlp' } }, ctx))).toEqual({
      kind: 'bad-config',
      message: 'The Tabular MLP preset is for tables of numbers; pick MLP 784-512-256-128-10 for Tiny tiny.',
    });
    expect(events.some((e) => e.type === 'started')).toBe(false);
  });
});

describe('Predictor for regression', () => {
  it('de-standardises the output with the saved target stats', async () => {
    // One linear unit on two features: standardised output 1·0.5 + 2·0.25 + 0 = 1.
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 2] }), tf.layers.dense({ units: 1 })] });
    const weights = [tf.tensor2d([[1], [2]]), tf.tensor1d([0])];
    model.setWeights(weights);
    tf.dispose(weights);
    const tabular = {
      label: 'price',
      encoding: [
        { column: 'a', kind: 'numeric' as const, mean: 0, std: 1 },
        { column: 'b', kind: 'numeric' as const, mean: 0, std: 1 },
      ],
      featureNames: ['a', 'b'],
      target: { mean: 200, std: 30 },
    };
    await saveModel(db, model, {
      id: 'reg', name: 'Prices', createdAt: 1, config: { ...DEFAULT_CONFIG, model: 'tabular-mlp' }, datasetId: 'p', datasetName: 'P',
      classes: [], inputShape: [1, 1, 2], paramCount: 3, backend: 'cpu', trainSeconds: 0, history: [], evaluation: null, tabular,
    });
    model.dispose();
    const before = tf.memory().numTensors;
    const predictor = new Predictor(db);
    // mean + 1 · std
    expect(await predictor.predict('reg', new Float32Array([0.5, 0.25]))).toEqual([230]);
    // standardised −2 -> 200 − 60
    expect(await predictor.predict('reg', new Float32Array([-2, 0]))).toEqual([140]);
    expect(await failure(predictor.predict('reg', new Float32Array(3)))).toEqual({
      kind: 'bad-config',
      message: 'The model "Prices" expects 2 encoded feature values; got 3.',
    });
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
