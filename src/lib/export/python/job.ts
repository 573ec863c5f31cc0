/**
 * "Export for Python" as one job: a saved model (with its trained weights) or the
 * current experiment (settings only), gathered from the database and zipped. The
 * import worker runs it, so packing a dataset of MNIST's size (55 MB of splits)
 * never holds up the page. No tfjs here: stored weights are plain bytes.
 */
import type { ExperimentConfig } from '../../config';
import { getDataset, readSplitShard } from '../../storage/datasets';
import { getWeights } from '../../storage/models';
import type { HearthDb } from '../../storage/db';
import { describeProblem, modelLayers, modelProblem } from '../../model/validate';
import { modelShortName } from '../../model/spec';
import type { DatasetMeta, SavedModelMeta } from '../../types';
import { exportProblem, pythonArchiveName, pythonExportZip, type PythonExportInput } from './archive';

export type PythonExportJob = { kind: 'model'; model: SavedModelMeta } | { kind: 'experiment'; config: ExperimentConfig };

export interface PythonExportFile {
  fileName: string;
  data: Uint8Array<ArrayBuffer>;
}

/** The zip for `job`; throws with a message for the person when it cannot be made. */
export async function pythonExportFor(db: HearthDb, job: PythonExportJob): Promise<PythonExportFile> {
  const input = job.kind === 'model' ? await modelInput(db, job.model) : await experimentInput(db, job.config);
  const problem = exportProblem(input.layers, input.dataset.shape);
  if (problem) throw new Error(problem);
  return { fileName: pythonArchiveName(input.title), data: await pythonExportZip(input) };
}

async function modelInput(db: HearthDb, meta: SavedModelMeta): Promise<PythonExportInput> {
  const dataset = await storedDataset(db, meta.datasetId, meta.datasetName);
  if (dataset.shape.join('×') !== meta.inputShape.join('×')) {
    throw new Error(`The dataset "${dataset.name}" now holds ${dataset.shape.join('×')} samples, but the model takes ${meta.inputShape.join('×')}; it cannot be exported with it.`);
  }
  const weights = await getWeights(db, meta.id, meta.name);
  return { title: meta.name, config: meta.config, layers: modelLayers(meta.config, dataset), dataset, readShard: (split, index) => readSplitShard(db, dataset, split, index), weights };
}

async function experimentInput(db: HearthDb, config: ExperimentConfig): Promise<PythonExportInput> {
  const dataset = await storedDataset(db, config.datasetId, config.datasetId);
  const problem = modelProblem(config, dataset);
  if (problem) throw new Error(describeProblem(problem, config.layers));
  return { title: `${modelShortName(config)} on ${dataset.name}`, config, layers: modelLayers(config, dataset), dataset, readShard: (split, index) => readSplitShard(db, dataset, split, index) };
}

async function storedDataset(db: HearthDb, id: string, name: string): Promise<DatasetMeta> {
  const dataset = await getDataset(db, id);
  if (!dataset) throw new Error(`the dataset "${name}" is no longer stored in this browser. Load it again, then export.`);
  return dataset;
}
