/** Turns a preset's LayerSpecs into a tfjs model with seeded initial weights. */
import * as tf from '@tensorflow/tfjs';
import type { ModelPresetId } from '../config';
import type { Task } from '../types';
import { layerSpecs, paramCount, type LayerSpec } from './spec';

/** Each layer gets its own seed so layers of equal shape do not start identical. */
const layerSeed = (seed: number, index: number) => seed * 31 + index + 1;

function toLayer(spec: LayerSpec, seed: number, inputShape?: [number, number, number]): tf.layers.Layer {
  const first = inputShape ? { inputShape } : {};
  switch (spec.type) {
    case 'conv2d':
      return tf.layers.conv2d({
        ...first,
        filters: spec.filters,
        kernelSize: spec.kernel,
        activation: spec.activation,
        padding: 'valid',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      });
    case 'maxPool':
      return tf.layers.maxPooling2d({ ...first, poolSize: spec.size, strides: spec.size, padding: 'valid' });
    case 'flatten':
      return tf.layers.flatten(first);
    case 'dense':
      return tf.layers.dense({
        ...first,
        units: spec.units,
        activation: spec.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      });
    case 'dropout':
      // Active only when the model is applied with training: true. No seed: tfjs reseeds its
      // generator on every call, so a seeded layer would drop the same units in every batch.
      return tf.layers.dropout({ ...first, rate: spec.rate });
  }
}

export function buildModel(
  preset: ModelPresetId,
  inputShape: [number, number, number],
  numClasses: number,
  seed: number,
  task: Task = 'classification',
): tf.LayersModel {
  const specs = layerSpecs(preset, inputShape, numClasses, task);
  const model = tf.sequential();
  specs.forEach((spec, i) => model.add(toLayer(spec, layerSeed(seed, i), i === 0 ? inputShape : undefined)));
  const expected = paramCount(preset, inputShape, numClasses, task);
  if (model.countParams() !== expected) {
    model.dispose();
    // spec.ts and this file disagree about the architecture: a bug, not bad input.
    throw new Error(`Internal error: the ${preset} model has ${model.countParams()} weights, expected ${expected}.`);
  }
  return model;
}
