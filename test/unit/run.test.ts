import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import { listModels } from '../../src/lib/storage/models';
import type { WorkerEvent } from '../../src/lib/protocol';
import { runTraining, splitRange, type RunContext } from '../../src/lib/train/run';
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
});

describe('runTraining', () => {
  it('trains, evaluates and saves, posting the protocol events in order', async () => {
    const before = tf.memory().numTensors;
    const { events, ctx } = context();
    await runTraining({ runId: 'r1', config }, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(events.every((e) => e.runId === 'r1')).toBe(true);
    const kinds = events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(kinds).toEqual(['backend', 'started', 'batch', 'epoch', 'batch', 'epoch', 'evaluating', 'evaluation', 'saved', 'done']);
    expect(events[0]).toEqual({ type: 'backend', runId: 'r1', backend: 'cpu', fallbackReason: null });
    // 4·512+512 + 512·256+256 + 256·128+128 + 128·3+3
    expect(events[1]).toEqual({ type: 'started', runId: 'r1', paramCount: 167171, trainSamples: 80, valSamples: 20, batchesPerEpoch: 5, epochs: 2 });
    const evaluating = events.filter((e) => e.type === 'evaluating');
    expect(evaluating.at(-1)).toMatchObject({ done: 30, total: 30 });
    const saved = events.find((e) => e.type === 'saved')!;
    if (saved.type !== 'saved') throw new Error();
    const evaluation = events.find((e) => e.type === 'evaluation')!;
    if (evaluation.type !== 'evaluation') throw new Error();
    expect(saved.model.name).toBe(`MLP on Tiny tiny · ${(evaluation.result.accuracy * 100).toFixed(1)}%`);
    expect(saved.model.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(saved.model.history[0].valLoss).not.toBeNull();
    expect(saved.model).toMatchObject({ paramCount: 167171, backend: 'cpu', datasetId: 'tiny', inputShape: [2, 2, 1], classes: ['a', 'b', 'c'] });
    expect(evaluation.result.samples).toBe(30);
    expect(events.at(-1)).toEqual({ type: 'done', runId: 'r1', stopped: false });
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

  it('evaluates and saves a stopped run, under the given name', async () => {
    const { events, ctx } = context({ shouldStop: () => true });
    await runTraining({ runId: 'r2', config, modelName: '  Early  ' }, ctx);
    const saved = events.find((e) => e.type === 'saved');
    expect(saved).toMatchObject({ model: { name: 'Early', history: [] } });
    expect(events.some((e) => e.type === 'evaluation')).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'done', runId: 'r2', stopped: true });
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
