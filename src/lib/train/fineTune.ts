/**
 * Fine-tuning on the device: a freshly built model takes a saved model's weights
 * layer by layer, with a new output layer when the class count differs, and
 * chosen layers are frozen. The loop trains only model.trainableWeights, so a
 * frozen layer's weights stay bit for bit what they were, and the optimizer
 * keeps no state for them.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from './errors';

const shapesOf = (layer: tf.layers.Layer) => layer.getWeights().map((w) => w.shape);
const sameShapes = (a: number[][], b: number[][]) => a.length === b.length && a.every((s, i) => tf.util.arraysEqual(s, b[i]));

/**
 * Copies `parent`'s weights into `model`, which has the same layers but perhaps
 * another output size. Returns whether the output layer was left fresh (a new head).
 */
export function startFrom(model: tf.LayersModel, parent: tf.LayersModel, parentName: string): { newHead: boolean } {
  const layers = model.layers;
  const from = parent.layers;
  const mismatch = (why: string) =>
    new InputError(`The model cannot start from "${parentName}": ${why}. Fine-tune it with its own layers (press Fine-tune on it again).`);
  if (layers.length !== from.length) throw mismatch(`it has ${from.length} layers and these settings have ${layers.length}`);
  let newHead = false;
  layers.forEach((layer, i) => {
    const want = shapesOf(layer);
    const have = shapesOf(from[i]);
    if (sameShapes(want, have)) {
      if (want.length) layer.setWeights(from[i].getWeights());
    } else if (i === layers.length - 1) {
      newHead = true; // the output layer keeps its fresh, seeded weights
    } else {
      throw mismatch(`layer ${i + 1} has weights of shape ${JSON.stringify(have)} there and ${JSON.stringify(want)} here`);
    }
  });
  return { newHead };
}

/** A batch-normalisation layer's call, which the frozen layer replaces. */
type Callable = { call: (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[] };

/**
 * Freezes layers by number (counted from 1). A frozen batch normalisation also
 * stops updating its moving mean and variance, as Keras's does: it normalises as
 * in inference, since a layer that is not trained must not change at all.
 */
export function freezeLayers(model: tf.LayersModel, freeze: readonly number[]): void {
  for (const n of freeze) {
    const layer = model.layers[n - 1];
    if (!layer) throw new InputError(`Layer ${n} cannot be frozen: the model has ${model.layers.length} layers.`);
    layer.trainable = false;
    if (layer.getClassName() === 'BatchNormalization') {
      const own = layer as unknown as Callable;
      const call = own.call.bind(layer);
      own.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
    }
  }
}

/** The variables the optimizer may change: those of layers that are not frozen. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * Makes every layer trainable again before the model is saved. tfjs lists a frozen
 * layer's weights after the trained ones and writes `trainable: false` into the
 * topology; unfrozen, the saved model is stored in layer order like any other, and
 * fine-tunes or exports as one. Its settings keep the freeze list.
 */
export function unfreezeAll(model: tf.LayersModel): void {
  for (const layer of model.layers) layer.trainable = true;
}
