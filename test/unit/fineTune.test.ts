// Fine-tuning a saved model (cpu, fake-indexeddb): frozen layers keep their weights
// bit for bit, the optimizer keeps state for the trained layers only, a new head fits
// another class count over the saved base, and the before/after figures are measured.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import { loadModel } from '../../src/lib/storage/modelIO';
import { getCheckpoint, getRun } from '../../src/lib/storage/runs';
import type { WorkerEvent } from '../../src/lib/protocol';
import type { DatasetMeta, SavedModelMeta } from '../../src/lib/types';
import { createVersion } from '../../src/lib/storage/versions';
import { runTraining } from '../../src/lib/train/run';
import { runContext } from './helpers/runContext';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let db: HearthDb;
let version: DatasetMeta;
beforeEach(async () => {
  ({ db } = await freshDb());
  const tiny = tinyDataset('tiny', { train: 120, test: 30 }, 16);
  await writeDataset(db, tiny.meta, tiny.data);
  // A newer version of it: 30 training samples added (first in its training split), the test split shared.
  const added = tinyDataset('added', { train: 30, test: 1 }, 16).data.train;
  version = await createVersion(db, 'tiny', added, { locks: null });
  // The same inputs in two classes: a head of another size.
  const two = tinyDataset('two', { train: 90, test: 30 }, 16);
  for (const split of ['train', 'test'] as const) {
    const y = two.data[split].y;
    y.forEach((_, i) => (y[i] = i % 2));
    two.meta.splits[split].classCounts = [Math.ceil(y.length / 2), Math.floor(y.length / 2)];
  }
  await writeDataset(db, { ...two.meta, classes: ['even', 'odd'], name: 'Two' }, two.data);
});

const context = (crashAt?: (ev: WorkerEvent) => boolean) => runContext(db, crashAt);

const base = { layers: 'flatten_dense-8-relu_dense-6-relu_dense-3-softmax', optimizer: 'adam', learningRate: 0.05, batchSize: 16, validationSplit: 0, backend: 'cpu', seed: 5 };

async function train(runId: string, config: Record<string, unknown>): Promise<{ model: SavedModelMeta; events: WorkerEvent[] }> {
  const { events, ctx } = context();
  await runTraining({ runId, config: { ...base, ...config } }, ctx);
  const saved = events.find((e) => e.type === 'saved');
  if (saved?.type !== 'saved') throw new Error(`run ${runId} saved nothing: ${JSON.stringify(events.find((e) => e.type === 'error'))}`);
  return { model: saved.model, events };
}

/** Each layer's weights as stored, read back bit for bit. */
async function layerWeights(id: string): Promise<Float32Array[][]> {
  const { model } = await loadModel(db, id);
  const out = model.layers.map((l) => l.getWeights().map((w) => w.dataSync() as Float32Array));
  model.dispose();
  return out;
}

const bitsEqual = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('fine-tuning a saved model', () => {
  it('leaves frozen layers bit-identical while the others change, and trains the optimizer on the others only', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 2 });
    const { model: child, events } = await train('child', { datasetId: version.id, epochs: 3, from: parent.id, freeze: [2] });
    const before = await layerWeights(parent.id);
    const after = await layerWeights(child.id);
    expect(after[1].length).toBe(2); // layer 2 (dense 8): kernel and bias
    after[1].forEach((w, i) => expect(bitsEqual(w, before[1][i])).toBe(true));
    // Layers 3 and 4 trained: every weight array changed.
    for (const layer of [2, 3]) after[layer].forEach((w, i) => expect(bitsEqual(w, before[layer][i])).toBe(false));
    expect(child.fineTune?.parentId).toBe(parent.id);
    expect(child.fineTune?.parentName).toBe(parent.name);
    expect(child.fineTune?.newHead).toBe(false);
    expect(child.config.from).toBe(parent.id);
    expect(events.filter((e) => e.type === 'fine-tune')).toHaveLength(2);
    // Stored like any model: in layer order, every layer trainable (the settings keep the freeze list).
    const stored = await db.get('modelWeights', child.id);
    expect((stored!.weightSpecs as { shape: number[] }[]).map((s) => s.shape)).toEqual([[4, 8], [8], [8, 6], [6], [6, 3], [3]]);
    expect(JSON.stringify(stored!.modelTopology)).not.toContain('"trainable":false');
  });

  it('keeps optimizer slots for trained weights only, and a resumed fine-tune keeps the frozen layer exact', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 1 });
    const config = { ...base, datasetId: version.id, epochs: 3, from: parent.id, freeze: [2, 3] };
    const first = context((ev) => ev.type === 'batch' && ev.epoch === 2);
    await expect(runTraining({ runId: 'cut', config }, first.ctx)).rejects.toThrow('the worker died');
    const checkpoint = (await getCheckpoint(db, 'cut'))!;
    // Adam: its step count, then m and v of the head's kernel (6×3) and bias (3); none for layers 2 and 3.
    expect(checkpoint.optimizer.state.specs.map((s) => s.shape)).toEqual([[], [6, 3], [3], [6, 3], [3]]);
    const second = context();
    await runTraining({ runId: 'cut', resume: true }, second.ctx);
    const saved = second.events.find((e) => e.type === 'saved');
    if (saved?.type !== 'saved') throw new Error('no model saved');
    const before = await layerWeights(parent.id);
    const after = await layerWeights(saved.model.id);
    for (const layer of [1, 2]) after[layer].forEach((w, i) => expect(bitsEqual(w, before[layer][i])).toBe(true));
    after[3].forEach((w, i) => expect(bitsEqual(w, before[3][i])).toBe(false));
    // The before figures were measured once, in the first sitting, and kept with the run.
    expect(saved.model.fineTune?.before.original?.samples).toBe(30);
    expect((await getRun(db, 'cut'))!.fineTune?.after?.original?.metric).toBe('accuracy');
  });

  it('measures the original test split and the added samples before and after', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 2 });
    const { model: child } = await train('child', { datasetId: version.id, epochs: 2, from: parent.id });
    const report = child.fineTune!;
    expect(report.originalLabel).toBe('Tiny tiny · test split');
    expect(report.freshLabel).toBe(`30 samples added to ${version.name}`);
    expect(report.before.original).toEqual({ metric: 'accuracy', value: (parent.evaluation as { accuracy: number }).accuracy, samples: 30 });
    expect(report.before.fresh?.samples).toBe(30);
    expect(report.after?.fresh?.samples).toBe(30);
    // The run's own evaluation is the after figure on the (shared) test split's size and score.
    expect(report.after?.original?.samples).toBe(30);
    expect((await getRun(db, 'child'))!.fineTune).toEqual(report);
  });

  it('replaces the head for another class count and keeps the base weights', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 2 });
    const layers = 'flatten_dense-8-relu_dense-6-relu_dense-2-softmax';
    const { model: child } = await train('child', { datasetId: 'two', layers, epochs: 2, from: parent.id, freeze: [2, 3] });
    const { model } = await loadModel(db, child.id);
    expect(model.outputs[0].shape).toEqual([null, 2]);
    const probs = model.predict(tf.zeros([4, 2, 2, 1])) as tf.Tensor;
    expect(probs.shape).toEqual([4, 2]);
    probs.dispose();
    model.dispose();
    const before = await layerWeights(parent.id);
    const after = await layerWeights(child.id);
    for (const layer of [1, 2]) after[layer].forEach((w, i) => expect(bitsEqual(w, before[layer][i])).toBe(true));
    expect(after[3][0].length).toBe(6 * 2);
    expect(child.fineTune?.newHead).toBe(true);
    // The new head answers in other classes: the original test split cannot be scored.
    expect(child.fineTune?.originalLabel).toBeNull();
    expect(child.fineTune?.before.original).toBeNull();
    expect(child.fineTune?.freshLabel).toBe('Two · test split');
    expect(child.fineTune?.after?.fresh).toEqual({ metric: 'accuracy', value: (child.evaluation as { accuracy: number }).accuracy, samples: 30 });
  });

  it('refuses what cannot be fine-tuned, with a message a person can act on', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 1 });
    const fails = (config: Record<string, unknown>) => runTraining({ runId: 'x', config: { ...base, datasetId: version.id, epochs: 1, ...config } }, context().ctx);
    await expect(fails({ from: 'gone' })).rejects.toThrow(/no longer stored/);
    await expect(fails({ from: parent.id, freeze: [1] })).rejects.toThrow('Layer 1 (Flatten) has no weights to freeze.');
    await expect(fails({ from: parent.id, freeze: [2, 3, 4] })).rejects.toThrow(/Every layer with weights is frozen/);
    await expect(fails({ from: parent.id, layers: 'flatten_dense-9-relu_dense-6-relu_dense-3-softmax' })).rejects.toThrow(/layer 2 has weights of shape/);
    await expect(fails({ from: parent.id, datasetId: 'two', layers: 'flatten_dense-8-relu_dense-6-relu_dense-2-softmax', replay: 0.3 })).rejects.toThrow(/different classes, so the original data cannot be replayed/);
  });

  it('trains on replayed original data mixed into every batch', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 1 });
    const { events } = await train('child', { datasetId: version.id, epochs: 1, from: parent.id, replay: 0.25 });
    const started = events.find((e) => e.type === 'started');
    // 150 new samples in batches of 12 (16 less a quarter): 12 full batches and one of 6,
    // topped up with 4 replayed samples each and 2 for the last: 50 replayed.
    expect(started).toMatchObject({ trainSamples: 200, batchesPerEpoch: 13 });
  });

  it('trains on the samples a newer version added, which come first, whatever range the settings pick', async () => {
    const { model: parent } = await train('parent', { datasetId: 'tiny', epochs: 1 });
    const { events } = await train('child', { datasetId: version.id, epochs: 1, from: parent.id, trainLimit: 50, validationSplit: 0.2 });
    // Of the first 50, the 30 added and 10 more train; the last 10 validate.
    expect(events.find((e) => e.type === 'started')).toMatchObject({ trainSamples: 40, valSamples: 10, batchesPerEpoch: 3 });
  });
});
