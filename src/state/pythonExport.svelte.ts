/**
 * "Export for Python": a saved model (with its trained weights) or the current
 * experiment (settings only) as a zip of PyTorch and Keras training scripts and
 * the dataset's splits (lib/export/python). The zip is made in the import worker
 * (job.ts), off the page's thread; this holds what the page shows meanwhile.
 */
import type { ExperimentConfig } from '../lib/config';
import type { PythonExportFile, PythonExportJob } from '../lib/export/python/job';
import type { SavedModelMeta } from '../lib/types';
import type { ImportClient } from '../worker/importClient';
import { newRunId } from './services';
import { offerDownload } from './download';

export interface PythonExportDeps {
  /** Makes the zip: in the import worker (exportInWorker) in the app. */
  build: (job: PythonExportJob) => Promise<PythonExportFile>;
  /** Hands the zip to the person; the browser's download by default. */
  download?: (fileName: string, data: Uint8Array<ArrayBuffer>) => void;
}

/** What the current experiment is exported under. */
export const EXPERIMENT = 'experiment';

export class PythonExport {
  private readonly deps: PythonExportDeps;
  /** The saved model's id (or EXPERIMENT) being exported now. */
  busy = $state<string | null>(null);
  /** Why the last export of `id` could not be made. */
  problem = $state.raw<{ id: string; message: string } | null>(null);

  constructor(deps: PythonExportDeps) {
    this.deps = deps;
  }

  /** A saved model, with its trained weights (weights.npz). */
  exportModel(meta: SavedModelMeta): Promise<void> {
    return this.make(meta.id, { kind: 'model', model: $state.snapshot(meta) as SavedModelMeta });
  }

  /** The experiment in the settings form, untrained: scripts and data only. */
  exportExperiment(config: ExperimentConfig): Promise<void> {
    return this.make(EXPERIMENT, { kind: 'experiment', config: $state.snapshot(config) as ExperimentConfig });
  }

  private async make(id: string, job: PythonExportJob): Promise<void> {
    if (this.busy !== null) return;
    this.busy = id;
    this.problem = null;
    try {
      const { fileName, data } = await this.deps.build(job);
      (this.deps.download ?? offerDownload)(fileName, data);
    } catch (err) {
      this.problem = { id, message: `Could not export for Python: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.busy = null;
    }
  }
}

/** build() through the import worker: one request, answered by the zip or by why it could not be made. */
export function exportInWorker(imports: ImportClient): PythonExportDeps['build'] {
  return (job) =>
    new Promise((resolve, reject) => {
      const jobId = newRunId('python');
      const stop = imports.subscribe((ev) => {
        if (ev.jobId !== jobId) return;
        if (ev.type === 'python-export') resolve({ fileName: ev.fileName, data: ev.data });
        else if (ev.type === 'error') reject(new Error(ev.message));
        else return;
        stop();
      });
      imports.request({ type: 'python-export', jobId, job });
    });
}
