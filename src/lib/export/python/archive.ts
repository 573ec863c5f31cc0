/**
 * "Export for Python": one .zip that takes a Hearth experiment to a training
 * engine outside the browser.
 *
 *   train_torch.py   PyTorch; one process, or torchrun / DistributedDataParallel
 *   train_keras.py   Keras; tf.distribute multi-worker set-up ready to switch on
 *   data.npz         the splits (see dataset.ts)
 *   weights.npz      a saved model's trained weights, in PyTorch's layout (see weights.ts)
 *   experiment.json  the settings, as Hearth stores them
 *   README.md        how to run it
 */
import { strToU8, zipSync } from 'fflate';
import type { ExperimentConfig } from '../../config';
import { fileStem } from '../../fileName';
import { augments } from '../../augment/spec';
import { resolveLoss } from '../../model/loss';
import type { LayerSpec } from '../../model/layers';
import type { DatasetMeta } from '../../types';
import { datasetArrays, type ReadShard } from './dataset';
import type { PythonExperiment } from './experiment';
import { kerasScript } from './keras';
import { npzBytes } from './npy';
import { exportProblem, planLayers } from './plan';
import { readme } from './readme';
import { torchScript } from './torch';
import { torchStateDict, type StoredModel } from './weights';

export interface PythonExportInput {
  title: string;
  config: ExperimentConfig;
  /** The model's layers, presets expanded (validate.ts's modelLayers). */
  layers: LayerSpec[];
  dataset: DatasetMeta;
  readShard: ReadShard;
  /** A saved model's stored weights; absent for an experiment not yet trained. */
  weights?: StoredModel;
}

export { exportProblem };

export function describeExperiment(input: Omit<PythonExportInput, 'readShard' | 'weights'>): PythonExperiment {
  const { config, layers, dataset } = input;
  const plan = planLayers(layers, dataset.shape);
  return {
    title: input.title,
    datasetName: dataset.name,
    kind: dataset.kind,
    task: dataset.task,
    inputShape: [...dataset.shape],
    classNames: dataset.classes,
    plan,
    loss: resolveLoss(config.loss, layers[layers.length - 1], dataset.task),
    config,
    augment: dataset.kind === 'image' && augments(config.augment) ? config.augment : null,
    targetScale: dataset.task === 'regression' ? (dataset.tabular?.target ?? { mean: 0, std: 1 }) : null,
  };
}

/** The archive's files. */
export async function pythonExportFiles(input: PythonExportInput): Promise<Record<string, Uint8Array>> {
  const e = describeExperiment(input);
  const files: Record<string, Uint8Array> = {
    'README.md': strToU8(readme(e, input.weights !== undefined)),
    'train_torch.py': strToU8(torchScript(e)),
    'train_keras.py': strToU8(kerasScript(e)),
    'experiment.json': strToU8(JSON.stringify(input.config, null, 2)),
  };
  if (input.weights) files['weights.npz'] = npzBytes(torchStateDict(e.plan, input.weights));
  // Compressed: images shrink about 4.5×, and the zip is made off the page's thread.
  files['data.npz'] = npzBytes(await datasetArrays(input.dataset, input.config, input.readShard), true);
  return files;
}

/** The zip to download: the scripts deflated, the arrays stored as they are (deflating tens of megabytes would hold up the page). */
export async function pythonExportZip(input: PythonExportInput): Promise<Uint8Array<ArrayBuffer>> {
  const files = await pythonExportFiles(input);
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, data]) => [name, [data, { level: name.endsWith('.npz') ? 0 : 6 }]]))) as Uint8Array<ArrayBuffer>;
}

/** "CNN on MNIST · 97.1%" → "cnn-on-mnist-97-1-python.zip". */
export function pythonArchiveName(title: string): string {
  return `${fileStem(title, 'experiment')}-python.zip`;
}
