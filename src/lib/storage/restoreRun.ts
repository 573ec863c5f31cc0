/**
 * The restore gates for recorded runs and their checkpoints. A run record whose
 * curve, history or evaluation cannot be read keeps what it can (it is a record
 * to look at); one without an id or readable settings is refused. A checkpoint
 * is refused whole if anything in it is off: resuming from half a checkpoint
 * would train a different model than the one the person stopped.
 */
import { BACKENDS, restoreConfig } from '../config';
import { RUN_STATUSES, type CheckpointRecord, type RunCurve, type RunRecord, type StoredTensors } from '../types';
import { BadRecord, asObject, displayString, finiteOr, gate, isFiniteNumber, oneOf, requiredString, wholeNumber } from './restore';
import { BYTES_PER_VALUE, restoreEvaluation, restoreHistory } from './restoreModel';
import { restoreFineTune } from './restoreFineTune';

/** Points kept per curve; the worker thins to fewer. */
export const MAX_CURVE = 2000;
const MAX_NOTES = 10_000;

export const restoreRunRecord = gate(
  checkRun,
  (label, why) => `The recorded run "${label}" cannot be opened: ${why}. Delete it from the runs list.`,
);

function checkRun(raw: unknown): RunRecord {
  const r = asObject(raw);
  const id = requiredString(r.id, 'id');
  let config;
  try {
    config = restoreConfig(r.config);
  } catch (err) {
    throw new BadRecord(`its settings cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  const task = oneOf(r.task, ['classification', 'regression'] as const, 'classification', 'task');
  const createdAt = finiteOr(r.createdAt, 0);
  const fineTune = restoreFineTune(r.fineTune);
  return {
    id,
    name: displayString(r.name, id),
    notes: displayString(r.notes, '', MAX_NOTES),
    createdAt,
    updatedAt: finiteOr(r.updatedAt, createdAt),
    config,
    datasetName: displayString(r.datasetName, config.datasetId),
    task,
    status: oneOf(r.status, RUN_STATUSES, 'interrupted', 'status'),
    message: typeof r.message === 'string' ? r.message.slice(0, 1000) : null,
    backend: BACKENDS.includes(r.backend as never) && r.backend !== 'auto' ? (r.backend as RunRecord['backend']) : null,
    trainSeconds: Math.max(0, finiteOr(r.trainSeconds, 0)),
    history: restoreHistory(r.history),
    curve: restoreCurve(r.curve),
    // A regression run's evaluation has no classes; a classifier's is checked against its own class count.
    evaluation: restoreEvaluation(r.evaluation, task === 'regression' ? 0 : evaluationClasses(r.evaluation)),
    modelId: typeof r.modelId === 'string' && r.modelId ? r.modelId.slice(0, 200) : null,
    resumedAt: Array.isArray(r.resumedAt) ? r.resumedAt.filter((e): e is number => Number.isInteger(e) && e >= 0).slice(0, 1000) : [],
    ...(fineTune ? { fineTune } : {}),
  };
}

const evaluationClasses = (raw: unknown) => {
  const n = (raw as { numClasses?: unknown } | null)?.numClasses;
  return Number.isInteger(n) && (n as number) > 0 && (n as number) <= 256 ? (n as number) : -1;
};

/** A curve whose three arrays do not line up, or hold other than numbers, is dropped: the run then shows its epochs only. */
export function restoreCurve(raw: unknown): RunCurve {
  const empty = { x: [], loss: [], acc: [] };
  if (typeof raw !== 'object' || raw === null) return empty;
  const { x, loss, acc } = raw as Record<string, unknown>;
  const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number');
  if (!numbers(x) || !numbers(loss) || !numbers(acc) || loss.length !== x.length || acc.length !== x.length) return empty;
  return { x: x.slice(0, MAX_CURVE), loss: loss.slice(0, MAX_CURVE), acc: acc.slice(0, MAX_CURVE) };
}

export const restoreCheckpoint = gate(
  checkCheckpoint,
  (label, why) => `The checkpoint of run "${label}" cannot be used: ${why}. The run cannot be resumed; train it again.`,
);

function checkCheckpoint(raw: unknown): CheckpointRecord {
  const r = asObject(raw);
  const runId = requiredString(r.runId, 'run id');
  const epoch = wholeNumber(r.epoch, 'epoch', 1, 1000);
  const o = asObject(r.optimizer, 'its optimizer state');
  const learningRate = o.learningRate;
  if (!isFiniteNumber(learningRate) || learningRate <= 0) throw new BadRecord('its learning rate is not a number above 0');
  if (!Array.isArray(o.extra) || !o.extra.every(isFiniteNumber)) throw new BadRecord("its optimizer's extra state is not a list of numbers");
  const shuffle = asObject(r.shuffle, 'its shuffle state');
  const history = restoreHistory(r.history);
  if (history.length !== epoch) throw new BadRecord(`it holds ${history.length} epochs of history for ${epoch} epochs trained`);
  const weights = storedTensors(r.weights, 'weights');
  const state = storedTensors(o.state, 'optimizer state');
  return {
    runId,
    epoch,
    createdAt: finiteOr(r.createdAt, 0),
    weights,
    optimizer: { kind: requiredString(o.kind, 'optimizer'), learningRate, state, extra: o.extra as number[] },
    shuffle: { seed: wholeNumber(shuffle.seed, 'seed', 0, 2 ** 31 - 1), nextEpoch: wholeNumber(shuffle.nextEpoch, 'next epoch', 1, 1000) },
    history,
    curve: restoreCurve(r.curve),
    trainSeconds: Math.max(0, finiteOr(r.trainSeconds, 0)),
    bytes: weights.data.byteLength + state.data.byteLength,
  };
}

/** Specs whose sizes add up to exactly the bytes stored; anything else would fail deep inside tfjs. */
function storedTensors(raw: unknown, what: string): StoredTensors {
  const t = asObject(raw, `its ${what}`);
  if (!(t.data instanceof ArrayBuffer)) throw new BadRecord(`its ${what} are missing`);
  if (!Array.isArray(t.specs)) throw new BadRecord(`the list of its ${what} is missing`);
  let expected = 0;
  for (const spec of t.specs as unknown[]) {
    const s = (spec ?? {}) as Record<string, unknown>;
    const size = BYTES_PER_VALUE[String(s.dtype)];
    const shapeOk = Array.isArray(s.shape) && s.shape.every((d) => Number.isInteger(d) && d >= 0);
    if (typeof s.name !== 'string' || !shapeOk || !size || !['float32', 'int32', 'bool'].includes(String(s.dtype))) {
      throw new BadRecord(`its ${what} entry "${String(s.name).slice(0, 60)}" is not described properly`);
    }
    expected += (s.shape as number[]).reduce((a, b) => a * b, 1) * size;
  }
  if (t.data.byteLength !== expected) throw new BadRecord(`its ${what} need ${expected} bytes, but ${t.data.byteLength} are stored`);
  return t as unknown as StoredTensors;
}
