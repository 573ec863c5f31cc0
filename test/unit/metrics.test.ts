import { describe, expect, it } from 'vitest';
import { classificationReport, confusionMatrix } from '../../src/lib/metrics/classification';

// 3 classes, 10 samples; class 2 is never predicted.
const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const preds = [0, 0, 1, 0, 1, 1, 0, 1, 1, 0];

describe('confusionMatrix', () => {
  it('counts row = true, column = predicted', () => {
    expect(confusionMatrix(truth, preds, 3)).toEqual([
      3, 1, 0,
      1, 2, 0,
      1, 2, 0,
    ]);
  });

  it('accepts typed arrays', () => {
    expect(confusionMatrix(Uint8Array.from([1, 0]), Int32Array.from([1, 1]), 2)).toEqual([0, 1, 0, 1]);
  });

  it('rejects mismatched lengths and out-of-range labels with a readable message', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 true labels but 1 predictions/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/from 0 to 2/);
  });
});

describe('classificationReport', () => {
  const report = classificationReport(confusionMatrix(truth, preds, 3), 3);

  it('computes precision, recall and F1 per class', () => {
    // class 0: tp 3, predicted 5, true 4
    expect(report.perClass[0].precision).toBeCloseTo(0.6, 12);
    expect(report.perClass[0].recall).toBeCloseTo(0.75, 12);
    expect(report.perClass[0].f1).toBeCloseTo(2 / 3, 12);
    expect(report.perClass[0].support).toBe(4);
    // class 1: tp 2, predicted 5, true 3
    expect(report.perClass[1].precision).toBeCloseTo(0.4, 12);
    expect(report.perClass[1].recall).toBeCloseTo(2 / 3, 12);
    expect(report.perClass[1].f1).toBeCloseTo(0.5, 12);
    expect(report.perClass[1].support).toBe(3);
  });

  it('gives 0, not NaN, for a class that is never predicted', () => {
    expect(report.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 3 });
  });

  it('computes accuracy and macro F1', () => {
    expect(report.accuracy).toBeCloseTo(0.5, 12);
    expect(report.macroF1).toBeCloseTo(7 / 18, 12);
  });

  it('gives zeros for an empty matrix', () => {
    const empty = classificationReport([0, 0, 0, 0], 2);
    expect(empty.accuracy).toBe(0);
    expect(empty.macroF1).toBe(0);
    expect(empty.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('rejects a matrix of the wrong size', () => {
    expect(() => classificationReport([1, 2, 3], 2)).toThrow(/4 cells, not 3/);
  });
});
