/**
 * The same gradient steps applied through createOptimizer with the fused-optimizer
 * switch on or off, for comparing the two paths on any backend (the cpu tests and
 * the WebGPU entry test/dawn/fusedOptimizer.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerId } from '../../src/lib/config';
import { createOptimizer, setLearningRate, type OptimizerParams } from '../../src/lib/train/optimizers';
import { setSpeedups } from '../../src/lib/train/speedups';

export type Case = { name: string; kind: OptimizerId; params: Partial<OptimizerParams> };

export const CASES: Case[] = [
  { name: 'adam', kind: 'adam', params: {} },
  { name: 'sgd', kind: 'sgd', params: { momentum: 0 } },
  { name: 'momentum', kind: 'sgd', params: { momentum: 0.9 } },
  { name: 'nesterov', kind: 'sgd', params: { momentum: 0.9, nesterov: true } },
  { name: 'rmsprop', kind: 'rmsprop', params: { momentum: 0 } },
  { name: 'rmsprop-momentum', kind: 'rmsprop', params: { momentum: 0.5 } },
];

export const flat = async (ts: tf.Tensor[]) => (await Promise.all(ts.map((t) => t.data()))).map((d) => Array.from(d));

/** The largest absolute difference between matching arrays; Infinity when their lengths differ. */
export function diffOf(a: number[][], b: number[][]): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  a.forEach((x, i) => {
    if (x.length !== b[i].length) m = Infinity;
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j] - b[i][j]));
  });
  return m;
}

/**
 * Applies 6 seeded gradient sets to fresh seeded variables of `shapes`; the rate goes
 * from 0.01 to 0.005 after step 3. Returns the variables, the slots and Adam's running
 * powers of beta as numbers, and the optimizer's class.
 */
export async function applySteps(c: Case, fused: boolean, shapes: number[][]) {
  setSpeedups({ fusedOptimizer: fused });
  const opt = createOptimizer(c.kind, 0.01, c.params);
  setSpeedups();
  const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 1, 'float32', i + 1))));
  const start = await flat(vars);
  for (let step = 0; step < 6; step++) {
    if (step === 3) setLearningRate(opt, 0.005);
    const grads = vars.map((v, i) => tf.randomNormal(v.shape, 0, 1, 'float32', 100 * (step + 1) + i));
    opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    tf.dispose(grads);
  }
  const values = await flat(vars);
  const slots = await opt.getWeights();
  const state = await flat(slots.slice(1).map((s) => s.tensor));
  slots[0].tensor.dispose();
  const internals = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  const acc = internals.accBeta1 && internals.accBeta2 ? await flat([internals.accBeta1, internals.accBeta2]) : [];
  const result = { values, moved: diffOf(start, values), state, acc, iterations: opt.iterations, className: opt.constructor.name };
  opt.dispose();
  tf.dispose(vars);
  return result;
}

/** Stock against fused for each case: the largest differences, and what each side was. */
export async function compareCases(shapes: number[][], cases = CASES) {
  const out: Record<string, { classes: string[]; iterations: number[]; values: number; state: number; slots: number; acc: number | null; moved: number }> = {};
  for (const c of cases) {
    const stock = await applySteps(c, false, shapes);
    const fused = await applySteps(c, true, shapes);
    out[c.name] = {
      classes: [stock.className, fused.className],
      iterations: [stock.iterations, fused.iterations],
      values: diffOf(stock.values, fused.values),
      state: diffOf(stock.state, fused.state),
      slots: fused.state.length,
      acc: stock.acc.length ? diffOf(stock.acc, fused.acc) : null,
      moved: stock.moved,
    };
  }
  return out;
}
