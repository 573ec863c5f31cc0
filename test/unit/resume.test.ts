// A run recorded as it trains, checkpointed after every epoch, and resumed after
// the worker died: it ends with exactly the weights of a run never interrupted (cpu).
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { IDBObjectStore } from 'fake-indexeddb';
import { failCommitsOf, freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import { getCheckpoint, getRun, readRuns } from '../../src/lib/storage/runs';
import type { WorkerEvent } from '../../src/lib/protocol';
import { runTraining } from '../../src/lib/train/run';
import { runContext } from './helpers/runContext';
import { addCurvePoint, CURVE_POINTS } from '../../src/lib/train/recorder';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let db: HearthDb;
beforeEach(async () => {
  ({ db } = await freshDb());
  const { meta, data } = tinyDataset('tiny', { train: 120, test: 30 }, 16);
  await writeDataset(db, meta, data);
});

const proto = IDBObjectStore.prototype as unknown as { put: (...args: never[]) => unknown };
let undo: (() => number) | null = null;
afterEach(() => {
  undo?.();
  undo = null;
});

const context = (crashAt?: (ev: WorkerEvent) => boolean) => runContext(db, crashAt);

/** The saved model's weights, bit for bit. */
async function savedWeights(events: WorkerEvent[]): Promise<Float32Array> {
  const saved = events.find((e) => e.type === 'saved');
  if (saved?.type !== 'saved') throw new Error('no model saved');
  const record = await db.get('modelWeights', saved.model.id);
  return new Float32Array(record!.weightData);
}

const strip = (h: { loss: number; acc: number; valLoss: number | null; valAcc: number | null }[]) => h.map(({ loss, acc, valLoss, valAcc }) => ({ loss, acc, valLoss, valAcc }));

for (const optimizer of ['adam', 'sgd'] as const) {
  describe(`resume (${optimizer}, cpu)`, () => {
    const config = { datasetId: 'tiny', model: 'mlp', optimizer, learningRate: 0.01, epochs: 5, batchSize: 16, validationSplit: 0.2, backend: 'cpu', seed: 3 };

    it('ends with exactly the weights and history of an uninterrupted run, after a crash mid-epoch', async () => {
      const whole = context();
      await runTraining({ runId: 'whole', config, modelName: 'Whole' }, whole.ctx);
      const expected = await savedWeights(whole.events);
      const wholeRecord = (await getRun(db, 'whole'))!;
      expect(wholeRecord.status).toBe('finished');
      expect(await getCheckpoint(db, 'whole')).toBeUndefined(); // finished runs keep no checkpoint

      // Dies during epoch 4, after the checkpoint of epoch 3.
      const first = context((ev) => ev.type === 'batch' && ev.epoch === 4);
      await expect(runTraining({ runId: 'cut', config, modelName: 'Cut' }, first.ctx)).rejects.toThrow('the worker died');
      const cut = (await getRun(db, 'cut'))!;
      expect(cut.status).toBe('interrupted');
      expect(cut.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      const checkpoint = (await getCheckpoint(db, 'cut'))!;
      expect(checkpoint.epoch).toBe(3);
      expect(checkpoint.shuffle).toEqual({ seed: 3, nextEpoch: 4 });
      expect(first.events.filter((e) => e.type === 'checkpoint').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2, 3]);

      const before = tf.memory().numTensors;
      const second = context();
      await runTraining({ runId: 'cut', resume: true }, second.ctx);
      expect(tf.memory().numTensors).toBe(before);
      const resumed = second.events.find((e) => e.type === 'resumed');
      expect(resumed?.type === 'resumed' && resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
      // Only epochs 4 and 5 were trained again; batches count samples from the run's start.
      expect(second.events.filter((e) => e.type === 'epoch').map((e) => (e as { log: { epoch: number } }).log.epoch)).toEqual([4, 5]);
      const firstBatch = second.events.find((e) => e.type === 'batch');
      expect(firstBatch?.type === 'batch' && firstBatch.samplesSeen).toBeGreaterThan(3 * 96);

      expect(Array.from(await savedWeights(second.events))).toEqual(Array.from(expected));
      const done = (await getRun(db, 'cut'))!;
      expect(done.status).toBe('finished');
      expect(done.resumedAt).toEqual([3]);
      expect(strip(done.history)).toEqual(strip(wholeRecord.history));
      expect(done.evaluation).toEqual(wholeRecord.evaluation);
      expect(done.modelId).toBe((second.events.find((e) => e.type === 'saved') as { model: { id: string } }).model.id);
      expect(await getCheckpoint(db, 'cut')).toBeUndefined();
    });
  });
}

describe('recording', () => {
  const config = { datasetId: 'tiny', model: 'mlp', epochs: 2, batchSize: 16, validationSplit: 0.2, backend: 'cpu', seed: 1 };

  it('records config, history, curve, evaluation, backend and how the run ended', async () => {
    const { ctx, events } = context();
    await runTraining({ runId: 'r', config, modelName: 'MLP on Tiny' }, ctx);
    const { runs, problems } = await readRuns(db);
    expect(problems).toEqual([]);
    expect(runs).toHaveLength(1);
    const run = runs[0];
    expect(run).toMatchObject({ id: 'r', name: 'MLP on Tiny', status: 'finished', backend: 'cpu', datasetName: 'Tiny tiny', task: 'classification', notes: '' });
    expect(run.config.epochs).toBe(2);
    expect(run.history.map((h) => h.epoch)).toEqual([1, 2]);
    // The curve is the batch reports the page drew, up to the last batch: 2 epochs of 96 samples.
    const batches = events.filter((e) => e.type === 'batch');
    expect(run.curve.x).toEqual(batches.map((b) => b.samplesSeen));
    expect(run.curve.loss).toEqual(batches.map((b) => b.loss));
    expect(run.curve.x.at(-1)).toBe(192);
    expect(run.evaluation?.task !== 'regression' && run.evaluation?.samples).toBe(30);
    expect(run.trainSeconds).toBeGreaterThan(0);
  });

  it('records a Stop as stopped', async () => {
    let batches = 0;
    const { ctx } = context();
    ctx.shouldStop = () => ++batches > 3;
    await runTraining({ runId: 's', config }, ctx);
    expect((await getRun(db, 's'))!.status).toBe('stopped');
    expect(await getCheckpoint(db, 's')).toBeUndefined();
  });

  it('records a divergence with its message, and keeps no checkpoint', async () => {
    // price = 100 + 30·f0, standardised with mean 100 and spread 20; SGD at 10 diverges (as in runFaults.test.ts).
    const prices = tinyTabular('prices', { train: 64, test: 16, val: 8 }, 32, { task: 'regression', label: (x) => 100 + 30 * x[0], target: { mean: 100, std: 20 } });
    await writeDataset(db, prices.meta, prices.data);
    await runTraining({ runId: 'd', config: { ...config, datasetId: 'prices', model: 'tabular-mlp', optimizer: 'sgd', learningRate: 10, epochs: 3 } }, context().ctx);
    const run = (await getRun(db, 'd'))!;
    expect(run.status).toBe('diverged');
    expect(run.task).toBe('regression');
    expect(run.message).toMatch(/^Diverged at epoch \d+(, batch \d+)?: the (validation )?loss became (NaN|infinite)\. Try a lower learning rate \(now 10\)/);
    expect(await getCheckpoint(db, 'd')).toBeUndefined();
  });

  it('goes on training when a checkpoint hits a full disk, and says so', async () => {
    undo = failCommitsOf('checkpoints', new DOMException('Failed to write blobs (IOError)', 'DataError'), proto);
    const { events, ctx } = context();
    await runTraining({ runId: 'full', config }, ctx);
    expect(undo()).toBe(2);
    undo = null;
    const failed = events.filter((e) => e.type === 'checkpoint-failed');
    expect(failed.map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
    expect(failed[0]).toMatchObject({ diskFull: true });
    expect((failed[0] as { message: string }).message).toMatch(/^The checkpoint after epoch 1 could not be stored \(the disk is full\)\. Training goes on/);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(2);
    expect(events.at(-1)?.type).toBe('done');
    expect((await getRun(db, 'full'))!.status).toBe('finished');
  });

  it('says which record a full disk refused, the final one included, and still trains and saves the model', async () => {
    undo = failCommitsOf('runs', new DOMException('The quota has been exceeded.', 'QuotaExceededError'), proto);
    const { events, ctx } = context();
    await runTraining({ runId: 'norecord', config }, ctx);
    // The run's record at the start, the checkpoint after each of 2 epochs, and the final record.
    expect(undo()).toBe(4);
    undo = null;
    const failed = events.filter((e) => e.type === 'checkpoint-failed') as { epoch: number; diskFull: boolean; message: string }[];
    expect(failed.map((e) => e.epoch)).toEqual([0, 1, 2, 2]);
    expect(failed.every((e) => e.diskFull)).toBe(true);
    expect(failed[0].message).toMatch(/^The run's record could not be stored \(the disk is full\)\. Training goes on;/);
    expect(failed[2].message).toMatch(/^The checkpoint after epoch 2 could not be stored \(the disk is full\)\. Training goes on;/);
    expect(failed[3].message).toBe(
      "The run's final record could not be stored (the disk is full), so the list of runs may not show how it ended. " +
        'Free space by deleting datasets or models you no longer need.',
    );
    expect(events.at(-1)?.type).toBe('done');
    const saved = events.find((e) => e.type === 'saved') as { model: { id: string } } | undefined;
    expect(await db.count('models', saved?.model.id)).toBe(1);
    expect(await getRun(db, 'norecord')).toBeUndefined();
  });

  it('refuses to resume a run that has ended, or one without a checkpoint', async () => {
    await runTraining({ runId: 'f', config }, context().ctx);
    await expect(runTraining({ runId: 'f', resume: true }, context().ctx)).rejects.toThrow(/has ended \(finished\); only an interrupted run can be resumed/);
    await expect(runTraining({ runId: 'nope', resume: true }, context().ctx)).rejects.toThrow(/no longer stored/);
    const early = context((ev) => ev.type === 'batch' && ev.epoch === 1);
    await expect(runTraining({ runId: 'early', config }, early.ctx)).rejects.toThrow('the worker died');
    await expect(runTraining({ runId: 'early', resume: true }, context().ctx)).rejects.toThrow(/has no checkpoint: it was interrupted before its first epoch ended/);
  });
});

describe('addCurvePoint', () => {
  it('halves the curve past its limit and keeps the newest point', () => {
    let curve = { x: [] as number[], loss: [] as number[], acc: [] as number[] };
    for (let i = 1; i <= CURVE_POINTS + 1; i++) curve = addCurvePoint(curve, i, i / 10, 0.5);
    expect(curve.x).toHaveLength((CURVE_POINTS + 1 - 1) / 2 + 1);
    expect(curve.x.slice(0, 3)).toEqual([2, 4, 6]);
    expect(curve.x.at(-1)).toBe(CURVE_POINTS + 1);
    expect(curve.loss.at(-1)).toBe((CURVE_POINTS + 1) / 10);
  });
});
