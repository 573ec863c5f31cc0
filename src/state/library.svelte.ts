/**
 * The dataset library: what is stored, what can be loaded, the load in
 * progress and how much of the browser's storage Hearth uses.
 */
import type { DatasetMeta } from '../lib/types';
import { BUILTIN_DATASETS, DownloadError, installBuiltin, type BuiltinDataset } from '../lib/data/builtin';
import { deleteDataset, previewSamples, readDatasets, removeIncomplete, type StoredProblem } from '../lib/storage/datasets';
import { watchChanges } from '../lib/storage/changes';
import { LoadBusyError } from '../lib/storage/locks';
import type { Services } from './services';
import type { ErrorBanner } from './errors.svelte';
import type { Settings } from './settings.svelte';

export interface LoadProgress {
  id: string;
  name: string;
  phase: 'download' | 'store';
  fraction: number;
}

export interface Preview {
  x: Uint8Array | Float32Array;
  y: Uint8Array | Float32Array;
  count: number;
}

function isAbort(err: unknown): boolean {
  return (err instanceof DOMException || err instanceof Error) && err.name === 'AbortError';
}

export interface LibraryDeps {
  db: Services['db'];
  errors: ErrorBanner;
  settings: Settings;
}

export class Library {
  private readonly deps: LibraryDeps;
  datasets = $state.raw<DatasetMeta[]>([]);
  /** False until the first listing arrived, so the panel can tell "empty" from "not read yet". */
  ready = $state(false);
  loading = $state<LoadProgress | null>(null);
  estimate = $state<{ usage: number; quota: number } | null>(null);
  /** Whether the browser promised not to evict our data under storage pressure; null when unknown. */
  persisted = $state<boolean | null>(null);
  /** A one-off notice, e.g. that start-up cleaned up an interrupted load. */
  notice = $state<string | null>(null);
  /** Stored records that could not be read: named, with a way to delete them. */
  problems = $state.raw<StoredProblem[]>([]);

  available = $derived<BuiltinDataset[]>(BUILTIN_DATASETS.filter((b) => !this.datasets.some((d) => d.id === b.id)));
  selected = $derived<DatasetMeta | null>(this.datasets.find((d) => d.id === this.deps.settings.config.datasetId) ?? null);

  /**
   * The dataset the settings name when this browser does not have it (a shared
   * link, or a dataset deleted since), with the built-in that provides it if any.
   */
  missing = $derived.by<{ id: string; builtin: BuiltinDataset | null } | null>(() => {
    const id = this.deps.settings.config.datasetId;
    if (!this.ready || this.datasets.some((d) => d.id === id)) return null;
    return { id, builtin: BUILTIN_DATASETS.find((b) => b.id === id) ?? null };
  });

  private controller: AbortController | null = null;
  private previews = new Map<string, Promise<Preview>>();
  private stopWatching: (() => void) | null = null;

  constructor(deps: LibraryDeps) {
    this.deps = deps;
  }

  async init(): Promise<void> {
    try {
      const db = await this.deps.db();
      // Another tab or a worker may add or delete datasets at any time.
      this.stopWatching?.();
      this.stopWatching = watchChanges(db.name, (change) => {
        if (change.store !== 'datasets') return;
        if (change.change === 'deleted') this.previews.delete(change.id);
        void this.refresh();
      });
      // Loads still running elsewhere hold their locks and are left alone.
      const removed = await removeIncomplete(db);
      if (removed > 0) this.notice = 'Removed the pieces of an interrupted load.';
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    await this.refresh();
    this.ready = true;
  }

  async refresh(): Promise<void> {
    try {
      const { datasets, problems } = await readDatasets(await this.deps.db());
      this.datasets = datasets;
      this.problems = problems;
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    await this.refreshEstimate();
  }

  async refreshEstimate(): Promise<void> {
    if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return;
    try {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      this.estimate = { usage, quota };
      this.persisted = navigator.storage.persisted ? await navigator.storage.persisted() : null;
    } catch {
      this.estimate = null;
    }
  }

  /** Asks the browser to keep Hearth's data even when space runs low; it may say no. */
  async persist(): Promise<void> {
    if (!navigator.storage?.persist) return;
    const granted = await navigator.storage.persist().catch(() => false);
    this.persisted = granted;
    if (!granted) this.notice = 'The browser did not agree to keep the data for sure; it may still clear it when space runs low.';
  }

  async load(id: string): Promise<void> {
    if (this.loading) return;
    const builtin = BUILTIN_DATASETS.find((b) => b.id === id);
    if (!builtin) return;
    this.notice = null;
    this.controller = new AbortController();
    this.loading = { id, name: builtin.name, phase: 'download', fraction: 0 };
    try {
      const meta = await installBuiltin(await this.deps.db(), id, {
        signal: this.controller.signal,
        onProgress: (phase, fraction) => {
          if (this.loading?.id === id) this.loading = { ...this.loading, phase, fraction };
        },
      });
      // A first dataset becomes the one to train on, so Train works straight away.
      if (!this.selected) this.deps.settings.set('datasetId', meta.id);
    } catch (err) {
      if (isAbort(err)) this.notice = `Stopped loading ${builtin.name}. Nothing was kept.`;
      else if (err instanceof LoadBusyError) this.notice = err.message;
      else if (err instanceof DownloadError) this.deps.errors.show(err.message);
      else this.deps.errors.showStorage(err);
    } finally {
      this.loading = null;
      this.controller = null;
    }
    await this.refresh();
  }

  cancelLoad(): void {
    this.controller?.abort();
  }

  async remove(id: string): Promise<void> {
    try {
      await deleteDataset(await this.deps.db(), id);
      this.previews.delete(id);
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    await this.refresh();
  }

  /** The first n training samples, read once per dataset. */
  preview(id: string, n: number): Promise<Preview> {
    let p = this.previews.get(id);
    if (!p) {
      p = this.deps.db().then((db) => previewSamples(db, id, n));
      p.catch(() => this.previews.delete(id));
      this.previews.set(id, p);
    }
    return p;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** Stops following other tabs' changes. */
  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }
}
