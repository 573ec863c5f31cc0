/**
 * Inference over a BatchSource: the validation pass of the training loop and the
 * final evaluation on the test split. Also holds the tensor helpers both share
 * with the loop, so training and evaluation compute the loss the same way.
 *
 * A source with numClasses 0 is a regression source: its labels are targets,
 * standardised with a TargetScale (see createShardSource). The model learns in
 * that scale; errors are reported back in the target's own units.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource } from '../data/source';
import type { Evaluation } from '../types';
import { classificationReport, confusionMatrix } from '../metrics/classification';
import { regressionReport } from '../metrics/regression';
import type { LossId } from '../model/loss';
import { argMaxRows, type TestPredictions } from '../metrics/samples';
import { macrotaskYielder } from './macrotask';

/** Keras's clipping, so a confident wrong prediction costs a large but finite loss. */
const EPSILON = 1e-7;

/** How regression targets were standardised: the model sees (y − mean) / std. */
export interface TargetScale {
  mean: number;
  std: number;
}

export const UNIT_SCALE: TargetScale = Object.freeze({ mean: 0, std: 1 });

export const isRegression = (source: BatchSource) => source.numClasses === 0;

/**
 * ys: one-hot rows (classification) or a column of targets (regression).
 * labels: the class indices, or null for regression.
 */
export function batchTensors(batch: Batch, source: BatchSource): { xs: tf.Tensor; ys: tf.Tensor2D; labels: tf.Tensor1D | null } {
  if (batch.x.length !== batch.size * source.sampleShape.reduce((a, b) => a * b, 1) || batch.labels.length !== batch.size) {
    throw new Error(`A batch of ${batch.size} samples has ${batch.x.length} input values and ${batch.labels.length} labels; the data is inconsistent.`);
  }
  const xs = tf.tensor(batch.x, [batch.size, ...source.sampleShape]);
  if (isRegression(source)) {
    return { xs, ys: tf.tensor2d(Float32Array.from(batch.labels), [batch.size, 1]), labels: null };
  }
  const labels = tf.tensor1d(Int32Array.from(batch.labels), 'int32');
  const ys = tf.oneHot(labels, source.numClasses) as tf.Tensor2D;
  return { xs, ys, labels };
}

/** Per-sample categorical cross-entropy of softmax outputs. */
export function crossEntropy(ys: tf.Tensor, probs: tf.Tensor): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON))), -1)) as tf.Tensor1D;
}

/** A 1-unit sigmoid head's probabilities of the second class, as a column. */
const isBinaryHead = (outputs: tf.Tensor) => outputs.shape[outputs.shape.length - 1] === 1;

/** Per-sample binary cross-entropy of a column of probabilities against 0/1 labels. */
export function binaryCrossEntropy(labels: tf.Tensor1D, probs: tf.Tensor): tf.Tensor1D {
  const y = tf.cast(labels, 'float32');
  const p = tf.clipByValue(tf.reshape(probs, [-1]), EPSILON, 1 - EPSILON);
  return tf.neg(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))) as tf.Tensor1D;
}

/** The predicted class of each row: the largest probability, or for a 1-unit sigmoid head, p > 0.5. */
export function predictedClass(outputs: tf.Tensor): tf.Tensor1D {
  return (isBinaryHead(outputs) ? tf.cast(tf.greater(tf.reshape(outputs, [-1]), 0.5), 'int32') : tf.argMax(outputs, -1)) as tf.Tensor1D;
}

/** The loss to use when none is named: cross-entropy (binary for a 1-unit head), or squared error. */
export const defaultLoss = (outputs: tf.Tensor, classification: boolean): LossId =>
  !classification ? 'mse' : isBinaryHead(outputs) ? 'binary-crossentropy' : 'categorical-crossentropy';

/**
 * The per-sample loss the optimizer sees (cross-entropy, or squared or absolute
 * error in the standardised scale) and the batch's score sum: correct
 * predictions, or absolute error in the target's own units.
 */
export function lossAndScore(
  outputs: tf.Tensor,
  t: { ys: tf.Tensor2D; labels: tf.Tensor1D | null },
  scale: TargetScale = UNIT_SCALE,
  loss: LossId = defaultLoss(outputs, t.labels !== null),
): { loss: tf.Tensor1D; score: tf.Scalar } {
  if (t.labels) {
    const score = tf.sum(tf.cast(tf.equal(predictedClass(outputs), t.labels), 'float32')) as tf.Scalar;
    return { loss: loss === 'binary-crossentropy' ? binaryCrossEntropy(t.labels, outputs) : crossEntropy(t.ys, outputs), score };
  }
  const diff = tf.sub(outputs, t.ys);
  const perSample = loss === 'mae' ? tf.sum(tf.abs(diff), -1) : tf.sum(tf.square(diff), -1);
  return { loss: perSample as tf.Tensor1D, score: tf.mul(tf.sum(tf.abs(diff)), scale.std) as tf.Scalar };
}

/**
 * Mean loss and score (accuracy, or MAE in target units) over the whole source.
 * Sums stay on the device and are read once at the end. Returns null when
 * shouldStop cut the pass short.
 */
export async function validate(
  model: tf.LayersModel,
  source: BatchSource,
  shouldStop: () => boolean = () => false,
  scale: TargetScale = UNIT_SCALE,
  lossId?: LossId,
): Promise<{ loss: number; acc: number } | null> {
  let lossSum = tf.scalar(0);
  let scoreSum = tf.scalar(0);
  let seen = 0;
  // A turn for the worker's messages before each batch: a Stop is read there.
  const yielder = macrotaskYielder();
  try {
    for await (const batch of source.epoch(0)) {
      await yielder.next();
      if (shouldStop()) return null;
      const next = tf.tidy(() => {
        const { xs, ...t } = batchTensors(batch, source);
        const outputs = model.apply(xs, { training: false }) as tf.Tensor;
        const step = lossAndScore(outputs, t, scale, lossId);
        return { loss: tf.add(lossSum, tf.sum(step.loss)) as tf.Scalar, score: tf.add(scoreSum, step.score) as tf.Scalar };
      });
      lossSum.dispose();
      scoreSum.dispose();
      lossSum = next.loss;
      scoreSum = next.score;
      seen += batch.size;
    }
    if (seen === 0) return null;
    const [loss, score] = await Promise.all([lossSum.data(), scoreSum.data()]);
    return { loss: loss[0] / seen, acc: score[0] / seen };
  } finally {
    yielder.close();
    lossSum.dispose();
    scoreSum.dispose();
  }
}

export interface EvaluateOptions {
  /** After every batch: test samples done, of total. */
  onProgress?: (done: number, total: number) => void;
  scale?: TargetScale;
  /** Checked before every batch; when true, evaluation ends there and returns null. */
  shouldStop?: () => boolean;
  /** The training loss, so the test loss is the same measure. */
  loss?: LossId;
}

/**
 * The final scores on a test source. Classification: accuracy, confusion matrix,
 * per-class scores. Regression: predictions and targets de-standardised with
 * `scale`, so loss (MSE), MAE and R² are in the target's own units.
 * Null when shouldStop ended it: scores over part of the test set would mislead.
 */
export async function evaluate(model: tf.LayersModel, source: BatchSource, opts: EvaluateOptions = {}): Promise<Evaluation | null> {
  return (await evaluateSamples(model, source, opts))?.evaluation ?? null;
}

/**
 * evaluate(), keeping what the model said about each test sample (see
 * metrics/samples.ts): the error explorer's material. Probabilities are read
 * back once per batch, as the predicted classes were; the classes are taken
 * from them on the CPU with tf.argMax's rule, so the two always agree.
 */
export async function evaluateSamples(
  model: tf.LayersModel,
  source: BatchSource,
  opts: EvaluateOptions = {},
): Promise<{ evaluation: Evaluation; predictions: TestPredictions } | null> {
  const { onProgress, scale = UNIT_SCALE, shouldStop = () => false, loss: lossId } = opts;
  const regression = isRegression(source);
  const numClasses = source.numClasses;
  const truth = regression ? new Float32Array(source.samples) : new Uint8Array(source.samples);
  const predicted = regression ? new Float32Array(source.samples) : new Uint8Array(source.samples);
  const probs = new Float32Array(regression ? 0 : source.samples * numClasses);
  let lossSum = 0;
  let done = 0;
  // A turn for the worker's messages before each batch: a Stop is read there.
  const yielder = macrotaskYielder();
  try {
    for await (const batch of source.epoch(0)) {
      await yielder.next();
      if (shouldStop()) return null;
      const { loss, outputs } = tf.tidy(() => {
        const { xs, ...t } = batchTensors(batch, source);
        const outputs = model.apply(xs, { training: false }) as tf.Tensor;
        if (regression) return { loss: tf.scalar(0), outputs: outputs.reshape([batch.size]) };
        return { loss: tf.sum(lossAndScore(outputs, t, UNIT_SCALE, lossId).loss), outputs };
      });
      try {
        // Evaluation is not the training path; one read per batch keeps memory flat and lets a Stop act within a batch.
        const [l, p] = await Promise.all([loss.data(), outputs.data()]);
        if (done + batch.size > source.samples) {
          throw new Error(`The test data holds more samples than the ${source.samples} it announced.`);
        }
        lossSum += l[0];
        if (regression) {
          for (let k = 0; k < batch.size; k++) {
            truth[done + k] = batch.labels[k] * scale.std + scale.mean;
            predicted[done + k] = p[k] * scale.std + scale.mean;
          }
        } else {
          const width = p.length / batch.size;
          truth.set(batch.labels, done);
          argMaxRows(p, batch.size, width, predicted as Uint8Array, done);
          if (width === numClasses) probs.set(p, done * numClasses);
          else for (let k = 0; k < batch.size; k++) probs.set([1 - p[k], p[k]], (done + k) * numClasses);
        }
      } finally {
        loss.dispose();
        outputs.dispose();
      }
      done += batch.size;
      onProgress?.(done, source.samples);
    }
  } finally {
    yielder.close();
  }
  if (done === 0) throw new Error('There are no test samples to evaluate on.');
  if (regression) {
    const report = regressionReport(truth.subarray(0, done), predicted.subarray(0, done));
    return {
      evaluation: { task: 'regression', loss: report.mse, ...report },
      predictions: { task: 'regression', count: done, truth: truth as Float32Array, predicted: predicted as Float32Array },
    };
  }
  const confusion = confusionMatrix(truth.subarray(0, done), predicted.subarray(0, done), numClasses);
  const report = classificationReport(confusion, numClasses);
  return {
    evaluation: {
      task: 'classification',
      accuracy: report.accuracy,
      loss: lossSum / done,
      confusion,
      numClasses,
      perClass: report.perClass,
      macroF1: report.macroF1,
      samples: done,
    },
    predictions: { task: 'classification', count: done, numClasses, truth: truth as Uint8Array, predicted: predicted as Uint8Array, probs },
  };
}
