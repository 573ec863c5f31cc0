/** Scores for a regression model: errors in the target's own units, and the share of variance explained. */

export interface RegressionReport {
  /** Mean absolute error. */
  mae: number;
  /** Mean squared error. */
  mse: number;
  /** 1 − SSres/SStot; 0 when the true values are all equal (nothing to explain). */
  r2: number;
  samples: number;
}

export function regressionReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionReport {
  if (yTrue.length !== yPred.length) {
    throw new Error(`There are ${yTrue.length} true values but ${yPred.length} predictions; they must match.`);
  }
  const n = yTrue.length;
  if (n === 0) throw new Error('There are no samples to score.');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let absSum = 0;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const err = yTrue[i] - yPred[i];
    absSum += Math.abs(err);
    ssRes += err * err;
    ssTot += (yTrue[i] - mean) ** 2;
  }
  return { mae: absSum / n, mse: ssRes / n, r2: ssTot === 0 ? 0 : 1 - ssRes / ssTot, samples: n };
}
