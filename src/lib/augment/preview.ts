/**
 * The augmentation preview: the first few training images of a dataset, each
 * shown as stored and then augmented several times, computed where training
 * runs (the worker, on its backend) with the code training uses.
 */
import * as tf from '@tensorflow/tfjs';
import type { HearthDb } from '../storage/db';
import { getDataset, previewSamples } from '../storage/datasets';
import { InputError } from '../train/errors';
import { applyDraws } from './apply';
import { IDENTITY, drawFor, type Draw } from './matrix';
import { mulberry32 } from '../data/rng';
import type { Augment } from './spec';

export interface AugmentPreviewRequest {
  datasetId: string;
  augment: Augment;
  seed: number;
  /** Counts the person's redraws: each gives new draws, the same number the same ones. */
  draw: number;
  samples: number;
  variants: number;
}

export interface AugmentPreview {
  shape: [number, number, number];
  /** Images per sample: the stored one first, then `variants` augmented ones. */
  perSample: number;
  labels: string[];
  /** samples × perSample images of prod(shape) values in 0–1, sample by sample. */
  pixels: Float32Array;
}

const SCALE = 1 / 255;

export async function augmentPreview(db: HearthDb, req: AugmentPreviewRequest): Promise<AugmentPreview> {
  const meta = await getDataset(db, req.datasetId);
  if (!meta) throw new InputError(`The dataset "${req.datasetId}" is not stored (it may have been deleted).`);
  if (meta.kind !== 'image') throw new InputError(`${meta.name} is a table: augmentation moves the pixels of images, so it does not apply.`);
  const { x, y, count } = await previewSamples(db, meta.id, req.samples);
  const [height, width, channels] = meta.shape;
  const sampleLen = height * width * channels;
  const perSample = req.variants + 1;
  const images = new Float32Array(count * perSample * sampleLen);
  const draws: Draw[] = [];
  const rand = mulberry32((req.seed ^ Math.imul(req.draw + 1, 0x9e3779b9)) >>> 0);
  for (let i = 0; i < count; i++) {
    for (let v = 0; v < perSample; v++) {
      const at = (i * perSample + v) * sampleLen;
      for (let j = 0; j < sampleLen; j++) images[at + j] = x instanceof Uint8Array ? x[i * sampleLen + j] * SCALE : x[i * sampleLen + j];
      draws.push(v === 0 ? IDENTITY : drawFor(req.augment, width, height, rand));
    }
  }
  const out = tf.tidy(() => applyDraws(tf.tensor4d(images, [count * perSample, height, width, channels]), draws));
  try {
    const pixels = (await out.data()) as Float32Array;
    return { shape: meta.shape, perSample, labels: Array.from(y, (label) => meta.classes[label] ?? String(label)), pixels };
  } finally {
    out.dispose();
  }
}
