/** Confusion matrix and per-class scores. Pure arithmetic, shared by the worker and tests. */
import type { PerClassMetrics } from '../types';

/** Row = true class, column = predicted class, row-major, numClasses × numClasses. */
export function confusionMatrix(
  trueLabels: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[] {
  if (trueLabels.length !== predicted.length) {
    throw new Error(`There are ${trueLabels.length} true labels but ${predicted.length} predictions; they must match.`);
  }
  const m = new Array<number>(numClasses * numClasses).fill(0);
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i];
    const p = predicted[i];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses) || !Number.isInteger(t) || !Number.isInteger(p)) {
      throw new Error(`Sample ${i} has label ${t} and prediction ${p}; both must be class numbers from 0 to ${numClasses - 1}.`);
    }
    m[t * numClasses + p]++;
  }
  return m;
}

/** 0 rather than NaN when nothing was counted, so charts and JSON stay clean. */
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function classificationReport(
  confusion: number[],
  numClasses: number,
): { accuracy: number; perClass: PerClassMetrics[]; macroF1: number } {
  if (confusion.length !== numClasses * numClasses) {
    throw new Error(`A confusion matrix for ${numClasses} classes has ${numClasses * numClasses} cells, not ${confusion.length}.`);
  }
  let total = 0;
  let correct = 0;
  const perClass: PerClassMetrics[] = [];
  for (let c = 0; c < numClasses; c++) {
    let rowSum = 0;
    let colSum = 0;
    for (let k = 0; k < numClasses; k++) {
      rowSum += confusion[c * numClasses + k];
      colSum += confusion[k * numClasses + c];
    }
    const tp = confusion[c * numClasses + c];
    total += rowSum;
    correct += tp;
    const precision = ratio(tp, colSum);
    const recall = ratio(tp, rowSum);
    perClass.push({ precision, recall, f1: ratio(2 * precision * recall, precision + recall), support: rowSum });
  }
  const macroF1 = ratio(
    perClass.reduce((s, m) => s + m.f1, 0),
    numClasses,
  );
  return { accuracy: ratio(correct, total), perClass, macroF1 };
}
