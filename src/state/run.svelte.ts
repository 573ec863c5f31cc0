/**
 * The training run: sends 'train' and 'stop', follows the worker's events for
 * the current runId only, and keeps what the live view draws. A run that goes
 * wrong ends in a state of its own: 'diverged' (nothing saved), or 'unsaved'
 * (the worker holds the trained model until it is saved, downloaded or discarded).
 */
import type { EpochLog, FineTuneReport, Task } from '../lib/types';
import type { WorkerEvent, WorkerEventOf } from '../lib/protocol';
import type { ExperimentConfig } from '../lib/config';
import { modelShortName } from '../lib/model/spec';
import { newRunId, type Services } from './services';
import { appendPoint, emptySeries, type BatchSeries } from './series';
import type { ErrorBanner } from './errors.svelte';
import type { BackendStatus } from './backend.svelte';
import type { Models } from './models.svelte';
import type { Settings } from './settings.svelte';
import type { Library } from './library.svelte';
import { offerDownload } from './download';
import { uniqueName } from './modelNotes';


export type RunState = 'idle' | 'training' | 'evaluating' | 'done' | 'stopped' | 'diverged' | 'unsaved' | 'discarded' | 'error';
export type EpochRow = EpochLog & { numTensors: number };
type Started = WorkerEventOf<'started'>;
type BatchEv = WorkerEventOf<'batch'>;
type Evaluating = WorkerEventOf<'evaluating'>;

export interface RunDeps {
  training: Services['training'];
  errors: ErrorBanner;
  backend: BackendStatus;
  models: Models;
  settings: Settings;
  library: Library;
  /** Hands a file to the person; the browser's download by default. */
  download?: (fileName: string, data: Uint8Array) => void;
}

export class Run {
  private readonly deps: RunDeps;
  state = $state<RunState>('idle');
  runId = $state<string | null>(null);
  started = $state.raw<Started | null>(null);
  lastBatch = $state.raw<BatchEv | null>(null);
  series = $state.raw<BatchSeries>(emptySeries());
  epochs = $state.raw<EpochRow[]>([]);
  evalProgress = $state.raw<Evaluating | null>(null);
  /** From 'done': false when the evaluation was stopped or the dataset has no test split. */
  evaluated = $state<boolean | null>(null);
  diverged = $state.raw<WorkerEventOf<'diverged'> | null>(null);
  /** Set when early stopping ended training, before the evaluation. */
  earlyStop = $state.raw<WorkerEventOf<'early-stopped'> | null>(null);
  /** Why the trained model could not be saved, while the worker holds it. */
  unsaved = $state.raw<WorkerEventOf<'unsaved'> | null>(null);
  /** A request about the held model in flight. */
  holding = $state<'saving' | 'archiving' | null>(null);
  stopRequested = $state(false);
  elapsedSeconds = $state(0);
  /** Complete epochs stored in this run's last checkpoint. */
  checkpointEpoch = $state<number | null>(null);
  /** Why the last checkpoint (or the run's record) could not be stored; training went on. */
  checkpointProblem = $state<string | null>(null);
  /** Training time as the worker measured it, once the run is over. */
  finalSeconds = $state<number | null>(null);
  /** A fine-tune's before/after figures: 'before' once measured, then 'after' at the end. */
  fineTune = $state.raw<FineTuneReport | null>(null);
  /** The dataset the run on show trained on. */
  datasetId = $state<string | null>(null);
  private startedTask = $state<Task>('classification');
  private startedTarget = $state<string | null>(null);
  /** The run's task, or before any run the chosen dataset's: for regression, the accuracy slots hold MAE. */
  task = $derived.by<Task>(() => (this.state === 'idle' ? (this.deps.library.selected?.task ?? 'classification') : this.startedTask));

  /** For regression, the column the model predicts: the unit of its MAE. */
  target = $derived.by<string | null>(() =>
    this.state === 'idle' ? (this.deps.library.selected?.tabular?.label ?? null) : this.startedTarget,
  );

  active = $derived(this.state === 'training' || this.state === 'evaluating');
  totalEpochs = $derived.by(() => this.started?.epochs ?? this.deps.settings.config.epochs);
  private totalSamples = $derived((this.started?.trainSamples ?? 0) * this.totalEpochs);
  /** 1-based epoch in progress; counted from logged epochs so it does not depend on the worker's indexing. */
  currentEpoch = $derived(Math.min(this.epochs.length + 1, this.totalEpochs));
  epochFraction = $derived.by(() => {
    if (this.epochs.length >= this.totalEpochs) return 1;
    const trainSamples = this.started?.trainSamples ?? 0;
    if (!trainSamples || !this.lastBatch) return 0;
    const within = this.lastBatch.samplesSeen - this.epochs.length * trainSamples;
    return Math.max(0, Math.min(1, within / trainSamples));
  });
  /** Epoch-end points for the charts, at the samples seen when each epoch ended. */
  epochPoints = $derived(
    this.epochs.map((e, i) => ({ x: (i + 1) * (this.started?.trainSamples ?? 0), log: e })),
  );

  private unsubscribe: (() => void) | null = null;
  private startedAt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(deps: RunDeps) {
    this.deps = deps;
  }

  start(): void {
    const { training, settings, library, models } = this.deps;
    if (!this.canStart() || !settings.valid) return;
    const runId = newRunId('run');
    this.begin(runId);
    const dataset = library.selected;
    const verb = settings.config.from ? 'fine-tuned on' : 'on';
    const modelName = dataset
      ? uniqueName(`${modelShortName(settings.config)} ${verb} ${dataset.name}`, models.list.map((m) => m.name))
      : undefined;
    training.request({ type: 'train', runId, config: settings.snapshot(), modelName });
  }

  /** Goes on with an interrupted recorded run from its last checkpoint; its settings become the page's. */
  resume(runId: string, config: ExperimentConfig): void {
    if (!this.canStart()) return;
    this.deps.settings.apply(config);
    this.begin(runId);
    this.deps.training.request({ type: 'resume', runId });
  }

  /** A held model would be lost to the next run's result; the person decides about it first. */
  canStart(): boolean {
    return !this.active && this.state !== 'unsaved';
  }

  private begin(runId: string): void {
    const { training, models, backend, library } = this.deps;
    this.unsubscribe ??= training.subscribe((ev) => this.onEvent(ev));
    this.clearView();
    this.runId = runId;
    this.state = 'training';
    this.unsaved = null;
    this.holding = null;
    this.stopRequested = false;
    this.checkpointEpoch = null;
    this.checkpointProblem = null;
    models.showEvaluation(null);
    this.startClock();
    backend.follow(runId);
    const dataset = library.selected;
    this.startedTask = dataset?.task ?? 'classification';
    this.startedTarget = dataset?.tabular?.label ?? null;
    this.datasetId = dataset?.id ?? null;
  }

  stop(): void {
    if (!this.active || !this.runId) return;
    this.stopRequested = true;
    this.deps.training.request({ type: 'stop', runId: this.runId });
  }

  /** After space was freed: save the held model again. */
  retrySave(): void {
    this.askAboutHeld('save');
  }

  /** The held model as a .zip the browser downloads. */
  download(): void {
    this.askAboutHeld('export');
  }

  discard(): void {
    if (this.state !== 'unsaved' || !this.runId) return;
    this.deps.training.request({ type: 'discard', runId: this.runId });
    this.unsaved = null;
    this.holding = null;
    this.state = 'discarded';
  }

  /**
   * Puts the panel back to "Ready" when another dataset is chosen, so it never
   * shows a run of a dataset no longer in use. A run in progress, or one whose
   * model is held unsaved, stays.
   */
  forgetFinished(): void {
    if (this.active || this.state === 'unsaved' || this.state === 'idle') return;
    this.stopClock();
    this.clearView();
    this.state = 'idle';
    this.runId = null;
    this.datasetId = null;
    this.elapsedSeconds = 0;
  }

  /** Empties what the live view draws: figures, charts, the epoch table. */
  private clearView(): void {
    this.started = null;
    this.lastBatch = null;
    this.series = emptySeries();
    this.epochs = [];
    this.evalProgress = null;
    this.evaluated = null;
    this.diverged = null;
    this.earlyStop = null;
    this.finalSeconds = null;
    this.fineTune = null;
  }

  private askAboutHeld(type: 'save' | 'export'): void {
    if (this.state !== 'unsaved' || !this.runId || this.holding) return;
    this.holding = type === 'save' ? 'saving' : 'archiving';
    this.deps.training.request({ type, runId: this.runId });
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.runId !== this.runId) {
      // A crashed worker or lost device ends the run whatever id the report carries.
      const fatal = ev.type === 'error' && (ev.kind === 'internal' || ev.kind === 'device-lost');
      if (fatal && (this.active || !/^(probe|predict)/.test(ev.runId))) this.fail(ev.message);
      return;
    }
    switch (ev.type) {
      case 'started':
        this.started = ev;
        break;
      case 'resumed': {
        // What the run did before this sitting, drawn as if it had never stopped.
        this.epochs = ev.history.map((log) => ({ ...log, numTensors: 0 }));
        let series = emptySeries();
        ev.curve.x.forEach((x, i) => (series = appendPoint(series, x, ev.curve.loss[i], ev.curve.acc[i], this.totalSamples)));
        this.series = series;
        this.checkpointEpoch = ev.history.length;
        break;
      }
      case 'checkpoint':
        this.checkpointEpoch = ev.epoch;
        this.checkpointProblem = null;
        break;
      case 'checkpoint-failed':
        this.checkpointProblem = ev.message;
        break;
      case 'batch':
        this.lastBatch = ev;
        this.series = appendPoint(this.series, ev.samplesSeen, ev.loss, ev.acc, this.totalSamples);
        break;
      case 'epoch':
        this.epochs = [...this.epochs, { ...ev.log, numTensors: ev.numTensors }];
        break;
      case 'evaluating':
        if (this.state === 'training') {
          this.state = 'evaluating';
          // The Stop that ended training is used up: Stop now ends the evaluation.
          this.stopRequested = false;
        }
        this.evalProgress = ev;
        break;
      case 'evaluation': {
        const result = ev.result;
        const classes =
          this.deps.library.selected?.classes ?? (result.task === 'regression' ? [] : result.perClass.map((_, i) => String(i)));
        this.deps.models.showEvaluation({ title: 'This run', modelId: null, datasetId: this.datasetId, classes, result });
        break;
      }
      case 'fine-tune':
        this.fineTune = ev.report;
        break;
      case 'saved':
        this.finalSeconds = ev.model.trainSeconds;
        this.unsaved = null;
        this.holding = null;
        void this.deps.models.adopt(ev.model);
        break;
      case 'done': {
        const evaluationStopped = !ev.evaluated && this.evalProgress !== null;
        this.state = ev.stopped || evaluationStopped ? 'stopped' : 'done';
        this.evaluated = ev.evaluated;
        this.stopClock();
        break;
      }
      case 'early-stopped':
        this.earlyStop = ev;
        break;
      case 'diverged':
        this.state = 'diverged';
        this.diverged = ev;
        this.stopClock();
        break;
      case 'unsaved':
        this.state = 'unsaved';
        this.unsaved = ev;
        this.holding = null;
        this.stopClock();
        break;
      case 'archive':
        this.holding = null;
        (this.deps.download ?? offerDownload)(ev.fileName, ev.data);
        break;
      case 'error':
        this.holding = null;
        this.fail(ev.message);
        break;
    }
  }

  private fail(message: string): void {
    if (this.active) this.state = 'error';
    this.stopClock();
    this.deps.errors.show(message);
  }

  private startClock(): void {
    this.stopClock();
    this.startedAt = performance.now();
    this.elapsedSeconds = 0;
    this.timer = setInterval(() => (this.elapsedSeconds = (performance.now() - this.startedAt) / 1000), 500);
  }

  private stopClock(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.elapsedSeconds = (performance.now() - this.startedAt) / 1000;
  }

  dispose(): void {
    this.stopClock();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
