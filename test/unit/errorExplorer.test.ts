import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  cellSamples,
  confidence,
  confidentMistakes,
  probabilitiesOf,
  worstCell,
  worstResiduals,
  type ClassPredictions,
  type RegressionPredictions,
} from '../../src/lib/metrics/samples';
import { evaluate, evaluateSamples } from '../../src/lib/train/evaluate';
import { BoundaryThrottle, gridPoints, isPlane, planeExtent } from '../../src/lib/data/plane';
import { predictGrid } from '../../src/lib/train/boundaryReporter';
import { runTraining } from '../../src/lib/train/run';
import { readSamples } from '../../src/lib/storage/samples';
import { writeDataset } from '../../src/lib/storage/datasets';
import { freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import type { WorkerEvent } from '../../src/lib/protocol';
import { memorySource } from './helpers/memorySource';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Six samples of three classes, worked by hand. */
const six: ClassPredictions = {
  task: 'classification',
  count: 6,
  numClasses: 3,
  truth: Uint8Array.from([0, 0, 1, 1, 2, 2]),
  predicted: Uint8Array.from([0, 1, 1, 0, 1, 2]),
  probs: Float32Array.from([
    0.8, 0.1, 0.1, // 0 → 0, right
    0.3, 0.6, 0.1, // 0 → 1, wrong at 0.6
    0.1, 0.7, 0.2, // 1 → 1, right
    0.5, 0.4, 0.1, // 1 → 0, wrong at 0.5
    0.05, 0.9, 0.05, // 2 → 1, wrong at 0.9
    0.2, 0.2, 0.6, // 2 → 2, right
  ]),
};

describe('per-sample bookkeeping', () => {
  it('puts each sample in the cell of its true and predicted class, most confident first', () => {
    expect(cellSamples(six, 0, 1)).toEqual([1]);
    expect(cellSamples(six, 2, 1)).toEqual([4]);
    expect(cellSamples(six, 1, 2)).toEqual([]);
    expect(cellSamples(six, 0, 0)).toEqual([0]);
    // Every sample lands in exactly one cell.
    const all = [0, 1, 2].flatMap((t) => [0, 1, 2].flatMap((p) => cellSamples(six, t, p)));
    expect(all.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('orders a cell by the probability of the predicted class, ties by index', () => {
    const p: ClassPredictions = {
      task: 'classification',
      count: 4,
      numClasses: 2,
      truth: Uint8Array.from([1, 1, 1, 1]),
      predicted: Uint8Array.from([0, 0, 0, 0]),
      probs: Float32Array.from([0.6, 0.4, 0.9, 0.1, 0.6, 0.4, 0.7, 0.3]),
    };
    expect(cellSamples(p, 1, 0)).toEqual([1, 3, 0, 2]);
  });

  it('lists the most confident mistakes first', () => {
    expect(confidentMistakes(six)).toEqual([4, 1, 3]);
    expect(confidentMistakes(six, 2)).toEqual([4, 1]);
    expect(confidence(six, 4)).toBeCloseTo(0.9, 6);
    expect(probabilitiesOf(six, 3).map((v) => Number(v.toFixed(2)))).toEqual([0.5, 0.4, 0.1]);
  });

  it('finds the worst off-diagonal cell of a confusion matrix', () => {
    expect(worstCell([5, 1, 0, 3, 4, 0, 0, 3, 2], 3)).toEqual({ truth: 1, predicted: 0, count: 3 });
    expect(worstCell([5, 0, 0, 7], 2)).toBeNull();
  });

  it('lists the worst residuals in the target units, largest absolute error first', () => {
    const r: RegressionPredictions = {
      task: 'regression',
      count: 4,
      truth: Float32Array.from([10, 20, 30, 40]),
      predicted: Float32Array.from([11, 14, 30.5, 47]),
    };
    expect(worstResiduals(r)).toEqual([3, 1, 0, 2]);
    expect(worstResiduals(r, 2)).toEqual([3, 1]);
  });
});

describe('evaluateSamples', () => {
  /** One dense layer whose logits are (x, −x): class 0 when x > 0. */
  function signModel(): tf.LayersModel {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [1, 1, 1] }), tf.layers.dense({ units: 2, activation: 'softmax', useBias: false })],
    });
    model.layers[1].setWeights([tf.tensor2d([[1, -1]])]);
    return model;
  }

  it('keeps each test sample’s truth, prediction and probabilities in stored order', async () => {
    const x = Float32Array.from([2, -1, 0.5, -3, 1]);
    const labels = Uint8Array.from([0, 0, 1, 1, 0]);
    const source = memorySource({ x, labels, sampleShape: [1, 1, 1], numClasses: 2, batchSize: 2 });
    const model = signModel();
    const out = await evaluateSamples(model, source);
    expect(out).not.toBeNull();
    const p = out!.predictions as ClassPredictions;
    expect(p.count).toBe(5);
    expect(Array.from(p.truth)).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(p.predicted)).toEqual([0, 1, 0, 1, 0]);
    // softmax(x, −x)[0] = 1 / (1 + e^(−2x))
    expect(p.probs[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 5);
    expect(p.probs[3]).toBeCloseTo(1 / (1 + Math.exp(-2)), 5);
    expect(p.probs[2] + p.probs[3]).toBeCloseTo(1, 6);
    // The confusion matrix counts the same predictions.
    const e = out!.evaluation;
    expect(e.task === 'classification' && e.confusion).toEqual([2, 1, 1, 1]);
    expect(cellSamples(p, 0, 1)).toEqual([1]);
    expect(cellSamples(p, 1, 0)).toEqual([2]);
    // evaluate() reports the very same scores.
    expect(await evaluate(model, source)).toEqual(e);
    model.dispose();
  });

  it('stores a 1-unit sigmoid head as two columns', async () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [1, 1, 1] }), tf.layers.dense({ units: 1, activation: 'sigmoid', useBias: false })],
    });
    model.layers[1].setWeights([tf.tensor2d([[1]])]);
    const source = memorySource({ x: Float32Array.from([3, -2]), labels: Uint8Array.from([1, 1]), sampleShape: [1, 1, 1], numClasses: 2, batchSize: 4 });
    const p = (await evaluateSamples(model, source, { loss: 'binary-crossentropy' }))!.predictions as ClassPredictions;
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    expect(Array.from(p.probs).map((v) => Number(v.toFixed(5)))).toEqual([1 - s(3), s(3), 1 - s(-2), s(-2)].map((v) => Number(v.toFixed(5))));
    expect(Array.from(p.predicted)).toEqual([1, 0]);
    expect(confidentMistakes(p)).toEqual([1]);
    model.dispose();
  });

  it('keeps regression predictions in the target’s units', async () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 1] }), tf.layers.dense({ units: 1, useBias: false })] });
    model.layers[1].setWeights([tf.tensor2d([[2]])]);
    // Targets all 0 in the standardised scale, which is mean 10, spread 5: the model's 2x means 10 + 5·2x in target units.
    const source = memorySource({ x: Float32Array.from([1, -1, 0.5]), labels: new Uint8Array(3), sampleShape: [1, 1, 1], numClasses: 0, batchSize: 2 });
    const out = await evaluateSamples(model, source, { scale: { mean: 10, std: 5 } });
    const p = out!.predictions as RegressionPredictions;
    expect(Array.from(p.predicted)).toEqual([20, 0, 15]);
    expect(Array.from(p.truth)).toEqual([10, 10, 10]);
    expect(worstResiduals(p)).toEqual([0, 1, 2]);
    model.dispose();
  });
});

describe('decision boundary map', () => {
  it('spans the points with a margin and centres cells with row 0 at the top', () => {
    const e = planeExtent(Float32Array.from([-1, -2, 3, 2]), 0.25);
    expect(e).toEqual({ x0: -2, x1: 4, y0: -3, y1: 3 });
    const g = gridPoints({ x0: 0, x1: 2, y0: 0, y1: 2 }, 2);
    expect(Array.from(g)).toEqual([0.5, 1.5, 1.5, 1.5, 0.5, 0.5, 1.5, 0.5]);
    expect(isPlane([1, 1, 2], 'classification')).toBe(true);
    expect(isPlane([1, 1, 2], 'regression')).toBe(false);
    expect(isPlane([28, 28, 1], 'classification')).toBe(false);
  });

  it('predicts the class of each cell with a tiny known model', async () => {
    // Logits (x, y): class 0 where x > y, class 1 above the diagonal.
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [1, 1, 2] }), tf.layers.dense({ units: 2, activation: 'softmax', useBias: false })] });
    model.layers[1].setWeights([tf.tensor2d([[1, 0], [0, 1]])]);
    const grid = await predictGrid(model, { x0: -1, x1: 1, y0: -1, y1: 1 }, 4, 2);
    // Centres at ±0.25, ±0.75; rows from y = 0.75 down to −0.75.
    expect(Array.from(grid.predicted)).toEqual([
      1, 1, 1, 0,
      1, 1, 0, 0,
      1, 0, 0, 0,
      0, 0, 0, 0,
    ]);
    // Cell (0, 0) at (−0.75, 0.75): softmax(−0.75, 0.75)[1] = 1 / (1 + e^(−1.5)).
    expect(grid.probs[1]).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 5);
    expect(grid.probs.length).toBe(32);
    model.dispose();
  });

  it('sends at most one map per interval, and always the last', () => {
    let now = 0;
    const t = new BoundaryThrottle(100, () => now);
    expect(t.due(false)).toBe(true);
    now = 50;
    expect(t.due(false)).toBe(false);
    expect(t.due(true)).toBe(true);
    now = 120;
    expect(t.due(false)).toBe(false);
    now = 151;
    expect(t.due(false)).toBe(true);
  });

  it('waits longer when a map is slow to predict, so maps take at most a tenth of the time', () => {
    let now = 0;
    const t = new BoundaryThrottle(100, () => now);
    expect(t.due(false)).toBe(true);
    t.took(30);
    expect(t.interval()).toBe(300);
    now = 250;
    expect(t.due(false)).toBe(false);
    now = 300;
    expect(t.due(false)).toBe(true);
    t.took(5);
    expect(t.interval()).toBe(100);
  });
});

describe('readSamples', () => {
  it('reads only the chosen samples, in the order asked, across shards', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('tiny', { train: 6, test: 10 }, 4);
    await writeDataset(db, meta, data);
    const { x, y } = await readSamples(db, meta, 'test', [9, 2, 5]);
    // Test sample i has pixels i + j + 100 and label i % 3.
    expect(Array.from(x)).toEqual([109, 110, 111, 112, 102, 103, 104, 105, 105, 106, 107, 108]);
    expect(Array.from(y)).toEqual([0, 2, 2]);
    await expect(readSamples(db, meta, 'test', [10])).rejects.toThrow(/not in the test split of 10/);
  });
});

describe('a run on a 2-D dataset', () => {
  it('posts the map before training and after it, and each test sample’s prediction', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyTabular('plane', { train: 40, test: 12 }, 16, { task: 'classification' });
    await writeDataset(db, meta, data);
    const events: WorkerEvent[] = [];
    const config = { datasetId: 'plane', model: 'tabular-mlp', epochs: 3, batchSize: 8, validationSplit: 0, backend: 'cpu', seed: 3 };
    await runTraining({ runId: 'r', config }, { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 });
    const maps = events.filter((e) => e.type === 'boundary');
    // The untrained model's map, and the trained one's; the epochs between fall within the throttle's interval or not, by timing.
    expect(maps[0]).toMatchObject({ epoch: 0, grid: { size: 40, numClasses: 2 } });
    expect(maps[maps.length - 1]).toMatchObject({ epoch: 3 });
    const last = maps[maps.length - 1];
    if (last.type !== 'boundary') throw new Error('not a map');
    expect(last.grid.probs.length).toBe(40 * 40 * 2);
    expect(last.grid.probs[0] + last.grid.probs[1]).toBeCloseTo(1, 5);
    const preds = events.find((e) => e.type === 'test-predictions');
    if (preds?.type !== 'test-predictions' || preds.predictions.task !== 'classification') throw new Error('no test predictions');
    expect(preds.predictions.count).toBe(12);
    // Test labels as stored, in stored order.
    expect(Array.from(preds.predictions.truth)).toEqual(Array.from(data.test.y));
    const evaluation = events.find((e) => e.type === 'evaluation');
    if (evaluation?.type !== 'evaluation' || evaluation.result.task === 'regression') throw new Error('no evaluation');
    const cells = [0, 1].flatMap((t) => [0, 1].map((p) => cellSamples(preds.predictions as ClassPredictions, t, p).length));
    expect(cells).toEqual(evaluation.result.confusion);
  });

  it('posts no map for images', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('img', { train: 20, test: 6 }, 16);
    await writeDataset(db, meta, data);
    const events: WorkerEvent[] = [];
    const config = { datasetId: 'img', model: 'mlp', epochs: 1, batchSize: 8, validationSplit: 0, backend: 'cpu', seed: 1 };
    await runTraining({ runId: 'r', config }, { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 });
    expect(events.some((e) => e.type === 'boundary')).toBe(false);
    expect(events.some((e) => e.type === 'test-predictions')).toBe(true);
  });
});

describe('decodeRow', () => {
  it('reads a stored row back in the columns’ own values', async () => {
    const { decodeRow } = await import('../../src/lib/data/decode');
    const encoding = [
      { column: 'size', kind: 'numeric' as const, mean: 10, std: 4 },
      { column: 'colour', kind: 'categorical' as const, categories: ['blue', 'green', 'red'], fill: 'red' },
      { column: 'age', kind: 'numeric' as const, mean: 0, std: 1 },
    ];
    expect(decodeRow([0.5, 0, 1, 0, -2], encoding)).toEqual([
      { column: 'size', value: 12 },
      { column: 'colour', value: 'green' },
      { column: 'age', value: -2 },
    ]);
    // A category never seen in training encodes as all zeros.
    expect(decodeRow([0, 0, 0, 0, 1], encoding)[1]).toEqual({ column: 'colour', value: '(other)' });
  });
});

describe('modelTestPredictions', () => {
  it('gives a saved model’s verdict on each test sample, as its run did', async () => {
    const { modelTestPredictions } = await import('../../src/lib/train/inspect');
    const { Predictor } = await import('../../src/lib/train/predict');
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('img', { train: 20, test: 9 }, 4);
    await writeDataset(db, meta, data);
    const events: WorkerEvent[] = [];
    const config = { datasetId: 'img', model: 'mlp', epochs: 1, batchSize: 8, validationSplit: 0, backend: 'cpu', seed: 2 };
    await runTraining({ runId: 'r', config }, { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 });
    const saved = events.find((e) => e.type === 'saved');
    const fromRun = events.find((e) => e.type === 'test-predictions');
    if (saved?.type !== 'saved' || fromRun?.type !== 'test-predictions' || fromRun.predictions.task !== 'classification') throw new Error('run incomplete');
    const predictor = new Predictor(db);
    const again = (await modelTestPredictions(db, predictor, saved.model.id)) as ClassPredictions;
    expect(again.count).toBe(9);
    expect(Array.from(again.truth)).toEqual(Array.from(data.test.y));
    expect(Array.from(again.predicted)).toEqual(Array.from(fromRun.predictions.predicted));
    again.probs.forEach((v, i) => expect(v).toBeCloseTo((fromRun.predictions as ClassPredictions).probs[i], 5));
    predictor.dispose();
  });
});

describe('classShares', () => {
  it('gives the share of the plane each class holds', async () => {
    const { classShares } = await import('../../src/ui/run/boundaryCanvas');
    const grid = { size: 2, numClasses: 3, extent: { x0: 0, x1: 1, y0: 0, y1: 1 }, predicted: Uint8Array.from([0, 2, 2, 2]), probs: new Float32Array(12) };
    expect(classShares(grid)).toEqual([0.25, 0, 0.75]);
  });
});
