/**
 * Feeding samples back into a dataset: a tray of pending samples, each with the
 * class a person says it is, committed together as one new version of its dataset
 * (storage/versions.ts). `addSamples` does the same in one call, for views that
 * pick several samples at once.
 *
 * A sample is given as the model sees it (Float32Array: pixels in 0–1, or an encoded
 * table row) or, for an image dataset, as stored (Uint8Array pixels 0–255).
 */
import type { DatasetMeta } from '../lib/types';
import { createVersion } from '../lib/storage/versions';
import type { Locks } from '../lib/storage/locks';
import type { Services } from './services';
import type { ErrorBanner } from './errors.svelte';
import type { Library } from './library.svelte';

export type Sample = Float32Array | Uint8Array;

/** Where a sample was picked: each view shows, commits and discards its own tray. */
export type TrayName = 'tryit' | 'explorer';

export interface PendingSample {
  key: number;
  tray: TrayName;
  datasetId: string;
  x: Sample;
  /** A class index, or for regression the target in its own units. */
  label: number;
}

export interface CorrectionsDeps {
  db: Services['db'];
  errors: ErrorBanner;
  library: Library;
  locks?: Locks | null;
}

/** A sample in the dataset's stored form: pixels 0–1 become bytes, features stay float32. */
export function toStored(dtype: DatasetMeta['dtype'], sample: Sample): Uint8Array | Float32Array {
  if (dtype === 'float32') return sample instanceof Float32Array ? sample.slice() : Float32Array.from(sample);
  if (sample instanceof Uint8Array) return sample.slice();
  return Uint8Array.from(sample, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}

export class Corrections {
  private readonly deps: CorrectionsDeps;
  private nextKey = 1;
  pending = $state.raw<PendingSample[]>([]);
  busy = $state(false);
  /** The versions the last commit made, so the page can name them and offer to train on them. */
  made = $state.raw<DatasetMeta[]>([]);
  /** The tray whose commit made them (null: addSamples). */
  madeBy = $state<TrayName | null>(null);

  constructor(deps: CorrectionsDeps) {
    this.deps = deps;
  }

  /** Puts a sample in the tray. */
  add(datasetId: string, x: Sample, label: number, tray: TrayName = 'tryit'): void {
    this.pending = [...this.pending, { key: this.nextKey++, tray, datasetId, x: x.slice(), label }];
  }

  remove(key: number): void {
    this.pending = this.pending.filter((p) => p.key !== key);
  }

  /** Empties one tray, or all of them. */
  clear(tray?: TrayName): void {
    this.pending = tray ? this.pending.filter((p) => p.tray !== tray) : [];
  }

  /** Makes one new version per dataset in the tray, with every sample for it; the tray keeps what failed. */
  async commit(tray?: TrayName): Promise<DatasetMeta[]> {
    const mine = this.pending.filter((p) => !tray || p.tray === tray);
    if (this.busy || mine.length === 0) return [];
    const ids = [...new Set(mine.map((p) => p.datasetId))];
    const made: DatasetMeta[] = [];
    this.busy = true;
    try {
      for (const id of ids) {
        const group = mine.filter((p) => p.datasetId === id);
        const meta = await this.write(id, group.map((p) => p.x), group.map((p) => p.label));
        if (!meta) continue;
        made.push(meta);
        const done = new Set(group.map((p) => p.key));
        this.pending = this.pending.filter((p) => !done.has(p.key));
      }
    } finally {
      this.busy = false;
    }
    this.made = made;
    this.madeBy = tray ?? null;
    return made;
  }

  /** Adds samples, all of class (or target) `label`, to dataset `datasetId` as one new version; null when it failed (the error is shown). */
  async addSamples(datasetId: string, samples: Sample[], label: number): Promise<DatasetMeta | null> {
    this.busy = true;
    try {
      const meta = await this.write(datasetId, samples, samples.map(() => label));
      if (meta) [this.made, this.madeBy] = [[meta], null];
      return meta;
    } finally {
      this.busy = false;
    }
  }

  private async write(datasetId: string, samples: Sample[], labels: number[]): Promise<DatasetMeta | null> {
    const { library, errors } = this.deps;
    try {
      const parent = library.datasets.find((d) => d.id === datasetId);
      if (!parent) throw new Error('The dataset these samples belong to is no longer stored, so they cannot be added to it. Load it again first.');
      const stored = samples.map((s) => toStored(parent.dtype, s));
      const x = parent.dtype === 'float32' ? new Float32Array(stored.reduce((n, s) => n + s.length, 0)) : new Uint8Array(stored.reduce((n, s) => n + s.length, 0));
      let at = 0;
      for (const s of stored) {
        x.set(s, at);
        at += s.length;
      }
      const y = parent.task === 'regression' ? Float32Array.from(labels) : Uint8Array.from(labels);
      if (parent.task === 'classification' && labels.some((l) => !Number.isInteger(l) || l < 0 || l >= parent.classes.length)) {
        throw new Error(`Pick one of the ${parent.classes.length} classes of ${parent.name} for each sample.`);
      }
      const meta = await createVersion(await this.deps.db(), datasetId, { x, y }, { locks: this.deps.locks });
      await library.refresh();
      return meta;
    } catch (err) {
      // Plain errors are ours and already say what to do; the rest are the browser's storage failing.
      if (err instanceof Error && err.constructor === Error) errors.show(err.message);
      else errors.showStorage(err);
      return null;
    }
  }

  dispose(): void {
    this.pending = [];
  }
}
