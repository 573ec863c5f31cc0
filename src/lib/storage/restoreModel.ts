/**
 * The restore gates for saved models: the listing record and the weights record.
 * A listing whose evaluation or history cannot be read keeps the model (it still
 * predicts) without them; one without a usable id, shape or settings is refused.
 */
import { BACKENDS, restoreConfig } from '../config';
import type { EpochLog, Evaluation, SavedModelMeta } from '../types';
import type { ModelWeightsRecord } from './db';
import {
  BadRecord,
  asObject,
  classNames,
  displayString,
  finiteOr,
  isFiniteNumber,
  gate,
  requiredString,
  sampleShape,
  wholeNumber,
  type Raw,
} from './restore';
import { restoreTabular } from './restoreDataset';
import { restoreFineTune } from './restoreFineTune';

/** Epochs kept per model: more than any run here trains, few enough to draw. */
const MAX_HISTORY = 10_000;

export const restoreModelMeta = gate(
  checkModelMeta,
  (label, why) => `The saved model "${label}" cannot be opened: ${why}. Delete it and train it again.`,
);

function checkModelMeta(raw: unknown): SavedModelMeta {
  const r = asObject(raw);
  const id = requiredString(r.id, 'id');
  const inputShape = sampleShape(r.inputShape, 'input shape');
  let config;
  try {
    config = restoreConfig(r.config);
  } catch (err) {
    throw new BadRecord(`its settings cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  // Regression models are told apart by having no classes.
  const classes = Array.isArray(r.classes) && r.classes.length === 0 ? [] : classNames(r.classes, 'classification');
  const out: SavedModelMeta = {
    ...(r as unknown as SavedModelMeta),
    id,
    name: displayString(r.name, id),
    createdAt: finiteOr(r.createdAt, 0),
    config,
    datasetId: displayString(r.datasetId, config.datasetId),
    datasetName: displayString(r.datasetName, displayString(r.datasetId, config.datasetId)),
    classes,
    inputShape,
    paramCount: wholeNumber(r.paramCount, 'parameter count', 0, 1e10),
    backend: BACKENDS.includes(r.backend as never) && r.backend !== 'auto' ? (r.backend as SavedModelMeta['backend']) : 'cpu',
    trainSeconds: Math.max(0, finiteOr(r.trainSeconds, 0)),
    history: restoreHistory(r.history),
    evaluation: restoreEvaluation(r.evaluation, classes.length),
    bytes: Math.max(0, finiteOr(r.bytes, 0)),
  };
  if (r.tabular !== undefined) out.tabular = restoreTabular(r.tabular, inputShape[2]);
  const stop = earlyStop(r.earlyStop);
  if (stop) out.earlyStop = stop;
  else delete out.earlyStop;
  const fineTune = restoreFineTune(r.fineTune);
  if (fineTune) out.fineTune = fineTune;
  else delete out.fineTune;
  return out;
}

/** Kept only when it reads as one; otherwise the model is listed as an ordinary run. */
function earlyStop(raw: unknown): SavedModelMeta['earlyStop'] {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Raw;
  const epoch = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  return epoch(e.epoch) && epoch(e.bestEpoch) ? { epoch: e.epoch as number, bestEpoch: e.bestEpoch as number, restored: e.restored === true } : undefined;
}

const numberOrNull = (v: unknown) => (typeof v === 'number' ? v : null);

/** Entries that cannot be read are dropped; a diverged run's NaN losses are kept as they were. */
export function restoreHistory(raw: unknown): EpochLog[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .slice(0, MAX_HISTORY)
    .filter((e): e is Raw => typeof e === 'object' && e !== null && Number.isInteger(e.epoch) && typeof e.loss === 'number')
    .map((e) => ({
      ...e,
      epoch: e.epoch as number,
      loss: e.loss as number,
      acc: typeof e.acc === 'number' ? e.acc : NaN,
      valLoss: numberOrNull(e.valLoss),
      valAcc: numberOrNull(e.valAcc),
      seconds: finiteOr(e.seconds, 0),
      samplesPerSec: finiteOr(e.samplesPerSec, 0),
    }));
}

/** An evaluation that does not fit the model's classes is dropped: the model then reads as not evaluated. */
export function restoreEvaluation(raw: unknown, numClasses: number): Evaluation | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const e = raw as Raw;
  const numbers = (...keys: string[]) => keys.every((k) => typeof e[k] === 'number');
  if (e.task === 'regression') {
    return numClasses === 0 && numbers('loss', 'mae', 'mse', 'r2', 'samples') ? (e as unknown as Evaluation) : null;
  }
  const n = e.numClasses;
  const fits =
    numbers('accuracy', 'loss', 'macroF1', 'samples') &&
    n === numClasses &&
    Array.isArray(e.confusion) &&
    e.confusion.length === numClasses * numClasses &&
    e.confusion.every(isFiniteNumber) &&
    Array.isArray(e.perClass) &&
    e.perClass.length === numClasses &&
    e.perClass.every((p) => typeof p === 'object' && p !== null && ['precision', 'recall', 'f1', 'support'].every((k) => typeof (p as Raw)[k] === 'number'));
  return fits ? (e as unknown as Evaluation) : null;
}

export const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2 };

/**
 * A weights record as read back: a topology, and weight specs whose sizes add up to
 * exactly the bytes stored. Anything else would fail inside tfjs with a message no
 * person could act on.
 */
export function restoreWeights(raw: unknown, modelName: string): ModelWeightsRecord {
  const damaged = (why: string): never => {
    throw new Error(`The saved model "${modelName}" is damaged: ${why}. Delete it and train it again.`);
  };
  if (typeof raw !== 'object' || raw === null) return damaged('its weights are missing');
  const r = raw as Raw;
  if (typeof r.modelTopology !== 'object' || r.modelTopology === null) damaged('its layer description is missing');
  if (!(r.weightData instanceof ArrayBuffer)) damaged('its weights are missing');
  if (!Array.isArray(r.weightSpecs)) damaged('its list of weights is missing');
  let expected = 0;
  for (const spec of r.weightSpecs as unknown[]) {
    const s = (spec ?? {}) as Raw;
    const shape = s.shape;
    const q = (s.quantization ?? null) as Raw | null;
    const dtype = typeof q?.dtype === 'string' ? q.dtype : s.dtype;
    const size = BYTES_PER_VALUE[String(dtype)];
    const shapeOk = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
    if (typeof s.name !== 'string' || !shapeOk || !size) damaged(`its weight "${String(s.name).slice(0, 60)}" is not described properly`);
    expected += (shape as number[]).reduce((a, b) => a * b, 1) * size;
  }
  const stored = (r.weightData as ArrayBuffer).byteLength;
  if (stored !== expected) damaged(`its layers need ${expected} bytes of weights, but ${stored} are stored`);
  return r as unknown as ModelWeightsRecord;
}
