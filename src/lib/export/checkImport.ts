/**
 * Checks an imported layers model before tfjs builds anything: the layer types,
 * the shapes, and that the weights given are exactly the weights the layers
 * need. tfjs would fail on most of these too, but with messages no person can
 * act on ("Cannot read properties of undefined"), or, worse, allocate a layer
 * of a billion units first. Pure data: no tfjs here.
 */
import type { DatasetMeta } from '../types';
import { BYTES_PER_VALUE } from '../storage/restoreModel';
import { MAX_SIDE } from '../storage/restore';
import { ModelImportError, type GatheredModel } from './readFiles';

/** Layer types Hearth builds, evaluates and fine-tunes; all are tfjs built-ins. */
export const KNOWN_LAYERS = [
  'InputLayer', 'Dense', 'Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'Flatten', 'Dropout', 'BatchNormalization',
  'Activation', 'ReLU', 'Softmax', 'LeakyReLU', 'Reshape', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
  'DepthwiseConv2D', 'SeparableConv2D', 'ZeroPadding2D', 'SpatialDropout2D', 'GaussianNoise', 'Rescaling',
] as const;

/** A weight or layer past these is no model a browser tab can hold: the file is damaged or not meant for Hearth. */
export const MAX_WEIGHT_VALUES = 1 << 26;
export const MAX_MODEL_VALUES = 1 << 27;
const MAX_UNITS = 1 << 20;

export interface ImportedShape {
  /** One sample's shape, the batch dimension left out. */
  inputShape: number[];
  /** The last layer's units (Dense), or null when it cannot be told without building the model. */
  outputUnits: number | null;
  paramCount: number;
  layerCount: number;
}

type Raw = Record<string, unknown>;
interface Layer {
  className: string;
  name: string;
  config: Raw;
}

const fail = (message: string): never => {
  throw new ModelImportError(message);
};
const obj = (v: unknown): Raw | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Raw) : null);
const shapeText = (s: unknown[]) => `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;

/** The layers of a Sequential or functional model, as tfjs writes them and as the Keras converter does (under model_config). */
function layersOf(topology: unknown, fileName: string): { layers: Layer[]; outputName: string | null } {
  let t = obj(topology);
  if (t && obj(t.model_config)) t = obj(t.model_config);
  if (!t) return fail(`"${fileName}" has no layer description ("modelTopology" is not an object).`);
  const className = String(t.class_name ?? '');
  const config = t.config;
  if (className !== 'Sequential' && className !== 'Model' && className !== 'Functional') {
    return fail(`"${fileName}" is not a layers model Hearth reads (its model class is "${className || 'missing'}"; expected Sequential or a functional Model). Graph models from tf.saved_model cannot be trained here.`);
  }
  const list = Array.isArray(config) ? config : obj(config)?.layers;
  if (!Array.isArray(list) || list.length === 0) return fail(`"${fileName}" lists no layers.`);
  const layers = list.map((raw, i): Layer => {
    const l = obj(raw) ?? {};
    const c = obj(l.config) ?? {};
    return { className: String(l.class_name ?? ''), name: String(c.name ?? l.name ?? `layer ${i + 1}`), config: c };
  });
  const outputs = obj(config)?.output_layers;
  const outputName = Array.isArray(outputs) && Array.isArray(outputs[0]) ? String(outputs[0][0]) : null;
  return { layers, outputName };
}

function inputShapeOf(layers: Layer[], fileName: string): number[] {
  const withShape = layers.find((l) => Array.isArray(l.config.batch_input_shape) || Array.isArray(l.config.batchInputShape) || Array.isArray(l.config.input_shape));
  const c = withShape?.config;
  const batch = (c?.batch_input_shape ?? c?.batchInputShape) as unknown[] | undefined;
  const shape = batch ? batch.slice(1) : (c?.input_shape as unknown[] | undefined);
  if (!shape) return fail(`"${fileName}" does not say what input its first layer takes (no batch_input_shape).`);
  if (shape.length < 1 || shape.length > 3 || !shape.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= MAX_SIDE * 1024)) {
    return fail(`Absurd input shape ${shapeText(batch ?? shape)} in "${fileName}": each input dimension must be a whole number from 1 up, at most 3 of them (height, width, channels).`);
  }
  const sized = shape as number[];
  if (sized.length === 3 && (sized[0] > MAX_SIDE || sized[1] > MAX_SIDE)) return fail(`Absurd input shape ${shapeText(sized)}: images up to ${MAX_SIDE}×${MAX_SIDE} are supported.`);
  return sized;
}

/** The weight names (after the layer's name) a layer of this type owns, with the dims its config fixes (null: any). */
function expectedWeights(l: Layer): { suffix: string; dims: (number | null)[] | null }[] {
  const c = l.config;
  const bias = c.use_bias !== false;
  const units = Number(c.units);
  const filters = Number(c.filters);
  const kernel = Array.isArray(c.kernel_size) ? (c.kernel_size as number[]) : [Number(c.kernel_size), Number(c.kernel_size)];
  switch (l.className) {
    case 'Dense':
      return [{ suffix: 'kernel', dims: [null, units] }, ...(bias ? [{ suffix: 'bias', dims: [units] }] : [])];
    case 'Conv2D':
      return [{ suffix: 'kernel', dims: [kernel[0], kernel[1], null, filters] }, ...(bias ? [{ suffix: 'bias', dims: [filters] }] : [])];
    case 'DepthwiseConv2D':
      return [{ suffix: 'depthwise_kernel', dims: [kernel[0], kernel[1], null, null] }, ...(bias ? [{ suffix: 'bias', dims: null }] : [])];
    case 'SeparableConv2D':
      return [
        { suffix: 'depthwise_kernel', dims: [kernel[0], kernel[1], null, null] },
        { suffix: 'pointwise_kernel', dims: [1, 1, null, filters] },
        ...(bias ? [{ suffix: 'bias', dims: [filters] }] : []),
      ];
    case 'BatchNormalization':
      return [
        ...(c.scale !== false ? [{ suffix: 'gamma', dims: null }] : []),
        ...(c.center !== false ? [{ suffix: 'beta', dims: null }] : []),
        { suffix: 'moving_mean', dims: null },
        { suffix: 'moving_variance', dims: null },
      ];
    default:
      return [];
  }
}

interface Spec {
  name: string;
  shape: number[];
  bytes: number;
}

function readSpecs(specs: unknown[]): Spec[] {
  return specs.map((raw, i) => {
    const s = obj(raw) ?? {};
    const name = typeof s.name === 'string' ? s.name : fail(`Weight ${i + 1} of the manifest has no name.`);
    const shape = s.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
      return fail(`The weight "${name}" has no usable shape (${JSON.stringify(shape)?.slice(0, 60)}).`);
    }
    const values = (shape as number[]).reduce((a, b) => a * b, 1);
    if (values > MAX_WEIGHT_VALUES || (shape as number[]).some((d) => d > MAX_WEIGHT_VALUES)) {
      return fail(`Absurd shape ${shapeText(shape)} for the weight "${name}": ${values.toExponential(1)} values, more than the ${MAX_WEIGHT_VALUES.toLocaleString('en')} a weight may hold.`);
    }
    const q = obj(s.quantization);
    const dtype = q ? String(q.dtype) : String(s.dtype);
    if (q && dtype === 'uint8' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) fail(`The 8-bit weight "${name}" lacks its scale and min.`);
    const size = ['float32', 'int32', 'uint8', 'uint16', 'float16'].includes(dtype) ? BYTES_PER_VALUE[dtype] : 0;
    if (!size) fail(`The weight "${name}" is stored as "${dtype}", which is not a number type TensorFlow.js layers read.`);
    return { name, shape: shape as number[], bytes: values * size };
  });
}

/** Throws ModelImportError naming the first problem; returns the model's input and output as they will be checked against a dataset. */
export function checkImportedModel(model: GatheredModel): ImportedShape {
  const { fileName } = model;
  const { layers, outputName } = layersOf(model.json.modelTopology, fileName);
  const unknown = layers.find((l) => !(KNOWN_LAYERS as readonly string[]).includes(l.className));
  if (unknown) {
    fail(`Unknown layer type "${unknown.className || '(none)'}" (layer "${unknown.name}") in "${fileName}". Hearth reads these layer types: ${KNOWN_LAYERS.join(', ')}.`);
  }
  for (const l of layers) {
    for (const key of ['units', 'filters'] as const) {
      const v = l.config[key];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_UNITS)) {
        fail(`Absurd ${key === 'units' ? 'unit count' : 'filter count'} ${JSON.stringify(v)} in layer "${l.name}": it must be a whole number from 1 to ${MAX_UNITS.toLocaleString('en')}.`);
      }
    }
  }
  const inputShape = inputShapeOf(layers, fileName);

  const specs = readSpecs(model.specs);
  const paramCount = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  if (paramCount > MAX_MODEL_VALUES) fail(`Absurd model size: ${paramCount.toLocaleString('en')} weights, more than the ${MAX_MODEL_VALUES.toLocaleString('en')} Hearth handles.`);
  const expectedBytes = specs.reduce((a, s) => a + s.bytes, 0);
  if (expectedBytes !== model.weightData.byteLength) {
    fail(`Mismatched weights: the weights files hold ${model.weightData.byteLength.toLocaleString('en')} bytes, but "${fileName}" describes ${expectedBytes.toLocaleString('en')} bytes of weights. The .bin files do not belong to this model.json, or one of them is cut short.`);
  }

  const unclaimed = new Set(specs.map((s) => s.name));
  for (const l of layers) {
    for (const want of expectedWeights(l)) {
      const full = `${l.name}/${want.suffix}`;
      const spec = specs.find((s) => s.name === full || s.name.endsWith(`/${full}`));
      if (!spec) fail(`Missing weight "${full}": layer "${l.name}" (${l.className}) needs it, but the weights manifest of "${fileName}" does not list it.`);
      else {
        unclaimed.delete(spec.name);
        const dims = want.dims;
        const fits = !dims || (dims.length === spec.shape.length && dims.every((d, i) => d === null || !Number.isFinite(d) || d === spec.shape[i]));
        if (!fits) {
          fail(`Mismatched weight "${spec.name}": its shape is ${shapeText(spec.shape)}, but layer "${l.name}" needs ${shapeText(dims!.map((d) => (d === null || !Number.isFinite(d) ? '?' : d)))}.`);
        }
      }
    }
  }
  if (unclaimed.size > 0) {
    const [first] = unclaimed;
    fail(`Mismatched weights: the manifest lists "${first}"${unclaimed.size > 1 ? ` and ${unclaimed.size - 1} more` : ''}, which no layer of the model has.`);
  }
  const last = outputName ? layers.find((l) => l.name === outputName) : layers[layers.length - 1];
  const outputUnits = last?.className === 'Dense' ? (last.config.units as number) : null;
  return { inputShape, outputUnits, paramCount, layerCount: layers.length };
}

/** The model's input and output must fit the dataset it is to be evaluated and fine-tuned on. */
export function checkFitsDataset(shape: ImportedShape, dataset: Pick<DatasetMeta, 'name' | 'shape' | 'task' | 'classes' | 'kind'>): void {
  const want = dataset.shape;
  const got = shape.inputShape;
  const flatTable = dataset.kind === 'tabular' && got.length === 1 && got[0] === want[2];
  const same = got.length === 3 && got.every((d, i) => d === want[i]);
  if (!same) {
    const hint = flatTable ? ' Hearth feeds table rows as 1×1×features; rebuild the model with that input shape.' : '';
    fail(`Wrong input shape for "${dataset.name}": the model takes ${shapeText(got)}, but the dataset's samples are ${shapeText(want)} (height, width, channels).${hint}`);
  }
  if (shape.outputUnits === null) return;
  const classes = dataset.classes.length;
  const ok = dataset.task === 'regression' ? shape.outputUnits === 1 : shape.outputUnits === classes || (classes === 2 && shape.outputUnits === 1);
  if (!ok) {
    const want = dataset.task === 'regression' ? '1 output (a regression target)' : `${classes} outputs, one per class`;
    fail(`The model's output does not fit "${dataset.name}": it has ${shape.outputUnits} outputs, but the dataset needs ${want}.`);
  }
}
