/**
 * The model presets as plain data. The page imports this to describe a model
 * and count its parameters before any tfjs code is loaded, so it must stay free
 * of tfjs; build.ts turns the same specs into layers, which keeps the two in step.
 */
import type { ModelPresetId } from '../config';
import type { DatasetKind, Task } from '../types';
import type { LayerSpec } from './layers';
import { inferShapes, sumParams } from './shapes';

export type { LayerSpec };

export interface PresetInfo {
  id: ModelPresetId;
  name: string;
  description: string;
}

export const PRESETS: PresetInfo[] = [
  {
    id: 'mlp',
    name: 'MLP 784-512-256-128-10',
    description: 'flatten → dense 512 relu → dense 256 relu → dense 128 relu → dense 10 softmax',
  },
  {
    id: 'cnn',
    name: 'CNN',
    description: 'conv 32 3×3 → max-pool 2 → conv 64 3×3 → max-pool 2 → flatten → dense 64 → dense 10',
  },
  {
    id: 'cifar-cnn',
    name: 'CIFAR-10 CNN',
    description: 'conv 32 3×3 → max-pool 2 → conv 64 3×3 → max-pool 2 → conv 64 3×3 → flatten → dense 64 → dropout 0.5 → dense 10',
  },
  {
    id: 'tabular-mlp',
    name: 'Tabular MLP',
    description: 'dense 128 → dense 64 → softmax, or a linear output for regression',
  },
];

/**
 * Smallest image side each convolutional preset takes: every valid 3×3
 * convolution takes 2 pixels off, every 2×2 pool halves (rounding down), and
 * the last feature map must keep at least one pixel. 10 → 8 → 4 → 2 → 1;
 * 18 → 16 → 8 → 6 → 3 → 1.
 */
const MIN_SIDE: Partial<Record<ModelPresetId, number>> = { cnn: 10, 'cifar-cnn': 18 };

const SHORT_NAME: Partial<Record<ModelPresetId, string>> = { mlp: 'MLP', cnn: 'CNN' };

/** What a model is called in its name: "CNN" for a preset as it is, "Custom model" once its layers were edited. */
export function modelShortName(config: { model: ModelPresetId; layers: readonly unknown[] }): string {
  if (config.layers.length > 0) return 'Custom model';
  return SHORT_NAME[config.model] ?? presetName(config.model);
}

const presetName = (id: ModelPresetId) => PRESETS.find((p) => p.id === id)?.name ?? id;

/** What presetsFor and defaultPresetFor need to know about a dataset. */
export interface PresetTarget {
  kind: DatasetKind;
  shape: [number, number, number];
  task: Task;
}

/** The presets that fit the data, in the order the page lists them. */
export function presetsFor(meta: PresetTarget): ModelPresetId[] {
  if (meta.kind === 'tabular') return ['tabular-mlp'];
  const side = Math.min(meta.shape[0], meta.shape[1]);
  return (['mlp', 'cnn', 'cifar-cnn'] as const).filter((id) => side >= (MIN_SIDE[id] ?? 1));
}

/** MNIST-sized images get the MLP, CIFAR-sized the CIFAR CNN, other images the CNN when they are big enough. */
export function defaultPresetFor(meta: PresetTarget): ModelPresetId {
  if (meta.kind === 'tabular') return 'tabular-mlp';
  const [h, w, c] = meta.shape;
  if (h === 28 && w === 28) return 'mlp';
  if (h === 32 && w === 32 && c === 3) return 'cifar-cnn';
  return presetsFor(meta).includes('cnn') ? 'cnn' : 'mlp';
}

/**
 * Why the preset cannot train on this dataset, or null when it can. A URL can
 * carry any preset, so the worker checks before building anything.
 */
export function presetProblem(preset: ModelPresetId, meta: PresetTarget & { name: string }): string | null {
  if (presetsFor(meta).includes(preset)) return null;
  const pick = presetName(defaultPresetFor(meta));
  if (meta.kind === 'tabular') return `The ${presetName(preset)} preset is for images; pick ${pick} for ${meta.name}.`;
  if (preset === 'tabular-mlp') return `The Tabular MLP preset is for tables of numbers; pick ${pick} for ${meta.name}.`;
  const min = MIN_SIDE[preset] ?? 1;
  return `The ${presetName(preset)} needs images of at least ${min}×${min} pixels; ${meta.name} has ${meta.shape[0]}×${meta.shape[1]}. Pick ${pick} instead.`;
}

export function layerSpecs(
  preset: ModelPresetId,
  inputShape: [number, number, number],
  numClasses: number,
  task: Task = 'classification',
): LayerSpec[] {
  checkShape(inputShape, numClasses, task);
  const output: LayerSpec =
    task === 'regression' ? { type: 'dense', units: 1, activation: 'linear' } : { type: 'dense', units: numClasses, activation: 'softmax' };
  const min = MIN_SIDE[preset];
  if (min !== undefined && (inputShape[0] < min || inputShape[1] < min)) {
    throw new Error(
      `The ${presetName(preset)} needs images of at least ${min}×${min} pixels; these are ${inputShape[0]}×${inputShape[1]}. Choose the MLP instead.`,
    );
  }
  const conv = (filters: number): LayerSpec => ({ type: 'conv2d', filters, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' });
  const pool: LayerSpec = { type: 'maxPool', size: 2, stride: 2, padding: 'valid' };
  switch (preset) {
    case 'mlp':
      return [
        { type: 'flatten' },
        { type: 'dense', units: 512, activation: 'relu' },
        { type: 'dense', units: 256, activation: 'relu' },
        { type: 'dense', units: 128, activation: 'relu' },
        output,
      ];
    case 'cnn':
      return [
        conv(32),
        pool,
        conv(64),
        pool,
        { type: 'flatten' },
        { type: 'dense', units: 64, activation: 'relu' },
        output,
      ];
    case 'cifar-cnn':
      return [
        conv(32),
        pool,
        conv(64),
        pool,
        conv(64),
        { type: 'flatten' },
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'dropout', rate: 0.5 },
        output,
      ];
    case 'tabular-mlp':
      return [
        { type: 'flatten' },
        { type: 'dense', units: 128, activation: 'relu' },
        { type: 'dense', units: 64, activation: 'relu' },
        output,
      ];
  }
  throw new Error(`Unknown model "${String(preset)}". Choose one of: ${PRESETS.map((p) => p.id).join(', ')}.`);
}

/** Weights of the preset, by arithmetic (shapes.ts), as tfjs's countParams counts them. */
export function paramCount(
  preset: ModelPresetId,
  inputShape: [number, number, number],
  numClasses: number,
  task: Task = 'classification',
): number {
  const { rows, problem } = inferShapes(layerSpecs(preset, inputShape, numClasses, task), inputShape);
  if (problem) throw new Error(problem.message);
  return sumParams(rows);
}

function checkShape(inputShape: [number, number, number], numClasses: number, task: Task): void {
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`The image shape must be three positive whole numbers (height, width, channels); got ${JSON.stringify(inputShape)}.`);
  }
  if (task === 'classification' && (!Number.isInteger(numClasses) || numClasses < 2)) {
    throw new Error(`A classifier needs at least 2 classes; this dataset has ${numClasses}.`);
  }
}
