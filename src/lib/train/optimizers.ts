/**
 * Optimizers as the run creates them, and changing the learning rate of one in
 * flight (a schedule, reduce-on-plateau). tfjs keeps the rate in different places
 * per optimizer: SGD and momentum hold it as a kept scalar that setLearningRate
 * replaces, the others read the learningRate field at every step.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerId } from '../config';

export function createOptimizer(kind: OptimizerId, learningRate: number): tf.Optimizer {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new Error(`The learning rate must be above 0; got ${learningRate}.`);
  switch (kind) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
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
