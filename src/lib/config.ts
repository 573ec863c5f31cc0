/**
 * The experiment config: one plain-JSON object that describes a training run.
 * The same object goes into the URL, IndexedDB and worker messages. Everything
 * untrusted passes `restoreConfig`, which fills defaults and rejects what it
 * cannot repair with a message a person understands.
 *
 * Fields are listed once, in FIELDS (see fields.ts for the kinds): the type, the
 * defaults, the restore gate, the URL and the settings form all derive from it.
 */
import { choiceField, idField, numberField, structuredField, toggleField, type ConfigView, type Field, type ValueOf } from './fields';
import { scheduleFromJson, scheduleFromText, scheduleProblem, scheduleToText, type Schedule } from './schedule';
import { augmentField } from './augment/spec';
import { layersFromJson, layersFromText, layersProblem, layersToText, type LayerSpec } from './model/layers';
import { LOSS_OPTIONS, type LossChoice } from './model/loss';
import { freezeField } from './model/finetune';

/** 'mlp' and 'cnn' are the MNIST Keras examples, 'cifar-cnn' the CIFAR-10 one, 'tabular-mlp' dense 128 → 64 for tabular data. */
const MODEL_OPTIONS = [
  ['mlp', 'MLP'],
  ['cnn', 'CNN'],
  ['cifar-cnn', 'CIFAR-10 CNN'],
  ['tabular-mlp', 'Tabular MLP'],
] as const;
export const MODEL_PRESETS = MODEL_OPTIONS.map(([id]) => id);
export type ModelPresetId = (typeof MODEL_OPTIONS)[number][0];

const OPTIMIZER_OPTIONS = [
  ['adam', 'Adam'],
  ['sgd', 'SGD'],
  ['rmsprop', 'RMSprop'],
] as const;
export const OPTIMIZERS = OPTIMIZER_OPTIONS.map(([id]) => id);
export type OptimizerId = (typeof OPTIMIZER_OPTIONS)[number][0];

/** 'auto' tries WebGPU, then WebGL, then CPU. */
const BACKEND_OPTIONS = [
  ['auto', 'Auto (best available)'],
  ['webgpu', 'WebGPU'],
  ['webgl', 'WebGL'],
  ['cpu', 'CPU'],
] as const;
export const BACKENDS = BACKEND_OPTIONS.map(([id]) => id);
export type BackendChoice = (typeof BACKEND_OPTIONS)[number][0];
export type BackendName = Exclude<BackendChoice, 'auto'>;

const usesOptimizer = (c: ConfigView, ...ids: OptimizerId[]) => ids.includes(c.optimizer as OptimizerId);

export const FIELDS = {
  datasetId: idField({ label: 'Dataset', default: 'mnist', pattern: /^[a-z0-9][a-z0-9._-]{0,63}$/i }),
  /** The preset the model starts from; it alone is the model while `layers` is empty. */
  model: choiceField<ModelPresetId>({ label: 'Model', default: 'mlp', options: MODEL_OPTIONS, inForm: false }),
  /**
   * The model's layers, input to output; empty means the preset's own layers, sized
   * for the dataset (so links and records from before the editor keep working).
   * URL form (see model/layers.ts): layers joined by "_", parts by "-", e.g.
   * `layers=conv-32-3-relu_maxpool-2_flatten_dense-64-relu_dropout-0.5_dense-10-softmax`
   * is conv 32 3×3 relu → max-pool 2×2 → flatten → dense 64 relu → dropout 0.5 → dense 10 softmax.
   */
  layers: structuredField<LayerSpec[]>({
    label: 'Layers',
    default: [],
    fromJson: layersFromJson,
    fromText: layersFromText,
    toText: layersToText,
    check: layersProblem,
  }),
  /** 'auto' fits the head: cross-entropy for classes (binary for a 1-unit sigmoid head), MSE for regression. */
  loss: choiceField<LossChoice>({ label: 'Loss', default: 'auto', options: LOSS_OPTIONS, inForm: false }),
  optimizer: choiceField<OptimizerId>({ label: 'Optimizer', default: 'adam', options: OPTIMIZER_OPTIONS }),
  learningRate: numberField({ label: 'Learning rate', default: 0.001, min: 0, max: 10, aboveMin: true }),
  /** SGD's momentum (heavy ball, or Nesterov's), and RMSprop's. 0 = plain SGD. */
  momentum: numberField({ label: 'Momentum', default: 0, min: 0, max: 0.999, shownIf: (c) => usesOptimizer(c, 'sgd', 'rmsprop') }),
  nesterov: toggleField({ label: 'Nesterov momentum', default: false, shownIf: (c) => usesOptimizer(c, 'sgd') && Number(c.momentum) > 0 }),
  beta1: numberField({ label: 'β₁', hint: 'Adam', default: 0.9, min: 0, max: 0.9999, shownIf: (c) => usesOptimizer(c, 'adam') }),
  beta2: numberField({ label: 'β₂', hint: 'Adam', default: 0.999, min: 0, max: 0.9999, shownIf: (c) => usesOptimizer(c, 'adam') }),
  /** RMSprop's decay of its mean square ("rho" in Keras). */
  rho: numberField({ label: 'ρ', hint: 'RMSprop', default: 0.9, min: 0, max: 0.9999, shownIf: (c) => usesOptimizer(c, 'rmsprop') }),
  epsilon: numberField({ label: 'ε', default: 1e-7, min: 0, max: 1, aboveMin: true, shownIf: (c) => usesOptimizer(c, 'adam', 'rmsprop') }),
  /** How the learning rate changes from epoch to epoch; URL text as in schedule.ts ("step_every10_x0.5"). */
  schedule: structuredField<Schedule>({
    label: 'Learning-rate schedule',
    default: { kind: 'constant' },
    fromJson: scheduleFromJson,
    fromText: scheduleFromText,
    toText: scheduleToText,
    check: scheduleProblem,
    input: { kind: 'schedule' },
  }),
  /**
   * Decoupled weight decay (AdamW's): after each step every kernel shrinks by
   * learning rate × this fraction; biases are left alone.
   */
  weightDecay: numberField({ label: 'Weight decay', hint: '0 = off', default: 0, min: 0, max: 0.5 }),
  /** Stop after this many epochs without a lower validation loss, and keep the best epoch's weights. */
  patience: numberField({ label: 'Early-stopping patience', hint: '0 = off', default: 0, integer: true, min: 0, max: 1000 }),
  batchSize: numberField({ label: 'Batch size', default: 128, integer: true, min: 1, max: 4096 }),
  epochs: numberField({ label: 'Epochs', default: 5, integer: true, min: 1, max: 1000 }),
  /** Fraction of the training split held out for validation (the last samples, as Keras does). */
  validationSplit: numberField({ label: 'Validation split', default: 0.1, min: 0, max: 0.5 }),
  seed: numberField({ label: 'Seed', default: 42, integer: true, min: 0, max: 2 ** 31 - 1 }),
  /** Train on only the first N training samples; 0 means all of them. */
  trainLimit: numberField({ label: 'Training samples', hint: '0 = all', default: 0, integer: true, min: 0, max: 10_000_000 }),
  backend: choiceField<BackendChoice>({ label: 'Backend', default: 'auto', options: BACKEND_OPTIONS }),
  /** Random changes to training images, off (null) by default; see augment/spec.ts for the URL form. */
  augment: augmentField,
  /** Fine-tuning: the saved model whose weights the run starts from; empty = fresh weights. */
  from: idField({ label: 'Fine-tuned from', default: '', pattern: /^(?:[a-z0-9][a-z0-9._-]{0,63})?$/i }),
  /** Fine-tuning: layers (counted from 1) that keep the saved model's weights exactly; see model/finetune.ts. */
  freeze: freezeField,
  /** Fine-tuning: the share of every training batch drawn from the training split the saved model learned from. */
  replay: numberField({
    label: 'Replay of the original data',
    hint: '0–0.5 of each batch',
    default: 0,
    min: 0,
    max: 0.5,
    help: "A share of every batch comes from the saved model's own training data, so it does not forget it.",
    shownIf: (c) => c.from !== '',
  }),
};

type Fields = typeof FIELDS;
export type ConfigKey = keyof Fields;
export type ExperimentConfig = { [K in ConfigKey]: ValueOf<Fields[K]> };

export const CONFIG_KEYS = Object.keys(FIELDS) as ConfigKey[];

export const DEFAULT_CONFIG: Readonly<ExperimentConfig> = Object.freeze(
  Object.fromEntries(CONFIG_KEYS.map((key) => [key, FIELDS[key].default])) as ExperimentConfig,
);

/** The field's entry, typed for generic code: parse, check, URL text and form input. */
export function fieldOf<K extends ConfigKey>(key: K): Field<ExperimentConfig[K]> {
  return FIELDS[key] as unknown as Field<ExperimentConfig[K]>;
}

/**
 * Why `raw` cannot be this field's value ("Epochs must be between 1 and 1000
 * (got 0)"), or undefined with the value when it can.
 */
export function parseField<K extends ConfigKey>(key: K, raw: unknown): { value: ExperimentConfig[K] } | { problem: string } {
  const spec = fieldOf(key);
  const value = spec.parse(raw);
  if (value === undefined) return { problem: `${spec.label}: "${String(raw)}" is not a valid value` };
  const reason = spec.check?.(value);
  return reason ? { problem: `${spec.label} ${reason} (got ${spec.toText(value)})` } : { value };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Builds a valid config from untrusted input. Missing fields take their
 * defaults; a field that is present but unusable is an error naming the field.
 * Unknown fields are dropped.
 */
export function restoreConfig(input: unknown): ExperimentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('The experiment settings are not an object.');
  }
  const raw = input as Record<string, unknown>;
  const out = { ...DEFAULT_CONFIG } as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of CONFIG_KEYS) {
    if (raw[key] === undefined) continue;
    const parsed = parseField(key, raw[key]);
    if ('problem' in parsed) problems.push(parsed.problem);
    else out[key] = parsed.value;
  }
  if (problems.length) throw new ConfigError(problems.join('; '));
  return out as ExperimentConfig;
}

/** Only fields that differ from the defaults go into the URL, so links stay short. */
export function configToSearchParams(config: ExperimentConfig): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of CONFIG_KEYS) {
    const spec = fieldOf(key);
    if (!spec.equals(config[key], spec.default)) params.set(key, spec.toText(config[key]));
  }
  return params;
}

export function configFromSearchParams(params: URLSearchParams): ExperimentConfig {
  const raw: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = params.get(key);
    if (value !== null) raw[key] = value;
  }
  return restoreConfig(raw);
}
