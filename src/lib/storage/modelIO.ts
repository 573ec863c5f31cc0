/**
 * Saving and loading tfjs models in IndexedDB through a tf.io.IOHandler.
 * Worker only: it imports tfjs, which the page must not load.
 */
import * as tf from '@tensorflow/tfjs';
import type { SavedModelMeta } from '../types';
import { StorageFullError, isQuotaError, runWrites, type HearthDb, type ModelWeightsRecord } from './db';
import { getModelMeta, getWeights } from './models';
import { announce } from './changes';
import { seal } from './vault';

function toArrayBuffer(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  // tfjs may hand several buffers (one per weight group); one is simpler to store and load.
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

/** What tf.io hands a save handler, weights joined into one buffer: the model as plain data. */
export type ModelArtifacts = Omit<ModelWeightsRecord, 'id'>;

/**
 * Reads a model's topology and weights off the device, writing nothing. What a
 * failed save keeps, so it can be saved again or downloaded with no GPU at hand.
 */
export async function serializeModel(model: tf.LayersModel): Promise<ModelArtifacts> {
  let captured: ModelArtifacts | undefined;
  await model.save({
    save: async (artifacts) => {
      captured = {
        modelTopology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData: toArrayBuffer(artifacts.weightData),
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  });
  if (!captured) throw new Error('The model could not be read back from the device.');
  return captured;
}

/** Stores a serialised model: weights and listing record in one transaction, so a failure leaves neither behind. */
export async function writeModel(db: HearthDb, artifacts: ModelArtifacts, meta: Omit<SavedModelMeta, 'bytes'>): Promise<SavedModelMeta> {
  const record: ModelWeightsRecord = { id: meta.id, ...artifacts };
  const full: SavedModelMeta = { ...meta, bytes: artifacts.weightData.byteLength };
  try {
    const [sealedRecord, sealedMeta] = await Promise.all([seal(db, 'modelWeights', record), seal(db, 'models', full)]);
    const tx = db.transaction(['modelWeights', 'models'], 'readwrite');
    await runWrites(tx, (track) => {
      track(tx.objectStore('modelWeights').put(sealedRecord));
      track(tx.objectStore('models').put(sealedMeta));
    });
  } catch (err) {
    if (isQuotaError(err)) throw new StorageFullError(`the model "${meta.name}"`, artifacts.weightData.byteLength);
    throw err;
  }
  announce(db.name, { store: 'models', id: full.id, change: 'added' });
  return full;
}

export async function saveModel(db: HearthDb, model: tf.LayersModel, meta: Omit<SavedModelMeta, 'bytes'>): Promise<SavedModelMeta> {
  return writeModel(db, await serializeModel(model), meta);
}

export async function loadModel(db: HearthDb, id: string): Promise<{ model: tf.LayersModel; meta: SavedModelMeta }> {
  const meta = await getModelMeta(db, id);
  if (!meta) throw new Error(`Model ${id} is not stored (it may have been deleted).`);
  const handler: tf.io.IOHandler = {
    load: async () => {
      const rec = await getWeights(db, id, meta.name);
      return {
        modelTopology: rec.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: rec.weightSpecs as tf.io.WeightsManifestEntry[],
        weightData: rec.weightData,
        format: rec.format,
        generatedBy: rec.generatedBy,
        convertedBy: rec.convertedBy,
      };
    },
  };
  const model = await tf.loadLayersModel(handler);
  return { model, meta };
}
