/**
 * Records a run as the worker trains it: the run record when it starts, a
 * checkpoint with the record after every epoch, and the record's end. Recording
 * is never worth a run: a write that fails (most often a full disk) is reported
 * with a 'checkpoint-failed' event and training goes on.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config';
import type { WorkerEvent } from '../protocol';
import type { BackendName } from '../config';
import type { CheckpointRecord, EpochLog, Evaluation, FineTuneReport, RunCurve, RunRecord, RunStatus, Task } from '../types';
import { describeStorageError, isQuotaError, type HearthDb } from '../storage/db';
import { endRun, putCheckpoint, putRun } from '../storage/runs';
import { captureCheckpoint } from './checkpoint';

/** Points the stored per-batch curve keeps; past this every other point goes. */
export const CURVE_POINTS = 400;

/** Appends a point, halving the curve when it grows past CURVE_POINTS. Returns a new curve. */
export function addCurvePoint(curve: RunCurve, x: number, loss: number, acc: number): RunCurve {
  const next = { x: [...curve.x, x], loss: [...curve.loss, loss], acc: [...curve.acc, acc] };
  if (next.x.length <= CURVE_POINTS) return next;
  const keep = (_: number, i: number) => i % 2 === 1 || i === next.x.length - 1;
  return { x: next.x.filter(keep), loss: next.loss.filter(keep), acc: next.acc.filter(keep) };
}

export function newRunRecord(id: string, config: ExperimentConfig, name: string, datasetName: string, task: Task, now = Date.now()): RunRecord {
  return {
    id,
    name,
    notes: '',
    createdAt: now,
    updatedAt: now,
    config,
    datasetName,
    task,
    status: 'running',
    message: null,
    backend: null,
    trainSeconds: 0,
    history: [],
    curve: { x: [], loss: [], acc: [] },
    evaluation: null,
    modelId: null,
    resumedAt: [],
  };
}

export class RunRecorder {
  private record: RunRecord;
  /** Training seconds of the earlier sittings of a resumed run. */
  private readonly before: number;
  /** When this sitting's training began (begin()); before that the clock reads the earlier sittings' time. */
  private sittingStart = performance.now();

  constructor(
    private readonly db: HearthDb,
    record: RunRecord,
    private readonly post: (ev: WorkerEvent) => void,
  ) {
    this.record = record;
    this.before = record.trainSeconds;
  }

  get current(): Readonly<RunRecord> {
    return this.record;
  }

  trainSeconds(): number {
    return this.before + (performance.now() - this.sittingStart) / 1000;
  }

  async begin(backend: BackendName, resumedAt: number | null): Promise<void> {
    this.sittingStart = performance.now();
    const resumed = resumedAt === null ? this.record.resumedAt : [...this.record.resumedAt, resumedAt];
    this.record = { ...this.record, backend, status: 'running', message: null, resumedAt: resumed, updatedAt: Date.now() };
    await this.attempt('record', 0, () => putRun(this.db, this.record));
  }

  batch(samplesSeen: number, loss: number, acc: number): void {
    this.record = { ...this.record, curve: addCurvePoint(this.record.curve, samplesSeen, loss, acc) };
  }

  /** After an epoch: the checkpoint and the record, in one transaction. learningRate: the one the next epoch trains at. */
  async checkpoint(model: tf.LayersModel, optimizer: tf.Optimizer, history: readonly EpochLog[], learningRate: number): Promise<void> {
    const epoch = history.length;
    const trainSeconds = this.trainSeconds();
    this.record = { ...this.record, history: [...history], trainSeconds, updatedAt: Date.now() };
    const captured = await captureCheckpoint(model, optimizer, this.record.config.optimizer);
    const checkpoint: CheckpointRecord = {
      runId: this.record.id,
      epoch,
      createdAt: Date.now(),
      ...captured,
      optimizer: { ...captured.optimizer, learningRate },
      shuffle: { seed: this.record.config.seed, nextEpoch: epoch + 1 },
      history: [...history],
      curve: this.record.curve,
      trainSeconds,
    };
    const ok = await this.attempt('checkpoint', epoch, () => putCheckpoint(this.db, this.record, checkpoint));
    if (ok) this.post({ type: 'checkpoint', runId: this.record.id, epoch, bytes: checkpoint.bytes });
  }

  /** The run is over (finished, stopped, early-stopped, diverged): its record is final and its checkpoint goes. */
  async end(status: Exclude<RunStatus, 'running' | 'interrupted'>, fields: { history: EpochLog[]; evaluation?: Evaluation | null; modelId?: string | null; message?: string | null }): Promise<void> {
    this.record = {
      ...this.record,
      status,
      history: fields.history,
      evaluation: fields.evaluation ?? null,
      modelId: fields.modelId ?? null,
      message: fields.message ?? null,
      trainSeconds: this.trainSeconds(),
      updatedAt: Date.now(),
    };
    await this.attempt('final', fields.history.length, () => endRun(this.db, this.record));
  }

  /** A fine-tune's before (and later after) figures; kept with the record at once, so an interrupted run still shows its starting point. */
  async fineTune(report: FineTuneReport): Promise<void> {
    this.record = { ...this.record, fineTune: report, updatedAt: Date.now() };
    await this.attempt('record', this.record.history.length, () => putRun(this.db, this.record));
  }

  /** The run failed (a lost GPU, a storage error): it can be resumed from its last checkpoint, which stays. */
  async interrupted(message: string): Promise<void> {
    this.record = { ...this.record, status: 'interrupted', message, updatedAt: Date.now() };
    await this.attempt('final', this.record.history.length, () => putRun(this.db, this.record));
  }

  /**
   * A record write that must not end the run. `kind`: the run's record while it trains, the
   * checkpoint after `epoch`, or the record once training is over (its failure says so, not that
   * training goes on).
   */
  private async attempt(kind: 'record' | 'checkpoint' | 'final', epoch: number, write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (err) {
      const diskFull = isQuotaError(err);
      const why = diskFull ? 'the disk is full' : describeStorageError(err);
      const message =
        kind === 'final'
          ? `The run's final record could not be stored (${why}), so the list of runs may not show how it ended.`
          : `${kind === 'checkpoint' ? `The checkpoint after epoch ${epoch}` : "The run's record"} could not be stored (${why}). Training goes on; if this tab closes now, the run resumes from its last stored checkpoint.`;
      this.post({
        type: 'checkpoint-failed',
        runId: this.record.id,
        epoch,
        diskFull,
        message: `${message} Free space by deleting datasets or models you no longer need.`,
      });
      return false;
    }
  }
}
