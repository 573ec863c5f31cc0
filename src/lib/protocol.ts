/**
 * The messages between the page and the training worker, in both directions.
 * Every message carries a runId; the page ignores events whose runId is not the
 * current one, so a newer request supersedes an older one.
 * Tensors never cross: only plain numbers and typed arrays.
 */
import type { BackendName, ExperimentConfig } from './config';
import type { BatchProgress, Divergence, EarlyStop, EpochLog, Evaluation, FineTuneReport, RunCurve, SavedModelMeta } from './types';
import type { AugmentPreview, AugmentPreviewRequest } from './augment/preview';
import type { ExportScheme } from './export/quantize';
import type { ExportFigure } from './export/figure';
import type { TestPredictions } from './metrics/samples';
import type { ProbeRecord } from './backendRates';
import type { BoundaryGrid } from './data/plane';

export type WorkerRequest =
  /** Train config.model on config.datasetId, evaluate on its test split, save the model. */
  | { type: 'train'; runId: string; config: ExperimentConfig; modelName?: string }
  /** Go on with the recorded run runId from its last checkpoint, as 'train' would have gone on. */
  | { type: 'resume'; runId: string }
  /**
   * Stop the run within one batch. A stop during training ends training; the model is
   * still evaluated and saved. A stop during evaluation ends it; the model is saved unevaluated.
   */
  | { type: 'stop'; runId: string }
  /** Try again to save the model a run could not save (see 'unsaved'), after space was freed. */
  | { type: 'save'; runId: string }
  /** Send that unsaved model to the page as a .zip to download (see 'archive'). */
  | { type: 'export'; runId: string }
  /** Let go of that unsaved model. */
  | { type: 'discard'; runId: string }
  /** Predict one sample with a saved model. pixels: prod(inputShape) values (pixels in 0–1, or encoded tabular features). */
  | { type: 'predict'; runId: string; modelId: string; pixels: Float32Array }
  /** What the saved model says about each sample of its dataset's test split (see 'test-predictions'). */
  | { type: 'test-predictions'; runId: string; modelId: string }
  /**
   * Ask which backend would be used, without training. measured: the rates this page kept from
   * an earlier 'backend' event (see ProbeRecord); the worker checks it and measures again if it is stale.
   */
  | { type: 'probe'; runId: string; backend: ExperimentConfig['backend']; measured?: unknown }
  /** The first `samples` training images of a dataset, each as stored and augmented `variants` times (see 'augment-preview'). */
  | ({ type: 'augment-preview'; runId: string } & AugmentPreviewRequest)
  /** A saved model as a .zip of TensorFlow.js files with weights in `scheme` (see 'archive'). */
  | { type: 'export-model'; runId: string; modelId: string; scheme: ExportScheme }
  /** Each export precision's size and test score; stoppable with 'stop'. */
  | { type: 'measure-export'; runId: string; modelId: string; testLimit?: number }
  /** Evaluate a saved model on its dataset's test split and store the scores; stoppable with 'stop'. */
  | { type: 'evaluate-model'; runId: string; modelId: string }
  /** TensorFlow.js model files (loose, or .zip), checked and stored as a saved model; datasetId: the dataset to check it against when its sidecar names none stored. */
  | { type: 'import-model'; runId: string; datasetId: string; files: { name: string; data: Uint8Array }[] };

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
      /** True when the backend is WebGPU on a software adapter (SwiftShader). */
      software?: boolean;
      /** Training rates just measured on this device to choose 'auto'; the page keeps them for its next visits. */
      measured?: ProbeRecord;
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
  /** A resumed run: what it had done before this sitting, posted right after 'started'. */
  | { type: 'resumed'; runId: string; config: ExperimentConfig; history: EpochLog[]; curve: RunCurve }
  | ({ type: 'batch'; runId: string } & BatchProgress)
  /** The checkpoint after epoch `epoch` (complete epochs) is stored; bytes: its size. */
  | { type: 'checkpoint'; runId: string; epoch: number; bytes: number }
  /** A checkpoint or the run's record could not be stored; training goes on. epoch 0: the record at the start. */
  | { type: 'checkpoint-failed'; runId: string; epoch: number; diskFull: boolean; message: string }
  /** learningRate: the rate the epoch trained at (a schedule changes it). */
  | { type: 'epoch'; runId: string; log: EpochLog; numTensors: number; learningRate: number }
  /** Early stopping ended training (before the evaluation); the best epoch's weights are in the model. */
  | ({ type: 'early-stopped'; runId: string } & EarlyStop)
  /** First with done 0 as evaluation begins, then after every batch. etaSeconds: until the evaluation ends. */
  | { type: 'evaluating'; runId: string; done: number; total: number; etaSeconds: number }
  | { type: 'evaluation'; runId: string; result: Evaluation }
  /** A fine-tune's figures: posted with `before` once measured (before training), again with `after` at the end. */
  | { type: 'fine-tune'; runId: string; report: FineTuneReport }
  /** What the model said about each test sample, in the split's stored order; buffers transferred. Posted after 'evaluation'. */
  | { type: 'test-predictions'; runId: string; predictions: TestPredictions }
  /** A 2-D dataset's decision-boundary map after `epoch` complete epochs (0: untrained); buffers transferred. */
  | { type: 'boundary'; runId: string; epoch: number; grid: BoundaryGrid }
  | { type: 'saved'; runId: string; model: SavedModelMeta }
  /** stopped: training was stopped early. evaluated: false when the evaluation was stopped or there is no test split. */
  | { type: 'done'; runId: string; stopped: boolean; evaluated: boolean }
  /** The loss stopped being a finite number: training ended there and nothing was saved. */
  | ({ type: 'diverged'; runId: string; message: string } & Divergence)
  /**
   * Saving the trained model failed; the worker holds it for 'save', 'export' or 'discard'.
   * diskFull: the cause was a full disk. bytes: the size of its weights.
   */
  | { type: 'unsaved'; runId: string; name: string; bytes: number; diskFull: boolean; message: string }
  /** The held model was discarded, and its run's record ended without it. */
  | { type: 'discarded'; runId: string }
  /** The unsaved model as a .zip, for the page to offer as a download. */
  | { type: 'archive'; runId: string; fileName: string; data: Uint8Array<ArrayBuffer> }
  /** probabilities: one per class; for regression a single value, the predicted target in its own units. */
  | { type: 'prediction'; runId: string; modelId: string; probabilities: number[] }
  /** pixels' buffer is transferred. */
  | ({ type: 'augment-preview'; runId: string } & AugmentPreview)
  /** Measuring or evaluating a saved model: test samples done of total; scheme is null for a plain evaluation. */
  | { type: 'model-progress'; runId: string; modelId: string; scheme: ExportScheme | null; done: number; total: number }
  | { type: 'export-figure'; runId: string; modelId: string; figure: ExportFigure }
  /** complete: false when it was stopped. model: the saved model with its new scores, after 'evaluate-model'. */
  | { type: 'model-job-done'; runId: string; modelId: string; complete: boolean; model: SavedModelMeta | null }
  | { type: 'imported'; runId: string; model: SavedModelMeta }
  | { type: 'error'; runId: string; kind: ErrorKind; message: string };

export type WorkerEventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;
