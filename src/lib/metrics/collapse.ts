/**
 * A classifier that has collapsed: it answers one class for (nearly) every
 * sample though the data has several. A learning rate too high for the
 * optimizer does this without the loss ever leaving the finite numbers, so
 * training looks finished; the confusion matrix is where it shows.
 */

/** Share of all predictions one class must take to count as "nearly every sample". */
export const COLLAPSE_SHARE = 0.95;
/**
 * Share of the other classes' samples that must also go to it. On a test set that is
 * 96% one class, a good model predicts it 96% of the time; a collapsed one still
 * calls (nearly) all the rest that class too.
 */
export const COLLAPSE_OTHERS = 0.9;

export interface Collapse {
  /** The class nearly everything is predicted as. */
  predicted: number;
  /** Its share of all predictions, 0–1. */
  share: number;
  /** How many classes the test set has samples of. */
  classesPresent: number;
}

/** confusion: numClasses × numClasses, row = true class, column = predicted, row-major. Null when the model is not collapsed. */
export function predictionCollapse(confusion: readonly number[], numClasses: number): Collapse | null {
  const rows = new Array<number>(numClasses).fill(0);
  const cols = new Array<number>(numClasses).fill(0);
  for (let t = 0; t < numClasses; t++) {
    for (let p = 0; p < numClasses; p++) {
      rows[t] += confusion[t * numClasses + p];
      cols[p] += confusion[t * numClasses + p];
    }
  }
  const total = rows.reduce((a, b) => a + b, 0);
  const classesPresent = rows.filter((n) => n > 0).length;
  if (total === 0 || classesPresent < 2) return null;
  const predicted = cols.indexOf(Math.max(...cols));
  const share = cols[predicted] / total;
  const others = total - rows[predicted];
  const othersAsIt = cols[predicted] - confusion[predicted * numClasses + predicted];
  if (share < COLLAPSE_SHARE || othersAsIt < COLLAPSE_OTHERS * others) return null;
  return { predicted, share, classesPresent };
}
