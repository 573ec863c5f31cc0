/** Start-up: read the URL, clean and list storage, ask which backend we would get. */
import { settings } from './settings.svelte';
import { library } from './library.svelte';
import { models } from './models.svelte';
import { backendStatus } from './backend.svelte';
import { run } from './run.svelte';
import { importer } from './importer.svelte';
import { syncPresetWithDataset } from './presetSync.svelte';

export function startApp(): void {
  settings.initFromUrl(location.search);
  backendStatus.probe(settings.config.backend);
  void library.init();
  void models.init();
  syncPresetWithDataset();
  // Closing the tab ends training, or loses a trained model that could not be saved; ask first.
  addEventListener('beforeunload', (e) => {
    if (run.active || run.state === 'unsaved' || library.loading || importer.active) e.preventDefault();
  });
}
