/**
 * Training settings that fit a dataset, for a person who just presses Train.
 * One rule for every dataset: aim at about TARGET_STEPS optimiser steps (2,000 for images), with a
 * batch of about 1/25 of the training set (a power of two from 8 to 128), and
 * at least MIN_EPOCHS passes. MNIST's 54,000 training images keep Keras's
 * 128 × 5 epochs (2,110 steps); Iris's 120 rows get batches of 8 for 100 epochs
 * (1,500 steps, where 128 × 5 gave 5), the 800 points of a 2-D set batches of 32
 * for 100 epochs. Small tables are trained with Adam at 0.01, annealed by a
 * cosine to 1 % of it so the last epochs settle instead of jittering. Images
 * keep Keras's 0.001 and a constant rate: a convolutional net on pixels takes
 * smaller steps. Early stopping stays off: on the spiral, stopping at the best
 * validation loss of 100 points cost a point or two of test accuracy against
 * training on while the cosine settles.
 */
import type { ExperimentConfig } from './config';
import type { DatasetKind, Task } from './types';

export const TARGET_STEPS = 2500;
/** A step on images costs far more than on a row of numbers; MNIST stays at 5 epochs. */
export const TARGET_IMAGE_STEPS = 2000;
export const MIN_EPOCHS = 5;
export const MAX_EPOCHS = 100;

export type TrainingDefaults = Pick<ExperimentConfig, 'optimizer' | 'learningRate' | 'batchSize' | 'epochs' | 'schedule' | 'patience'>;

/** What the defaults depend on: the kind of data and how many samples train. */
export interface DefaultsTarget {
  kind: DatasetKind;
  task: Task;
  trainSamples: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function trainingDefaults(target: DefaultsTarget): TrainingDefaults {
  const n = Math.max(1, target.trainSamples);
  const batchSize = 2 ** clamp(Math.round(Math.log2(n / 25)), 3, 7);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const epochs = clamp(Math.ceil((target.kind === 'image' ? TARGET_IMAGE_STEPS : TARGET_STEPS) / stepsPerEpoch), MIN_EPOCHS, MAX_EPOCHS);
  if (target.kind === 'image') {
    return { optimizer: 'adam', learningRate: 0.001, batchSize, epochs, schedule: { kind: 'constant' }, patience: 0 };
  }
  return {
    optimizer: 'adam',
    learningRate: 0.01,
    batchSize,
    epochs,
    schedule: { kind: 'cosine', floor: 0.01 },
    patience: 0,
  };
}

/** The training samples of a stored dataset as a run with no limit uses them. */
export function defaultsTargetOf(meta: { kind: DatasetKind; task: Task; splits: { train: { count: number }; val?: { count: number } } }): DefaultsTarget {
  // Without a stored validation split the run holds out the default 10 % of train.
  const trainSamples = meta.splits.val ? meta.splits.train.count : Math.round(meta.splits.train.count * 0.9);
  return { kind: meta.kind, task: meta.task, trainSamples };
}

export const DEFAULTS_KEYS = ['optimizer', 'learningRate', 'batchSize', 'epochs', 'schedule', 'patience'] as const satisfies readonly (keyof TrainingDefaults)[];

/** The defaults a config starts from before any dataset is known: the field table's own. */
export function tableDefaults(config: Pick<ExperimentConfig, keyof TrainingDefaults>): TrainingDefaults {
  return Object.fromEntries(DEFAULTS_KEYS.map((k) => [k, config[k]])) as TrainingDefaults;
}

/**
 * The fields to change when the dataset changes: those still at the previous
 * dataset's defaults follow to the new one's; a field the person set stays.
 */
export function followDefaults(config: Pick<ExperimentConfig, keyof TrainingDefaults>, previous: TrainingDefaults, next: TrainingDefaults): Partial<TrainingDefaults> {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const out: Partial<Record<keyof TrainingDefaults, unknown>> = {};
  for (const key of DEFAULTS_KEYS) if (same(config[key], previous[key]) && !same(config[key], next[key])) out[key] = next[key];
  return out as Partial<TrainingDefaults>;
}
