/**
 * The export and import work the training worker does: a saved model's .zip in
 * a chosen precision, the test score each precision actually reaches, and an
 * imported model checked, loaded with tfjs and stored like a trained one.
 * Worker only (tfjs); kept apart from the worker file so Node tests run it.
 */
import * as tf from '@tensorflow/tfjs';
import type { HearthDb } from '../storage/db';
import { getDataset, readShard } from '../storage/datasets';
import { getModelMeta } from '../storage/models';
import { serializeModel, writeModel } from '../storage/modelIO';
import { restoreWeights } from '../storage/restoreModel';
import { BadRecord } from '../storage/restore';
import { announce } from '../storage/changes';
import { createShardSource } from '../data/shardSource';
import { restoreConfig } from '../config';
import { evaluate } from '../train/evaluate';
import { DatasetMissingError, ModelMissingError } from '../train/errors';
import type { DatasetMeta, Evaluation, SavedModelMeta } from '../types';
import { exportArchive, type ModelFiles } from './archive';
import { EXPORT_SCHEMES, quantizeWeights, type ExportScheme, type WeightSpec } from './quantize';
import { gatherModelFiles, ModelImportError, type GivenFile } from './readFiles';
import { checkFitsDataset, checkImportedModel } from './checkImport';
import { restorePreprocessing, type HearthPreprocessing } from './preprocessing';
import type { ExportFigure } from './figure';

export type { ExportFigure };

const INFERENCE_BATCH = 256;

async function storedModel(db: HearthDb, modelId: string): Promise<{ meta: SavedModelMeta; files: ModelFiles }> {
  const meta = await getModelMeta(db, modelId);
  if (!meta) throw new ModelMissingError('This model is no longer stored (it may have been deleted in another tab).');
  return { meta, files: restoreWeights(await db.get('modelWeights', modelId), meta.name) };
}

/** A layers model from plain artifacts; quantised weights are decoded by tfjs itself, as any tfjs app would. */
export function loadFromArtifacts(files: ModelFiles, specs: unknown[] = files.weightSpecs, data: ArrayBuffer = files.weightData): Promise<tf.LayersModel> {
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: files.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: specs as tf.io.WeightsManifestEntry[],
      weightData: data,
      format: files.format,
      generatedBy: files.generatedBy,
      convertedBy: files.convertedBy ?? undefined,
    }),
  });
}

/** The dataset's test split, or its first `limit` samples (0: all). */
export function testSource(db: HearthDb, dataset: DatasetMeta, limit = 0) {
  const regression = dataset.task === 'regression';
  return createShardSource({
    readShard: (index) => readShard(db, dataset.id, 'test', index),
    split: dataset.splits.test,
    sampleShape: dataset.shape,
    numClasses: regression ? 0 : dataset.classes.length,
    start: 0,
    end: limit > 0 ? Math.min(limit, dataset.splits.test.count) : dataset.splits.test.count,
    batchSize: INFERENCE_BATCH,
    shuffle: false,
    seed: 0,
    dtype: dataset.dtype,
    task: dataset.task,
    targetScale: regression ? (dataset.tabular?.target ?? { mean: 0, std: 1 }) : undefined,
  });
}

export async function exportModel(db: HearthDb, modelId: string, scheme: ExportScheme) {
  const { meta, files } = await storedModel(db, modelId);
  return exportArchive(files, meta, scheme);
}

export interface MeasureHooks {
  onProgress: (scheme: ExportScheme, done: number, total: number) => void;
  onFigure: (figure: ExportFigure) => void;
  shouldStop: () => boolean;
  /** Evaluate on the first this many test samples only (0: all); for benchmarks on slow machines. */
  testLimit?: number;
}

/**
 * For each precision: the .zip's size, and the model loaded back from exactly
 * those weights evaluated on its dataset's test split. Returns false when stopped.
 */
export async function measureExports(db: HearthDb, modelId: string, hooks: MeasureHooks): Promise<boolean> {
  const { meta, files } = await storedModel(db, modelId);
  const dataset = await getDataset(db, meta.datasetId);
  for (const scheme of EXPORT_SCHEMES) {
    if (hooks.shouldStop()) return false;
    const bytes = exportArchive(files, meta, scheme).data.byteLength;
    let evaluation: Evaluation | null = null;
    if (dataset && dataset.splits.test.count > 0) {
      const { specs, data } = quantizeWeights(files.weightSpecs as WeightSpec[], files.weightData, scheme);
      const model = await loadFromArtifacts(files, specs, data);
      try {
        const source = testSource(db, dataset, hooks.testLimit);
        hooks.onProgress(scheme, 0, source.samples);
        evaluation = await evaluate(model, source, {
          onProgress: (done, total) => hooks.onProgress(scheme, done, total),
          shouldStop: hooks.shouldStop,
          scale: dataset.task === 'regression' ? (dataset.tabular?.target ?? undefined) : undefined,
        });
      } finally {
        model.dispose();
      }
      if (!evaluation) return false;
    }
    hooks.onFigure({ scheme, bytes, evaluation });
  }
  return true;
}

/** The dataset an import is checked against: the one its sidecar names, if stored, else the one in use. */
async function datasetFor(db: HearthDb, sidecar: HearthPreprocessing | null, fallbackId: string): Promise<DatasetMeta> {
  const named = sidecar?.dataset.id ? await getDataset(db, sidecar.dataset.id) : undefined;
  const dataset = named ?? (await getDataset(db, fallbackId));
  if (!dataset) {
    const which = sidecar?.dataset.name ? `"${sidecar.dataset.name}" (the dataset it was trained on) or another dataset` : 'the dataset it was made for';
    throw new DatasetMissingError(`To import a model, first load ${which}, and choose it: the model is checked and evaluated on it.`);
  }
  return dataset;
}

/**
 * Reads model files, checks them, loads them with tfjs (which decodes any
 * quantised weights) and stores the model as float32 weights, like one trained
 * here. The sidecar's classes and scaling win over the dataset's when present.
 */
export async function importModel(db: HearthDb, given: GivenFile[], datasetId: string, backend: SavedModelMeta['backend']): Promise<SavedModelMeta> {
  const gathered = gatherModelFiles(given);
  const shape = checkImportedModel(gathered);
  let sidecar: HearthPreprocessing | null = null;
  if (gathered.preprocessing !== null) {
    try {
      sidecar = restorePreprocessing(gathered.preprocessing);
    } catch (err) {
      if (!(err instanceof BadRecord)) throw err;
      throw new ModelImportError(`hearth-preprocessing.json cannot be used: ${err.message}.`);
    }
  }
  const dataset = await datasetFor(db, sidecar, datasetId);
  checkFitsDataset(shape, dataset);
  if (sidecar && sidecar.classes.length !== dataset.classes.length) {
    throw new ModelImportError(`hearth-preprocessing.json names ${sidecar.classes.length} classes, but "${dataset.name}" has ${dataset.classes.length}.`);
  }
  let model: tf.LayersModel;
  try {
    model = await loadFromArtifacts({ modelTopology: gathered.json.modelTopology, weightSpecs: gathered.specs, weightData: gathered.weightData, format: String(gathered.json.format ?? 'layers-model') });
  } catch (err) {
    throw new ModelImportError(`TensorFlow.js could not build the model from "${gathered.fileName}": ${err instanceof Error ? err.message : String(err)}`);
  }
  const weights = quantizedAs(gathered.specs);
  try {
    const artifacts = await serializeModel(model);
    const name = sidecar?.model.name || gathered.fileName.replace(/\.json$/i, '');
    const config = restoreConfig({ ...(sidecar?.model.config ?? {}), datasetId: dataset.id });
    return await writeModel(db, artifacts, {
      id: crypto.randomUUID(),
      name: `${name} (imported)`,
      createdAt: Date.now(),
      config,
      datasetId: dataset.id,
      datasetName: dataset.name,
      classes: dataset.task === 'regression' ? [] : dataset.classes,
      inputShape: dataset.shape,
      paramCount: model.countParams(),
      backend,
      trainSeconds: 0,
      history: [],
      // Scores measured elsewhere are not this dataset's: it is evaluated here, on demand.
      evaluation: null,
      ...(dataset.tabular ? { tabular: sidecar?.table ?? dataset.tabular } : {}),
      imported: { fileName: gathered.fileName, weights },
    });
  } finally {
    model.dispose();
  }
}

function quantizedAs(specs: unknown[]): ExportScheme {
  const q = specs.map((s) => (s as WeightSpec).quantization?.dtype);
  return q.includes('uint8') ? 'uint8' : q.includes('float16') ? 'float16' : 'float32';
}

/** Evaluates a saved model on its dataset's test split and stores the scores with it. Null when stopped. */
export async function evaluateStored(
  db: HearthDb,
  modelId: string,
  hooks: { onProgress: (done: number, total: number) => void; shouldStop: () => boolean },
): Promise<SavedModelMeta | null> {
  const { meta, files } = await storedModel(db, modelId);
  const dataset = await getDataset(db, meta.datasetId);
  if (!dataset) throw new DatasetMissingError(`The dataset "${meta.datasetName}" is not stored any more; load it again to evaluate this model.`);
  if (dataset.splits.test.count === 0) throw new ModelImportError(`"${dataset.name}" has no test split to evaluate on.`);
  const model = await loadFromArtifacts(files);
  let evaluation: Evaluation | null;
  try {
    hooks.onProgress(0, dataset.splits.test.count);
    evaluation = await evaluate(model, testSource(db, dataset), {
      onProgress: hooks.onProgress,
      shouldStop: hooks.shouldStop,
      scale: dataset.task === 'regression' ? (dataset.tabular?.target ?? undefined) : undefined,
    });
  } finally {
    model.dispose();
  }
  if (!evaluation) return null;
  const updated: SavedModelMeta = { ...meta, evaluation };
  await db.put('models', updated);
  announce(db.name, { store: 'models', id: modelId, change: 'added' });
  return updated;
}
