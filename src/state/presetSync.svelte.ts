/**
 * Keeps the model preset fitting the dataset: when the dataset in use changes
 * (a click, an import, or a link naming another dataset) and the chosen preset
 * cannot take its inputs, the dataset's default preset is chosen instead, and
 * the URL follows. The training settings follow the dataset the same way: those
 * still at the previous dataset's defaults (trainingDefaults) take the new one's.
 */
import { untrack } from 'svelte';
import { defaultPresetFor, presetsFor, type PresetTarget } from '../lib/model/spec';
import { DEFAULT_CONFIG, type ModelPresetId } from '../lib/config';
import { defaultsTargetOf, followDefaults, tableDefaults, trainingDefaults, type TrainingDefaults } from '../lib/trainingDefaults';
import type { Library } from './library.svelte';
import type { DatasetMeta } from '../lib/types';
import type { Settings } from './settings.svelte';

/** Before any dataset is stored, presets are described for MNIST's inputs. */
export const MNIST_LIKE: PresetTarget = { kind: 'image', shape: [28, 28, 1], task: 'classification' };

export function fittingPresets(meta: PresetTarget | null): ModelPresetId[] {
  return presetsFor(meta ?? MNIST_LIKE);
}

/** The training settings that fit a stored dataset, or none before one is in use (the table's own then apply). */
export function fittedDefaults(meta: DatasetMeta | null): Partial<TrainingDefaults> {
  return meta ? trainingDefaults(defaultsTargetOf(meta)) : {};
}

/** Starts keeping the preset in step; returns the function that stops it. */
export function syncPresetWithDataset(library: Library, settings: Settings): () => void {
  return $effect.root(() => {
    $effect(() => {
      const meta = library.selected;
      if (!meta) return;
      if (!presetsFor(meta).includes(settings.config.model)) settings.set('model', defaultPresetFor(meta));
    });
    // Until a dataset is stored the field table's defaults apply (a link's own values stay as they are).
    let previous: TrainingDefaults = tableDefaults(DEFAULT_CONFIG);
    // A value the link set stays, even one equal to the table's default: a share link reproduces its experiment.
    let firstDataset = true;
    $effect(() => {
      const meta = library.selected;
      const next = { ...tableDefaults(DEFAULT_CONFIG), ...fittedDefaults(meta) };
      untrack(() => {
        const kept = firstDataset && meta ? settings.fromLink : new Set<string>();
        for (const [key, value] of Object.entries(followDefaults(settings.config, previous, next))) {
          if (!kept.has(key as keyof TrainingDefaults)) settings.set(key as keyof TrainingDefaults, value as never);
        }
      });
      if (meta) firstDataset = false;
      previous = next;
    });
  });
}
