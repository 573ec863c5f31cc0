/**
 * One training run as the worker performs it: dataset → sources → model →
 * train → evaluate → save, posting protocol events on the way. A run ends in
 * 'done', 'diverged' (nothing saved), 'unsaved' (the model held for another
 * try) or an error. Kept apart from the worker file so it runs in Node tests
 * against fake-indexeddb.
 */
import { restoreConfig, type ExperimentConfig } from '../config';
import type { WorkerEvent } from '../protocol';
import type { DatasetMeta, Divergence, Evaluation, SplitName } from '../types';
import type { HearthDb } from '../storage/db';
import { getDataset, readShard } from '../storage/datasets';
import { serializeModel } from '../storage/modelIO';
import { createShardSource } from '../data/shardSource';
import { createAugmenter } from '../augment/apply';
import { buildModel } from '../model/build';
import { PRESETS, presetProblem } from '../model/spec';
import { selectBackend } from './backend';
import type * as tf from '@tensorflow/tfjs';
import { train } from './loop';
import { createOptimizer, learningRateOf } from './optimizers';
import { learningRateAt } from '../schedule';
import { EarlyStopping } from './earlyStopping';
import type { EarlyStop } from '../types';
import { evaluate, type TargetScale } from './evaluate';
import { TimeLeft } from './eta';
import { saveOrHold, type UnsavedModel, type UnsavedModels } from './unsaved';
import { BackendError, DatasetMissingError, DeviceLostError, InputError } from './errors';

export interface RunContext {
  db: HearthDb;
  post: (ev: WorkerEvent) => void;
  /** True once 'stop' arrived for this run or the GPU was lost. */
  shouldStop: () => boolean;
  /** Evaluation begins: forget a 'stop' that ended training, so that only a later one ends the evaluation. */
  resetStop?: () => void;
  /** Where a model that could not be saved is held for 'save', 'export' and 'discard'. */
  unsaved?: UnsavedModels;
  /** The device-lost message, once the GPU is gone. */
  deviceLost: () => string | null;
  reportEveryMs?: number;
}

/** Inference needs no gradients, so validation and test passes use larger batches than training. */
const INFERENCE_BATCH = 256;

/**
 * Training range [0, n); the last round(n × validationSplit) samples of it
 * validate and the rest train, as Keras's validation_split does.
 */
export function splitRange(trainCount: number, trainLimit: number, validationSplit: number): { trainEnd: number; end: number } {
  const end = trainLimit > 0 ? Math.min(trainLimit, trainCount) : trainCount;
  const trainEnd = end - Math.round(end * validationSplit);
  if (trainEnd < 1) {
    throw new InputError(`There are no samples left to train on: ${end} samples with a validation split of ${validationSplit}. Use more training samples.`);
  }
  return { trainEnd, end };
}

/**
 * Where training and validation samples come from. A dataset with a stored
 * 'val' split (fixed at import) validates on all of it and trains on the whole
 * train split; otherwise validation is the end of the train split.
 */
export function trainingRanges(
  dataset: Pick<DatasetMeta, 'splits'>,
  trainLimit: number,
  validationSplit: number,
): { trainEnd: number; val: { split: SplitName; start: number; end: number } | null } {
  const stored = dataset.splits.val;
  if (stored) {
    const trainEnd = trainLimit > 0 ? Math.min(trainLimit, dataset.splits.train.count) : dataset.splits.train.count;
    if (trainEnd < 1) throw new InputError('There are no samples to train on: the training split is empty.');
    return { trainEnd, val: stored.count > 0 ? { split: 'val', start: 0, end: stored.count } : null };
  }
  const { trainEnd, end } = splitRange(dataset.splits.train.count, trainLimit, validationSplit);
  return { trainEnd, val: end > trainEnd ? { split: 'train', start: trainEnd, end } : null };
}

/** The short names saved models are called by: "MLP on MNIST · 97.9%", "Tabular MLP on Housing · MAE 2.31". */
const SHORT_NAME: Record<string, string> = { mlp: 'MLP', cnn: 'CNN' };

export function defaultModelName(config: ExperimentConfig, dataset: DatasetMeta, evaluation: Evaluation | null): string {
  const model = SHORT_NAME[config.model] ?? PRESETS.find((p) => p.id === config.model)?.name ?? config.model;
  let score = '';
  if (evaluation?.task === 'regression') score = ` · MAE ${Number(evaluation.mae.toPrecision(3))}`;
  else if (evaluation) score = ` · ${(evaluation.accuracy * 100).toFixed(1)}%`;
  return `${model} on ${dataset.name}${score}`;
}

export async function runTraining(
  req: { runId: string; config: unknown; modelName?: string },
  ctx: RunContext,
): Promise<void> {
  const { runId } = req;
  const { db, post } = ctx;
  const config = restoreConfig(req.config);
  const chosen = await selectBackend(config.backend).catch((err: unknown) => {
    throw new BackendError(err instanceof Error ? err.message : String(err));
  });
  post({ type: 'backend', runId, ...chosen });

  const dataset = await getDataset(db, config.datasetId);
  if (!dataset) {
    throw new DatasetMissingError(
      `The dataset "${config.datasetId}" is not in this browser's storage (it may have been deleted). Load it on the Datasets page, then train again.`,
    );
  }
  const problem = presetProblem(config.model, dataset);
  if (problem) throw new InputError(problem);
  const task = dataset.task;
  const numClasses = task === 'regression' ? 0 : dataset.classes.length;
  // Regression targets are stored raw; the model learns them standardised with the training split's statistics.
  const targetScale: TargetScale | undefined = task === 'regression' ? (dataset.tabular?.target ?? { mean: 0, std: 1 }) : undefined;
  const { trainEnd, val } = trainingRanges(dataset, config.trainLimit, config.validationSplit);
  const source = (split: SplitName, start: number, stop: number, batchSize: number, shuffle: boolean) =>
    createShardSource({
      readShard: (index) => readShard(db, dataset.id, split, index),
      split: dataset.splits[split]!,
      sampleShape: dataset.shape,
      numClasses,
      start,
      end: stop,
      batchSize,
      shuffle,
      seed: config.seed,
      dtype: dataset.dtype,
      task,
      targetScale,
    });
  const trainSource = source('train', 0, trainEnd, config.batchSize, true);
  const valSource = val ? source(val.split, val.start, val.end, INFERENCE_BATCH, false) : null;
  const testCount = dataset.splits.test.count;
  const testSource = testCount > 0 ? source('test', 0, testCount, INFERENCE_BATCH, false) : null;

  const model = buildModel(config.model, dataset.shape, numClasses, config.seed, task);
  let optimizer: tf.Optimizer | null = null;
  let stopping: EarlyStopping | null = null;
  let held: UnsavedModel;
  try {
    const rateAt = (epoch: number, history: Parameters<typeof learningRateAt>[4]) => learningRateAt(config.schedule, config.learningRate, epoch, config.epochs, history);
    optimizer = createOptimizer(config.optimizer, rateAt(0, []), config);
    const opt = optimizer;
    if (config.patience > 0) stopping = new EarlyStopping(model, config.patience);
    const early = stopping;
    const paramCount = model.countParams();
    post({
      type: 'started',
      runId,
      paramCount,
      trainSamples: trainSource.samples,
      valSamples: valSource?.samples ?? 0,
      batchesPerEpoch: trainSource.batchesPerEpoch,
      epochs: config.epochs,
    });
    const timeLeft = new TimeLeft({ trainSamples: trainSource.samples, epochs: config.epochs, valSamples: valSource?.samples ?? 0, testSamples: testCount });
    const started = performance.now();
    let epochRate = learningRateOf(opt);
    const { history, stopped, diverged, endedEarly } = await train({
      model,
      optimizer,
      epochs: config.epochs,
      weightDecay: config.weightDecay,
      train: trainSource,
      validation: valSource,
      // Only images have pixels to move; the form hides the setting for tables, and a link that carries it is ignored.
      augment: dataset.kind === 'image' ? createAugmenter(config.augment, config.seed) : null,
      targetScale,
      shouldStop: ctx.shouldStop,
      reportEveryMs: ctx.reportEveryMs,
      timeLeft,
      onBatch: (p) => post({ type: 'batch', runId, ...p }),
      onEpoch: (log, numTensors) => post({ type: 'epoch', runId, log, numTensors, learningRate: epochRate }),
      // The schedule sets the next epoch's rate; early stopping keeps the best weights and may end the run.
      afterEpoch: (log, past) => {
        epochRate = rateAt(log.epoch, past);
        return { learningRate: epochRate, stop: early?.afterEpoch(log) };
      },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const checkDevice = () => {
      const lost = ctx.deviceLost();
      if (lost !== null) throw new DeviceLostError(lost);
    };
    checkDevice();
    // Weights that are no longer numbers are worth nothing: nothing is evaluated or saved.
    if (diverged) {
      post({ type: 'diverged', runId, ...diverged, message: divergedMessage(diverged, config.learningRate) });
      return;
    }

    let earlyStop: EarlyStop | undefined;
    if (endedEarly && early) {
      earlyStop = { epoch: history.length, bestEpoch: early.bestEpoch, restored: early.restore(history.length) };
      post({ type: 'early-stopped', runId, ...earlyStop });
    }

    // A stopped run is still evaluated and saved: the partly trained model is what the person asked to keep.
    // The Stop that ended training is used up; another one ends the evaluation, and the model is saved unevaluated.
    ctx.resetStop?.();
    let evaluation: Evaluation | null = null;
    if (testSource) {
      const evaluatingAt = performance.now();
      const progress = (done: number, total: number) => {
        timeLeft.evaluating(done, (performance.now() - evaluatingAt) / 1000);
        post({ type: 'evaluating', runId, done, total, etaSeconds: timeLeft.seconds() });
      };
      progress(0, testCount);
      evaluation = await evaluate(model, testSource, { onProgress: progress, scale: targetScale, shouldStop: ctx.shouldStop });
      // A lost GPU also stops the evaluation; it is no stop the person asked for.
      checkDevice();
      if (evaluation) post({ type: 'evaluation', runId, result: evaluation });
    }
    held = {
      artifacts: await serializeModel(model),
      stopped,
      evaluated: evaluation !== null,
      meta: {
        id: crypto.randomUUID(),
        name: req.modelName?.trim() || defaultModelName(config, dataset, evaluation),
        createdAt: Date.now(),
        config,
        datasetId: dataset.id,
        datasetName: dataset.name,
        // Empty for regression: that is how prediction tells a regression model from a classifier.
        classes: task === 'regression' ? [] : dataset.classes,
        inputShape: dataset.shape,
        paramCount,
        backend: chosen.backend,
        trainSeconds,
        history,
        evaluation,
        ...(earlyStop ? { earlyStop } : {}),
        // Prediction encodes new rows and de-standardises outputs with these, exactly as training did.
        ...(dataset.tabular ? { tabular: dataset.tabular } : {}),
      },
    };
  } finally {
    // train() disposes its running sums; the weights and the optimizer's state are the rest of this run's tensors.
    optimizer?.dispose();
    stopping?.dispose();
    model.dispose();
  }
  await saveOrHold(db, runId, held, ctx.unsaved ?? new Map(), post);
}

/** "Diverged at epoch 2, batch 37: the loss became NaN. Try a lower learning rate (now 10). …" */
export function divergedMessage(d: Divergence, learningRate: number): string {
  const value = d.value === 'NaN' ? 'NaN' : 'infinite';
  const where = d.during === 'training' ? `Diverged at epoch ${d.epoch}, batch ${d.batch}: the loss became ${value}.` : `Diverged at epoch ${d.epoch}: the validation loss became ${value}.`;
  return `${where} Try a lower learning rate (now ${learningRate}). The model was not saved: its weights are no longer numbers.`;
}
