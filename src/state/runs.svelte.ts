/**
 * The recorded runs: the list, what can be done with each (rename, notes, delete,
 * resume an interrupted one, train again with its settings) and the runs picked to
 * compare. A record still marked 'running' is live only while a worker holds its
 * lock; otherwise its tab was closed or crashed and the run reads as interrupted.
 */
import type { RunRecord } from '../lib/types';
import type { WorkerEvent } from '../lib/protocol';
import { checkpointSizes, deleteRun, editRun, readRuns } from '../lib/storage/runs';
import type { StoredProblem } from '../lib/storage/restore';
import { watchChanges } from '../lib/storage/changes';
import { browserLocks, runLockName, type Locks } from '../lib/storage/locks';
import { configToSearchParams } from '../lib/config';
import type { Services } from './services';
import type { ErrorBanner } from './errors.svelte';
import type { Run } from './run.svelte';
import type { Settings } from './settings.svelte';

/** A run as the list shows it. */
export interface RunView extends RunRecord {
  /** Ended without finishing and can go on: its checkpoint is stored and no worker trains it. */
  resumable: boolean;
  /** Its worker is gone (or it failed); shown as interrupted even where the record still says running. */
  interrupted: boolean;
  /** Bytes of its checkpoint, 0 when it has none. */
  checkpointBytes: number;
  /** Its trained model could not be saved and is held in this tab, waiting to be saved, downloaded or discarded. */
  held: boolean;
}

export interface RunsDeps {
  db: Services['db'];
  training: Services['training'];
  errors: ErrorBanner;
  run: Run;
  settings: Settings;
  /** The lock manager that tells live runs from interrupted ones; the browser's by default. */
  locks?: Locks | null;
}

/** Events after which the stored runs have changed. */
const CHANGES = new Set<WorkerEvent['type']>(['started', 'checkpoint', 'checkpoint-failed', 'done', 'diverged', 'unsaved', 'discarded', 'error']);

export class Runs {
  private readonly deps: RunsDeps;
  private stopWatching: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  list = $state.raw<RunView[]>([]);
  problems = $state.raw<StoredProblem[]>([]);
  ready = $state(false);
  /** Ids of the runs picked to compare, in the order picked. */
  picked = $state<string[]>([]);
  compared = $derived(this.picked.map((id) => this.list.find((r) => r.id === id)).filter((r): r is RunView => r !== undefined));
  /** What checkpoints take on disk (the storage panel's figure). */
  checkpointBytes = $derived(this.list.reduce((sum, r) => sum + r.checkpointBytes, 0));

  constructor(deps: RunsDeps) {
    this.deps = deps;
  }

  async init(): Promise<void> {
    this.unsubscribe ??= this.deps.training.subscribe((ev) => {
      if (CHANGES.has(ev.type) && !/^(probe|predict)/.test(ev.runId)) void this.refresh();
    });
    try {
      this.stopWatching?.();
      this.stopWatching = watchChanges((await this.deps.db()).name, (change) => {
        if (change.store === 'runs') void this.refresh();
      });
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const db = await this.deps.db();
      const [{ runs, problems }, sizes] = await Promise.all([readRuns(db), checkpointSizes(db)]);
      const views = await Promise.all(runs.map((r) => this.view(db.name, r, sizes.get(r.id) ?? 0)));
      this.list = views;
      this.problems = problems;
      this.picked = this.picked.filter((id) => views.some((v) => v.id === id));
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    this.ready = true;
  }

  private async view(dbName: string, r: RunRecord, checkpointBytes: number): Promise<RunView> {
    // Its model is held in this tab, not yet saved: the record reads as interrupted until then, for a tab closed meanwhile.
    const held = this.deps.run.state === 'unsaved' && this.deps.run.runId === r.id;
    const interrupted = !held && (r.status === 'interrupted' || (r.status === 'running' && !(await this.isLive(dbName, r.id))));
    return { ...r, held, interrupted, resumable: interrupted && checkpointBytes > 0, checkpointBytes };
  }

  /** Whether some worker (this tab's or another's) is training the run now. */
  private async isLive(dbName: string, id: string): Promise<boolean> {
    const { run } = this.deps;
    if (run.active && run.runId === id) return true;
    const locks = this.deps.locks === undefined ? browserLocks() : this.deps.locks;
    if (!locks) return false;
    // Getting the lock means nobody holds it; it is let go at once.
    const live = await locks.request(runLockName(dbName, id), { ifAvailable: true }, (lock) => lock === null);
    if (live) this.watchLock(locks, dbName, id);
    return live;
  }

  private readonly waiting = new Set<string>();

  /**
   * Looks again once the run's lock is let go: its worker ended it, or died with its tab
   * (a tab reloaded mid-run can still hold the lock when this page first lists the runs).
   */
  private watchLock(locks: Locks, dbName: string, id: string): void {
    if (this.waiting.has(id)) return;
    this.waiting.add(id);
    void locks
      .request(runLockName(dbName, id), { ifAvailable: false }, () => undefined)
      .then(() => {
        this.waiting.delete(id);
        if (this.unsubscribe) void this.refresh();
      });
  }

  resume(id: string): void {
    const r = this.list.find((v) => v.id === id);
    if (!r?.resumable) return;
    this.deps.run.resume(id, r.config);
  }

  /** "Train again with these settings": the run's config becomes the page's (and the URL's). */
  trainAgain(id: string): void {
    const r = this.list.find((v) => v.id === id);
    if (r) this.deps.settings.apply(r.config);
  }

  /** The link that opens Hearth with this run's settings. */
  link(r: RunRecord): string {
    const query = configToSearchParams(r.config).toString();
    return query ? `?${query}` : '?';
  }

  async rename(id: string, name: string): Promise<void> {
    const trimmed = name.trim().slice(0, 200);
    if (trimmed) await this.edit(id, { name: trimmed });
  }

  async setNotes(id: string, notes: string): Promise<void> {
    await this.edit(id, { notes: notes.slice(0, 10_000) });
  }

  private async edit(id: string, change: { name?: string; notes?: string }): Promise<void> {
    try {
      const updated = await editRun(await this.deps.db(), id, change);
      this.list = this.list.map((r) => (r.id === id ? { ...r, name: updated.name, notes: updated.notes } : r));
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
  }

  async remove(id: string): Promise<void> {
    const { run } = this.deps;
    if (run.active && run.runId === id) return;
    try {
      await deleteRun(await this.deps.db(), id);
      this.picked = this.picked.filter((p) => p !== id);
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    await this.refresh();
  }

  togglePick(id: string): void {
    this.picked = this.picked.includes(id) ? this.picked.filter((p) => p !== id) : [...this.picked, id];
  }

  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
