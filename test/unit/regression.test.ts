import { describe, expect, it } from 'vitest';
import { regressionReport } from '../../src/lib/metrics/regression';

describe('regressionReport', () => {
  it('matches MAE, MSE and R² worked by hand', () => {
    // Errors 0.5, −1, 0, 2 -> MAE 3.5/4 = 0.875, MSE (0.25 + 1 + 0 + 4)/4 = 1.3125.
    // Truth 3, 5, 4, 6 has mean 4.5, so SStot = 2.25 + 0.25 + 0.25 + 2.25 = 5; SSres = 5.25; R² = 1 − 5.25/5 = −0.05.
    const r = regressionReport([3, 5, 4, 6], [2.5, 6, 4, 4]);
    expect(r.samples).toBe(4);
    expect(r.mae).toBeCloseTo(0.875, 12);
    expect(r.mse).toBeCloseTo(1.3125, 12);
    expect(r.r2).toBeCloseTo(-0.05, 12);
  });

  it('gives R² 1 for perfect predictions and 0 for always predicting the mean', () => {
    expect(regressionReport([1, 2, 3], Float32Array.of(1, 2, 3)).r2).toBe(1);
    expect(regressionReport([1, 2, 3], [2, 2, 2])).toEqual({ mae: 2 / 3, mse: 2 / 3, r2: 0, samples: 3 });
  });

  it('gives R² 0 when every true value is the same', () => {
    expect(regressionReport([7, 7], [6, 9])).toEqual({ mae: 1.5, mse: 2.5, r2: 0, samples: 2 });
  });

  it('refuses mismatched or empty inputs', () => {
    expect(() => regressionReport([1, 2], [1])).toThrow('There are 2 true values but 1 predictions');
    expect(() => regressionReport([], [])).toThrow('no samples');
  });
});
