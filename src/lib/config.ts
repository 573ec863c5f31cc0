/**
 * The experiment config: one plain-JSON object that describes a training run.
 * The same object goes into the URL, IndexedDB and worker messages. Everything
 * untrusted passes `restoreConfig`, which fills defaults and rejects what it
 * cannot repair with a message a person understands.
 *
 * Fields are listed once, in FIELDS, which drives validation and URL encoding.
 */

/** 'mlp' and 'cnn' are the MNIST Keras examples, 'cifar-cnn' the CIFAR-10 one, 'tabular-mlp' dense 128 → 64 for tabular data. */
export const MODEL_PRESETS = ['mlp', 'cnn', 'cifar-cnn', 'tabular-mlp'] as const;
export type ModelPresetId = (typeof MODEL_PRESETS)[number];

export const OPTIMIZERS = ['adam', 'sgd'] as const;
export type OptimizerId = (typeof OPTIMIZERS)[number];

/** 'auto' tries WebGPU, then WebGL, then CPU. */
export const BACKENDS = ['auto', 'webgpu', 'webgl', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface ExperimentConfig {
  datasetId: string;
  model: ModelPresetId;
  optimizer: OptimizerId;
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Fraction of the training split held out for validation (the last samples, as Keras does). */
  validationSplit: number;
  seed: number;
  /** Train on only the first N training samples; 0 means all of them. */
  trainLimit: number;
  backend: BackendChoice;
}

export const DEFAULT_CONFIG: Readonly<ExperimentConfig> = Object.freeze({
  datasetId: 'mnist',
  model: 'mlp',
  optimizer: 'adam',
  learningRate: 0.001,
  batchSize: 128,
  epochs: 5,
  validationSplit: 0.1,
  seed: 42,
  trainLimit: 0,
  backend: 'auto',
});

type FieldSpec<K extends keyof ExperimentConfig> = {
  label: string;
  parse: (raw: unknown) => ExperimentConfig[K] | undefined;
  /** Returns a reason when the value is out of range. */
  check?: (value: ExperimentConfig[K]) => string | undefined;
};

const num = (raw: unknown): number | undefined => {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};
const int = (raw: unknown): number | undefined => {
  const n = num(raw);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
};
const oneOf =
  <T extends string>(options: readonly T[]) =>
  (raw: unknown): T | undefined =>
    options.includes(raw as T) ? (raw as T) : undefined;
const range = (lo: number, hi: number) => (v: number) =>
  v < lo || v > hi ? `must be between ${lo} and ${hi}` : undefined;

export const FIELDS: { [K in keyof ExperimentConfig]: FieldSpec<K> } = {
  datasetId: {
    label: 'Dataset',
    parse: (raw) => (typeof raw === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/i.test(raw) ? raw : undefined),
  },
  model: { label: 'Model', parse: oneOf(MODEL_PRESETS) },
  optimizer: { label: 'Optimizer', parse: oneOf(OPTIMIZERS) },
  learningRate: { label: 'Learning rate', parse: num, check: (v) => (v > 0 && v <= 10 ? undefined : 'must be above 0 and at most 10') },
  batchSize: { label: 'Batch size', parse: int, check: range(1, 4096) },
  epochs: { label: 'Epochs', parse: int, check: range(1, 1000) },
  validationSplit: { label: 'Validation split', parse: num, check: range(0, 0.5) },
  seed: { label: 'Seed', parse: int, check: range(0, 2 ** 31 - 1) },
  trainLimit: { label: 'Training samples', parse: int, check: range(0, 10_000_000) },
  backend: { label: 'Backend', parse: oneOf(BACKENDS) },
};

export const CONFIG_KEYS = Object.keys(FIELDS) as (keyof ExperimentConfig)[];

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
    const spec = FIELDS[key] as FieldSpec<typeof key>;
    const value = spec.parse(raw[key]);
    if (value === undefined) {
      problems.push(`${spec.label}: "${String(raw[key])}" is not a valid value`);
      continue;
    }
    const reason = spec.check?.(value as never);
    if (reason) problems.push(`${spec.label} ${reason} (got ${String(value)})`);
    else out[key] = value;
  }
  if (problems.length) throw new ConfigError(problems.join('; '));
  return out as unknown as ExperimentConfig;
}

/** Only fields that differ from the defaults go into the URL, so links stay short. */
export function configToSearchParams(config: ExperimentConfig): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of CONFIG_KEYS) {
    if (config[key] !== DEFAULT_CONFIG[key]) params.set(key, String(config[key]));
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
