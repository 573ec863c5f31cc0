import { describe, expect, it } from 'vitest';
import { predictionCollapse } from '../../src/lib/metrics/collapse';
import { confusionMatrix } from '../../src/lib/metrics/classification';

/** A confusion matrix from (true, predicted, count) triples. */
function matrix(numClasses: number, cells: [number, number, number][]): number[] {
  const truth: number[] = [];
  const predicted: number[] = [];
  for (const [t, p, n] of cells) for (let i = 0; i < n; i++) (truth.push(t), predicted.push(p));
  return confusionMatrix(truth, predicted, numClasses);
}

describe('predictionCollapse', () => {
  it('finds a classifier that answers one class for every sample of a balanced set', () => {
    // Spiral at SGD lr 10: 500 of each class, all called class 0.
    expect(predictionCollapse(matrix(2, [[0, 0, 500], [1, 0, 500]]), 2)).toEqual({ predicted: 0, share: 1, classesPresent: 2 });
    // Ten digits, 97% called "3".
    const cells: [number, number, number][] = [];
    for (let c = 0; c < 10; c++) cells.push([c, 3, 97], [c, c, 3]);
    expect(predictionCollapse(matrix(10, cells), 10)).toEqual({ predicted: 3, share: 0.97 + 0.003, classesPresent: 10 });
  });

  it('leaves a good model alone, even on a test set that is mostly one class', () => {
    expect(predictionCollapse(matrix(2, [[0, 0, 480], [0, 1, 20], [1, 1, 470], [1, 0, 30]]), 2)).toBeNull();
    // 96% class 0; the model finds most of class 1 anyway, so predicts class 0 for 97%.
    expect(predictionCollapse(matrix(2, [[0, 0, 960], [1, 0, 10], [1, 1, 30]]), 2)).toBeNull();
    // The same set, with every class-1 sample called class 0: the model ignores the minority.
    expect(predictionCollapse(matrix(2, [[0, 0, 960], [1, 0, 40]]), 2)).toEqual({ predicted: 0, share: 1, classesPresent: 2 });
  });

  it('says nothing when the test set has one class, or nothing at all', () => {
    expect(predictionCollapse(matrix(3, [[1, 1, 50]]), 3)).toBeNull();
    expect(predictionCollapse(new Array(9).fill(0), 3)).toBeNull();
  });
});
