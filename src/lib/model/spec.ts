/**
 * The model presets as plain data. The page imports this to describe a model
 * and count its parameters before any tfjs code is loaded, so it must stay free
 * of tfjs; build.ts turns the same specs into layers, which keeps the two in step.
 */
import type { ModelPresetId } from '../config';

export type LayerSpec =
  | { type: 'conv2d'; filters: number; kernel: number; activation: 'relu' }
  | { type: 'maxPool'; size: number }
  | { type: 'flatten' }
  | { type: 'dense'; units: number; activation: 'relu' | 'softmax' }
  | { type: 'dropout'; rate: number };

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
];

export function layerSpecs(
  preset: ModelPresetId,
  inputShape: [number, number, number],
  numClasses: number,
): LayerSpec[] {
  checkShape(inputShape, numClasses);
  if (preset === 'mlp') {
    return [
      { type: 'flatten' },
      { type: 'dense', units: 512, activation: 'relu' },
      { type: 'dense', units: 256, activation: 'relu' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dense', units: numClasses, activation: 'softmax' },
    ];
  }
  if (preset === 'cnn') {
    const [h, w] = inputShape;
    // Two valid 3×3 convolutions and two 2×2 pools need at least 10×10 pixels.
    if (h < 10 || w < 10) {
      throw new Error(`The CNN needs images of at least 10×10 pixels; these are ${h}×${w}. Choose the MLP instead.`);
    }
    return [
      { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' },
      { type: 'maxPool', size: 2 },
      { type: 'conv2d', filters: 64, kernel: 3, activation: 'relu' },
      { type: 'maxPool', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dense', units: numClasses, activation: 'softmax' },
    ];
  }
  throw new Error(`Unknown model "${String(preset)}". Choose one of: ${PRESETS.map((p) => p.id).join(', ')}.`);
}

/** Trainable weights of the preset, by arithmetic; convolutions and pools use valid padding, as build.ts does. */
export function paramCount(
  preset: ModelPresetId,
  inputShape: [number, number, number],
  numClasses: number,
): number {
  let [h, w, c] = inputShape;
  let flat = 0; // > 0 once the activations are a vector
  let total = 0;
  for (const layer of layerSpecs(preset, inputShape, numClasses)) {
    switch (layer.type) {
      case 'conv2d':
        total += layer.kernel * layer.kernel * c * layer.filters + layer.filters;
        h = h - layer.kernel + 1;
        w = w - layer.kernel + 1;
        c = layer.filters;
        break;
      case 'maxPool':
        h = Math.floor(h / layer.size);
        w = Math.floor(w / layer.size);
        break;
      case 'flatten':
        flat = h * w * c;
        break;
      case 'dense':
        total += flat * layer.units + layer.units;
        flat = layer.units;
        break;
      case 'dropout':
        break;
    }
  }
  return total;
}

function checkShape(inputShape: [number, number, number], numClasses: number): void {
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`The image shape must be three positive whole numbers (height, width, channels); got ${JSON.stringify(inputShape)}.`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new Error(`A classifier needs at least 2 classes; this dataset has ${numClasses}.`);
  }
}
