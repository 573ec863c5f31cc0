/**
 * The training worker: checks each request, runs one training at a time, holds
 * a trained model whose save failed until it is saved, downloaded or discarded,
 * and answers predictions and backend probes. The work itself lives in src/lib/train.
 */
import { BACKENDS, restoreConfig, type BackendChoice, type BackendName } from '../lib/config';
import type { ErrorKind, WorkerEvent, WorkerRequest } from '../lib/protocol';
import { DB_NAME, lazyHearthDb } from '../lib/storage/db';
import { browserLocks, runLockName } from '../lib/storage/locks';
import { acceptingKeys } from '../lib/storage/vault';
import { deviceLostWithin, onDeviceLost, selectBackend } from '../lib/train/backend';
import { BackendError, InputError, ModelMissingError, describeError, deviceLostMessage, gpuFailure } from '../lib/train/errors';
import { Predictor } from '../lib/train/predict';
import { runTraining } from '../lib/train/run';
import { modelTestPredictions } from '../lib/train/inspect';
import { modelArchive, saveOrHold, type UnsavedModels } from '../lib/train/unsaved';
import { augmentPreview } from '../lib/augment/preview';
import { augmentField } from '../lib/augment/spec';
import { evaluateStored, exportModel, importModel, measureExports } from '../lib/export/jobs';
import { EXPORT_SCHEMES, type ExportScheme } from '../lib/export/quantize';
import { predictionBuffers } from '../lib/metrics/samples';
import { boundaryBuffers } from '../lib/data/plane';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (ev: WorkerEvent) => {
  // A model's archive can be large: hand its buffer over rather than copy it.
  if (ev.type === 'archive' && ev.data.buffer instanceof ArrayBuffer) scope.postMessage(ev, [ev.data.buffer]);
  else if (ev.type === 'augment-preview' && ev.pixels.buffer instanceof ArrayBuffer) scope.postMessage(ev, [ev.pixels.buffer]);
  else if (ev.type === 'test-predictions') scope.postMessage(ev, predictionBuffers(ev.predictions));
  else if (ev.type === 'boundary') scope.postMessage(ev, boundaryBuffers(ev.grid));
  else scope.postMessage(ev);
};

// The page names the database its worker works on (the worker's name); the app's own by default.
const dbName = scope.name || DB_NAME;
const db = lazyHearthDb(undefined, dbName);

let lost: string | null = null;
let activeRun: string | null = null;
let current: { backend: BackendName; fallbackReason: string | null; software?: boolean } | null = null;
const stopRequested = new Set<string>();
/** Runs whose error was already posted, so a later failure of the same run is not reported twice. */
const reported = new Set<string>();
let trainQueue: Promise<void> = Promise.resolve();
let predictQueue: Promise<void> = Promise.resolve();
/** Exports, measurements, evaluations and imports of saved models, one at a time, beside training and predictions. */
let modelQueue: Promise<void> = Promise.resolve();
let predictor: Predictor | null = null;
const unsaved: UnsavedModels = new Map();

onDeviceLost((message) => {
  lost = message;
  // Post at once: ops on a lost device may never settle, so the run itself might not get to report it.
  if (activeRun !== null) {
    reported.add(activeRun);
    post({ type: 'error', runId: activeRun, kind: 'device-lost', message: deviceLostMessage(message) });
  }
});

async function fail(runId: string, err: unknown): Promise<void> {
  const gone = lost ?? (await deviceLostWithin(500));
  if (reported.has(runId)) return;
  const described = describeError(err, gone);
  // Once the GPU has failed the backend is unusable: later requests hear the same.
  if (described.kind === 'device-lost') lost ??= gone ?? gpuFailure(err);
  post({ type: 'error', runId, ...described });
}

async function useBackend(choice: BackendChoice, measured?: unknown) {
  try {
    const chosen = await selectBackend(choice, { measured });
    const { measured: _kept, ...rest } = chosen;
    current = rest;
    return chosen;
  } catch (err) {
    throw new BackendError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Holds the run's lock while it trains: a page that finds a 'running' record whose lock
 * is free knows its worker is gone (the tab was closed or crashed) and offers Resume.
 */
async function holdingRunLock(runId: string, work: () => Promise<void>): Promise<void> {
  const locks = browserLocks();
  if (!locks) return work();
  await locks.request(runLockName(dbName, runId), { ifAvailable: true }, async (lock) => {
    if (lock === null) throw new InputError('This run is training in another tab. Resume it there, or close that tab first.');
    await work();
  });
}

async function train(req: Extract<WorkerRequest, { type: 'train' | 'resume' }>): Promise<void> {
  activeRun = req.runId;
  try {
    const request = req.type === 'resume' ? { runId: req.runId, resume: true } : req;
    const database = await db();
    await holdingRunLock(req.runId, () => runTraining(request, {
      db: database,
      post: (ev) => {
        if (ev.type === 'backend') current = { backend: ev.backend, fallbackReason: ev.fallbackReason, software: ev.software };
        post(ev);
      },
      shouldStop: () => stopRequested.has(req.runId) || lost !== null,
      resetStop: () => stopRequested.delete(req.runId),
      deviceLost: () => lost,
      unsaved,
    }));
  } catch (err) {
    await fail(req.runId, err);
  } finally {
    activeRun = null;
    stopRequested.delete(req.runId);
    reported.delete(req.runId);
  }
}

async function predict(req: Extract<WorkerRequest, { type: 'predict' }>): Promise<void> {
  try {
    if (!current) await useBackend('auto');
    predictor ??= new Predictor(await db());
    const probabilities = await predictor.predict(req.modelId, req.pixels);
    post({ type: 'prediction', runId: req.runId, modelId: req.modelId, probabilities });
  } catch (err) {
    await fail(req.runId, err);
  }
}

async function inspect(req: Extract<WorkerRequest, { type: 'test-predictions' }>): Promise<void> {
  try {
    if (!current) await useBackend('auto');
    predictor ??= new Predictor(await db());
    post({ type: 'test-predictions', runId: req.runId, predictions: await modelTestPredictions(await db(), predictor, req.modelId) });
  } catch (err) {
    await fail(req.runId, err);
  }
}

async function preview(req: Extract<WorkerRequest, { type: 'augment-preview' }>): Promise<void> {
  try {
    if (!current) await useBackend('auto');
    const { type: _type, runId, ...ask } = req;
    post({ type: 'augment-preview', runId, ...(await augmentPreview(await db(), ask)) });
  } catch (err) {
    await fail(req.runId, err);
  }
}

type ModelJob = Extract<WorkerRequest, { type: 'export-model' | 'measure-export' | 'evaluate-model' | 'import-model' }>;

async function modelJob(req: ModelJob): Promise<void> {
  const { runId } = req;
  const shouldStop = () => stopRequested.has(runId) || lost !== null;
  try {
    const chosen = current ?? (await useBackend('auto'));
    const database = await db();
    if (req.type === 'export-model') {
      const { fileName, data } = await exportModel(database, req.modelId, req.scheme);
      post({ type: 'archive', runId, fileName, data });
    } else if (req.type === 'measure-export') {
      const complete = await measureExports(database, req.modelId, {
        onProgress: (scheme, done, total) => post({ type: 'model-progress', runId, modelId: req.modelId, scheme, done, total }),
        onFigure: (figure) => post({ type: 'export-figure', runId, modelId: req.modelId, figure }),
        shouldStop,
        testLimit: req.type === 'measure-export' ? req.testLimit : undefined,
      });
      post({ type: 'model-job-done', runId, modelId: req.modelId, complete, model: null });
    } else if (req.type === 'evaluate-model') {
      const model = await evaluateStored(database, req.modelId, {
        onProgress: (done, total) => post({ type: 'model-progress', runId, modelId: req.modelId, scheme: null, done, total }),
        shouldStop,
      });
      post({ type: 'model-job-done', runId, modelId: req.modelId, complete: model !== null, model });
    } else {
      post({ type: 'imported', runId, model: await importModel(database, req.files, req.datasetId, chosen.backend) });
    }
  } catch (err) {
    await fail(runId, err);
  } finally {
    stopRequested.delete(runId);
  }
}

/** 'save', 'export' and 'discard' act on a model held after its save failed; they need no GPU. */
async function held(req: Extract<WorkerRequest, { type: 'save' | 'export' | 'discard' }>): Promise<void> {
  const model = unsaved.get(req.runId);
  try {
    if (!model) {
      throw new ModelMissingError('That trained model is no longer held in this tab (it was saved or discarded, or the page was reloaded).');
    }
    if (req.type === 'save') await saveOrHold(await db(), req.runId, model, unsaved, post);
    else if (req.type === 'export') post({ type: 'archive', runId: req.runId, ...modelArchive(model) });
    else {
      unsaved.delete(req.runId);
      await model.record?.discarded();
      post({ type: 'discarded', runId: req.runId });
    }
  } catch (err) {
    await fail(req.runId, err);
  }
}

async function probe(req: Extract<WorkerRequest, { type: 'probe' }>): Promise<void> {
  try {
    // Switching backends under a running training would move its tensors mid-step; report the one in use.
    const chosen = activeRun !== null && current ? current : await useBackend(req.backend, req.measured);
    post({ type: 'backend', runId: req.runId, ...chosen });
  } catch (err) {
    await fail(req.runId, err);
  }
}

/** The request, or why it cannot be one. Messages come from the page, but are checked like any input. */
function parse(data: unknown): WorkerRequest | { runId: string; kind: ErrorKind; message: string } {
  const msg = (data ?? {}) as Record<string, unknown>;
  const runId = typeof msg.runId === 'string' ? msg.runId : '';
  if (!runId) return { runId, kind: 'internal', message: 'The training worker received a request without a run id.' };
  switch (msg.type) {
    case 'train':
      try {
        const config = restoreConfig(msg.config);
        const modelName = typeof msg.modelName === 'string' ? msg.modelName.slice(0, 200) : undefined;
        return { type: 'train', runId, config, modelName };
      } catch (err) {
        return { runId, ...describeError(err) };
      }
    case 'resume':
    case 'stop':
    case 'save':
    case 'export':
    case 'discard':
      return { type: msg.type, runId };
    case 'predict':
      if (typeof msg.modelId !== 'string' || !(msg.pixels instanceof Float32Array)) {
        return { runId, kind: 'internal', message: 'A prediction request needs a model id and the input (an image or an encoded row) as a Float32Array.' };
      }
      return { type: 'predict', runId, modelId: msg.modelId, pixels: msg.pixels };
    case 'test-predictions':
      if (typeof msg.modelId !== 'string') return { runId, kind: 'internal', message: 'A request for test predictions needs a model id.' };
      return { type: 'test-predictions', runId, modelId: msg.modelId };
    case 'probe':
      if (!BACKENDS.includes(msg.backend as BackendChoice)) {
        return { runId, kind: 'bad-config', message: `Unknown backend "${String(msg.backend)}". Choose one of: ${BACKENDS.join(', ')}.` };
      }
      return { type: 'probe', runId, backend: msg.backend as BackendChoice, measured: msg.measured };
    case 'augment-preview': {
      const augment = augmentField.parse(msg.augment);
      const whole = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;
      if (!augment || augmentField.check?.(augment) || typeof msg.datasetId !== 'string' || !whole(msg.seed, 2 ** 32) || !whole(msg.draw, 2 ** 32)) {
        return { runId, kind: 'bad-config', message: 'An augmentation preview needs a dataset id, an augmentation setting that is on and valid, a seed and a draw number.' };
      }
      if (!whole(msg.samples, 64) || !whole(msg.variants, 16)) {
        return { runId, kind: 'bad-config', message: 'An augmentation preview shows up to 64 samples, each augmented up to 16 times.' };
      }
      return { type: 'augment-preview', runId, datasetId: msg.datasetId, augment, seed: msg.seed as number, draw: msg.draw as number, samples: msg.samples as number, variants: msg.variants as number };
    }
    case 'export-model':
    case 'measure-export':
    case 'evaluate-model': {
      if (typeof msg.modelId !== 'string') return { runId, kind: 'internal', message: 'A model request needs the id of a saved model.' };
      if (msg.type === 'measure-export') {
        const limit = Number.isInteger(msg.testLimit) && (msg.testLimit as number) > 0 ? (msg.testLimit as number) : undefined;
        return { type: 'measure-export', runId, modelId: msg.modelId, testLimit: limit };
      }
      if (msg.type !== 'export-model') return { type: msg.type, runId, modelId: msg.modelId };
      if (!EXPORT_SCHEMES.includes(msg.scheme as ExportScheme)) {
        return { runId, kind: 'bad-config', message: `Unknown export precision "${String(msg.scheme)}". Choose one of: ${EXPORT_SCHEMES.join(', ')}.` };
      }
      return { type: 'export-model', runId, modelId: msg.modelId, scheme: msg.scheme as ExportScheme };
    }
    case 'import-model': {
      const files = msg.files;
      const ok = Array.isArray(files) && files.every((f) => typeof f?.name === 'string' && f.data instanceof Uint8Array);
      if (!ok || typeof msg.datasetId !== 'string') {
        return { runId, kind: 'internal', message: 'A model import needs its files (names and bytes) and the id of the dataset to check it against.' };
      }
      return { type: 'import-model', runId, datasetId: msg.datasetId, files: files as { name: string; data: Uint8Array }[] };
    }
    default:
      return { runId, kind: 'internal', message: `The training worker received a request it does not understand (type "${String(msg.type)}").` };
  }
}

scope.onmessage = acceptingKeys(dbName, (e: MessageEvent) => {
  const req = parse(e.data);
  if (!('type' in req)) {
    post({ type: 'error', ...req });
    return;
  }
  if (req.type === 'stop') {
    stopRequested.add(req.runId);
    return;
  }
  if (req.type === 'save' || req.type === 'export' || req.type === 'discard') {
    // Held models are plain data: these work even after the GPU is lost.
    void held(req);
    return;
  }
  if (lost !== null) {
    post({ type: 'error', runId: req.runId, kind: 'device-lost', message: deviceLostMessage(lost) });
    return;
  }
  if (req.type === 'train' || req.type === 'resume') {
    // One run at a time: a new run stops the current one, which still evaluates and saves as any stopped run does.
    if (activeRun !== null) stopRequested.add(activeRun);
    trainQueue = trainQueue.then(() => train(req));
  } else if (req.type === 'export-model' || req.type === 'measure-export' || req.type === 'evaluate-model' || req.type === 'import-model') {
    modelQueue = modelQueue.then(() => modelJob(req));
  } else if (req.type === 'augment-preview') {
    // Shares the queue with predictions: both are small and use the backend the way training does.
    predictQueue = predictQueue.then(() => preview(req));
  } else if (req.type === 'predict') {
    // In order, so a model is never swapped out of the cache while another prediction uses it.
    predictQueue = predictQueue.then(() => predict(req));
  } else if (req.type === 'test-predictions') {
    // Uses the prediction cache, so it queues with predictions.
    predictQueue = predictQueue.then(() => inspect(req));
  } else {
    void probe(req);
  }
});
