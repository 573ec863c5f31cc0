/**
 * "Export for Python": a saved model (with its trained weights) or the current
 * experiment (settings only) as a zip of PyTorch and Keras training scripts and
 * the dataset's splits (lib/export/python). It reads the database directly and
 * needs no tfjs: stored weights are plain bytes.
 */
import type { ExperimentConfig } from '../lib/config';
import { getDataset, readSplitShard } from '../lib/storage/datasets';
import { getWeights } from '../lib/storage/models';
import { describeProblem, modelLayers, modelProblem } from '../lib/model/validate';
import { modelShortName } from '../lib/model/spec';
import { exportProblem, pythonArchiveName, pythonExportZip, type PythonExportInput } from '../lib/export/python/archive';
import type { DatasetMeta, SavedModelMeta } from '../lib/types';
import type { HearthDb } from '../lib/storage/db';
import type { Services } from './services';
import { offerDownload } from './download';

export interface PythonExportDeps {
  db: Services['db'];
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
    return this.make(meta.id, async (db) => {
      const dataset = await storedDataset(db, meta.datasetId, meta.datasetName);
      if (dataset.shape.join('×') !== meta.inputShape.join('×')) {
        throw new Error(`The dataset "${dataset.name}" now holds ${dataset.shape.join('×')} samples, but the model takes ${meta.inputShape.join('×')}; it cannot be exported with it.`);
      }
      const weights = await getWeights(db, meta.id, meta.name);
      return { title: meta.name, config: meta.config, layers: modelLayers(meta.config, dataset), dataset, readShard: (split, index) => readSplitShard(db, dataset, split, index), weights };
    });
  }

  /** The experiment in the settings form, untrained: scripts and data only. */
  exportExperiment(config: ExperimentConfig): Promise<void> {
    return this.make(EXPERIMENT, async (db) => {
      const dataset = await storedDataset(db, config.datasetId, config.datasetId);
      const problem = modelProblem(config, dataset);
      if (problem) throw new Error(describeProblem(problem, config.layers));
      return { title: `${modelShortName(config)} on ${dataset.name}`, config, layers: modelLayers(config, dataset), dataset, readShard: (split, index) => readSplitShard(db, dataset, split, index) };
    });
  }

  private async make(id: string, gather: (db: HearthDb) => Promise<PythonExportInput>): Promise<void> {
    if (this.busy !== null) return;
    this.busy = id;
    this.problem = null;
    try {
      const input = await gather(await this.deps.db());
      const problem = exportProblem(input.layers, input.dataset.shape);
      if (problem) throw new Error(problem);
      const zip = await pythonExportZip(input);
      (this.deps.download ?? offerDownload)(pythonArchiveName(input.title), zip);
    } catch (err) {
      this.problem = { id, message: `Could not export for Python: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.busy = null;
    }
  }
}

async function storedDataset(db: HearthDb, id: string, name: string): Promise<DatasetMeta> {
  const dataset = await getDataset(db, id);
  if (!dataset) throw new Error(`the dataset "${name}" is no longer stored in this browser. Load it again, then export.`);
  return dataset;
}
