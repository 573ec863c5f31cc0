/**
 * Bringing your own data: routes what was picked or dropped to a flow, asks the
 * import worker for a CSV preview, sends the import with the chosen options,
 * follows its progress and keeps the report. Parsing and storing happen in the
 * worker; this class only holds choices and results.
 */
import type { DatasetMeta } from '../lib/types';
import type { EncodingChoice, ImportEvent, ImportRequest, ImportSource } from '../lib/import/protocol';
import { newRunId, type Services } from './services';
import { routeFiles, type PickedFile, type Route } from './importRoute';
import { CsvDraft } from './csvDraft.svelte';
import type { ErrorBanner } from './errors.svelte';
import type { Library } from './library.svelte';
import type { Settings } from './settings.svelte';
import type { Run } from './run.svelte';

export type ImportStage = 'idle' | 'routing' | 'inspecting' | 'ready' | 'importing';
export type ReadyRoute = Exclude<Route, { kind: 'unknown' | 'model' }>;

export interface ImportResult {
  dataset: DatasetMeta;
  skipped: { path: string; reason: string }[];
  droppedRows: number;
}

export const IMAGE_SIZES = [28, 32, 64, 96, 128, 224] as const;
/** A worker that does not answer a cancel within this long is ended; start-up cleanup removes any pieces. */
const CANCEL_GRACE_MS = 4000;

export interface ImporterDeps {
  imports: Services['imports'];
  errors: ErrorBanner;
  library: Library;
  settings: Settings;
  run: Run;
  /** Model files go to the saved models rather than the dataset library. */
  importModel?: (files: File[]) => void;
}

export class Importer {
  private readonly deps: ImporterDeps;
  stage = $state<ImportStage>('idle');
  route = $state.raw<ReadyRoute | null>(null);
  csv = $state<CsvDraft | null>(null);
  name = $state('');
  imageSize = $state(64);
  channels = $state<1 | 3>(3);
  progress = $state.raw<{ phase: 'read' | 'decode' | 'store'; fraction: number; detail?: string } | null>(null);
  cancelling = $state(false);
  result = $state.raw<ImportResult | null>(null);
  /** A failed table import reopens its form with the reason, so a column's type or the label can be changed and tried again. */
  error = $state<string | null>(null);

  active = $derived(this.stage === 'inspecting' || this.stage === 'importing');

  private jobId: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private cancelTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(deps: ImporterDeps) {
    this.deps = deps;
  }

  /** Files from the pickers or a drop. A new choice replaces whatever was being set up. */
  async accept(files: PickedFile[], fromFolder: boolean): Promise<void> {
    if (this.stage === 'importing') return;
    this.abandon();
    this.result = null;
    this.stage = 'routing';
    let route: Route;
    try {
      route = await routeFiles(files, fromFolder);
    } catch (err) {
      route = { kind: 'unknown', message: `Could not read the files: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (route.kind === 'unknown') {
      this.stage = 'idle';
      this.deps.errors.show(route.message);
      return;
    }
    if (route.kind === 'model') {
      this.stage = 'idle';
      if (this.deps.importModel) this.deps.importModel(route.files);
      else this.deps.errors.show('Models cannot be imported here.');
      return;
    }
    this.route = route;
    this.name = route.name;
    if (route.kind === 'csv') {
      this.stage = 'inspecting';
      this.send({ type: 'inspect-csv', jobId: this.newJob(), file: route.file });
    } else {
      this.stage = 'ready';
    }
  }

  /** Reads the table again with another text encoding (or detects it again: 'auto'). */
  reinspect(encoding: EncodingChoice): void {
    const route = this.route;
    if (this.stage !== 'ready' || route?.kind !== 'csv') return;
    this.stage = 'inspecting';
    this.error = null;
    this.send({ type: 'inspect-csv', jobId: this.newJob(), file: route.file, encoding });
  }

  start(): void {
    const route = this.route;
    if (this.stage !== 'ready' || !route) return;
    const source = this.source(route, this.deps.settings.config.seed);
    if (!source) return;
    this.stage = 'importing';
    this.error = null;
    this.progress = { phase: 'read', fraction: 0 };
    this.cancelling = false;
    this.send({ type: 'import', jobId: this.newJob(), source });
  }

  /** Before an import starts this just closes the form; during one it asks the worker to stop and keep nothing. */
  cancel(): void {
    if (this.stage !== 'importing' || !this.jobId) {
      this.abandon();
      return;
    }
    this.cancelling = true;
    const jobId = this.jobId;
    this.deps.imports.request({ type: 'cancel', jobId });
    this.cancelTimer = setTimeout(() => {
      if (this.jobId !== jobId) return;
      this.deps.imports.terminate();
      this.finishCancel();
      void this.deps.library.init();
    }, CANCEL_GRACE_MS);
  }

  dismissResult(): void {
    this.result = null;
  }

  private source(route: ReadyRoute, seed: number): ImportSource | null {
    const name = this.name.trim() || route.name;
    const image = { name, size: this.imageSize, channels: this.channels, seed };
    switch (route.kind) {
      case 'csv':
        return this.csv ? { kind: 'csv', file: route.file, options: this.csv.options(name, seed) } : null;
      case 'image-zip':
        return { kind: 'image-zip', file: route.file, options: image };
      case 'image-folder':
        return { kind: 'image-folder', files: route.files, options: image };
      case 'idx':
        return { kind: 'idx', files: route.files, name };
      case 'cifar10':
        return { kind: 'cifar10', files: route.files, name };
    }
  }

  private newJob(): string {
    this.jobId = newRunId('import');
    return this.jobId;
  }

  private send(req: ImportRequest): void {
    this.unsubscribe ??= this.deps.imports.subscribe((ev) => this.onEvent(ev));
    this.deps.imports.request(req);
  }

  private onEvent(ev: ImportEvent): void {
    if (ev.jobId !== this.jobId) return;
    switch (ev.type) {
      case 'csv-preview':
        if (this.stage !== 'inspecting') return;
        this.csv = new CsvDraft(ev.preview);
        this.progress = null;
        this.stage = 'ready';
        break;
      case 'progress':
        if (this.stage === 'importing' || this.stage === 'inspecting') this.progress = { phase: ev.phase, fraction: ev.fraction, detail: ev.detail };
        break;
      case 'imported':
        this.clearTimer();
        this.result = { dataset: ev.dataset, skipped: ev.skipped, droppedRows: ev.droppedRows };
        this.reset();
        void this.adopt(ev.dataset);
        break;
      case 'error':
        if (this.cancelling) {
          this.finishCancel();
        } else if (this.stage === 'importing' && this.route?.kind === 'csv') {
          this.stage = 'ready';
          this.progress = null;
          this.error = ev.message;
          this.deps.errors.show(ev.message);
        } else {
          // Files that cannot be read will not read better with other options: start over.
          this.reset();
          this.deps.errors.show(ev.message);
        }
        break;
    }
  }

  /** A new dataset becomes the one to train on, unless a run is using another. */
  private async adopt(dataset: DatasetMeta): Promise<void> {
    await this.deps.library.refresh();
    if (!this.deps.run.active) this.deps.settings.set('datasetId', dataset.id);
  }

  private finishCancel(): void {
    this.clearTimer();
    const name = this.name || 'the dataset';
    this.reset();
    this.deps.library.notice = `Stopped importing ${name}. Nothing was kept.`;
  }

  private abandon(): void {
    if (this.stage === 'inspecting' && this.jobId) this.deps.imports.request({ type: 'cancel', jobId: this.jobId });
    this.reset();
  }

  private reset(): void {
    this.clearTimer();
    this.jobId = null;
    this.stage = 'idle';
    this.route = null;
    this.csv = null;
    this.progress = null;
    this.cancelling = false;
    this.error = null;
  }

  private clearTimer(): void {
    if (this.cancelTimer !== null) clearTimeout(this.cancelTimer);
    this.cancelTimer = null;
  }

  dispose(): void {
    this.clearTimer();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
