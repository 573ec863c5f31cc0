// The fused optimizers: on the cpu backend they are tfjs's optimizers unchanged; on WebGPU (Dawn, in
// SwiftShader) one kernel per weight gives tfjs's updates, loss curves, checkpoints and frozen layers.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer } from '../../src/lib/train/optimizers';
import { setSpeedups } from '../../src/lib/train/speedups';
import { FusedAdamOptimizer, FusedMomentumOptimizer, FusedRMSPropOptimizer, FusedSGDOptimizer } from '../../src/lib/train/webgpu/fusedOptimizers';
import { runOnDawn } from '../dawn/harness';
import { applySteps, CASES, compareCases } from '../dawn/optimizerSteps';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => setSpeedups());

describe('createOptimizer and the fused-optimizer switch', () => {
  it('makes the fused classes, which are tfjs’s own underneath, when the switch is on, and tfjs’s when it is off', () => {
    const kinds = () => [createOptimizer('adam', 0.1), createOptimizer('sgd', 0.1, { momentum: 0 }), createOptimizer('sgd', 0.1, { momentum: 0.9 }), createOptimizer('rmsprop', 0.1)];
    const on = kinds();
    expect(on.map((o) => o.constructor)).toEqual([FusedAdamOptimizer, FusedSGDOptimizer, FusedMomentumOptimizer, FusedRMSPropOptimizer]);
    expect(on.map((o) => o.getClassName())).toEqual(['Adam', 'SGD', 'Momentum', 'RMSProp']);
    expect(on[0]).toBeInstanceOf(tf.AdamOptimizer);
    setSpeedups({ fusedOptimizer: false });
    const off = kinds();
    expect(off.map((o) => o.constructor)).toEqual([tf.AdamOptimizer, tf.SGDOptimizer, tf.MomentumOptimizer, tf.RMSPropOptimizer]);
    for (const o of [...on, ...off]) o.dispose();
  });

  it('on the cpu backend, updates weights and slots bit for bit as tfjs does, a rate change included', async () => {
    const cases = await compareCases([[], [7], [3, 5], [40, 30]]);
    for (const [name, c] of Object.entries(cases)) {
      expect(c.classes[1], name).toMatch(/^Fused/);
      expect([c.values, c.state], name).toEqual([0, 0]);
      expect(c.iterations, name).toEqual([6, 6]);
      expect(c.moved, name).toBeGreaterThan(0.01);
    }
    expect(cases.adam.acc).toBe(0);
    expect([cases.adam.slots, cases.sgd.slots, cases.momentum.slots, cases.rmsprop.slots]).toEqual([8, 0, 4, 8]);
  });

  it('leaves no tensor behind once disposed', async () => {
    for (const c of CASES) {
      const before = tf.memory().numTensors;
      await applySteps(c, true, [[3, 5]]);
      expect(tf.memory().numTensors, c.name).toBe(before);
    }
  });
});

type Diffs = { classes: string[]; iterations: number[]; values: number; state: number; slots: number; acc: number | null; moved: number };
type Curve = { stock: number[]; fused: number[]; losses: number; weights: number };
type Resumed = { identical: boolean; diff: number; wholeLosses: number[]; resumedLosses: number[] };
type StepCounts = { kernels: number; byName: Record<string, number>; dispatches: number; writeBuffer: number; mappedBuffers: number; tensorsAfterMinusBefore: number };
type Report = {
  cases: Record<string, Diffs>;
  curves: Record<string, Curve>;
  resumed: Record<string, Resumed>;
  frozen: { frozenIdentical: boolean; trainedChanged: boolean; slots: number };
  counts: { off: StepCounts; on: StepCounts };
};

describe('the fused optimizers on WebGPU (Dawn, SwiftShader)', () => {
  let report: Report;
  beforeAll(async () => {
    report = await runOnDawn<Report>('test/dawn/fusedOptimizer.ts');
  }, 600_000);

  it('give tfjs’s updates for Adam, SGD, momentum, Nesterov and RMSprop over 6 steps with a rate change, also when dispatched as a grid of workgroups', () => {
    expect(Object.keys(report.cases)).toHaveLength(7);
    for (const [name, c] of Object.entries(report.cases)) {
      expect(c.classes[1], name).toMatch(/^Fused/);
      expect(c.iterations, name).toEqual([6, 6]);
      // Float tolerance: a GPU may fuse a multiply and an add that tfjs runs as two kernels.
      expect(c.values, name).toBeLessThan(1e-5);
      expect(c.state, name).toBeLessThan(1e-5);
      expect(c.moved, name).toBeGreaterThan(0.01);
    }
    expect(report.cases.adam.acc).toBeLessThan(1e-7);
    expect(report.cases.adam.slots).toBe(8);
    expect(report.cases['adam-grid'].classes[1]).toBe('FusedAdamOptimizer');
  });

  it('train an MLP along tfjs’s loss curve to tfjs’s weights', () => {
    for (const [name, c] of Object.entries(report.curves)) {
      expect(c.fused, name).toHaveLength(3);
      expect(c.losses, name).toBeLessThan(1e-5);
      expect(c.weights, name).toBeLessThan(1e-4);
      expect(c.fused[2], name).toBeLessThan(c.fused[0]);
    }
  });

  it('resume from a checkpoint exactly where an uninterrupted run goes', () => {
    for (const [name, r] of Object.entries(report.resumed)) {
      expect(r.identical, name).toBe(true);
      expect(r.resumedLosses, name).toEqual(r.wholeLosses);
    }
  });

  it('leave a frozen layer bit for bit as it was and keep no slots for it', () => {
    expect(report.frozen).toEqual({ frozenIdentical: true, trainedChanged: true, slots: 9 });
  });

  it('record one dispatch per weight: an MNIST-MLP Adam step needs far fewer kernels, dispatches and uploads', () => {
    const { on, off } = report.counts;
    expect(off.byName.Sqrt).toBe(8);
    expect(on.byName.Sqrt ?? 0).toBe(0);
    // 8 weights: tfjs's Adam runs about 12 kernels for each; the fused one dispatch each and one for beta's powers.
    expect(off.dispatches - on.dispatches).toBeGreaterThanOrEqual(8 * 10);
    expect(on.mappedBuffers).toBeLessThan(off.mappedBuffers);
    expect([on.tensorsAfterMinusBefore, off.tensorsAfterMinusBefore]).toEqual([0, 0]);
  });
});
