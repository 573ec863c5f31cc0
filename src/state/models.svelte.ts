/**
 * Saved models, the one picked for "Try it", and the evaluation on show,
 * which is either the current run's or the picked model's stored one.
 */
import type { Evaluation, SavedModelMeta } from '../lib/types';
import { deleteModel, readModels } from '../lib/storage/models';
import type { StoredProblem } from '../lib/storage/datasets';
import { watchChanges } from '../lib/storage/changes';
import type { Services } from './services';
import type { ErrorBanner } from './errors.svelte';
import type { Library } from './library.svelte';

export interface ShownEvaluation {
  /** Whose evaluation this is, for the panel's heading. */
  title: string;
  /** The saved model it belongs to, once there is one. */
  modelId: string | null;
  /** The dataset it was measured on. */
  datasetId: string | null;
  classes: string[];
  result: Evaluation;
}

export interface ModelsDeps {
  db: Services['db'];
  errors: ErrorBanner;
  library: Library;
}

export class Models {
  private readonly deps: ModelsDeps;
  private stopWatching: (() => void) | null = null;
  list = $state.raw<SavedModelMeta[]>([]);
  ready = $state(false);
  selectedId = $state<string | null>(null);
  selected = $derived<SavedModelMeta | null>(this.list.find((m) => m.id === this.selectedId) ?? null);
  evaluation = $state.raw<ShownEvaluation | null>(null);
  /** Saved models whose records could not be read: named, with a way to delete them. */
  problems = $state.raw<StoredProblem[]>([]);

  constructor(deps: ModelsDeps) {
    this.deps = deps;
  }

  async refresh(): Promise<void> {
    try {
      const { models, problems } = await readModels(await this.deps.db());
      this.list = models;
      this.problems = problems;
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    this.ready = true;
  }

  /** At start-up a returning visitor finds their newest model ready to try. */
  async init(): Promise<void> {
    try {
      // Models trained or deleted in another tab show up here too.
      this.stopWatching?.();
      this.stopWatching = watchChanges((await this.deps.db()).name, (change) => {
        if (change.store === 'models') void this.refresh();
      });
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    await this.refresh();
    if (this.selectedId === null && this.evaluation === null && this.list.length > 0) this.select(this.list[0].id);
  }

  select(id: string): void {
    this.selectedId = id;
    const model = this.list.find((m) => m.id === id);
    // A model without an evaluation must not go on showing the previous model's.
    this.evaluation = model?.evaluation
      ? { title: model.name, modelId: id, datasetId: model.datasetId, classes: model.classes, result: model.evaluation }
      : null;
  }

  /** Called after a run saved its model: list it and make it the one to try. */
  async adopt(model: SavedModelMeta): Promise<void> {
    await this.refresh();
    void this.deps.library.refreshEstimate();
    if (!this.list.some((m) => m.id === model.id)) this.list = [model, ...this.list];
    this.selectedId = model.id;
    if (model.evaluation) {
      this.evaluation = { title: model.name, modelId: model.id, datasetId: model.datasetId, classes: model.classes, result: model.evaluation };
    }
  }

  showEvaluation(evaluation: ShownEvaluation | null): void {
    this.evaluation = evaluation;
  }

  async remove(id: string): Promise<void> {
    try {
      await deleteModel(await this.deps.db(), id);
    } catch (err) {
      this.deps.errors.showStorage(err);
    }
    if (this.selectedId === id) this.selectedId = null;
    if (this.evaluation?.modelId === id) this.evaluation = null;
    await this.refresh();
    await this.deps.library.refreshEstimate();
  }

  /** Stops following other tabs' changes. */
  dispose(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }
}
