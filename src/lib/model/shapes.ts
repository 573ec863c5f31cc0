/**
 * Shape inference and parameter counts for a layer list, by arithmetic, exactly
 * as tfjs computes them (test/unit/shapes.test.ts holds the two side by side).
 * Shapes are per sample, without the batch: [height, width, channels] for an
 * image, [n] for a vector.
 *
 * Worked example, 28×28×1 input:
 *   conv 32 3×3 valid  → 26×26×32   3·3·1·32 + 32  =    320 parameters
 *   maxpool 2          → 13×13×32
 *   flatten            → 5408
 *   dense 10           → 10         5408·10 + 10   = 54,090 parameters
 */
import { LAYER_NAMES, layerValueProblem, type LayerSpec, type Padding } from './layers';

export type Shape = number[];

export interface LayerRow {
  /** The layer's output shape for one sample. */
  output: Shape;
  /** All weights, as tfjs's countParams counts them (BatchNormalization's moving statistics included). */
  params: number;
  /** The weights gradients update. */
  trainable: number;
}

/** What is wrong with a stack, and where: `index` is the 0-based layer at fault, or null for the stack as a whole or the loss. */
export interface StackProblem {
  index: number | null;
  message: string;
}

export interface StackShapes {
  /** One row per layer up to (not including) the first layer whose shape fails. */
  rows: LayerRow[];
  problem: StackProblem | null;
}

export const formatShapeOf = (s: Shape) => s.join('×');

/** Output side of a convolution or pool window along one axis, as tfjs computes it. */
export function outputSide(side: number, window: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(side / stride) : Math.floor((side - window) / stride) + 1;
}

const name = (layer: LayerSpec) => LAYER_NAMES[layer.type];

/** The output shape and weights of one layer, or why it cannot take this input. */
function step(layer: LayerSpec, input: Shape): LayerRow | string {
  const image = input.length === 3;
  switch (layer.type) {
    case 'dense': {
      if (image) {
        return `Dense needs a flat input, but its input is ${formatShapeOf(input)}: add Flatten before it.`;
      }
      const params = input[0] * layer.units + layer.units;
      return { output: [layer.units], params, trainable: params };
    }
    case 'conv2d':
    case 'maxPool':
    case 'avgPool': {
      if (!image) return `${name(layer)} needs an image (height×width×channels), but its input is flat (${input[0]}): move it before Flatten.`;
      const window = layer.type === 'conv2d' ? layer.kernel : layer.size;
      const [h, w, c] = input;
      const oh = outputSide(h, window, layer.stride, layer.padding);
      const ow = outputSide(w, window, layer.stride, layer.padding);
      if (oh < 1 || ow < 1) {
        return `A ${window}×${window} window does not fit a ${h}×${w} input with valid padding: the output would be smaller than 1×1. Use a smaller window, 'same' padding, or remove a layer that shrinks the image.`;
      }
      if (layer.type !== 'conv2d') return { output: [oh, ow, c], params: 0, trainable: 0 };
      const params = window * window * c * layer.filters + layer.filters;
      return { output: [oh, ow, layer.filters], params, trainable: params };
    }
    case 'flatten':
      // tfjs's Flatten refuses an input that is already a vector.
      if (!image) return `Flatten needs an image or other grid, but its input is already flat (${input[0]}): remove it.`;
      return { output: [input.reduce((a, b) => a * b, 1)], params: 0, trainable: 0 };
    case 'batchNorm': {
      // gamma and beta are trained; the moving mean and variance are weights too, updated without gradients.
      const channels = input[input.length - 1];
      return { output: input, params: 4 * channels, trainable: 2 * channels };
    }
    case 'dropout':
      return { output: input, params: 0, trainable: 0 };
  }
}

/** Every layer's output shape and weights, stopping at the first layer that cannot work. */
export function inferShapes(layers: readonly LayerSpec[], inputShape: Shape): StackShapes {
  const rows: LayerRow[] = [];
  let shape = inputShape;
  for (let i = 0; i < layers.length; i++) {
    const own = layerValueProblem(layers[i]);
    const row = own ? `${name(layers[i])}: ${own}.` : step(layers[i], shape);
    if (typeof row === 'string') return { rows, problem: { index: i, message: row } };
    rows.push(row);
    shape = row.output;
  }
  return { rows, problem: null };
}

export const sumParams = (rows: readonly LayerRow[]) => rows.reduce((n, r) => n + r.params, 0);
