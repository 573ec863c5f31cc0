/**
 * Augmentation on the device: every image of a batch gets its own random
 * rotation, shift, shear, zoom and flip, applied as one tf.image.transform with
 * a matrix per image (bilinear, edges repeated as Keras's ImageDataGenerator
 * does by default), then its own brightness change, clipped to 0–1. The draws
 * come from a generator seeded by (seed, epoch, batch), so a run with the same
 * seed sees the same augmented batches.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/rng';
import { drawFor, transformMatrix, type Draw } from './matrix';
import { augments, type AugmentSetting } from './spec';

/** Takes a batch [n, height, width, channels] of pixels in 0–1 and returns it augmented; called inside a tf.tidy. */
export type Augmenter = (xs: tf.Tensor4D, epoch: number, batch: number) => tf.Tensor4D;

/**
 * tf.image.transform, bilinear, edges repeated. The CPU kernel of tfjs 4.22 returns
 * after the first image of a batch and leaves the rest filled with zeros, so on
 * the CPU each image is transformed alone; the WebGL and WebGPU kernels take the
 * whole batch in one pass.
 */
function transform(xs: tf.Tensor4D, matrices: tf.Tensor2D): tf.Tensor4D {
  if (tf.getBackend() !== 'cpu' || xs.shape[0] === 1) return tf.image.transform(xs, matrices, 'bilinear', 'nearest');
  const images = tf.split(xs, xs.shape[0]) as tf.Tensor4D[];
  const rows = tf.split(matrices, xs.shape[0]) as tf.Tensor2D[];
  return tf.concat(images.map((img, i) => tf.image.transform(img, rows[i], 'bilinear', 'nearest')));
}

/** Applies the draws, one per image, to a batch of images in 0–1. */
export function applyDraws(xs: tf.Tensor4D, draws: readonly Draw[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, height, width] = xs.shape;
    if (draws.length !== n) throw new Error(`${draws.length} augmentation draws for a batch of ${n} images.`);
    const matrices = tf.tensor2d(draws.flatMap((d) => transformMatrix(d, width, height)), [n, 8]);
    const moved = transform(xs, matrices);
    if (draws.every((d) => d.brightness === 0)) return moved;
    const shift = tf.tensor4d(draws.map((d) => d.brightness), [n, 1, 1, 1]);
    return tf.clipByValue(tf.add(moved, shift), 0, 1) as tf.Tensor4D;
  });
}

/** The stream of draws for (seed, epoch, batch); mixed with odd constants so neighbouring batches do not share one. */
export function batchRandom(seed: number, epoch: number, batch: number): () => number {
  return mulberry32((seed ^ Math.imul(epoch + 1, 0x9e3779b9) ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0);
}

/** The augmenter for a training run, or null when the setting changes nothing. */
export function createAugmenter(setting: AugmentSetting, seed: number): Augmenter | null {
  if (!augments(setting)) return null;
  return (xs, epoch, batch) => {
    const [n, height, width] = xs.shape;
    const rand = batchRandom(seed, epoch, batch);
    return applyDraws(xs, Array.from({ length: n }, () => drawFor(setting, width, height, rand)));
  };
}
