import { describe, expect, it } from 'vitest';
import { INFERENCE_SHARE, TimeLeft } from '../../src/lib/train/eta';

// 1,000 training samples an epoch for 2 epochs, 100 validating, 10,000 to evaluate.
const plan = { trainSamples: 1000, epochs: 2, valSamples: 100, testSamples: 10_000 };

describe('TimeLeft', () => {
  it('knows nothing before training was timed', () => {
    expect(new TimeLeft(plan).seconds()).toBeNaN();
  });

  it('guesses inference from the training rate until a validation pass is timed', () => {
    const t = new TimeLeft(plan, 0.5);
    // 500 samples in 10 s: 0.02 s a sample, so inference 0.01 s a sample.
    t.trained(500, 10);
    // training 1,500 × 0.02 + validation 2 × 100 × 0.01 + evaluation 10,000 × 0.01
    expect(t.seconds()).toBeCloseTo(30 + 2 + 100, 9);
    const d = new TimeLeft(plan);
    d.trained(500, 10);
    expect(d.seconds()).toBeCloseTo(30 + (200 + 10_000) * 0.02 * INFERENCE_SHARE, 9);
  });

  it('then uses the validation passes, and once evaluation runs, its own rate', () => {
    const t = new TimeLeft(plan, 0.5);
    t.trained(1000, 20);
    // The first pass: 100 samples in 0.5 s, 0.005 s a sample.
    t.validated(100, 0.5);
    expect(t.seconds()).toBeCloseTo(20 + 100 * 0.005 + 10_000 * 0.005, 9);
    t.trained(2000, 40);
    t.validated(100, 0.3);
    // The latest pass: 0.003 s a sample.
    expect(t.seconds()).toBeCloseTo(10_000 * 0.003, 9);
    // Evaluation begins: nothing measured yet, so the validation figure still holds.
    t.evaluating(0, 0);
    expect(t.seconds()).toBeCloseTo(30, 9);
    // 2,500 done in 50 s: the remaining 7,500 at 0.02 s each.
    t.evaluating(2500, 50);
    expect(t.seconds()).toBeCloseTo(150, 9);
    // 5,000 done in 75 s: the 2,500 since the first reading took 25 s, so 0.01 s each from here.
    t.evaluating(5000, 75);
    expect(t.seconds()).toBeCloseTo(50, 9);
    t.evaluating(10_000, 125);
    expect(t.seconds()).toBe(0);
  });

  it('leaves out the warm-up once as many samples again have been timed', () => {
    const t = new TimeLeft({ trainSamples: 1000, epochs: 1, valSamples: 0, testSamples: 0 });
    // The first 100 samples took 10 s (compiling); the next 50 another 0.5 s.
    t.trained(100, 10);
    t.trained(150, 10.5);
    expect(t.seconds()).toBeCloseTo((850 * 10.5) / 150, 9);
    // 100 more after the first reading, in 1 s: 0.01 s a sample from here.
    t.trained(200, 11);
    expect(t.seconds()).toBeCloseTo(800 * 0.01, 9);
  });

  it('drops the training still planned once a stopped run evaluates', () => {
    const t = new TimeLeft(plan, 0.5);
    t.trained(300, 6);
    expect(t.seconds()).toBeCloseTo(1700 * 0.02 + 200 * 0.01 + 10_000 * 0.01, 9);
    t.evaluating(0, 0);
    expect(t.seconds()).toBeCloseTo(10_000 * 0.01, 9);
  });

  it('counts no validation or evaluation a run does not have', () => {
    const t = new TimeLeft({ trainSamples: 1000, epochs: 2, valSamples: 0, testSamples: 0 });
    t.trained(500, 10);
    expect(t.seconds()).toBeCloseTo(30, 9);
  });
});
