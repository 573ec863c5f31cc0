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
import { getDataset, readSplitShard } from '../storage/datasets';
import { loadModel, serializeModel } from '../storage/modelIO';
import { createShardSource } from '../data/shardSource';
import { createAugmenter } from '../augment/apply';
import { buildLayers } from '../model/build';
import { modelShortName } from '../model/spec';
import { resolveLoss } from '../model/loss';
import { describeProblem, modelLayers, modelProblem } from '../model/validate';
import { selectBackend } from './backend';
import type * as tf from '@tensorflow/tfjs';
import { train } from './loop';
import { createOptimizer, learningRateOf } from './optimizers';
import { learningRateAt } from '../schedule';
import { EarlyStopping } from './earlyStopping';
import { evaluate, evaluateSamples, type TargetScale } from './evaluate';
import { boundaryReporter } from './boundaryReporter';
import { TimeLeft } from './eta';
import { saveOrHold, type UnsavedModel, type UnsavedModels } from './unsaved';
import { BackendError, DatasetMissingError, DeviceLostError, InputError, describeError } from './errors';
import { getCheckpoint, getRun } from '../storage/runs';
import type { CheckpointRecord, EarlyStop, RunRecord } from '../types';
import { applyCheckpoint } from './checkpoint';
import { RunRecorder, newRunRecord } from './recorder';
import { withReplay, newSamplesPerBatch } from '../data/replay';
import { freezeLayers, startFrom, unfreezeAll } from './fineTune';
import { measure, planFineTune, type FineTunePlan, type SampleRange } from './fineTuneRun';
import type { FineTuneReport } from '../types';
import { trainingRanges } from '../data/ranges';

export { splitRange, trainingRanges } from '../data/ranges';

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

/** The names saved models are called by: "MLP on MNIST · 97.9%", "Tabular MLP on Housing · MAE 2.31". */
export function defaultModelName(config: ExperimentConfig, dataset: DatasetMeta, evaluation: Evaluation | null): string {
  const model = modelShortName(config);
  let score = '';
  if (evaluation?.task === 'regression') score = ` · MAE ${Number(evaluation.mae.toPrecision(3))}`;
  else if (evaluation) score = ` · ${(evaluation.accuracy * 100).toFixed(1)}%`;
  return `${model} on ${dataset.name}${score}`;
}

/** A recorded run and the checkpoint it goes on from, or why it cannot. */
async function resumable(db: HearthDb, runId: string): Promise<{ record: RunRecord; checkpoint: CheckpointRecord }> {
  const record = await getRun(db, runId);
  if (!record) throw new InputError('That run is no longer stored (it was deleted, perhaps in another tab), so it cannot be resumed.');
  if (record.status !== 'running' && record.status !== 'interrupted') {
    throw new InputError(`The run "${record.name}" has ended (${record.status}); only an interrupted run can be resumed. Train again with its settings instead.`);
  }
  const checkpoint = await getCheckpoint(db, runId);
  if (!checkpoint) {
    throw new InputError(`The run "${record.name}" has no checkpoint: it was interrupted before its first epoch ended. Train again with its settings instead.`);
  }
  if (checkpoint.shuffle.seed !== record.config.seed || checkpoint.shuffle.nextEpoch !== checkpoint.epoch + 1 || checkpoint.epoch > record.config.epochs) {
    throw new InputError(`The checkpoint of run "${record.name}" does not match its settings. Train again with its settings instead.`);
  }
  return { record, checkpoint };
}

/**
 * req.resume: go on with the recorded run req.runId from its last checkpoint
 * (its settings are the recorded ones; req.config is not used).
 */
export async function runTraining(
  req: { runId: string; config?: unknown; modelName?: string; resume?: boolean },
  ctx: RunContext,
): Promise<void> {
  const { runId } = req;
  const { db, post } = ctx;
  const resume = req.resume ? await resumable(db, runId) : null;
  const config = resume ? resume.record.config : restoreConfig(req.config);
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
  // The same check, and the same words, as the page: a config from a link is never trusted.
  const problem = modelProblem(config, dataset);
  if (problem) throw new InputError(describeProblem(problem, config.layers));
  const layers = modelLayers(config, dataset);
  const task = dataset.task;
  const loss = resolveLoss(config.loss, layers[layers.length - 1], task);
  const numClasses = task === 'regression' ? 0 : dataset.classes.length;
  // Regression targets are stored raw; the model learns them standardised with the training split's statistics.
  const targetScale: TargetScale | undefined = task === 'regression' ? (dataset.tabular?.target ?? { mean: 0, std: 1 }) : undefined;
  // A fine-tune starts from a saved model; replay mixes its original training data into every batch.
  const plan: FineTunePlan | null = config.from ? await planFineTune(db, config, dataset, layers) : null;
  const replayFrom = plan?.original && config.replay > 0 ? plan.original : null;
  // A version's added samples come first in its training split, so the training range
  // (which starts at 0) keeps them and a validation slice (taken from the end) never does.
  const { trainEnd, val } = trainingRanges(dataset, config.trainLimit, config.validationSplit);
  const sourceOf = (ds: DatasetMeta, split: SplitName, start: number, stop: number, batchSize: number, shuffle: boolean) =>
    createShardSource({
      readShard: (index) => readSplitShard(db, ds, split, index),
      split: ds.splits[split]!,
      sampleShape: ds.shape,
      numClasses,
      start,
      end: stop,
      batchSize,
      shuffle,
      seed: config.seed,
      dtype: ds.dtype,
      task,
      targetScale,
    });
  const source = (split: SplitName, start: number, stop: number, batchSize: number, shuffle: boolean) => sourceOf(dataset, split, start, stop, batchSize, shuffle);
  const newBatch = replayFrom ? newSamplesPerBatch(config.batchSize, config.replay) : config.batchSize;
  const fresh = source('train', 0, trainEnd, newBatch, true);
  const trainSource = replayFrom
    ? withReplay(fresh, sourceOf(replayFrom, 'train', 0, replayFrom.splits.train.count, config.batchSize, true), config.replay)
    : fresh;
  const evaluateRange = (r: SampleRange) => evaluate(model, sourceOf(r.dataset, r.split, r.start, r.end, INFERENCE_BATCH, false), { scale: targetScale, shouldStop: ctx.shouldStop, loss });
  const valSource = val ? source(val.split, val.start, val.end, INFERENCE_BATCH, false) : null;
  const testCount = dataset.splits.test.count;
  const testSource = testCount > 0 ? source('test', 0, testCount, INFERENCE_BATCH, false) : null;

  const runName = resume?.record.name ?? (req.modelName?.trim() || defaultModelName(config, dataset, null));
  const recorder = new RunRecorder(db, resume?.record ?? newRunRecord(runId, config, runName, dataset.name, task), post);
  const startEpoch = resume?.checkpoint.epoch ?? 0;
  const model = buildLayers(layers, dataset.shape, config.seed);
  let optimizer: tf.Optimizer | null = null;
  let stopping: EarlyStopping | null = null;
  let held: UnsavedModel;
  try {
    const rateAt = (epoch: number, history: Parameters<typeof learningRateAt>[4]) => learningRateAt(config.schedule, config.learningRate, epoch, config.epochs, history);
    optimizer = createOptimizer(config.optimizer, rateAt(0, []), config);
    const opt = optimizer;
    let report: FineTuneReport | null = resume?.record.fineTune ?? null;
    if (plan) {
      // A resumed fine-tune's weights are all in its checkpoint; a new one takes the saved model's.
      if (!resume) report = await startFromParent(db, model, plan);
      freezeLayers(model, config.freeze);
    }
    // A resumed run's optimizer takes its state, and the rate its schedule had set, from the checkpoint.
    if (resume) await applyCheckpoint(model, opt, resume.checkpoint);
    await recorder.begin(chosen.backend, resume ? startEpoch : null);
    if (plan && report && !resume) {
      report = { ...report, before: await measure(plan, evaluateRange) };
      await recorder.fineTune(report);
      post({ type: 'fine-tune', runId, report });
    }
    // Early stopping starts counting afresh on a resumed run: the weights of an earlier best epoch are not checkpointed.
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
    if (resume) post({ type: 'resumed', runId, config, history: resume.checkpoint.history, curve: resume.checkpoint.curve });
    // 2-D datasets: the decision-boundary map, from the untrained model on.
    const boundary = await boundaryReporter(db, dataset, runId, post);
    await boundary?.report(model, startEpoch, true);
    const timeLeft = new TimeLeft({ trainSamples: trainSource.samples, epochs: config.epochs - startEpoch, valSamples: valSource?.samples ?? 0, testSamples: testCount });
    // A resumed run's samples are counted from the run's start, so its curve goes on where it stopped.
    const seenBefore = startEpoch * trainSource.samples;
    let epochRate = learningRateOf(opt);
    const { history, stopped, diverged, endedEarly } = await train({
      model,
      optimizer,
      epochs: config.epochs,
      startEpoch,
      history: resume?.checkpoint.history,
      weightDecay: config.weightDecay,
      train: trainSource,
      validation: valSource,
      // Only images have pixels to move; the form hides the setting for tables, and a link that carries it is ignored.
      augment: dataset.kind === 'image' ? createAugmenter(config.augment, config.seed) : null,
      targetScale,
      loss,
      shouldStop: ctx.shouldStop,
      reportEveryMs: ctx.reportEveryMs,
      timeLeft,
      onBatch: (p) => {
        recorder.batch(p.samplesSeen + seenBefore, p.loss, p.acc);
        post({ type: 'batch', runId, ...p, samplesSeen: p.samplesSeen + seenBefore });
      },
      onEpoch: (log, numTensors) => post({ type: 'epoch', runId, log, numTensors, learningRate: epochRate }),
      // The schedule sets the next epoch's rate; early stopping keeps the best weights and may end the run.
      // The checkpoint is taken after both decided, with the rate the next epoch trains at.
      afterEpoch: async (log, past) => {
        epochRate = rateAt(log.epoch, past);
        const decision = { learningRate: epochRate, stop: early?.afterEpoch(log) };
        await recorder.checkpoint(model, opt, past, epochRate);
        await boundary?.report(model, log.epoch, false);
        return decision;
      },
    });
    const trainSeconds = recorder.trainSeconds();
    const checkDevice = () => {
      const lost = ctx.deviceLost();
      if (lost !== null) throw new DeviceLostError(lost);
    };
    checkDevice();
    // Weights that are no longer numbers are worth nothing: nothing is evaluated or saved.
    if (diverged) {
      const message = divergedMessage(diverged, config.learningRate);
      await recorder.end('diverged', { history, message });
      post({ type: 'diverged', runId, ...diverged, message });
      return;
    }

    let earlyStop: EarlyStop | undefined;
    if (endedEarly && early) {
      earlyStop = { epoch: history.length, bestEpoch: early.bestEpoch, restored: early.restore(history.length) };
      post({ type: 'early-stopped', runId, ...earlyStop });
    }
    // The map of the model as saved: the last epoch's, or the best one early stopping put back.
    await boundary?.report(model, history.length, true);

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
      const scored = await evaluateSamples(model, testSource, { onProgress: progress, scale: targetScale, shouldStop: ctx.shouldStop, loss });
      // A lost GPU also stops the evaluation; it is no stop the person asked for.
      checkDevice();
      evaluation = scored?.evaluation ?? null;
      if (scored) {
        post({ type: 'evaluation', runId, result: scored.evaluation });
        post({ type: 'test-predictions', runId, predictions: scored.predictions });
      }
    }
    if (plan && report) {
      const after = await measure(plan, evaluateRange, evaluation ? { datasetId: dataset.id, evaluation } : null);
      checkDevice();
      report = { ...report, after };
      await recorder.fineTune(report);
      post({ type: 'fine-tune', runId, report });
    }
    if (plan) unfreezeAll(model);
    held = {
      artifacts: await serializeModel(model),
      stopped,
      evaluated: evaluation !== null,
      meta: {
        id: crypto.randomUUID(),
        name: resume ? runName : req.modelName?.trim() || defaultModelName(config, dataset, evaluation),
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
        ...(report ? { fineTune: report } : {}),
      },
    };
    const status = stopped ? 'stopped' : endedEarly ? 'early-stopped' : 'finished';
    // The record ends, and the checkpoint goes, once the model is stored (or discarded), not before.
    held.record = {
      saved: (modelId) => recorder.end(status, { history, evaluation, modelId }),
      held: (reason) =>
        recorder.interrupted(
          `Training ended, but its model could not be saved (${reason}). If the tab closed before it was saved, Resume goes on from the run's last checkpoint and saves the model at the end.`,
        ),
      discarded: () => recorder.end(status, { history, evaluation, modelId: null }),
    };
  } catch (err) {
    // The last checkpoint stays: the run can be resumed from it.
    await recorder.interrupted(describeError(err, ctx.deviceLost()).message);
    throw err;
  } finally {
    // train() disposes its running sums; the weights and the optimizer's state are the rest of this run's tensors.
    optimizer?.dispose();
    stopping?.dispose();
    model.dispose();
  }
  await saveOrHold(db, runId, held, ctx.unsaved ?? new Map(), post);
}

/** Puts the saved model's weights into the freshly built one (a new head where the classes differ). */
async function startFromParent(db: HearthDb, model: tf.LayersModel, plan: FineTunePlan): Promise<FineTuneReport> {
  const { model: parent } = await loadModel(db, plan.parent.id);
  try {
    const { newHead } = startFrom(model, parent, plan.parent.name);
    return {
      parentId: plan.parent.id,
      parentName: plan.parent.name,
      originalLabel: plan.originalTest?.label ?? null,
      freshLabel: plan.fresh?.label ?? null,
      newHead,
      before: { original: null, fresh: null },
      after: null,
    };
  } finally {
    parent.dispose();
  }
}

/** "Diverged at epoch 2, batch 37: the loss became NaN. Try a lower learning rate (now 10). …" */
export function divergedMessage(d: Divergence, learningRate: number): string {
  const value = d.value === 'NaN' ? 'NaN' : 'infinite';
  const where = d.during === 'training' ? `Diverged at epoch ${d.epoch}, batch ${d.batch}: the loss became ${value}.` : `Diverged at epoch ${d.epoch}: the validation loss became ${value}.`;
  return `${where} Try a lower learning rate (now ${learningRate}). The model was not saved: its weights are no longer numbers.`;
}
