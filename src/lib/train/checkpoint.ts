/**
 * Checkpoints: a model's weights and its optimizer's state read off the device
 * at the end of an epoch, and put back into a freshly built model and optimizer
 * so that training goes on exactly as if it had never stopped.
 *
 * Exactly, on the cpu backend: every value is stored bit for bit (float32 as
 * float32), and Adam's running powers of beta1 and beta2 are stored too, since
 * tfjs's setWeights recomputes them with pow(), which rounds differently from
 * the product of a thousand steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointRecord, StoredTensors } from '../types';
import { learningRateOf, setLearningRate } from './optimizers';

type Named = { name: string; tensor: tf.Tensor };

async function encode(tensors: Named[]): Promise<StoredTensors> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return { data, specs: specs.map(({ name, shape, dtype }) => ({ name, shape, dtype: dtype as StoredTensors['specs'][number]['dtype'] })) };
}

/** Decoded in the stored order; the caller disposes them. */
function decode(stored: StoredTensors): Named[] {
  const map = tf.io.decodeWeights(stored.data, stored.specs);
  return stored.specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}

/** Adam keeps beta1^t and beta2^t in variables of its own. */
type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

export async function captureCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  kind: string,
): Promise<Pick<CheckpointRecord, 'weights' | 'optimizer' | 'bytes'>> {
  // Indexed names: tfjs names variables from a global counter, so a model rebuilt in another
  // worker has other names. Weights go back by position, as model.getWeights() lists them.
  const weights = await encode(model.getWeights().map((tensor, i) => ({ name: `w${i}`, tensor })));
  const slots = await optimizer.getWeights();
  const state = await encode(slots.map((s, i) => ({ name: i === 0 ? s.name : `s${i}`, tensor: s.tensor })));
  // getWeights makes a new scalar for the step count; the slots themselves are the optimizer's own.
  slots[0]?.tensor.dispose();
  const internals = optimizer as unknown as AdamInternals;
  const extra = internals.accBeta1 && internals.accBeta2 ? [(await internals.accBeta1.data())[0], (await internals.accBeta2.data())[0]] : [];
  return {
    weights,
    optimizer: { kind, learningRate: learningRateOf(optimizer), state, extra },
    bytes: weights.data.byteLength + state.data.byteLength,
  };
}

/** Puts a checkpoint's weights and optimizer state into a model and optimizer built as the run built them. */
export async function applyCheckpoint(model: tf.LayersModel, optimizer: tf.Optimizer, checkpoint: CheckpointRecord): Promise<void> {
  const weights = decode(checkpoint.weights);
  const current = model.getWeights();
  const fits = current.length === weights.length && current.every((w, i) => tf.util.arraysEqual(w.shape, weights[i].tensor.shape));
  if (!fits) {
    tf.dispose(weights.map((w) => w.tensor));
    throw new Error("The checkpoint's weights do not fit this model: it was made by other settings. Train the run again.");
  }
  model.setWeights(weights.map((w) => w.tensor));
  tf.dispose(weights.map((w) => w.tensor));
  const slots = decode(checkpoint.optimizer.state);
  // setWeights turns each slot into a variable of its own; the decoded tensors can go after.
  await optimizer.setWeights(slots);
  tf.dispose(slots.map((s) => s.tensor));
  const internals = optimizer as unknown as AdamInternals;
  if (internals.accBeta1 && internals.accBeta2 && checkpoint.optimizer.extra.length === 2) {
    const [b1, b2] = checkpoint.optimizer.extra;
    tf.tidy(() => {
      internals.accBeta1!.assign(tf.scalar(b1));
      internals.accBeta2!.assign(tf.scalar(b2));
    });
  }
  setLearningRate(optimizer, checkpoint.optimizer.learningRate);
}
