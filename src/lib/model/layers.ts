/**
 * A model as plain data: a list of layer specs, and its compact URL text. Free of
 * tfjs, so the page can describe, count and check a model before tfjs loads;
 * build.ts turns the same specs into layers.
 *
 * URL form: layers joined by "_", each layer's parts by "-".
 *
 *   dense-<units>-<activation>                         dense-64-relu
 *   conv-<filters>-<kernel>[-s<stride>][-same]-<act>   conv-32-3-relu, conv-16-5-s2-same-tanh
 *   maxpool-<size>[-s<stride>][-same]                  maxpool-2 (stride = size, valid padding)
 *   avgpool-<size>[-s<stride>][-same]                  avgpool-3-s2-same
 *   flatten, bn (batch normalisation), dropout-<rate>  dropout-0.5
 *
 * Left out: stride 1 for convolutions, stride = size for pools, valid padding.
 * Worked example, for 28×28×1 MNIST images:
 *
 *   conv-32-3-relu_maxpool-2_flatten_dense-64-relu_dropout-0.5_dense-10-softmax
 *   28×28×1 → 26×26×32 → 13×13×32 → 5408 → 64 → 64 → 10
 *
 * "_" and "-" need no escaping in a query string, so the link stays readable.
 */

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh', 'softmax', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];

export type LayerSpec =
  | { type: 'dense'; units: number; activation: Activation }
  | { type: 'conv2d'; filters: number; kernel: number; stride: number; padding: Padding; activation: Activation }
  | { type: 'maxPool' | 'avgPool'; size: number; stride: number; padding: Padding }
  | { type: 'flatten' }
  | { type: 'batchNorm' }
  | { type: 'dropout'; rate: number };

export type LayerType = LayerSpec['type'];

/** Names people see, in the order the editor offers them. */
export const LAYER_NAMES: Record<LayerType, string> = {
  dense: 'Dense',
  conv2d: 'Conv2D',
  maxPool: 'MaxPooling2D',
  avgPool: 'AveragePooling2D',
  flatten: 'Flatten',
  dropout: 'Dropout',
  batchNorm: 'BatchNormalization',
};
export const LAYER_TYPES = Object.keys(LAYER_NAMES) as LayerType[];

/** A new layer of each type, as the editor adds it. */
export function newLayer(type: LayerType): LayerSpec {
  switch (type) {
    case 'dense':
      return { type, units: 64, activation: 'relu' };
    case 'conv2d':
      return { type, filters: 32, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' };
    case 'maxPool':
    case 'avgPool':
      return { type, size: 2, stride: 2, padding: 'valid' };
    case 'dropout':
      return { type, rate: 0.5 };
    case 'flatten':
    case 'batchNorm':
      return { type };
  }
}

/** Whole-number settings and their ranges; a layer outside them is refused wherever it comes from. */
export const LIMITS = {
  units: [1, 8192],
  filters: [1, 1024],
  kernel: [1, 15],
  size: [1, 15],
  stride: [1, 15],
} as const;
export const MAX_LAYERS = 64;

/** Why one layer's own settings are unusable ("units must be between 1 and 8192 (got 0)"), or undefined. */
export function layerValueProblem(layer: LayerSpec): string | undefined {
  const whole = (name: keyof typeof LIMITS, v: number) => {
    const [lo, hi] = LIMITS[name];
    return Number.isInteger(v) && v >= lo && v <= hi ? undefined : `${name} must be a whole number from ${lo} to ${hi} (got ${v})`;
  };
  switch (layer.type) {
    case 'dense':
      return whole('units', layer.units);
    case 'conv2d':
      return whole('filters', layer.filters) ?? whole('kernel', layer.kernel) ?? whole('stride', layer.stride);
    case 'maxPool':
    case 'avgPool':
      return whole('size', layer.size) ?? whole('stride', layer.stride);
    case 'dropout':
      return layer.rate >= 0 && layer.rate < 1 ? undefined : `the dropout rate must be at least 0 and below 1 (got ${layer.rate})`;
    default:
      return undefined;
  }
}

/** Why the list's settings are unusable ("layer 3: units must be …"), or undefined. Shapes are checked elsewhere: they depend on the data. */
export function layersProblem(layers: readonly LayerSpec[]): string | undefined {
  if (layers.length > MAX_LAYERS) return `must have at most ${MAX_LAYERS} layers`;
  for (let i = 0; i < layers.length; i++) {
    const p = layerValueProblem(layers[i]);
    if (p) return `are unusable at layer ${i + 1} (${LAYER_NAMES[layers[i].type]}): ${p}`;
  }
  return undefined;
}

const isActivation = (v: unknown): v is Activation => ACTIVATIONS.includes(v as Activation);
const isPadding = (v: unknown): v is Padding => PADDINGS.includes(v as Padding);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** One stored layer (plain JSON) to a spec, or undefined when its shape is wrong; stride and padding may be missing. */
function layerFromJson(raw: unknown): LayerSpec | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  switch (r.type) {
    case 'dense': {
      const units = num(r.units);
      return units !== undefined && isActivation(r.activation) ? { type: 'dense', units, activation: r.activation } : undefined;
    }
    case 'conv2d': {
      const filters = num(r.filters);
      const kernel = num(r.kernel);
      const stride = r.stride === undefined ? 1 : num(r.stride);
      const padding = r.padding ?? 'valid';
      if (filters === undefined || kernel === undefined || stride === undefined || !isPadding(padding) || !isActivation(r.activation)) return undefined;
      return { type: 'conv2d', filters, kernel, stride, padding, activation: r.activation };
    }
    case 'maxPool':
    case 'avgPool': {
      const size = num(r.size);
      const stride = r.stride === undefined ? size : num(r.stride);
      const padding = r.padding ?? 'valid';
      if (size === undefined || stride === undefined || !isPadding(padding)) return undefined;
      return { type: r.type, size, stride, padding };
    }
    case 'dropout': {
      const rate = num(r.rate);
      return rate === undefined ? undefined : { type: 'dropout', rate };
    }
    case 'flatten':
    case 'batchNorm':
      return { type: r.type };
    default:
      return undefined;
  }
}

export function layersFromJson(raw: unknown): LayerSpec[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out = raw.map(layerFromJson);
  return out.every((l) => l !== undefined) ? (out as LayerSpec[]) : undefined;
}

/** Each type's word in the URL form; the Python export names its layers with it too (conv0, dense3). */
export const TOKEN: Record<LayerType, string> = {
  dense: 'dense',
  conv2d: 'conv',
  maxPool: 'maxpool',
  avgPool: 'avgpool',
  flatten: 'flatten',
  batchNorm: 'bn',
  dropout: 'dropout',
};
const TYPE_OF_TOKEN = Object.fromEntries(Object.entries(TOKEN).map(([type, token]) => [token, type])) as Record<string, LayerType>;

export function layerToText(layer: LayerSpec): string {
  const t = TOKEN[layer.type];
  switch (layer.type) {
    case 'dense':
      return `${t}-${layer.units}-${layer.activation}`;
    case 'conv2d':
      return [t, layer.filters, layer.kernel, ...(layer.stride !== 1 ? [`s${layer.stride}`] : []), ...(layer.padding === 'same' ? ['same'] : []), layer.activation].join('-');
    case 'maxPool':
    case 'avgPool':
      return [t, layer.size, ...(layer.stride !== layer.size ? [`s${layer.stride}`] : []), ...(layer.padding === 'same' ? ['same'] : [])].join('-');
    case 'dropout':
      return `${t}-${layer.rate}`;
    default:
      return t;
  }
}

export const layersToText = (layers: readonly LayerSpec[]) => layers.map(layerToText).join('_');

/** Numbers in the URL form are plain decimals: "1e3", "0x10" or " 5" are refused. */
const DECIMAL = /^\d+(\.\d+)?$/;
const decimal = (s: string | undefined) => (s !== undefined && DECIMAL.test(s) ? Number(s) : undefined);

/** The optional "-s<stride>" and "-same" parts, in that order, then what follows them. */
function strideAndPadding(parts: string[], defaultStride: number): { stride: number; padding: Padding; rest: string[] } | undefined {
  let i = 0;
  let stride = defaultStride;
  if (/^s\d/.test(parts[i] ?? '')) {
    const s = decimal(parts[i].slice(1));
    if (s === undefined) return undefined;
    stride = s;
    i++;
  }
  const padding: Padding = parts[i] === 'same' ? 'same' : 'valid';
  if (padding === 'same') i++;
  return { stride, padding, rest: parts.slice(i) };
}

function layerFromText(text: string): LayerSpec | undefined {
  const [token, ...parts] = text.split('-');
  const type = TYPE_OF_TOKEN[token];
  switch (type) {
    case 'dense': {
      const units = decimal(parts[0]);
      return parts.length === 2 && units !== undefined && isActivation(parts[1]) ? { type, units, activation: parts[1] } : undefined;
    }
    case 'conv2d': {
      const filters = decimal(parts[0]);
      const kernel = decimal(parts[1]);
      const sp = strideAndPadding(parts.slice(2), 1);
      if (filters === undefined || kernel === undefined || !sp || sp.rest.length !== 1 || !isActivation(sp.rest[0])) return undefined;
      return { type, filters, kernel, stride: sp.stride, padding: sp.padding, activation: sp.rest[0] };
    }
    case 'maxPool':
    case 'avgPool': {
      const size = decimal(parts[0]);
      const sp = size === undefined ? undefined : strideAndPadding(parts.slice(1), size);
      return size !== undefined && sp && sp.rest.length === 0 ? { type, size, stride: sp.stride, padding: sp.padding } : undefined;
    }
    case 'dropout': {
      const rate = decimal(parts[0]);
      return parts.length === 1 && rate !== undefined ? { type, rate } : undefined;
    }
    case 'flatten':
    case 'batchNorm':
      return parts.length === 0 ? { type } : undefined;
    default:
      return undefined;
  }
}

/** The URL text to layers; "" is the empty list (the preset's own layers). */
export function layersFromText(text: string): LayerSpec[] | undefined {
  if (text === '') return [];
  const out = text.split('_').map(layerFromText);
  return out.every((l) => l !== undefined) ? (out as LayerSpec[]) : undefined;
}
