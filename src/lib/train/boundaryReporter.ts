/**
 * Sends the decision-boundary map of a run on a 2-D dataset: once before
 * training (the untrained model), after epochs at most every BOUNDARY_EVERY_MS
 * (less often where predicting a map would take over a tenth of the time),
 * and once at the end. The plane covers every stored point of the dataset.
 */
import * as tf from '@tensorflow/tfjs';
import { argMaxRows } from '../metrics/samples';
import type { WorkerEvent } from '../protocol';
import type { DatasetMeta, SplitName } from '../types';
import type { HearthDb } from '../storage/db';
import { readWholeSplit } from '../storage/samples';
import { BOUNDARY_SIZE, BoundaryThrottle, gridPoints, isPlane, planeExtent, type BoundaryGrid, type PlaneExtent } from '../data/plane';

export interface BoundaryReporter {
  /** epoch: complete epochs trained so far. last: send whatever the throttle says. */
  report(model: tf.LayersModel, epoch: number, last: boolean): Promise<void>;
}

/** The model's probabilities over the grid, read back with one data() call. */
export async function predictGrid(model: tf.LayersModel, extent: PlaneExtent, size: number, numClasses: number): Promise<BoundaryGrid> {
  const cells = size * size;
  const out = tf.tidy(() => model.predict(tf.tensor4d(gridPoints(extent, size), [cells, 1, 1, 2])) as tf.Tensor);
  let values: Float32Array;
  try {
    values = (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
  const width = values.length / cells;
  const predicted = new Uint8Array(cells);
  argMaxRows(values, cells, width, predicted);
  let probs = values;
  if (width !== numClasses) {
    probs = new Float32Array(cells * numClasses);
    for (let k = 0; k < cells; k++) probs.set([1 - values[k], values[k]], k * numClasses);
  }
  return { size, numClasses, extent, predicted, probs };
}

/** The plane around all of a 2-D dataset's stored points. */
export async function datasetPlane(db: HearthDb, dataset: DatasetMeta): Promise<PlaneExtent> {
  const splits: SplitName[] = ['train', 'val', 'test'];
  const parts = await Promise.all(splits.filter((s) => dataset.splits[s]).map((s) => readWholeSplit(db, dataset, s)));
  const all = new Float32Array(parts.reduce((n, p) => n + p.x.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p.x, at);
    at += p.x.length;
  }
  return planeExtent(all);
}

/** Null for datasets that are not points of a plane. */
export async function boundaryReporter(
  db: HearthDb,
  dataset: DatasetMeta,
  runId: string,
  post: (ev: WorkerEvent) => void,
  throttle = new BoundaryThrottle(),
): Promise<BoundaryReporter | null> {
  if (!isPlane(dataset.shape, dataset.task)) return null;
  const extent = await datasetPlane(db, dataset);
  const numClasses = dataset.classes.length;
  return {
    async report(model, epoch, last) {
      if (!throttle.due(last)) return;
      const started = performance.now();
      const grid = await predictGrid(model, extent, BOUNDARY_SIZE, numClasses);
      throttle.took(performance.now() - started);
      post({ type: 'boundary', runId, epoch, grid });
    },
  };
}
