/** Turns a list of LayerSpecs into a tfjs model with seeded initial weights. */
import * as tf from '@tensorflow/tfjs';
import type { ModelPresetId } from '../config';
import type { Task } from '../types';
import { layersToText, type LayerSpec } from './layers';
import { inferShapes, sumParams } from './shapes';
import { layerSpecs } from './spec';

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
        strides: spec.stride,
        activation: spec.activation,
        padding: spec.padding,
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      });
    case 'maxPool':
    case 'avgPool': {
      const args = { ...first, poolSize: spec.size, strides: spec.stride, padding: spec.padding };
      return spec.type === 'maxPool' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args);
    }
    case 'flatten':
      return tf.layers.flatten(first);
    case 'batchNorm':
      return tf.layers.batchNormalization(first);
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

/**
 * A sequential model of these layers. The caller checks the stack first
 * (validate.ts); a stack whose shapes do not work is refused here too, before
 * tfjs is asked, so the message is the page's own.
 */
export function buildLayers(layers: readonly LayerSpec[], inputShape: [number, number, number], seed: number): tf.LayersModel {
  const { rows, problem } = inferShapes(layers, inputShape);
  if (problem) throw new Error(problem.message);
  const model = tf.sequential();
  try {
    layers.forEach((spec, i) => model.add(toLayer(spec, layerSeed(seed, i), i === 0 ? inputShape : undefined)));
  } catch (err) {
    model.dispose();
    throw err;
  }
  const expected = sumParams(rows);
  if (model.countParams() !== expected) {
    const got = model.countParams();
    model.dispose();
    // shapes.ts and tfjs disagree about the architecture: a bug, not bad input.
    throw new Error(`Internal error: the model ${layersToText(layers)} has ${got} weights, expected ${expected}.`);
  }
  return model;
}

/** A preset's model, sized for the data. */
export function buildModel(
  preset: ModelPresetId,
  inputShape: [number, number, number],
  numClasses: number,
  seed: number,
  task: Task = 'classification',
): tf.LayersModel {
  return buildLayers(layerSpecs(preset, inputShape, numClasses, task), inputShape, seed);
}
