/**
 * The model as the Python exports build it: one entry per Hearth layer, with a
 * stable name both scripts and weights.npz use ("conv0", "maxpool1",
 * "flatten2", "dense3"), its input and output shapes (channels last, as Hearth
 * and Keras hold them), and for the flat layers after a Flatten the grid the
 * features came from, which PyTorch flattens in another order.
 *
 * Worked example, 28×28×1 input, conv-8-3-relu_maxpool-2_flatten_dense-10-softmax:
 *   conv0    28×28×1 → 26×26×8
 *   maxpool1 26×26×8 → 13×13×8
 *   flatten2 13×13×8 → 1352        (grid 13×13×8)
 *   dense3   1352    → 10          (grid 13×13×8: its inputs are reordered for PyTorch)
 */
import { LAYER_NAMES, TOKEN, type LayerSpec } from '../../model/layers';
import { inferShapes, type Shape } from '../../model/shapes';

export interface PlannedLayer {
  index: number;
  spec: LayerSpec;
  /** The layer's name in both scripts and in weights.npz. */
  name: string;
  input: Shape;
  output: Shape;
  /** Flat layers between a Flatten and the next Dense (that Dense included): the [height, width, channels] grid their features came from. */
  grid: [number, number, number] | null;
}

/** Why these layers cannot be exported to Python, or undefined. Every Hearth layer maps; a layer from elsewhere may not. */
export function exportProblem(layers: readonly LayerSpec[], inputShape: readonly number[]): string | undefined {
  for (let i = 0; i < layers.length; i++) {
    const type = (layers[i] as { type: unknown }).type;
    if (typeof type !== 'string' || !Object.hasOwn(TOKEN, type)) {
      return `Layer ${i + 1} (${String(type)}) has no counterpart in the Python export: it maps Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, BatchNormalization and Dropout to Keras and PyTorch. Replace it with one of those to export this model.`;
    }
  }
  if (layers.length === 0) return 'The model has no layers to export.';
  const { problem } = inferShapes(layers, [...inputShape]);
  if (problem) return problem.index === null ? problem.message : `Layer ${problem.index + 1} (${LAYER_NAMES[layers[problem.index].type]}): ${problem.message}`;
  return undefined;
}

export function planLayers(layers: readonly LayerSpec[], inputShape: readonly [number, number, number]): PlannedLayer[] {
  const problem = exportProblem(layers, inputShape);
  if (problem) throw new Error(problem);
  const { rows } = inferShapes(layers, [...inputShape]);
  let input: Shape = [...inputShape];
  let grid: [number, number, number] | null = null;
  return layers.map((spec, index) => {
    if (spec.type === 'flatten') grid = input as [number, number, number];
    const planned: PlannedLayer = { index, spec, name: `${TOKEN[spec.type]}${index}`, input, output: rows[index].output, grid: spec.type === 'flatten' ? null : grid };
    if (spec.type === 'dense') grid = null;
    input = rows[index].output;
    return planned;
  });
}

/**
 * The reordering of a flattened grid: entry t is the Hearth (channels-last)
 * index of PyTorch's (channels-first) feature t. For a 2×2×2 grid:
 * [0, 2, 4, 6, 1, 3, 5, 7] (PyTorch lists channel 0 at every pixel first).
 */
export function channelsFirstOrder([h, w, c]: readonly [number, number, number]): Int32Array {
  const order = new Int32Array(h * w * c);
  let t = 0;
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) order[t++] = (y * w + x) * c + ch;
  return order;
}
