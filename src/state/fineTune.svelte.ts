/**
 * Fine-tuning as the page sets it up: pressing Fine-tune on a saved model puts its
 * settings in the form with `from` naming it, its layers (a new head when the
 * dataset in use has another class count), nothing frozen and no replay. The
 * form then edits the freeze list and the replay share like any other setting.
 */
import { untrack } from 'svelte';
import type { DatasetMeta, SavedModelMeta } from '../lib/types';
import { LAYER_NAMES, layerToText } from '../lib/model/layers';
import { freezeProblem, hasWeights, withHeadFor } from '../lib/model/finetune';
import { modelLayers } from '../lib/model/validate';
import type { Settings } from './settings.svelte';
import type { Library } from './library.svelte';
import type { Models } from './models.svelte';

export interface FineTuneDeps {
  settings: Settings;
  library: Library;
  models: Models;
}

export interface FreezableLayer {
  /** Counted from 1, as the model panel counts layers. */
  number: number;
  name: string;
  /** Its URL text ("dense-64-relu"), to tell layers of one type apart. */
  text: string;
  frozen: boolean;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.every((d, i) => d === b[i]);

/** The layers a saved model was trained with, as a list (a preset's expanded for the data it was trained on). */
export function savedLayers(model: SavedModelMeta) {
  const task = model.classes.length === 0 ? 'regression' : 'classification';
  const kind = model.tabular ? 'tabular' : 'image';
  return modelLayers(model.config, { name: model.datasetName, shape: model.inputShape, task, kind, classes: model.classes });
}

export class FineTuning {
  private readonly deps: FineTuneDeps;
  active = $derived.by(() => this.deps.settings.config.from !== '');
  /** The saved model the settings start from, while it is listed. */
  parent = $derived.by<SavedModelMeta | null>(() => this.deps.models.list.find((m) => m.id === this.deps.settings.config.from) ?? null);
  /** Why these settings cannot fine-tune, or null. */
  problem = $derived.by<string | null>(() => {
    const { models, library, settings } = this.deps;
    if (!this.active) return null;
    const frozen = freezeProblem(settings.config.freeze, settings.config.layers);
    if (frozen) return frozen;
    if (!models.ready) return null;
    if (!this.parent) return 'The saved model these settings fine-tune is no longer stored. Pick another model to fine-tune, or train from scratch.';
    const dataset = library.selected;
    if (dataset && !sameShape(this.parent.inputShape, dataset.shape)) {
      return `"${this.parent.name}" takes ${this.parent.inputShape.join('×')} inputs and ${dataset.name} has ${dataset.shape.join('×')}: pick a dataset with the same input shape.`;
    }
    return null;
  });
  /** Layers that hold weights, with their freeze boxes. */
  layers = $derived.by<FreezableLayer[]>(() => {
    const { settings } = this.deps;
    const frozen = settings.config.freeze;
    return settings.config.layers
      .map((layer, i) => ({ layer, number: i + 1 }))
      .filter(({ layer }) => hasWeights(layer))
      .map(({ layer, number }) => ({ number, name: LAYER_NAMES[layer.type], text: layerToText(layer), frozen: frozen.includes(number) }));
  });
  /** The output layer differs from the saved model's: it starts fresh. */
  newHead = $derived.by(() => {
    const parent = this.parent;
    if (!parent) return false;
    const before = savedLayers(parent);
    const now = this.deps.settings.config.layers;
    return now.length > 0 && layerToText(now[now.length - 1]) !== layerToText(before[before.length - 1]);
  });

  constructor(deps: FineTuneDeps) {
    this.deps = deps;
  }

  /** Puts a saved model's settings in the form, to go on training it on the dataset in use (or its own, when the shapes differ). */
  setUp(model: SavedModelMeta): void {
    const { settings, library } = this.deps;
    const inUse = library.selected;
    const fits = (d: DatasetMeta | null) => d !== null && sameShape(d.shape, model.inputShape);
    const target = fits(inUse) ? inUse : (library.datasets.find((d) => d.id === model.datasetId) ?? inUse);
    const layers = withHeadFor(savedLayers(model), target && target.task !== 'regression' ? target.classes.length : 0);
    settings.apply({ ...model.config, datasetId: target?.id ?? model.datasetId, layers, from: model.id, freeze: [], replay: 0 });
  }

  toggleFreeze(number: number): void {
    const { settings } = this.deps;
    const now = settings.config.freeze;
    settings.set('freeze', now.includes(number) ? now.filter((n) => n !== number) : [...now, number].sort((a, b) => a - b));
  }

  /** Back to a run from fresh weights, with the same layers. */
  cancel(): void {
    const { settings } = this.deps;
    settings.set('from', '');
    settings.set('freeze', []);
    settings.set('replay', 0);
  }

  /** While fine-tuning, a dataset of another class count gets an output layer of its size. */
  fitHead(): void {
    const { settings, library } = this.deps;
    const dataset = library.selected;
    if (!this.active || !dataset || dataset.task === 'regression') return;
    const fitted = withHeadFor(settings.config.layers, dataset.classes.length);
    if (JSON.stringify(fitted) !== JSON.stringify(settings.config.layers)) settings.set('layers', fitted);
  }

  /** Keeps the head fitting the dataset in use; returns the function that stops it. */
  follow(): () => void {
    return $effect.root(() => {
      $effect(() => {
        void this.deps.library.selected;
        void this.active;
        untrack(() => this.fitHead());
      });
    });
  }
}
