/**
 * A saved model as TensorFlow.js files in a .zip: model.json (the layers and a
 * weights manifest), one weights file, and hearth-preprocessing.json. Pure data
 * in and out, so the worker and the Node tests build the same bytes.
 */
import { strToU8, zipSync } from 'fflate';
import type { SavedModelMeta } from '../types';
import type { ModelWeightsRecord } from '../storage/db';
import { buildPreprocessing, PREPROCESSING_FILE } from './preprocessing';
import { quantizeWeights, type ExportScheme, type WeightSpec } from './quantize';
import { fileStem } from '../fileName';

export const WEIGHTS_FILE = 'group1-shard1of1.bin';

/** What a layers model is as data: tf.io's ModelArtifacts with its weights in one buffer, as stored without its key. */
export type ModelFiles = Omit<ModelWeightsRecord, 'id'>;

/** model.json as tf.loadLayersModel reads it: the topology and a manifest naming the weights file. */
export function modelJson(model: ModelFiles, specs: unknown[], paths: string[]): Record<string, unknown> {
  return {
    format: model.format ?? 'layers-model',
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy ?? null,
    modelTopology: model.modelTopology,
    weightsManifest: [{ paths, weights: specs }],
  };
}

const SCHEME_SUFFIX: Record<ExportScheme, string> = { float32: 'float32', float16: 'float16', uint8: 'int8' };

/** The .zip of a saved model with its weights in `scheme`, and the name to download it as. */
export function exportArchive(model: ModelFiles, meta: SavedModelMeta, scheme: ExportScheme): { fileName: string; data: Uint8Array<ArrayBuffer>; weightBytes: number } {
  const { specs, data } = quantizeWeights(model.weightSpecs as WeightSpec[], model.weightData, scheme);
  const zip = zipSync({
    'model.json': strToU8(JSON.stringify(modelJson(model, specs, [WEIGHTS_FILE]))),
    // Weights barely compress; storing them keeps a large model's download quick.
    [WEIGHTS_FILE]: [new Uint8Array(data), { level: 0 }],
    [PREPROCESSING_FILE]: strToU8(JSON.stringify(buildPreprocessing(meta, scheme), null, 2)),
  });
  return { fileName: `${fileStem(meta.name, 'model')}-${SCHEME_SUFFIX[scheme]}.zip`, data: zip as Uint8Array<ArrayBuffer>, weightBytes: data.byteLength };
}
