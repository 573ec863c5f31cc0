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

/** How many rows of probs put their maximum on the true label, as a float scalar. */
export function countCorrect(probs: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), labels), 'float32'));
}

/**
 * The per-sample loss the optimizer sees (cross-entropy, or squared error in the
 * standardised scale) and the batch's score sum: correct predictions, or
 * absolute error in the target's own units.
 */
export function lossAndScore(
  outputs: tf.Tensor,
  t: { ys: tf.Tensor2D; labels: tf.Tensor1D | null },
  scale: TargetScale = UNIT_SCALE,
): { loss: tf.Tensor1D; score: tf.Scalar } {
  if (t.labels) return { loss: crossEntropy(t.ys, outputs), score: countCorrect(outputs, t.labels) };
  const diff = tf.sub(outputs, t.ys);
  return { loss: tf.sum(tf.square(diff), -1) as tf.Tensor1D, score: tf.mul(tf.sum(tf.abs(diff)), scale.std) as tf.Scalar };
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
): Promise<{ loss: number; acc: number } | null> {
  let lossSum = tf.scalar(0);
  let scoreSum = tf.scalar(0);
  let seen = 0;
  try {
    for await (const batch of source.epoch(0)) {
      if (shouldStop()) return null;
      const next = tf.tidy(() => {
        const { xs, ...t } = batchTensors(batch, source);
        const outputs = model.apply(xs, { training: false }) as tf.Tensor;
        const { loss, score } = lossAndScore(outputs, t, scale);
        return { loss: tf.add(lossSum, tf.sum(loss)) as tf.Scalar, score: tf.add(scoreSum, score) as tf.Scalar };
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
}

/**
 * The final scores on a test source. Classification: accuracy, confusion matrix,
 * per-class scores. Regression: predictions and targets de-standardised with
 * `scale`, so loss (MSE), MAE and R² are in the target's own units.
 * Null when shouldStop ended it: scores over part of the test set would mislead.
 */
export async function evaluate(model: tf.LayersModel, source: BatchSource, opts: EvaluateOptions = {}): Promise<Evaluation | null> {
  const { onProgress, scale = UNIT_SCALE, shouldStop = () => false } = opts;
  const regression = isRegression(source);
  const truth = regression ? new Float32Array(source.samples) : new Uint8Array(source.samples);
  const predicted = regression ? new Float32Array(source.samples) : new Uint8Array(source.samples);
  let lossSum = 0;
  let done = 0;
  for await (const batch of source.epoch(0)) {
    if (shouldStop()) return null;
    const { loss, preds } = tf.tidy(() => {
      const { xs, ...t } = batchTensors(batch, source);
      const outputs = model.apply(xs, { training: false }) as tf.Tensor;
      if (regression) return { loss: tf.scalar(0), preds: outputs.reshape([batch.size]) };
      return { loss: tf.sum(lossAndScore(outputs, t).loss), preds: tf.argMax(outputs, -1) };
    });
    try {
      // Evaluation is not the training path; one read per batch keeps memory flat and lets a Stop act within a batch.
      const [l, p] = await Promise.all([loss.data(), preds.data()]);
      if (done + batch.size > source.samples) {
        throw new Error(`The test data holds more samples than the ${source.samples} it announced.`);
      }
      lossSum += l[0];
      for (let k = 0; k < batch.size; k++) {
        truth[done + k] = regression ? batch.labels[k] * scale.std + scale.mean : batch.labels[k];
        predicted[done + k] = regression ? p[k] * scale.std + scale.mean : p[k];
      }
    } finally {
      loss.dispose();
      preds.dispose();
    }
    done += batch.size;
    onProgress?.(done, source.samples);
  }
  if (done === 0) throw new Error('There are no test samples to evaluate on.');
  if (regression) {
    const report = regressionReport(truth.subarray(0, done), predicted.subarray(0, done));
    return { task: 'regression', loss: report.mse, ...report };
  }
  const numClasses = source.numClasses;
  const confusion = confusionMatrix(truth.subarray(0, done), predicted.subarray(0, done), numClasses);
  const report = classificationReport(confusion, numClasses);
  return {
    task: 'classification',
    accuracy: report.accuracy,
    loss: lossSum / done,
    confusion,
    numClasses,
    perClass: report.perClass,
    macroF1: report.macroF1,
    samples: done,
  };
}
