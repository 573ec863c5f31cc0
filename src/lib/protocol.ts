/**
 * The messages between the page and the training worker, in both directions.
 * Every message carries a runId; the page ignores events whose runId is not the
 * current one, so a newer request supersedes an older one.
 * Tensors never cross: only plain numbers and typed arrays.
 */
import type { BackendName, ExperimentConfig } from './config';
import type { BatchProgress, EpochLog, Evaluation, SavedModelMeta } from './types';

export type WorkerRequest =
  /** Train config.model on config.datasetId, evaluate on its test split, save the model. */
  | { type: 'train'; runId: string; config: ExperimentConfig; modelName?: string }
  /** Stop the run within one batch. The partly trained model is still evaluated and saved. */
  | { type: 'stop'; runId: string }
  /** Predict one sample with a saved model. pixels: prod(inputShape) values (pixels in 0–1, or encoded tabular features). */
  | { type: 'predict'; runId: string; modelId: string; pixels: Float32Array }
  /** Ask which backend would be used, without training. */
  | { type: 'probe'; runId: string; backend: ExperimentConfig['backend'] };

export type ErrorKind =
  | 'device-lost'
  | 'quota'
  | 'dataset-missing'
  | 'model-missing'
  | 'bad-config'
  | 'backend'
  | 'internal';

export type WorkerEvent =
  | {
      type: 'backend';
      runId: string;
      backend: BackendName;
      /** Why a preferred backend was not used, e.g. "WebGPU is not available in this browser". Null when none was skipped. */
      fallbackReason: string | null;
    }
  | {
      type: 'started';
      runId: string;
      paramCount: number;
      trainSamples: number;
      valSamples: number;
      batchesPerEpoch: number;
      epochs: number;
    }
  | ({ type: 'batch'; runId: string } & BatchProgress)
  | { type: 'epoch'; runId: string; log: EpochLog; numTensors: number }
  | { type: 'evaluating'; runId: string; done: number; total: number }
  | { type: 'evaluation'; runId: string; result: Evaluation }
  | { type: 'saved'; runId: string; model: SavedModelMeta }
  | { type: 'done'; runId: string; stopped: boolean }
  /** probabilities: one per class; for regression a single value, the predicted target in its own units. */
  | { type: 'prediction'; runId: string; modelId: string; probabilities: number[] }
  | { type: 'error'; runId: string; kind: ErrorKind; message: string };

export type WorkerEventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;
