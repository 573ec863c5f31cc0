/**
 * Optimizers as the run creates them, and changing the learning rate of one in
 * flight (a schedule, reduce-on-plateau). tfjs keeps the rate in different places
 * per optimizer: SGD and momentum hold it as a kept scalar that setLearningRate
 * replaces, Adam and RMSprop read the learningRate field at every step.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type ExperimentConfig, type OptimizerId } from '../config';
import { speedups } from './speedups';
import { FusedAdamOptimizer, FusedMomentumOptimizer, FusedRMSPropOptimizer, FusedSGDOptimizer } from './webgpu/fusedOptimizers';

/** The optimizer settings of the config; each optimizer reads only its own. */
export type OptimizerParams = Pick<ExperimentConfig, 'momentum' | 'nesterov' | 'beta1' | 'beta2' | 'rho' | 'epsilon'>;

export function createOptimizer(kind: OptimizerId, learningRate: number, params: Partial<OptimizerParams> = {}): tf.Optimizer {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new Error(`The learning rate must be above 0; got ${learningRate}.`);
  const p: OptimizerParams = { ...DEFAULT_CONFIG, ...params };
  // The fused classes are tfjs's own with a one-kernel-per-weight update on WebGPU; elsewhere they run tfjs's update.
  const fused = speedups.fusedOptimizer;
  switch (kind) {
    case 'adam':
      return fused ? new FusedAdamOptimizer(learningRate, p.beta1, p.beta2, p.epsilon) : tf.train.adam(learningRate, p.beta1, p.beta2, p.epsilon);
    case 'sgd':
      // Plain SGD when there is no momentum: tfjs's momentum optimizer would keep a zero accumulator per weight.
      if (!(p.momentum > 0)) return fused ? new FusedSGDOptimizer(learningRate) : tf.train.sgd(learningRate);
      return fused ? new FusedMomentumOptimizer(learningRate, p.momentum, p.nesterov) : tf.train.momentum(learningRate, p.momentum, p.nesterov);
    case 'rmsprop':
      return fused ? new FusedRMSPropOptimizer(learningRate, p.rho, p.momentum, p.epsilon) : tf.train.rmsprop(learningRate, p.rho, p.momentum, p.epsilon);
  }
}

export function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new Error(`The learning rate must be above 0; got ${learningRate}.`);
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}
