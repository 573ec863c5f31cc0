/**
 * A saved Hearth model's weights as a PyTorch state dict, for weights.npz. tfjs
 * keeps them channels-last, PyTorch channels-first, so each changes layout:
 *
 *   Dense kernel    [in, out]              → Linear weight [out, in]        (transposed)
 *   Conv2D kernel   [kh, kw, in, out] HWIO → Conv2d weight [out, in, kh, kw] OIHW
 *   after Flatten   features in (y, x, c) order → (c, y, x) order: the next Dense's
 *                   inputs, and any BatchNormalization or Dropout between, are reordered
 *   BatchNormalization gamma, beta, moving_mean, moving_variance
 *                   → weight, bias, running_mean, running_var
 *
 * tfjs names weights "<layer>/kernel" and lists every trainable weight before the
 * moving statistics, so they are found by the layer names of the stored topology,
 * not by position.
 */
import type { NpyArray } from './npy';
import { channelsFirstOrder, type PlannedLayer } from './plan';

export interface StoredModel {
  modelTopology: unknown;
  weightSpecs: unknown[];
  weightData: ArrayBuffer;
}

const CLASS_NAMES: Record<string, string> = {
  dense: 'Dense',
  conv2d: 'Conv2D',
  maxPool: 'MaxPooling2D',
  avgPool: 'AveragePooling2D',
  flatten: 'Flatten',
  batchNorm: 'BatchNormalization',
  dropout: 'Dropout',
};

/** The tfjs layer names of a stored Sequential topology, in order, checked against the planned layers. */
function layerNames(topology: unknown, plan: readonly PlannedLayer[]): string[] {
  const t = topology as { class_name?: unknown; config?: { layers?: unknown } } | null;
  const layers = t?.config?.layers;
  if (!Array.isArray(layers)) throw new Error('The stored model has no list of layers; it cannot be exported with its weights.');
  // A Keras topology may begin with an InputLayer; Hearth's do not, but the weights don't care.
  const own = layers.filter((l) => (l as { class_name?: unknown })?.class_name !== 'InputLayer') as { class_name?: unknown; config?: { name?: unknown } }[];
  if (own.length !== plan.length) throw new Error(`The stored model has ${own.length} layers but its settings list ${plan.length}; it cannot be exported with its weights.`);
  return own.map((l, i) => {
    const expected = CLASS_NAMES[plan[i].spec.type];
    if (l.class_name !== expected) throw new Error(`Layer ${i + 1} of the stored model is ${String(l.class_name)}, but its settings say ${expected}; it cannot be exported with its weights.`);
    if (typeof l.config?.name !== 'string') throw new Error(`Layer ${i + 1} of the stored model has no name.`);
    return l.config.name;
  });
}

/** Every stored tensor by name, as float32 views into the weight data. */
function tensorsByName(m: StoredModel): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const raw of m.weightSpecs) {
    const spec = raw as { name: string; shape: number[]; dtype: string; quantization?: unknown };
    const count = spec.shape.reduce((n, d) => n * d, 1);
    if (spec.dtype !== 'float32' || spec.quantization) throw new Error(`The weight ${spec.name} is stored as ${spec.quantization ? 'quantised ' : ''}${spec.dtype}; only float32 weights can be exported.`);
    if (offset + count * 4 > m.weightData.byteLength) throw new Error('The stored weights are shorter than their list says; the model is damaged.');
    out.set(spec.name, { shape: spec.shape, data: new Float32Array(m.weightData.slice(offset, offset + count * 4)) });
    offset += count * 4;
  }
  return out;
}

const f32 = (shape: number[], data: Float32Array): NpyArray => ({ dtype: 'float32', shape, data });

/** [in, out] → [out, in], the inputs taken in `order` (feature t of the result is input order[t]). */
export function denseToTorch(kernel: Float32Array, inputs: number, outputs: number, order?: Int32Array): Float32Array {
  const out = new Float32Array(inputs * outputs);
  for (let o = 0; o < outputs; o++) for (let t = 0; t < inputs; t++) out[o * inputs + t] = kernel[(order ? order[t] : t) * outputs + o];
  return out;
}

/** HWIO → OIHW. */
export function convToTorch(kernel: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = kernel[((y * kw + x) * ci + i) * co + o];
  return out;
}

const reorder = (v: Float32Array, order: Int32Array | undefined) => (order ? Float32Array.from(order, (k) => v[k]) : v);

/** weights.npz's arrays: "<name>.weight", "<name>.bias", and for batch normalisation "<name>.running_mean" and "<name>.running_var". */
export function torchStateDict(plan: readonly PlannedLayer[], stored: StoredModel): Record<string, NpyArray> {
  const names = layerNames(stored.modelTopology, plan);
  const tensors = tensorsByName(stored);
  const take = (layer: number, weight: string, shape: number[]) => {
    const t = tensors.get(`${names[layer]}/${weight}`);
    if (!t) throw new Error(`The stored model lacks the ${weight} of layer ${layer + 1} (${names[layer]}).`);
    if (t.shape.join('×') !== shape.join('×')) throw new Error(`The ${weight} of layer ${layer + 1} is ${t.shape.join('×')}, expected ${shape.join('×')}; the model is damaged.`);
    return t.data;
  };
  const out: Record<string, NpyArray> = {};
  for (const l of plan) {
    const order = l.grid ? channelsFirstOrder(l.grid) : undefined;
    const s = l.spec;
    if (s.type === 'dense') {
      const inputs = l.input[0];
      out[`${l.name}.weight`] = f32([s.units, inputs], denseToTorch(take(l.index, 'kernel', [inputs, s.units]), inputs, s.units, order));
      out[`${l.name}.bias`] = f32([s.units], take(l.index, 'bias', [s.units]));
    } else if (s.type === 'conv2d') {
      const shape = [s.kernel, s.kernel, l.input[2], s.filters];
      out[`${l.name}.weight`] = f32([s.filters, l.input[2], s.kernel, s.kernel], convToTorch(take(l.index, 'kernel', shape), shape));
      out[`${l.name}.bias`] = f32([s.filters], take(l.index, 'bias', [s.filters]));
    } else if (s.type === 'batchNorm') {
      const n = l.input[l.input.length - 1];
      const pairs = [['gamma', 'weight'], ['beta', 'bias'], ['moving_mean', 'running_mean'], ['moving_variance', 'running_var']] as const;
      for (const [from, to] of pairs) out[`${l.name}.${to}`] = f32([n], reorder(take(l.index, from, [n]), order));
    }
  }
  return out;
}
