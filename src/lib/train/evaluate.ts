/**
 * Inference over a BatchSource: the validation pass of the training loop and the
 * final evaluation on the test split. Also holds the tensor helpers both share
 * with the loop, so training and evaluation compute the loss the same way.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource } from '../data/source';
import type { EvaluationResult } from '../types';
import { classificationReport, confusionMatrix } from '../metrics/classification';

/** Keras's clipping, so a confident wrong prediction costs a large but finite loss. */
const EPSILON = 1e-7;

export function batchTensors(batch: Batch, source: BatchSource): { xs: tf.Tensor; ys: tf.Tensor2D; labels: tf.Tensor1D } {
  if (batch.x.length !== batch.size * source.sampleShape.reduce((a, b) => a * b, 1) || batch.labels.length !== batch.size) {
    throw new Error(`A batch of ${batch.size} samples has ${batch.x.length} pixel values and ${batch.labels.length} labels; the data is inconsistent.`);
  }
  const xs = tf.tensor(batch.x, [batch.size, ...source.sampleShape]);
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
 * Mean loss and accuracy over the whole source. Sums stay on the device and are
 * read once at the end. Returns null when shouldStop cut the pass short.
 */
export async function validate(
  model: tf.LayersModel,
  source: BatchSource,
  shouldStop: () => boolean = () => false,
): Promise<{ loss: number; acc: number } | null> {
  let lossSum = tf.scalar(0);
  let correctSum = tf.scalar(0);
  let seen = 0;
  try {
    for await (const batch of source.epoch(0)) {
      if (shouldStop()) return null;
      const next = tf.tidy(() => {
        const { xs, ys, labels } = batchTensors(batch, source);
        const probs = model.apply(xs, { training: false }) as tf.Tensor;
        return {
          loss: tf.add(lossSum, tf.sum(crossEntropy(ys, probs))) as tf.Scalar,
          correct: tf.add(correctSum, countCorrect(probs, labels)) as tf.Scalar,
        };
      });
      lossSum.dispose();
      correctSum.dispose();
      lossSum = next.loss;
      correctSum = next.correct;
      seen += batch.size;
    }
    if (seen === 0) return null;
    const [loss, correct] = await Promise.all([lossSum.data(), correctSum.data()]);
    return { loss: loss[0] / seen, acc: correct[0] / seen };
  } finally {
    lossSum.dispose();
    correctSum.dispose();
  }
}

export async function evaluate(
  model: tf.LayersModel,
  source: BatchSource,
  onProgress?: (done: number, total: number) => void,
): Promise<EvaluationResult> {
  const numClasses = source.numClasses;
  const trueLabels = new Uint8Array(source.samples);
  const predicted = new Uint8Array(source.samples);
  let lossSum = 0;
  let done = 0;
  for await (const batch of source.epoch(0)) {
    const { loss, preds } = tf.tidy(() => {
      const { xs, ys } = batchTensors(batch, source);
      const probs = model.apply(xs, { training: false }) as tf.Tensor;
      return { loss: tf.sum(crossEntropy(ys, probs)), preds: tf.argMax(probs, -1) };
    });
    try {
      // Evaluation is not the training path; one read per batch keeps memory flat.
      const [l, p] = await Promise.all([loss.data(), preds.data()]);
      if (done + batch.size > source.samples) {
        throw new Error(`The test data holds more samples than the ${source.samples} it announced.`);
      }
      lossSum += l[0];
      trueLabels.set(batch.labels, done);
      predicted.set(p, done);
    } finally {
      loss.dispose();
      preds.dispose();
    }
    done += batch.size;
    onProgress?.(done, source.samples);
  }
  if (done === 0) throw new Error('There are no test samples to evaluate on.');
  const confusion = confusionMatrix(trueLabels.subarray(0, done), predicted.subarray(0, done), numClasses);
  const report = classificationReport(confusion, numClasses);
  return {
    accuracy: report.accuracy,
    loss: lossSum / done,
    confusion,
    numClasses,
    perClass: report.perClass,
    macroF1: report.macroF1,
    samples: done,
  };
}
