// Learning-rate schedules: the rate of each epoch, the URL text, and what the restore gate refuses.
import { describe, expect, it } from 'vitest';
import { learningRateAt, scheduleCurve, scheduleFromJson, scheduleFromText, scheduleProblem, scheduleToText, type Schedule } from '../../src/lib/schedule';
import type { EpochLog } from '../../src/lib/types';

const log = (epoch: number, valLoss: number | null, loss = 1): EpochLog => ({ epoch, loss, acc: 0, valLoss, valAcc: null, seconds: 0, samplesPerSec: 0 });
const close = (values: number[], expected: number[]) => values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));

describe('learningRateAt', () => {
  it('constant keeps the base rate', () => {
    expect(scheduleCurve({ kind: 'constant' }, 0.01, 4)).toEqual([0.01, 0.01, 0.01, 0.01]);
  });

  it('step decay multiplies by the factor every N epochs', () => {
    close(scheduleCurve({ kind: 'step', every: 2, factor: 0.5 }, 0.1, 6), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  it('exponential multiplies by the factor every epoch', () => {
    close(scheduleCurve({ kind: 'exponential', factor: 0.9 }, 0.01, 4), [0.01, 0.009, 0.0081, 0.00729]);
  });

  it('cosine runs from the base rate to base × floor, through the midpoint halfway', () => {
    // 5 epochs: t = 0, 1/4, 1/2, 3/4, 1; rate = 0.1 × (0.1 + 0.9 × (1 + cos πt) / 2)
    close(scheduleCurve({ kind: 'cosine', floor: 0.1 }, 0.1, 5), [0.1, 0.1 * (0.1 + 0.9 * (1 + Math.SQRT1_2) / 2), 0.055, 0.1 * (0.1 + 0.9 * (1 - Math.SQRT1_2) / 2), 0.01]);
    expect(learningRateAt({ kind: 'cosine', floor: 0.1 }, 0.1, 0, 1)).toBe(0.1);
  });

  it('reduce on plateau halves the rate after `patience` epochs without a lower validation loss', () => {
    const s: Schedule = { kind: 'plateau', factor: 0.5, patience: 2 };
    // Best 0.8 at epoch 2; epochs 3 and 4 do not beat it → halved for epoch 5; 5 and 6 neither → quartered for 7.
    const history = [log(1, 1), log(2, 0.8), log(3, 0.9), log(4, 0.85), log(5, 0.81), log(6, 0.8), log(7, 0.5)];
    close(scheduleCurve(s, 0.1, 8, history), [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    // Without validation it watches the training loss.
    expect(learningRateAt(s, 0.1, 3, 10, [log(1, null, 1), log(2, null, 2), log(3, null, 3)])).toBe(0.05);
  });
});

describe('schedule URL text', () => {
  const cases: [string, Schedule][] = [
    ['constant', { kind: 'constant' }],
    ['step_every10_x0.5', { kind: 'step', every: 10, factor: 0.5 }],
    ['exp_x0.9', { kind: 'exponential', factor: 0.9 }],
    ['cosine_to0.01', { kind: 'cosine', floor: 0.01 }],
    ['plateau_x0.5_wait3', { kind: 'plateau', factor: 0.5, patience: 3 }],
  ];
  for (const [text, schedule] of cases) {
    it(`${text} round-trips`, () => {
      expect(scheduleFromText(text)).toEqual(schedule);
      expect(scheduleToText(schedule)).toBe(text);
      expect(new URLSearchParams({ schedule: text }).toString()).toBe(`schedule=${text}`);
    });
  }

  it('takes parameters in any order and fills missing ones with defaults', () => {
    expect(scheduleFromText('plateau_wait7_x0.2')).toEqual({ kind: 'plateau', factor: 0.2, patience: 7 });
    expect(scheduleFromText('step')).toEqual({ kind: 'step', every: 10, factor: 0.5 });
    expect(scheduleFromText('exp')).toEqual({ kind: 'exponential', factor: 0.95 });
  });

  it('refuses text it cannot read, and values out of range', () => {
    for (const bad of ['linear', 'step_every', 'step_everyX', 'step_x0.5_x0.2', 'cosine_wait3', '']) expect(scheduleFromText(bad)).toBeUndefined();
    expect(scheduleProblem({ kind: 'step', every: 0, factor: 0.5 })).toBe('every must be between 1 and 1000');
    expect(scheduleProblem({ kind: 'exponential', factor: 1 })).toBe('factor must be above 0 and below 1');
    expect(scheduleProblem({ kind: 'cosine', floor: 0.01 })).toBeUndefined();
  });

  it('reads stored JSON, with defaults for missing parameters', () => {
    expect(scheduleFromJson({ kind: 'cosine' })).toEqual({ kind: 'cosine', floor: 0.01 });
    expect(scheduleFromJson({ kind: 'step', every: '3' })).toBeUndefined();
    expect(scheduleFromJson(['constant'])).toBeUndefined();
  });
});
