/**
 * The training loop. Written by hand rather than with model.fit so that it can
 * stop within one batch, report throttled progress, and keep the running loss
 * and accuracy on the device: values are read back only when a report is due
 * or enough work is queued, so a GPU backend is not forced to sync every batch.
 *
 * For a regression source (numClasses 0) the loss is the mean squared error in
 * the standardised scale and every `acc` is the mean absolute error in the
 * target's own units.
 *
 * A loss that stops being a finite number ends the run as diverged. The running
 * sums catch it at no extra cost: NaN and Infinity stay put in a sum, so the
 * lagged reads see it within reportEveryMs; each batch's own loss is kept until
 * a read vouches for it, so the first bad batch can then be named.
 *
 * Mid-epoch reads keep QUEUE_DEPTH batches queued on the device however long a
 * batch takes: a read of the sums is started right after batch n is queued (a
 * GPU backend copies them out in queue order, so the read waits for batch n and
 * nothing later) and awaited only once batches n+1 and n+2 are queued too.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource } from '../data/source';
import type { BatchProgress, Divergence, EpochLog } from '../types';
import { UNIT_SCALE, batchTensors, lossAndScore, validate, type TargetScale } from './evaluate';
import { TimeLeft } from './eta';
import { learningRateOf, setLearningRate } from './optimizers';
import type { Augmenter } from '../augment/apply';
import type { LossId } from '../model/loss';
import { trainableVariables } from './fineTune';
import { Scalars } from './scalars';
import { macrotaskYielder } from './macrotask';

export type { BatchProgress, Divergence };

/** What an end-of-epoch hook may decide: stop the run, or train on at another learning rate. */
export interface EpochDecision {
  stop?: boolean;
  learningRate?: number;
}

export interface TrainOptions {
  model: tf.LayersModel;
  /** Created by the caller, who also disposes it: its state may outlive the run (a checkpoint). */
  optimizer: tf.Optimizer;
  /** Total epochs, counting those already done. */
  epochs: number;
  /** Epochs already trained (a resumed run); training starts at this 0-based epoch. */
  startEpoch?: number;
  /** The history of the epochs already trained, which the returned history continues. */
  history?: EpochLog[];
  train: BatchSource;
  validation: BatchSource | null;
  /** Changes each training batch on the device before the step (image augmentation); validation batches never pass through it. */
  augment?: Augmenter | null;
  /** Regression: how both sources standardised their targets, to report MAE in target units. */
  targetScale?: TargetScale;
  /** Absent: cross-entropy for classes (binary for a 1-unit head), squared error for regression. */
  loss?: LossId;
  /** Throttled: at most every reportEveryMs, plus the last batch of each epoch. loss/acc are means since the previous report. */
  onBatch?: (p: BatchProgress) => void;
  /** log.epoch counts from 1; log.seconds includes validation, log.samplesPerSec does not. numTensors is tf.memory().numTensors. */
  onEpoch?: (log: EpochLog, numTensors: number) => void;
  /**
   * Awaited after each complete epoch, after onEpoch: the place for schedules, early
   * stopping and checkpoints. history includes this epoch.
   */
  afterEpoch?: (log: EpochLog, history: readonly EpochLog[]) => EpochDecision | void | Promise<EpochDecision | void>;
  /**
   * Decoupled weight decay (Loshchilov & Hutter's AdamW): after each step every
   * kernel is multiplied by 1 − learning rate × weightDecay. Biases are not decayed.
   */
  weightDecay?: number;
  /** Checked before every batch is pulled from the source. */
  shouldStop?: () => boolean;
  reportEveryMs?: number;
  /** Times training and validation for the reports' etaSeconds; run.ts passes one that also counts the evaluation to come. */
  timeLeft?: TimeLeft;
}

export interface TrainResult {
  /** Complete epochs only, those of opts.history first. */
  history: EpochLog[];
  /** Stopped by a person (shouldStop), not by afterEpoch. */
  stopped: boolean;
  /** afterEpoch asked to stop (early stopping). */
  endedEarly: boolean;
  /** Set when the loss stopped being a finite number; training ended there. */
  diverged: Divergence | null;
}

/** score: correct predictions, or absolute error in target units. */
type Sums = { loss: tf.Scalar; score: tf.Scalar };

/** One optimizer step; returns the running sums with this batch added (loss weighted by batch size) and the batch's mean loss. */
function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: Batch,
  source: BatchSource,
  sums: Sums,
  scale: TargetScale,
  decay: Decay | null,
  augment: ((xs: tf.Tensor4D) => tf.Tensor4D) | null,
  variables: tf.Variable[],
  scalars: Scalars,
  lossId?: LossId,
): { sums: Sums; loss: tf.Scalar } {
  return tf.tidy(() => {
    const { xs: raw, ...targets } = batchTensors(batch, source);
    const xs = augment ? augment(raw as tf.Tensor4D) : raw;
    let score: tf.Scalar | undefined;
    const loss = optimizer.minimize(() => {
      const outputs = model.apply(xs, { training: true }) as tf.Tensor;
      const step = lossAndScore(outputs, targets, scale, lossId);
      // Kept past the gradient tape's own tidy; disposed below.
      score = tf.keep(step.score);
      return tf.mean(step.loss) as tf.Scalar;
    }, true, variables) as tf.Scalar;
    if (decay) {
      // Outside the gradient: the shrink does not pass through Adam's moments, which is what decouples it.
      const keep = 1 - learningRateOf(optimizer) * decay.rate;
      for (const kernel of decay.kernels) kernel.write(tf.mul(kernel.read(), scalars.of(keep)));
    }
    const next = {
      loss: tf.add(sums.loss, tf.mul(loss, scalars.of(batch.size))) as tf.Scalar,
      score: tf.add(sums.score, score!) as tf.Scalar,
    };
    score!.dispose();
    return { sums: next, loss };
  });
}

/** The weights decoupled weight decay shrinks after each step, and by how much per unit of learning rate. */
type Decay = { kernels: tf.LayerVariable[]; rate: number };

/** Kernels only, as Keras's kernel_regularizer would: decaying biases only shifts the boundary. */
function decayOf(model: tf.LayersModel, rate: number | undefined): Decay | null {
  if (!rate) return null;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`Weight decay must be 0 or more; got ${rate}.`);
  return { kernels: model.trainableWeights.filter((w) => /kernel$/.test(w.originalName)), rate };
}

/** Batches left queued on the device behind each mid-epoch read of the sums. */
export const QUEUE_DEPTH = 2;

/**
 * A read of the running sums, started as soon as the batch they end with was queued.
 * batch: 0-based in its epoch; index: counted over the whole run; samples: in the epoch.
 */
type Ticket = { sums: Sums; samples: number; batch: number; index: number; values: Promise<[tf.TypedArray, tf.TypedArray]> };

function ticket(sums: Sums, samples: number, batch: number, index: number): Ticket {
  const values = Promise.all([sums.loss.data(), sums.score.data()]);
  return { sums, samples, batch, index, values };
}

/** Lets go of tickets whose values are no longer wanted; a read still under way then fails quietly. */
function dropTickets(tickets: Ticket[], keep: Sums | null = null): void {
  for (const t of tickets) {
    t.values.catch(() => {});
    if (t.sums !== keep) tf.dispose([t.sums.loss, t.sums.score]);
  }
}

/** A batch's mean loss, on the device until a read of the running sums shows it was finite. */
type Unchecked = { batch: number; loss: tf.Scalar };

const badValue = (v: number): Divergence['value'] => (Number.isNaN(v) ? 'NaN' : 'Infinity');

/**
 * Where the sums went bad: the first batch up to `upTo` (0-based) whose own loss is
 * not finite. A sum can also overflow while every loss is finite; then it is `upTo`.
 */
async function firstBadBatch(unchecked: Unchecked[], upTo: number, sum: number): Promise<{ batch: number; value: Divergence['value'] }> {
  const candidates = unchecked.filter((u) => u.batch <= upTo);
  const losses = await Promise.all(candidates.map((u) => u.loss.data()));
  const i = losses.findIndex((l) => !Number.isFinite(l[0]));
  return i >= 0 ? { batch: candidates[i].batch, value: badValue(losses[i][0]) } : { batch: upTo, value: badValue(sum) };
}

/** Disposes the batch losses a read of the sums up to batch `upTo` found finite; returns the rest. */
function release(unchecked: Unchecked[], upTo: number): Unchecked[] {
  for (const u of unchecked) if (u.batch <= upTo) u.loss.dispose();
  return unchecked.filter((u) => u.batch > upTo);
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { model, epochs, train: source, validation, optimizer } = opts;
  const startEpoch = opts.startEpoch ?? 0;
  const scale = opts.targetScale ?? UNIT_SCALE;
  if (!Number.isInteger(startEpoch) || startEpoch < 0 || startEpoch > epochs) {
    throw new Error(`A run of ${epochs} epochs cannot start at epoch ${startEpoch + 1}.`);
  }
  if (source.samples === 0) throw new Error('There are no training samples: the training range is empty.');
  const shouldStop = opts.shouldStop ?? (() => false);
  const reportEveryMs = opts.reportEveryMs ?? 250;
  const valSamples = validation?.samples ?? 0;
  const timeLeft = opts.timeLeft ?? new TimeLeft({ trainSamples: source.samples, epochs: epochs - startEpoch, valSamples, testSamples: 0 });
  const decay = decayOf(model, opts.weightDecay);
  // Named, not left to tfjs (every trainable variable in the engine): a frozen layer's
  // weights then get no gradient and no optimizer slots, and another model's never do.
  const variables = trainableVariables(model);
  if (variables.length === 0) throw new Error('The model has no trainable weights: every layer is frozen.');
  const yielder = macrotaskYielder();
  const scalars = new Scalars();
  const history: EpochLog[] = [...(opts.history ?? [])];
  let trainMs = 0; // training time only, validation excluded, for throughput and ETA
  let samplesSeen = 0;
  let stopped = false;
  let endedEarly = false;
  let diverged: Divergence | null = null;
  const divergence = (epoch: number, at: { batch: number; value: Divergence['value'] }, during: Divergence['during'] = 'training'): Divergence => ({
    epoch: epoch + 1,
    batch: at.batch + 1,
    batchesPerEpoch: source.batchesPerEpoch,
    during,
    value: at.value,
  });
  const finite = (...values: number[]) => values.every(Number.isFinite);

  // Running sums for the current epoch, on the device.
  let sums: Sums = { loss: tf.scalar(0), score: tf.scalar(0) };
  // Reads of earlier sums, oldest first. A sync mid-epoch awaits one QUEUE_DEPTH batches old,
  // not the newest sums: the device then still has that many batches to work on while
  // JavaScript waits and prepares the next one, instead of the two taking turns.
  let tickets: Ticket[] = [];
  let unchecked: Unchecked[] = [];
  // A GPU backend lets JavaScript queue batches far ahead of the device. Reading the
  // sums is the only sync, so one is forced once about reportEveryMs of device work is
  // queued, whether or not a report is due: that bounds how late a Stop can take effect
  // (to that, plus the QUEUE_DEPTH batches the lagged read leaves in flight).
  let msPerBatch = Infinity; // measured between syncs; unknown at first, so the first batches sync
  let syncedAt = performance.now();
  let dispatched = -1; // the run-wide index of the newest batch queued
  let covered = -1; // the run-wide index of the newest batch a read has covered
  try {
    for (let epoch = startEpoch; epoch < epochs && !stopped && !endedEarly && !diverged; epoch++) {
      const epochStart = performance.now();
      syncedAt = epochStart; // validation time is not training time
      let epochSamples = 0;
      let epochBatches = 0;
      // What the sums held at the last report, so a report can give the mean since then.
      let reported = { loss: 0, score: 0, samples: 0, at: epochStart };
      const batches = source.epoch(epoch)[Symbol.asyncIterator]();
      for (let b = 0; ; b++) {
        if (shouldStop()) {
          stopped = true;
          await batches.return?.();
          break;
        }
        const item = await batches.next();
        if (item.done) break;
        const batch = item.value;
        const augment = opts.augment ? (xs: tf.Tensor4D) => opts.augment!(xs, epoch, b) : null;
        const step = trainStep(model, optimizer, batch, source, sums, scale, decay, augment, variables, scalars, opts.loss);
        if (!tickets.some((t) => t.sums === sums)) tf.dispose([sums.loss, sums.score]);
        sums = step.sums;
        unchecked.push({ batch: b, loss: step.loss });
        epochSamples += batch.size;
        epochBatches++;
        samplesSeen += batch.size;
        dispatched++;

        const last = b === source.batchesPerEpoch - 1;
        let read: { samples: number; batch: number; index: number };
        let l: tf.TypedArray;
        let c: tf.TypedArray;
        const reportDue = opts.onBatch !== undefined && (last || performance.now() - reported.at >= reportEveryMs);
        if (last) {
          // At the end of an epoch the newest sums are read: the epoch's figures need them.
          read = { samples: epochSamples, batch: b, index: dispatched };
          [l, c] = await Promise.all([sums.loss.data(), sums.score.data()]);
        } else {
          // A read every `every` batches, or when a report is due; each started QUEUE_DEPTH batches ahead.
          const every = Math.max(1, Math.floor(reportEveryMs / msPerBatch));
          const reportSoon = opts.onBatch !== undefined && performance.now() + QUEUE_DEPTH * msPerBatch - reported.at >= reportEveryMs;
          if (dispatched - covered >= every || reportSoon) tickets.push(ticket(sums, epochSamples, b, dispatched));
          const ready = tickets.filter((t) => t.index <= dispatched - QUEUE_DEPTH);
          if (ready.length === 0 || (!reportDue && dispatched - covered < every + QUEUE_DEPTH)) {
            await yielder.next();
            continue;
          }
          const newest = ready[ready.length - 1];
          // Older reads finished before the newest one: the device works in order.
          [l, c] = (await Promise.all(ready.map((t) => t.values)))[ready.length - 1];
          tickets = tickets.filter((t) => !ready.includes(t));
          dropTickets(ready);
          read = newest;
        }
        if (!finite(l[0], c[0])) {
          diverged = divergence(epoch, await firstBadBatch(unchecked, read.batch, finite(l[0]) ? c[0] : l[0]));
          await batches.return?.();
          break;
        }
        unchecked = release(unchecked, read.batch);
        const now = performance.now();
        msPerBatch = (now - syncedAt) / Math.max(1, read.index - covered);
        syncedAt = now;
        covered = read.index;
        const n = read.samples - reported.samples;
        if (reportDue && n > 0) {
          const seen = samplesSeen - (epochSamples - read.samples);
          const seconds = (trainMs + now - epochStart) / 1000;
          timeLeft.trained(seen, seconds);
          opts.onBatch!({
            epoch: epoch + 1,
            batch: read.batch + 1,
            batchesPerEpoch: source.batchesPerEpoch,
            samplesSeen: seen,
            loss: (l[0] - reported.loss) / n,
            acc: (c[0] - reported.score) / n,
            samplesPerSec: seen / seconds,
            etaSeconds: timeLeft.seconds(),
          });
          reported = { loss: l[0], score: c[0], samples: read.samples, at: now };
        }
        await yielder.next();
      }
      if (diverged || epochSamples === 0) break;
      const partial = epochSamples < source.samples;
      // Synced already at the last batch; after a Stop this read is the sync that makes the timing honest.
      const [l, c] = await Promise.all([sums.loss.data(), sums.score.data()]);
      if (!finite(l[0], c[0])) {
        diverged = divergence(epoch, await firstBadBatch(unchecked, epochBatches - 1, finite(l[0]) ? c[0] : l[0]));
        break;
      }
      const trainSeconds = (performance.now() - epochStart) / 1000;
      trainMs += trainSeconds * 1000;
      timeLeft.trained(samplesSeen, trainMs / 1000);
      dropTickets(tickets, sums);
      tickets = [];
      tf.dispose([sums.loss, sums.score]);
      covered = dispatched;
      unchecked = release(unchecked, Infinity);
      sums = { loss: tf.scalar(0), score: tf.scalar(0) };
      // A stopped epoch is not logged: its loss covers only part of the data.
      if (partial) break;
      let val: { loss: number; acc: number } | null = null;
      if (validation && valSamples > 0) {
        const validatedAt = performance.now();
        val = await validate(model, validation, shouldStop, scale, opts.loss);
        if (val) timeLeft.validated(valSamples, (performance.now() - validatedAt) / 1000);
        if (val && !finite(val.loss, val.acc)) {
          const value = badValue(finite(val.loss) ? val.acc : val.loss);
          diverged = divergence(epoch, { batch: source.batchesPerEpoch - 1, value }, 'validation');
          break;
        }
      }
      const log: EpochLog = {
        epoch: epoch + 1,
        loss: l[0] / epochSamples,
        acc: c[0] / epochSamples,
        valLoss: val?.loss ?? null,
        valAcc: val?.acc ?? null,
        seconds: (performance.now() - epochStart) / 1000,
        samplesPerSec: epochSamples / trainSeconds,
      };
      history.push(log);
      opts.onEpoch?.(log, tf.memory().numTensors);
      const decision = await opts.afterEpoch?.(log, history);
      if (decision?.learningRate !== undefined) setLearningRate(optimizer, decision.learningRate);
      if (decision?.stop && epoch < epochs - 1) endedEarly = true;
      else if (epoch < epochs - 1 && shouldStop()) stopped = true;
    }
  } finally {
    yielder.close();
    dropTickets(tickets, sums);
    scalars.dispose();
    tf.dispose([sums.loss, sums.score]);
    release(unchecked, Infinity);
  }
  return { history, stopped, endedEarly, diverged };
}
