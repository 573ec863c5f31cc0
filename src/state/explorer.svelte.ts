/**
 * The error explorer: what the model said about each test sample of the run on
 * show, and the samples a person asked to see — one confusion-matrix cell, the
 * most confident mistakes, or (regression) the worst residuals. The per-sample
 * predictions arrive from the worker once, after the evaluation; the samples'
 * pixels or rows are read from IndexedDB only for the page on show.
 */
import type { WorkerEvent } from '../lib/protocol';
import type { DatasetMeta } from '../lib/types';
import {
  cellSamples,
  confidentMistakes,
  probabilitiesOf,
  worstResiduals,
  type TestPredictions,
} from '../lib/metrics/samples';
import { readSamples } from '../lib/storage/samples';
import { decodeRow, type DecodedCell } from '../lib/data/decode';
import { newRunId, type Services } from './services';
import type { Models } from './models.svelte';
import type { Library } from './library.svelte';
import type { Run } from './run.svelte';

export type ExplorerView =
  | { kind: 'cell'; truth: number; predicted: number }
  | { kind: 'mistakes' }
  | { kind: 'residuals' };

/** One test sample as the explorer shows it. */
export interface ShownSample {
  /** Its position in the dataset's test split. */
  index: number;
  datasetId: string;
  /** Class indices, or target values in the target's units. */
  truth: number;
  predicted: number;
  /** Classification: one probability per class. */
  probs: number[] | null;
  /** The input as stored: pixels 0–255, or the encoded row. */
  x: Uint8Array | Float32Array;
  /** Tables: the row's original values, decoded with the stored encoding. Null for images. */
  features: DecodedCell[] | null;
}

/** Whose predictions these are: the run that made them and, once saved, its model. */
interface Held {
  runId: string;
  modelId: string | null;
  datasetId: string | null;
  predictions: TestPredictions;
}

/** Samples read per page: enough to see a pattern, few enough to read at once. Residuals are rows of a table: fewer. */
export const EXPLORER_PAGE = 48;
export const RESIDUALS_PAGE = 10;
const pageOf = (view: ExplorerView) => (view.kind === 'residuals' ? RESIDUALS_PAGE : EXPLORER_PAGE);

export interface ExplorerDeps {
  training: Services['training'];
  db: Services['db'];
  run: Run;
  models: Models;
  library: Library;
}

export class ErrorExplorer {
  private readonly deps: ExplorerDeps;
  private unsubscribe: (() => void) | null = null;
  /** Bumped by every read, so a slower older read never overwrites a newer one. */
  private token = 0;
  held = $state.raw<Held | null>(null);
  view = $state.raw<ExplorerView | null>(null);
  /** How many of the view's samples are read and shown. */
  shownCount = $state(EXPLORER_PAGE);
  samples = $state.raw<ShownSample[]>([]);
  loading = $state(false);
  problem = $state<string | null>(null);
  /** A saved model's test predictions asked of the worker: its request id and model. */
  asking = $state.raw<{ runId: string; modelId: string } | null>(null);
  /** Why the last request for a saved model's predictions failed. */
  askFailed = $state<string | null>(null);

  /** The held predictions, when they belong to the evaluation on show. */
  predictions = $derived.by<TestPredictions | null>(() => {
    const { held } = this;
    const shown = this.deps.models.evaluation;
    if (!held || !shown || shown.result.samples !== held.predictions.count) return null;
    const mine = shown.modelId === null ? held.runId === this.deps.run.runId : shown.modelId === held.modelId;
    return mine ? held.predictions : null;
  });

  /** Every sample of the view, in the order shown. */
  indices = $derived.by<number[]>(() => {
    const p = this.predictions;
    const v = this.view;
    if (!p || !v) return [];
    if (p.task === 'regression') return v.kind === 'residuals' ? worstResiduals(p) : [];
    if (v.kind === 'cell') return cellSamples(p, v.truth, v.predicted);
    return v.kind === 'mistakes' ? confidentMistakes(p) : [];
  });

  dataset = $derived.by<DatasetMeta | null>(() => this.deps.library.datasets.find((d) => d.id === this.held?.datasetId) ?? null);

  constructor(deps: ExplorerDeps) {
    this.deps = deps;
    this.unsubscribe = deps.training.subscribe((ev) => this.onEvent(ev));
  }

  /**
   * Asks the worker what the saved model says about each test sample, for a
   * model trained before this page was opened (a run keeps its own).
   */
  inspect(modelId: string): void {
    if (this.asking?.modelId === modelId) return;
    const runId = newRunId('inspect');
    this.asking = { runId, modelId };
    this.askFailed = null;
    this.deps.training.request({ type: 'test-predictions', runId, modelId });
  }

  /** Shows a view's first page of samples; the same view again closes it. */
  open(view: ExplorerView): void {
    if (this.view && sameView(this.view, view)) {
      this.close();
      return;
    }
    this.view = view;
    this.shownCount = pageOf(view);
    void this.load();
  }

  close(): void {
    this.view = null;
    this.samples = [];
    this.problem = null;
    this.loading = false;
    this.token++;
  }

  /** The next page of the view's samples. */
  more(): void {
    if (!this.view || this.shownCount >= this.indices.length) return;
    this.shownCount += pageOf(this.view);
    void this.load();
  }

  private async load(): Promise<void> {
    const token = ++this.token;
    const p = this.predictions;
    const meta = this.dataset;
    const want = this.indices.slice(0, this.shownCount);
    this.problem = null;
    if (!p || !this.held) return;
    if (!meta) {
      this.samples = [];
      this.problem = 'The dataset these samples come from is no longer stored, so they cannot be shown.';
      return;
    }
    this.loading = true;
    try {
      const { x } = await readSamples(await this.deps.db(), meta, 'test', want);
      if (token !== this.token) return;
      const len = meta.shape[0] * meta.shape[1] * meta.shape[2];
      const encoding = meta.tabular?.encoding;
      this.samples = want.map((index, k) => {
        const row = x.slice(k * len, (k + 1) * len);
        return {
          index,
          datasetId: meta.id,
          truth: p.truth[index],
          predicted: p.predicted[index],
          probs: p.task === 'classification' ? probabilitiesOf(p, index) : null,
          x: row,
          features: encoding ? decodeRow(row, encoding) : null,
        };
      });
    } catch (err) {
      if (token !== this.token) return;
      this.samples = [];
      this.problem = `The samples could not be read: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (token === this.token) this.loading = false;
    }
  }

  private onEvent(ev: WorkerEvent): void {
    const asked = this.asking;
    if (asked && ev.runId === asked.runId) {
      this.asking = null;
      if (ev.type === 'error') this.askFailed = ev.message;
      if (ev.type !== 'test-predictions') return;
      const model = this.deps.models.list.find((m) => m.id === asked.modelId);
      this.hold({ runId: ev.runId, modelId: asked.modelId, datasetId: model?.datasetId ?? null, predictions: ev.predictions });
    } else if (ev.type === 'test-predictions' && ev.runId === this.deps.run.runId) {
      this.hold({ runId: ev.runId, modelId: null, datasetId: this.deps.run.datasetId, predictions: ev.predictions });
    } else if (ev.type === 'saved' && this.held?.runId === ev.runId) {
      this.held = { ...this.held, modelId: ev.model.id };
    }
  }

  private hold(held: Held): void {
    this.held = held;
    this.close();
    // A regression's worst residuals are listed under its scatter from the start.
    if (held.predictions.task === 'regression') this.open({ kind: 'residuals' });
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.token++;
  }
}

function sameView(a: ExplorerView, b: ExplorerView): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'cell' || (b.kind === 'cell' && a.truth === b.truth && a.predicted === b.predicted);
}
