/**
 * When another dataset is chosen, what is on show about the previous one goes:
 * a finished run's figures and charts, and an evaluation measured on another
 * dataset. A run still going, or a trained model waiting to be saved, stays.
 */
import { untrack } from 'svelte';
import type { Settings } from './settings.svelte';
import type { Run } from './run.svelte';
import type { Models } from './models.svelte';

/** What choosing dataset `id` clears. */
export function forgetOtherDataset(id: string, run: Run, models: Models): void {
  if (run.datasetId !== null && run.datasetId !== id) run.forgetFinished();
  const shown = models.evaluation;
  if (shown && shown.datasetId !== id && !run.active) models.showEvaluation(null);
}

/** Starts following the dataset choice; returns the function that stops it. */
export function clearOnDatasetSwitch(settings: Settings, run: Run, models: Models): () => void {
  return $effect.root(() => {
    $effect(() => {
      const id = settings.config.datasetId;
      untrack(() => forgetOtherDataset(id, run, models));
    });
  });
}
