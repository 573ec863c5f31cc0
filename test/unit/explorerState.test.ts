// The error explorer's and the boundary map's state, on a fake worker and fake-indexeddb:
// which predictions belong to the evaluation on show, which samples a view reads, and
// which maps are kept.
import { describe, expect, it } from 'vitest';
import { settle, testHearth } from './helpers/hearth';
import { tinyDataset, tinyTabular } from './helpers/fakeDb';
import { writeDataset } from '../../src/lib/storage/datasets';
import type { WorkerEvent } from '../../src/lib/protocol';
import type { ClassPredictions, RegressionPredictions } from '../../src/lib/metrics/samples';
import type { EvaluationResult, SavedModelMeta } from '../../src/lib/types';

/** Test sample i of tinyDataset has label i % 3; predictions: right for even i, else class (i + 1) % 3. */
function predictionsOf10(): ClassPredictions {
  const truth = Uint8Array.from({ length: 10 }, (_, i) => i % 3);
  const predicted = truth.map((t, i) => (i % 2 === 0 ? t : (t + 1) % 3));
  const probs = new Float32Array(30);
  // Sample i gives its predicted class 0.5 + i / 40, the rest shared equally.
  predicted.forEach((p, i) => {
    for (let c = 0; c < 3; c++) probs[i * 3 + c] = c === p ? 0.5 + i / 40 : (0.5 - i / 40) / 2;
  });
  return { task: 'classification', count: 10, numClasses: 3, truth, predicted, probs };
}

function confusionOf(p: ClassPredictions): number[] {
  const m = new Array(9).fill(0);
  for (let i = 0; i < p.count; i++) m[p.truth[i] * 3 + p.predicted[i]]++;
  return m;
}

async function trainedOn(dataset: { meta: Parameters<typeof writeDataset>[1]; data: Parameters<typeof writeDataset>[2] }) {
  const t = await testHearth();
  await writeDataset(t.db, dataset.meta, dataset.data);
  t.hearth.settings.initFromUrl(`?datasetId=${dataset.meta.id}`);
  await t.hearth.library.init();
  t.hearth.run.start();
  const runId = t.hearth.run.runId!;
  const emit = (ev: Record<string, unknown>, id = runId) => t.training.emit({ runId: id, ...ev } as WorkerEvent);
  return { ...t, runId, emit };
}

const evaluation = (p: ClassPredictions): EvaluationResult => ({
  task: 'classification',
  accuracy: 0.5,
  loss: 1,
  confusion: confusionOf(p),
  numClasses: 3,
  perClass: [],
  macroF1: 0.5,
  samples: p.count,
});

describe('ErrorExplorer', () => {
  it('holds the run’s predictions and reads only the samples of the cell opened', async () => {
    const { hearth, emit } = await trainedOn(tinyDataset('tiny', { train: 6, test: 10 }, 4));
    const { explorer } = hearth;
    const p = predictionsOf10();
    // Another run's predictions are not this run's.
    emit({ type: 'test-predictions', predictions: p }, 'someone-else');
    expect(explorer.held).toBeNull();
    emit({ type: 'evaluation', result: evaluation(p) });
    emit({ type: 'test-predictions', predictions: p });
    expect(explorer.predictions).toBe(p);

    // True class 1 predicted as 2: samples 1 (0.525) and 7 (0.675), most confident first.
    explorer.open({ kind: 'cell', truth: 1, predicted: 2 });
    expect(explorer.indices).toEqual([7, 1]);
    await settle();
    expect(explorer.samples.map((s) => s.index)).toEqual([7, 1]);
    const seven = explorer.samples[0];
    expect(seven).toMatchObject({ truth: 1, predicted: 2, datasetId: 'tiny', features: null });
    // Test sample i has pixels i + j + 100.
    expect(Array.from(seven.x)).toEqual([107, 108, 109, 110]);
    expect(seven.probs!.map((v) => Number(v.toFixed(4)))).toEqual([0.1625, 0.1625, 0.675]);

    // Mistakes are the odd samples, the most confident (highest index) first.
    explorer.open({ kind: 'mistakes' });
    expect(explorer.indices).toEqual([9, 7, 5, 3, 1]);
    // The same view again closes it.
    explorer.open({ kind: 'mistakes' });
    expect(explorer.view).toBeNull();
    expect(explorer.samples).toEqual([]);
  });

  it('follows the run’s model once saved, and hides the predictions for another model', async () => {
    const { hearth, emit, runId } = await trainedOn(tinyDataset('tiny', { train: 6, test: 10 }, 4));
    const p = predictionsOf10();
    emit({ type: 'evaluation', result: evaluation(p) });
    emit({ type: 'test-predictions', predictions: p });
    const model = { id: 'm1', name: 'M', datasetId: 'tiny', classes: ['a', 'b', 'c'], evaluation: evaluation(p), trainSeconds: 1 } as SavedModelMeta;
    emit({ type: 'saved', model });
    await settle();
    expect(hearth.explorer.held).toMatchObject({ runId, modelId: 'm1' });
    expect(hearth.models.evaluation?.modelId).toBe('m1');
    expect(hearth.explorer.predictions).toBe(p);
    hearth.models.showEvaluation({ title: 'Other', modelId: 'm2', datasetId: 'tiny', classes: [], result: evaluation(p) });
    expect(hearth.explorer.predictions).toBeNull();
    expect(hearth.explorer.indices).toEqual([]);
  });

  it('lists a regression’s worst residuals at once, with each row’s original values', async () => {
    const table = tinyTabular('table', { train: 8, test: 5 }, 4, { task: 'regression', target: { mean: 0, std: 1 } });
    table.meta.tabular = {
      label: 'price',
      featureNames: ['a', 'b'],
      target: { mean: 0, std: 1 },
      encoding: [
        { column: 'a', kind: 'numeric', mean: 10, std: 2 },
        { column: 'b', kind: 'numeric', mean: 0, std: 1 },
      ],
    };
    const { hearth, emit } = await trainedOn(table);
    const p: RegressionPredictions = {
      task: 'regression',
      count: 5,
      truth: Float32Array.from([1, 2, 3, 4, 5]),
      predicted: Float32Array.from([1.5, 2, 0, 4.2, 9]),
    };
    emit({ type: 'evaluation', result: { task: 'regression', loss: 1, mae: 1, mse: 1, r2: 0.5, samples: 5 } });
    emit({ type: 'test-predictions', predictions: p });
    expect(hearth.explorer.view).toEqual({ kind: 'residuals' });
    expect(hearth.explorer.indices).toEqual([4, 2, 0, 3, 1]);
    await settle();
    const first = hearth.explorer.samples[0];
    expect(first).toMatchObject({ index: 4, truth: 5, predicted: 9, probs: null });
    // Stored feature a is standardised with mean 10 and spread 2: a stored value v reads as 10 + 2v.
    expect(first.features![0]).toEqual({ column: 'a', value: 10 + 2 * first.x[0] });
  });
});

describe('BoundaryMap', () => {
  const grid = (fill: number) => ({
    size: 2,
    numClasses: 2,
    extent: { x0: -1, x1: 1, y0: -1, y1: 1 },
    predicted: Uint8Array.from([0, 1, 1, fill]),
    probs: new Float32Array(8).fill(0.5),
  });

  it('keeps the latest map of the run on show, counts them, and reads the points once', async () => {
    const { hearth, emit } = await trainedOn(tinyTabular('plane', { train: 8, test: 4 }, 4, { task: 'classification' }));
    const { boundary } = hearth;
    emit({ type: 'boundary', epoch: 0, grid: grid(0) }, 'old-run');
    expect(boundary.shown).toBeNull();
    emit({ type: 'boundary', epoch: 0, grid: grid(0) });
    emit({ type: 'boundary', epoch: 3, grid: grid(1) });
    expect(boundary.shown?.epoch).toBe(3);
    expect(boundary.updates).toBe(2);
    await settle();
    expect(boundary.points?.datasetId).toBe('plane');
    expect(boundary.points?.train.xy.length).toBe(16);
    expect(boundary.points?.test.y.length).toBe(4);
    // Another dataset chosen: the finished run's map leaves with it.
    emit({ type: 'done', stopped: false, evaluated: true });
    hearth.run.forgetFinished();
    expect(boundary.shown).toBeNull();
  });
});

describe('ErrorExplorer for a saved model', () => {
  it('asks the worker for its test predictions and shows them with its evaluation', async () => {
    const { hearth, training } = await trainedOn(tinyDataset('tiny', { train: 6, test: 10 }, 4));
    const p = predictionsOf10();
    hearth.models.showEvaluation({ title: 'Older', modelId: 'm1', datasetId: 'tiny', classes: ['a', 'b', 'c'], result: evaluation(p) });
    expect(hearth.explorer.predictions).toBeNull();
    hearth.explorer.inspect('m1');
    hearth.explorer.inspect('m1');
    const asked = training.sent().filter((m) => m.type === 'test-predictions');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ modelId: 'm1' });
    expect(hearth.explorer.asking?.modelId).toBe('m1');
    training.emit({ type: 'test-predictions', runId: asked[0].runId, predictions: p });
    expect(hearth.explorer.asking).toBeNull();
    expect(hearth.explorer.predictions).toBe(p);

    hearth.explorer.inspect('m2');
    const second = training.sent().filter((m) => m.type === 'test-predictions')[1];
    training.emit({ type: 'error', runId: second.runId, kind: 'dataset-missing', message: 'The dataset is gone.' });
    expect(hearth.explorer.askFailed).toBe('The dataset is gone.');
    // The run on show is untouched by a failed request about a saved model.
    expect(hearth.run.state).toBe('training');
  });
});
