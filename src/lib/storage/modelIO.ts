/**
 * Saving and loading tfjs models in IndexedDB through a tf.io.IOHandler.
 * Worker only: it imports tfjs, which the page must not load.
 */
import * as tf from '@tensorflow/tfjs';
import type { SavedModelMeta } from '../types';
import { StorageFullError, isQuotaError, runWrites, type HearthDb, type ModelWeightsRecord } from './db';
import { getModelMeta } from './models';
import { restoreWeights } from './restoreModel';
import { announce } from './changes';

function toArrayBuffer(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  // tfjs may hand several buffers (one per weight group); one is simpler to store and load.
  return Array.isArray(data) ? tf.io.CompositeArrayBuffer.join(data) : data;
}

export async function saveModel(
  db: HearthDb,
  model: tf.LayersModel,
  meta: Omit<SavedModelMeta, 'bytes'>,
): Promise<SavedModelMeta> {
  let saved: SavedModelMeta | undefined;
  const handler: tf.io.IOHandler = {
    save: async (artifacts) => {
      const weightData = toArrayBuffer(artifacts.weightData);
      const record: ModelWeightsRecord = {
        id: meta.id,
        modelTopology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs ?? [],
        weightData,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
      };
      const full: SavedModelMeta = { ...meta, bytes: weightData.byteLength };
      // Both records in one transaction, weights first: a failure leaves neither behind.
      const tx = db.transaction(['modelWeights', 'models'], 'readwrite');
      try {
        await runWrites(tx, (track) => {
          track(tx.objectStore('modelWeights').put(record));
          track(tx.objectStore('models').put(full));
        });
      } catch (err) {
        if (isQuotaError(err)) throw new StorageFullError(`the model "${meta.name}"`, weightData.byteLength);
        throw err;
      }
      saved = full;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
  await model.save(handler);
  if (!saved) throw new Error(`Saving the model "${meta.name}" did not complete.`);
  announce(db.name, { store: 'models', id: saved.id, change: 'added' });
  return saved;
}

export async function loadModel(db: HearthDb, id: string): Promise<{ model: tf.LayersModel; meta: SavedModelMeta }> {
  const meta = await getModelMeta(db, id);
  if (!meta) throw new Error(`Model ${id} is not stored (it may have been deleted).`);
  const handler: tf.io.IOHandler = {
    load: async () => {
      const rec = restoreWeights(await db.get('modelWeights', id), meta.name);
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
