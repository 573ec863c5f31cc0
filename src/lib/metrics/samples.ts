/**
 * Per-sample test predictions, kept compactly, and the questions the error
 * explorer asks of them: which samples fall in a confusion-matrix cell, which
 * mistakes were made most confidently, which regression targets were missed
 * by most. Pure arithmetic, shared by the worker and the page.
 *
 * Sample i is the i-th sample of the test split in stored order (evaluation
 * reads it unshuffled from the start), so no index array is stored. For
 * 10,000 samples of 10 classes that is 400 kB of probabilities and 20 kB of
 * labels:
 *
 *   { task: 'classification', count: 3, numClasses: 2,
 *     truth: [0, 1, 1], predicted: [0, 0, 1], probs: [0.9, 0.1,  0.7, 0.3,  0.2, 0.8] }
 *   sample 1 is a class-1 sample predicted as class 0 with probability 0.7.
 */

export interface ClassPredictions {
  task: 'classification';
  count: number;
  numClasses: number;
  /** count true class indices. */
  truth: Uint8Array;
  /** count predicted class indices. */
  predicted: Uint8Array;
  /** count × numClasses probabilities, row-major. A 1-unit sigmoid head is stored as two columns [1 − p, p]. */
  probs: Float32Array;
}

/** Targets and predictions in the target's own units. */
export interface RegressionPredictions {
  task: 'regression';
  count: number;
  truth: Float32Array;
  predicted: Float32Array;
}

export type TestPredictions = ClassPredictions | RegressionPredictions;

/** The buffers of a TestPredictions, to transfer rather than copy across postMessage. */
export function predictionBuffers(p: TestPredictions): ArrayBuffer[] {
  const arrays = p.task === 'classification' ? [p.truth, p.predicted, p.probs] : [p.truth, p.predicted];
  return arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/** The probability the model gave its own prediction for sample i. */
export const confidence = (p: ClassPredictions, i: number) => p.probs[i * p.numClasses + p.predicted[i]];

/** Sample i's probabilities, one per class. */
export const probabilitiesOf = (p: ClassPredictions, i: number): number[] =>
  Array.from(p.probs.subarray(i * p.numClasses, (i + 1) * p.numClasses));

/** Indices sorted by key, largest first; ties keep the lower index first, so the order is stable. */
function byKeyDescending(indices: number[], key: (i: number) => number): number[] {
  return indices.sort((a, b) => key(b) - key(a) || a - b);
}

/** Samples of true class t predicted as class p, most confident first. */
export function cellSamples(p: ClassPredictions, t: number, pred: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.count; i++) if (p.truth[i] === t && p.predicted[i] === pred) out.push(i);
  return byKeyDescending(out, (i) => confidence(p, i));
}

/** Wrongly predicted samples, the most confident mistake first; at most `limit`. */
export function confidentMistakes(p: ClassPredictions, limit = Infinity): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.count; i++) if (p.truth[i] !== p.predicted[i]) out.push(i);
  return byKeyDescending(out, (i) => confidence(p, i)).slice(0, limit);
}

/** predicted − true, in the target's units. */
export const residual = (p: RegressionPredictions, i: number) => p.predicted[i] - p.truth[i];

/** Samples with the largest absolute error first; at most `limit`. */
export function worstResiduals(p: RegressionPredictions, limit = Infinity): number[] {
  const out = Array.from({ length: p.count }, (_, i) => i);
  return byKeyDescending(out, (i) => Math.abs(residual(p, i))).slice(0, limit);
}

/** The off-diagonal cell holding most samples (the first such in row-major order on a tie), or null when there are no mistakes. */
export function worstCell(confusion: readonly number[], numClasses: number): { truth: number; predicted: number; count: number } | null {
  let best: { truth: number; predicted: number; count: number } | null = null;
  for (let t = 0; t < numClasses; t++) {
    for (let q = 0; q < numClasses; q++) {
      const count = confusion[t * numClasses + q];
      if (t !== q && count > 0 && (!best || count > best.count)) best = { truth: t, predicted: q, count };
    }
  }
  return best;
}

/**
 * A class index from each row of probabilities: the largest (the first of equals,
 * as tf.argMax picks), or for a 1-unit sigmoid head, 1 when p > 0.5.
 */
export function argMaxRows(values: ArrayLike<number>, rows: number, width: number, into: Uint8Array, offset = 0): void {
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      into[offset + r] = values[r] > 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 1; c < width; c++) if (values[r * width + c] > values[r * width + best]) best = c;
    into[offset + r] = best;
  }
}
