/**
 * Keeps the model preset fitting the dataset: when the dataset in use changes
 * (a click, an import, or a link naming another dataset) and the chosen preset
 * cannot take its inputs, the dataset's default preset is chosen instead, and
 * the URL follows.
 */
import { defaultPresetFor, presetsFor, type PresetTarget } from '../lib/model/spec';
import type { ModelPresetId } from '../lib/config';
import type { Library } from './library.svelte';
import type { Settings } from './settings.svelte';

/** Before any dataset is stored, presets are described for MNIST's inputs. */
export const MNIST_LIKE: PresetTarget = { kind: 'image', shape: [28, 28, 1], task: 'classification' };

export function fittingPresets(meta: PresetTarget | null): ModelPresetId[] {
  return presetsFor(meta ?? MNIST_LIKE);
}

/** Starts keeping the preset in step; returns the function that stops it. */
export function syncPresetWithDataset(library: Library, settings: Settings): () => void {
  return $effect.root(() => {
    $effect(() => {
      const meta = library.selected;
      if (!meta) return;
      if (!presetsFor(meta).includes(settings.config.model)) settings.set('model', defaultPresetFor(meta));
    });
  });
}
