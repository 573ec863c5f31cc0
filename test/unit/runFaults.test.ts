// A run that goes wrong: the loss diverges, the person stops the evaluation, the disk is full.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { IDBObjectStore } from 'fake-indexeddb';
import { unzipSync, strFromU8 } from 'fflate';
import { freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import { listModels } from '../../src/lib/storage/models';
import { getCheckpoint, getRun } from '../../src/lib/storage/runs';
import type { WorkerEvent, WorkerEventOf } from '../../src/lib/protocol';
import { runTraining, type RunContext } from '../../src/lib/train/run';
import { modelArchive, saveOrHold, type UnsavedModels } from '../../src/lib/train/unsaved';
import { Predictor } from '../../src/lib/train/predict';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

let db: HearthDb;
beforeEach(async () => {
  ({ db } = await freshDb());
});

function context(extra: Partial<RunContext> = {}) {
  const events: WorkerEvent[] = [];
  const ctx: RunContext = { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9, ...extra };
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is WorkerEventOf<T> => e.type === type);
  return { events, ctx, of };
}

/** Makes every put into `store` throw `error`, as a full or failing disk does. */
function failPuts(store: string, error: DOMException) {
  const realPut = IDBObjectStore.prototype.put;
  vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
    if (this.name === store) throw error;
    return realPut.apply(this, args);
  });
}

const config = { datasetId: 'tiny', model: 'mlp', epochs: 2, batchSize: 16, validationSplit: 0.2, backend: 'cpu', seed: 1 };

describe('a run whose loss diverges', () => {
  it('ends as diverged, naming the epoch and batch and the learning rate, and saves nothing', async () => {
    // price = 100 + 30·f0, standardised with mean 100 and spread 20.
    const prices = tinyTabular('prices', { train: 64, test: 16, val: 8 }, 32, { task: 'regression', label: (x) => 100 + 30 * x[0], target: { mean: 100, std: 20 } });
    await writeDataset(db, prices.meta, prices.data);
    const before = tf.memory().numTensors;
    const { events, ctx, of } = context();
    await runTraining({ runId: 'd1', config: { ...config, datasetId: 'prices', model: 'tabular-mlp', optimizer: 'sgd', learningRate: 10, epochs: 3 } }, ctx);
    expect(tf.memory().numTensors).toBe(before);
    const [diverged] = of('diverged');
    expect(diverged).toBeDefined();
    expect(diverged.epoch).toBeGreaterThanOrEqual(1);
    expect(diverged.batch).toBeGreaterThanOrEqual(1);
    expect(diverged.batch).toBeLessThanOrEqual(4);
    expect(diverged.message).toBe(
      `Diverged at epoch ${diverged.epoch}, batch ${diverged.batch}: the loss became ${diverged.value === 'NaN' ? 'NaN' : 'infinite'}. ` +
        'Try a lower learning rate (now 10). The model was not saved: its weights are no longer numbers.',
    );
    // It is the run's last word: no evaluation, no model, no 'done'.
    expect(events.at(-1)).toBe(diverged);
    expect(events.map((e) => e.type)).not.toContain('evaluating');
    expect(events.map((e) => e.type)).not.toContain('saved');
    expect(await listModels(db)).toEqual([]);
  });
});

describe('Stop during evaluation', () => {
  it('ends it within a batch; the model is saved with no evaluation, and the time left counts the evaluation', async () => {
    // 600 test samples: three inference batches of 256.
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 600 }, 64);
    await writeDataset(db, meta, data);
    let stop = false;
    const { events, ctx, of } = context({
      shouldStop: () => stop,
      post: (ev) => {
        events.push(ev);
        if (ev.type === 'evaluating' && ev.done > 0) stop = true;
      },
    });
    await runTraining({ runId: 's1', config }, ctx);
    const evaluating = of('evaluating');
    expect(evaluating.map((e) => [e.done, e.total])).toEqual([
      [0, 600],
      [256, 600],
    ]);
    expect(evaluating.every((e) => Number.isFinite(e.etaSeconds) && e.etaSeconds > 0)).toBe(true);
    // Before evaluation the time left already counted it: the last training report is more than training alone.
    const lastBatch = of('batch').at(-1)!;
    expect(lastBatch.samplesSeen).toBe(160);
    expect(lastBatch.etaSeconds).toBeGreaterThan(0);
    expect(of('evaluation')).toEqual([]);
    const [saved] = of('saved');
    expect(saved.model.evaluation).toBeNull();
    expect(saved.model.history).toHaveLength(2);
    expect(events.at(-1)).toEqual({ type: 'done', runId: 's1', stopped: false, evaluated: false });
    expect((await listModels(db)).map((m) => m.id)).toEqual([saved.model.id]);
  });

  it('is told apart from a GPU lost during evaluation, which saves nothing', async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 600 }, 64);
    await writeDataset(db, meta, data);
    let lost: string | null = null;
    const { events, ctx } = context({
      shouldStop: () => lost !== null,
      deviceLost: () => lost,
      post: (ev) => {
        events.push(ev);
        if (ev.type === 'evaluating' && ev.done > 0) lost = 'gpu hung';
      },
    });
    await expect(runTraining({ runId: 's3', config }, ctx)).rejects.toThrow(/^The GPU stopped responding \(device lost: gpu hung\)/);
    expect(events.map((e) => e.type)).not.toContain('saved');
    expect(events.map((e) => e.type)).not.toContain('unsaved');
    expect(await listModels(db)).toEqual([]);
  });

  it('counts the time left down to 0 when evaluation runs to the end', async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 600 }, 64);
    await writeDataset(db, meta, data);
    const { ctx, of } = context();
    await runTraining({ runId: 's2', config: { ...config, epochs: 1 } }, ctx);
    const evaluating = of('evaluating');
    expect(evaluating.map((e) => e.done)).toEqual([0, 256, 512, 600]);
    expect(evaluating.at(-1)!.etaSeconds).toBe(0);
    expect(evaluating[1].etaSeconds).toBeGreaterThan(evaluating[2].etaSeconds);
    expect(of('done')).toEqual([{ type: 'done', runId: 's2', stopped: false, evaluated: true }]);
  });
});

describe('a full disk when the model is saved', () => {
  it('keeps the trained model, says why, and saves it on a later try; it can be downloaded meanwhile', async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 30 }, 16);
    await writeDataset(db, meta, data);
    failPuts('modelWeights', new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    const unsaved: UnsavedModels = new Map();
    const before = tf.memory().numTensors;
    const { events, ctx, of } = context({ unsaved });
    await runTraining({ runId: 'q1', config, modelName: 'Tiny MLP' }, ctx);
    // Held as plain data: no tensor outlives the run.
    expect(tf.memory().numTensors).toBe(before);
    const [failed] = of('unsaved');
    const bytes = 167171 * 4;
    expect(failed).toEqual({
      type: 'unsaved',
      runId: 'q1',
      name: 'Tiny MLP',
      bytes,
      diskFull: true,
      message:
        'Not enough disk space for this site to save the model "Tiny MLP" (it needs about 0.7 MB). The model was not saved; nothing already stored was changed. ' +
        'It is kept in this tab until you save it, download it or discard it. ' +
        'To save it, free space (delete a dataset or a saved model you no longer need), then press "Try saving again".',
    });
    expect(events.at(-1)).toBe(failed);
    expect(of('evaluation')).toHaveLength(1);
    expect(await listModels(db)).toEqual([]);
    expect(await db.getAllKeys('modelWeights')).toEqual([]);
    expect(unsaved.has('q1')).toBe(true);

    // A second try while the disk is still full fails the same way and keeps holding it.
    const retried: WorkerEvent[] = [];
    await saveOrHold(db, 'q1', unsaved.get('q1')!, unsaved, (ev) => retried.push(ev));
    expect(retried.map((e) => e.type)).toEqual(['unsaved']);
    expect(unsaved.has('q1')).toBe(true);

    // Downloaded meanwhile: the tfjs files and what using the model needs.
    const archive = modelArchive(unsaved.get('q1')!);
    expect(archive.fileName).toBe('tiny-mlp.zip');
    const files = unzipSync(archive.data);
    expect(Object.keys(files).sort()).toEqual(['hearth.json', 'model.json', 'weights.bin']);
    const modelJson = JSON.parse(strFromU8(files['model.json']));
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(files['weights.bin'].byteLength).toBe(bytes);
    const about = JSON.parse(strFromU8(files['hearth.json']));
    expect(about).toMatchObject({ name: 'Tiny MLP', classes: ['a', 'b', 'c'], inputShape: [2, 2, 1], datasetId: 'tiny', bytes });
    const fromZip = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: files['weights.bin'].slice().buffer }),
    );

    // Space was freed: the next try saves it, ends the run, and lets go of it.
    vi.restoreAllMocks();
    retried.length = 0;
    await saveOrHold(db, 'q1', unsaved.get('q1')!, unsaved, (ev) => retried.push(ev));
    expect(retried.map((e) => e.type)).toEqual(['saved', 'done']);
    expect(retried[1]).toEqual({ type: 'done', runId: 'q1', stopped: false, evaluated: true });
    expect(unsaved.has('q1')).toBe(false);
    const stored = await listModels(db);
    expect(stored.map((m) => m.name)).toEqual(['Tiny MLP']);
    expect(stored[0].bytes).toBe(bytes);
    expect(stored[0].evaluation).toEqual(of('evaluation')[0].result);

    // The saved model and the downloaded one predict alike.
    const input = new Float32Array([0.1, 0.5, 0.9, 0.3]);
    const predictor = new Predictor(db);
    const fromDb = await predictor.predict(stored[0].id, input);
    const out = fromZip.predict(tf.tensor(input, [1, 2, 2, 1])) as tf.Tensor;
    const zipped = Array.from(await out.data());
    tf.dispose([out]);
    fromZip.dispose();
    predictor.dispose();
    expect(fromDb).toHaveLength(3);
    fromDb.forEach((p, i) => expect(zipped[i]).toBeCloseTo(p, 6));
  });

  it('keeps the run resumable from its checkpoint while the model is held, and ends it once the model is saved or discarded', async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 30 }, 16);
    await writeDataset(db, meta, data);
    failPuts('modelWeights', new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    const unsaved: UnsavedModels = new Map();
    await runTraining({ runId: 'h1', config, modelName: 'Tiny MLP' }, context({ unsaved }).ctx);
    await runTraining({ runId: 'h2', config, modelName: 'Tiny MLP 2' }, context({ unsaved }).ctx);
    // Held: the record says why and reads as interrupted, and the last checkpoint (epoch 2 of 2) stays.
    for (const id of ['h1', 'h2']) {
      const record = (await getRun(db, id))!;
      expect(record.status).toBe('interrupted');
      expect(record.message).toBe(
        "Training ended, but its model could not be saved (the disk is full). If the tab closed before it was saved, Resume goes on from the run's last checkpoint and saves the model at the end.",
      );
      expect(record.history).toHaveLength(2);
      expect((await getCheckpoint(db, id))?.epoch).toBe(2);
    }
    vi.restoreAllMocks();

    // Saved on a later try: the record ends pointing at the model, and the checkpoint goes.
    const retried: WorkerEvent[] = [];
    await saveOrHold(db, 'h1', unsaved.get('h1')!, unsaved, (ev) => retried.push(ev));
    const saved = retried.find((e): e is WorkerEventOf<'saved'> => e.type === 'saved')!;
    expect((await getRun(db, 'h1'))).toMatchObject({ status: 'finished', message: null, modelId: saved.model.id });
    expect(await getCheckpoint(db, 'h1')).toBeUndefined();

    // Discarded: the record ends without a model, and the checkpoint goes.
    await unsaved.get('h2')!.record!.discarded();
    expect((await getRun(db, 'h2'))).toMatchObject({ status: 'finished', modelId: null });
    expect(await getCheckpoint(db, 'h2')).toBeUndefined();
  });

  it('gives the model back through Resume when the tab closed while it was held', async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 30 }, 16);
    await writeDataset(db, meta, data);
    failPuts('modelWeights', new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    await runTraining({ runId: 'h3', config, modelName: 'Tiny MLP' }, context({ unsaved: new Map() }).ctx);
    vi.restoreAllMocks();
    // The tab closed: the held model is gone with it; the checkpoint after the last epoch is not.
    const { of, ctx } = context();
    await runTraining({ runId: 'h3', resume: true }, ctx);
    expect(of('epoch')).toHaveLength(0);
    expect(of('evaluation')).toHaveLength(1);
    const [saved] = of('saved');
    expect(saved.model.name).toBe('Tiny MLP');
    expect((await listModels(db)).map((m) => m.id)).toEqual([saved.model.id]);
    expect((await getRun(db, 'h3'))).toMatchObject({ status: 'finished', modelId: saved.model.id });
    expect(await getCheckpoint(db, 'h3')).toBeUndefined();
  });

  it("knows Chromium's full disk by its blob-write failure too", async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 30 }, 16);
    await writeDataset(db, meta, data);
    failPuts('modelWeights', new DOMException('Failed to write blobs (IOError)', 'DataError'));
    const unsaved: UnsavedModels = new Map();
    const { ctx, of } = context({ unsaved });
    await runTraining({ runId: 'q3', config: { ...config, epochs: 1 }, modelName: 'Tiny MLP' }, ctx);
    expect(of('unsaved').map((e) => [e.diskFull, e.message.startsWith('Not enough disk space for this site to save the model "Tiny MLP"')])).toEqual([[true, true]]);
    expect(unsaved.has('q3')).toBe(true);
  });

  it('explains any other storage failure, and still keeps the model', async () => {
    const { meta, data } = tinyDataset('tiny', { train: 100, test: 30 }, 16);
    await writeDataset(db, meta, data);
    failPuts('models', new DOMException('Connection is closing.', 'InvalidStateError'));
    const unsaved: UnsavedModels = new Map();
    const { ctx, of } = context({ unsaved });
    await runTraining({ runId: 'q2', config, modelName: 'Tiny MLP' }, ctx);
    const [failed] = of('unsaved');
    expect(failed.diskFull).toBe(false);
    expect(failed.message).toBe(
      'The model "Tiny MLP" could not be saved: The storage connection was closed, probably because Hearth was updated in another tab. Reload the page. ' +
        'It is kept in this tab until you save it, download it or discard it; reloading the page discards it, so download it first.',
    );
    expect(unsaved.has('q2')).toBe(true);
    expect(await listModels(db)).toEqual([]);
  });
});
