/**
 * The decision-boundary map of the run on show, for datasets whose samples are
 * points of a plane: the latest grid the worker sent, and the dataset's train
 * and test points to draw on top (read from IndexedDB once per dataset).
 */
import type { WorkerEvent, WorkerEventOf } from '../lib/protocol';
import { readWholeSplit } from '../lib/storage/samples';
import { isPlane } from '../lib/data/plane';
import type { Services } from './services';
import type { Library } from './library.svelte';
import type { Run } from './run.svelte';

export interface PlanePoints {
  datasetId: string;
  /** (x, y) pairs in the model's input space, and their classes. */
  train: { xy: Float32Array; y: Uint8Array };
  test: { xy: Float32Array; y: Uint8Array };
}

export interface BoundaryDeps {
  training: Services['training'];
  db: Services['db'];
  run: Run;
  library: Library;
}

export class BoundaryMap {
  private readonly deps: BoundaryDeps;
  private unsubscribe: (() => void) | null = null;
  latest = $state.raw<WorkerEventOf<'boundary'> | null>(null);
  points = $state.raw<PlanePoints | null>(null);
  /** How many maps of the run on show have arrived. */
  updates = $state(0);

  /** The map of the run on show, while that run is on show. */
  shown = $derived.by(() => {
    const { latest } = this;
    const { run } = this.deps;
    return latest && latest.runId === run.runId && run.state !== 'idle' ? latest : null;
  });

  constructor(deps: BoundaryDeps) {
    this.deps = deps;
    this.unsubscribe = deps.training.subscribe((ev) => this.onEvent(ev));
  }

  private onEvent(ev: WorkerEvent): void {
    if (ev.type !== 'boundary' || ev.runId !== this.deps.run.runId) return;
    this.updates = this.latest?.runId === ev.runId ? this.updates + 1 : 1;
    this.latest = ev;
    const id = this.deps.run.datasetId;
    if (id && this.points?.datasetId !== id) void this.loadPoints(id);
  }

  private async loadPoints(id: string): Promise<void> {
    const meta = this.deps.library.datasets.find((d) => d.id === id);
    if (!meta || !isPlane(meta.shape, meta.task)) return;
    try {
      const db = await this.deps.db();
      const [train, test] = await Promise.all([readWholeSplit(db, meta, 'train'), readWholeSplit(db, meta, 'test')]);
      const asPoints = (s: typeof train) => ({ xy: Float32Array.from(s.x), y: Uint8Array.from(s.y) });
      this.points = { datasetId: id, train: asPoints(train), test: asPoints(test) };
    } catch {
      // The map still shows without its points; the dataset's own panel reports a damaged dataset.
      this.points = null;
    }
  }

  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
