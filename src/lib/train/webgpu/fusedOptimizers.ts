/**
 * tfjs's Adam, SGD, momentum and RMSprop optimizers with applyGradients done by one
 * WebGPU dispatch per weight (./optimizerKernels.ts) instead of tfjs's chain of
 * element-wise kernels and per-step scalars. They are tfjs's own classes underneath:
 * the slots live in the same fields under the same names, so getWeights/setWeights
 * (checkpoints), learning-rate changes and variable lists (frozen layers) work as
 * before, and on any other backend, or for anything the kernels do not cover (a
 * centred RMSprop, a weight that is not float32), tfjs's own update runs.
 *
 * The formulas, and the order of their operations, are tfjs 4.22's
 * (tfjs-core/dist/optimizers/*_optimizer.js), constants rounded to float32 as tfjs's
 * scalars round them, so the results agree with tfjs's to float rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { activeWebGpu, ownData, scaleScalars, Uniforms, updateWeight, type UpdateRule, type WebGpuBackend } from './optimizerKernels';

/** What tfjs's optimizers take: gradients by variable name, or a list of named gradients. */
type Grads = Record<string, tf.Tensor> | { name: string; tensor: tf.Tensor }[];
type Slot = { originalName: string; variable: tf.Variable };
type Step = { name: string; value: tf.Variable; gradient: tf.Tensor | null };

/** The variables and gradients of one step in tfjs's order, or null when the kernels cannot take them all. */
function stepOf(grads: Grads): Step[] | null {
  const list = Array.isArray(grads) ? grads.map((g) => ({ name: g.name, gradient: g.tensor ?? null })) : Object.keys(grads).map((name) => ({ name, gradient: grads[name] ?? null }));
  const registered = tf.engine().registeredVariables;
  const steps = list.map((s) => ({ ...s, value: registered[s.name] }));
  return steps.every((s) => s.value?.dtype === 'float32' && (!s.gradient || s.gradient.dtype === 'float32')) ? steps : null;
}

/** The WebGPU backend and the step when the kernels can take it; null when tfjs's own update should run. */
function fusable(grads: Grads): { backend: WebGpuBackend; steps: Step[] } | null {
  const backend = activeWebGpu();
  const steps = backend && stepOf(grads);
  return backend && steps ? { backend, steps } : null;
}

/** The slot of variable `i`, made as tfjs makes it (zeros, not trainable, named after the variable) the first time. */
function slotOf(slots: Slot[], i: number, step: Step, suffix: string): tf.Variable {
  slots[i] ??= { originalName: `${step.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(step.value).variable(false)) };
  return slots[i].variable;
}

/** Runs `update` for each variable that has a gradient, after making its slots as tfjs would. */
function eachWeight(backend: WebGpuBackend, steps: Step[], slotLists: Slot[][], suffixes: string[], update: (step: Step, slots: tf.Variable[]) => void): void {
  steps.forEach((step, i) => {
    const slots = slotLists.map((list, k) => slotOf(list, i, step, suffixes[k]));
    if (!step.gradient || step.value.size === 0) return;
    for (const s of slots) ownData(backend, s);
    update(step, slots);
  });
}

const f32 = Math.fround;

const ADAM: UpdateRule = {
  name: 'adam',
  slots: ['m', 'v'],
  reads: ['accBeta1', 'accBeta2'],
  params: ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'epsilon', 'negLr'],
  body: `let m1 = m[i] * p.beta1 + g * p.oneMinusBeta1;
  let v1 = v[i] * p.beta2 + (g * g) * p.oneMinusBeta2;
  m[i] = m1;
  v[i] = v1;
  let mHat = m1 / (1.0 - accBeta1[0]);
  let vHat = v1 / (1.0 - accBeta2[0]);
  y = (mHat / (sqrt(vHat) + p.epsilon)) * p.negLr + x;`,
};

type AdamFields = { accBeta1: tf.Variable; accBeta2: tf.Variable; accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[] };

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  private readonly uniforms = new Uniforms();

  override applyGradients(grads: Grads): void {
    const fused = fusable(grads);
    if (!fused) return super.applyGradients(grads as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
    const { backend, steps } = fused;
    const own = this as unknown as AdamFields;
    const u = this.uniforms.bind(backend, [this.beta1, 1 - this.beta1, this.beta2, 1 - this.beta2, this.epsilon, -this.learningRate].map(f32));
    ownData(backend, own.accBeta1);
    ownData(backend, own.accBeta2);
    eachWeight(backend, steps, [own.accumulatedFirstMoment, own.accumulatedSecondMoment], ['m', 'v'], (step, slots) =>
      updateWeight(backend, ADAM, u, step.value, step.gradient!, slots, [own.accBeta1, own.accBeta2]),
    );
    scaleScalars(backend, u, [own.accBeta1, own.accBeta2], ['beta1', 'beta2'], ADAM.params);
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    this.uniforms.dispose();
  }
}

const SGD: UpdateRule = { name: 'sgd', slots: [], reads: [], params: ['negLr'], body: 'y = p.negLr * g + x;' };

export class FusedSGDOptimizer extends tf.SGDOptimizer {
  private readonly uniforms = new Uniforms();

  override applyGradients(grads: Grads): void {
    const fused = fusable(grads);
    if (!fused) return super.applyGradients(grads);
    const { backend, steps } = fused;
    const u = this.uniforms.bind(backend, [f32(-this.learningRate)]);
    eachWeight(backend, steps, [], [], (step) => updateWeight(backend, SGD, u, step.value, step.gradient!, []));
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    this.uniforms.dispose();
  }
}

const momentumRule = (nesterov: boolean): UpdateRule => ({
  name: nesterov ? 'nesterov' : 'momentum',
  slots: ['acc'],
  reads: [],
  params: ['momentum', 'negLr'],
  body: `let a = p.momentum * acc[i] + g;
  acc[i] = a;
  y = ${nesterov ? 'p.negLr * (g + a * p.momentum)' : 'p.negLr * a'} + x;`,
});
const MOMENTUM = momentumRule(false);
const NESTEROV = momentumRule(true);

type MomentumFields = { accumulations: Slot[]; useNesterov: boolean; momentum: number };

export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  private readonly uniforms = new Uniforms();

  override applyGradients(grads: Grads): void {
    const fused = fusable(grads);
    if (!fused) return super.applyGradients(grads as Parameters<tf.MomentumOptimizer['applyGradients']>[0]);
    const { backend, steps } = fused;
    const own = this as unknown as MomentumFields;
    const rule = own.useNesterov ? NESTEROV : MOMENTUM;
    const u = this.uniforms.bind(backend, [own.momentum, -this.learningRate].map(f32));
    eachWeight(backend, steps, [own.accumulations], ['momentum'], (step, slots) => updateWeight(backend, rule, u, step.value, step.gradient!, slots));
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    // tfjs's momentum optimizer leaves its scalar of -rate behind (it does not call SGD's dispose).
    this.c.dispose();
    this.uniforms.dispose();
  }
}

const RMSPROP: UpdateRule = {
  name: 'rmsprop',
  slots: ['ms', 'mom'],
  reads: [],
  params: ['decay', 'oneMinusDecay', 'momentum', 'epsilon', 'lr'],
  body: `let ms1 = ms[i] * p.decay + (g * g) * p.oneMinusDecay;
  let mom1 = mom[i] * p.momentum + (g * p.lr) / sqrt(ms1 + p.epsilon);
  ms[i] = ms1;
  mom[i] = mom1;
  y = x - mom1;`,
};

type RmsFields = { centered: boolean; accumulatedMeanSquares: Slot[]; accumulatedMoments: Slot[] };

export class FusedRMSPropOptimizer extends tf.RMSPropOptimizer {
  private readonly uniforms = new Uniforms();

  override applyGradients(grads: Grads): void {
    const own = this as unknown as RmsFields;
    const fused = own.centered ? null : fusable(grads);
    if (!fused) return super.applyGradients(grads);
    const { backend, steps } = fused;
    const u = this.uniforms.bind(backend, [this.decay, 1 - this.decay, this.momentum, this.epsilon, this.learningRate].map(f32));
    eachWeight(backend, steps, [own.accumulatedMeanSquares, own.accumulatedMoments], ['rms', 'momentum'], (step, slots) =>
      updateWeight(backend, RMSPROP, u, step.value, step.gradient!, slots),
    );
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    this.uniforms.dispose();
  }
}
