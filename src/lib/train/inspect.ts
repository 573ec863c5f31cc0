/**
 * A saved model's verdict on each sample of its dataset's test split, for the
 * error explorer of a model trained earlier (a run keeps its own from its
 * evaluation). The same pass as the evaluation after training.
 */
import type { HearthDb } from '../storage/db';
import { getDataset, readShard } from '../storage/datasets';
import { createShardSource } from '../data/shardSource';
import type { TestPredictions } from '../metrics/samples';
import { DatasetMissingError, InputError } from './errors';
import { evaluateSamples } from './evaluate';
import type { Predictor } from './predict';

const INFERENCE_BATCH = 256;

export async function modelTestPredictions(db: HearthDb, predictor: Predictor, modelId: string): Promise<TestPredictions> {
  const { model, meta } = await predictor.model(modelId);
  const dataset = await getDataset(db, meta.datasetId);
  if (!dataset) {
    throw new DatasetMissingError(`The dataset "${meta.datasetName}" this model was tested on is no longer stored. Load it again to see its test samples.`);
  }
  if (dataset.shape.join() !== meta.inputShape.join() || dataset.classes.length !== meta.classes.length) {
    throw new InputError(`The dataset "${dataset.name}" no longer has the shape or classes the model "${meta.name}" was trained on.`);
  }
  const numClasses = dataset.task === 'regression' ? 0 : dataset.classes.length;
  const source = createShardSource({
    readShard: (index) => readShard(db, dataset.id, 'test', index),
    split: dataset.splits.test,
    sampleShape: dataset.shape,
    numClasses,
    start: 0,
    end: dataset.splits.test.count,
    batchSize: INFERENCE_BATCH,
    shuffle: false,
    seed: 0,
    dtype: dataset.dtype,
    task: dataset.task,
    targetScale: dataset.task === 'regression' ? (dataset.tabular?.target ?? { mean: 0, std: 1 }) : undefined,
  });
  // Only the predictions are kept, so the loss measured on the way does not matter.
  const scored = await evaluateSamples(model, source, { scale: dataset.tabular?.target ?? undefined });
  if (!scored) throw new InputError(`The dataset "${dataset.name}" has no test samples.`);
  return scored.predictions;
}
