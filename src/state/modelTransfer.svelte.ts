/**
 * Taking models out and bringing them in: a saved model's download in a chosen
 * precision, the size and test score of each precision (measured in the
 * training worker, stoppable), evaluating a model that has no scores yet, and
 * importing TensorFlow.js model files. One job at a time; the worker does the work.
 */
import type { WorkerEvent } from '../lib/protocol';
import type { SavedModelMeta } from '../lib/types';
import type { ExportFigure } from '../lib/export/figure';
import type { ExportScheme } from '../lib/export/quantize';
import { newRunId, type Services } from './services';
import type { ErrorBanner } from './errors.svelte';
import type { Models } from './models.svelte';
import type { Settings } from './settings.svelte';
import { offerDownload } from './download';

export type TransferJobKind = 'export' | 'measure' | 'evaluate' | 'import';

export interface TransferJob {
  kind: TransferJobKind;
  runId: string;
  modelId: string | null;
  /** What is being measured now, while measuring. */
  scheme: ExportScheme | null;
  done: number;
  total: number;
}

export interface ModelTransferDeps {
  training: Services['training'];
  errors: ErrorBanner;
  models: Models;
  settings: Settings;
  download?: (fileName: string, data: Uint8Array) => void;
}

export class ModelTransfer {
  private readonly deps: ModelTransferDeps;
  private unsubscribe: (() => void) | null = null;
  job = $state.raw<TransferJob | null>(null);
  /** Figures measured so far for one model; they stay until another model is measured. */
  figures = $state.raw<{ modelId: string; list: ExportFigure[]; complete: boolean } | null>(null);
  /** The outcome of the last import or measurement, for the panel. */
  note = $state.raw<{ kind: 'ok' | 'error'; text: string } | null>(null);
  busy = $derived(this.job !== null);

  constructor(deps: ModelTransferDeps) {
    this.deps = deps;
  }

  download(modelId: string, scheme: ExportScheme): void {
    this.start({ kind: 'export', modelId, scheme }, (runId) => ({ type: 'export-model', runId, modelId, scheme }));
  }

  measure(modelId: string): void {
    this.figures = { modelId, list: [], complete: false };
    this.start({ kind: 'measure', modelId, scheme: null }, (runId) => ({ type: 'measure-export', runId, modelId }));
  }

  evaluate(modelId: string): void {
    this.start({ kind: 'evaluate', modelId, scheme: null }, (runId) => ({ type: 'evaluate-model', runId, modelId }));
  }

  /** Model files as picked or dropped; checked against the dataset in use when their sidecar names none that is stored. */
  async importFiles(files: File[]): Promise<void> {
    if (this.job) {
      this.deps.errors.show('Wait for the current export or import to end, or stop it, before importing a model.');
      return;
    }
    let given: { name: string; data: Uint8Array }[];
    try {
      given = await Promise.all(files.map(async (f) => ({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) })));
    } catch (err) {
      this.fail(`Could not read the model files: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const datasetId = this.deps.settings.config.datasetId;
    this.start({ kind: 'import', modelId: null, scheme: null }, (runId) => ({ type: 'import-model', runId, datasetId, files: given }));
  }

  stop(): void {
    if (this.job && (this.job.kind === 'measure' || this.job.kind === 'evaluate')) this.deps.training.request({ type: 'stop', runId: this.job.runId });
  }

  private start(job: Omit<TransferJob, 'runId' | 'done' | 'total'>, request: (runId: string) => Parameters<Services['training']['request']>[0]): void {
    if (this.job) return;
    this.unsubscribe ??= this.deps.training.subscribe((ev) => this.onEvent(ev));
    const runId = newRunId(job.kind);
    this.note = null;
    this.job = { ...job, runId, done: 0, total: 0 };
    this.deps.training.request(request(runId));
  }

  private fail(text: string): void {
    this.note = { kind: 'error', text };
    this.deps.errors.show(text);
  }

  private onEvent(ev: WorkerEvent): void {
    const job = this.job;
    if (!job || ev.runId !== job.runId) return;
    switch (ev.type) {
      case 'archive':
        this.job = null;
        (this.deps.download ?? offerDownload)(ev.fileName, ev.data);
        break;
      case 'model-progress':
        this.job = { ...job, scheme: ev.scheme, done: ev.done, total: ev.total };
        break;
      case 'export-figure':
        if (this.figures?.modelId === ev.modelId) this.figures = { ...this.figures, list: [...this.figures.list, ev.figure] };
        break;
      case 'model-job-done':
        this.job = null;
        if (job.kind === 'measure' && this.figures?.modelId === ev.modelId) this.figures = { ...this.figures, complete: ev.complete };
        if (!ev.complete) this.note = { kind: 'ok', text: job.kind === 'measure' ? 'Measuring stopped; the figures above are the precisions measured before.' : 'Evaluation stopped; the model keeps no scores.' };
        if (ev.model) void this.deps.models.adopt(ev.model);
        break;
      case 'imported':
        this.job = null;
        this.note = { kind: 'ok', text: `Imported "${ev.model.name}": checked against "${ev.model.datasetName}". Evaluate it to see its test score.` };
        void this.deps.models.adopt(ev.model as SavedModelMeta);
        break;
      case 'error':
        this.job = null;
        this.fail(ev.message);
        break;
    }
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
