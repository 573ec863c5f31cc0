/**
 * Sends the decision-boundary map of a run on a 2-D dataset: once before
 * training (the untrained model), after epochs at most every BOUNDARY_EVERY_MS,
 * and once at the end. The plane covers every stored point of the dataset.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WorkerEvent } from '../protocol';
import type { DatasetMeta, SplitName } from '../types';
import type { HearthDb } from '../storage/db';
import { readWholeSplit } from '../storage/samples';
import { BOUNDARY_SIZE, BoundaryThrottle, isPlane, planeExtent, predictGrid, type PlaneExtent } from './boundary';

export interface BoundaryReporter {
  /** epoch: complete epochs trained so far. last: send whatever the throttle says. */
  report(model: tf.LayersModel, epoch: number, last: boolean): Promise<void>;
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
      const grid = await predictGrid(model, extent, BOUNDARY_SIZE, numClasses);
      post({ type: 'boundary', runId, epoch, grid });
    },
  };
}
