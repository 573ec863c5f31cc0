/**
 * A trained model whose save failed (a full disk, most often) is not thrown
 * away: its serialised topology and weights stay in the worker, so the person
 * can free space and save it again, or download it as a .zip of the files
 * tf.loadLayersModel reads. Plain data rather than the live model: that frees
 * the GPU for the next run and survives the device being lost.
 */
import { strToU8, zipSync } from 'fflate';
import type { WorkerEvent } from '../protocol';
import type { SavedModelMeta } from '../types';
import { describeStorageError, isQuotaError, type HearthDb } from '../storage/db';
import { writeModel, type ModelArtifacts } from '../storage/modelIO';
import { fileStem } from '../fileName';
import { modelJson } from '../export/archive';

export interface UnsavedModel {
  artifacts: ModelArtifacts;
  meta: Omit<SavedModelMeta, 'bytes'>;
  /** How the run ended, for the 'done' event that follows a successful save. */
  stopped: boolean;
  evaluated: boolean;
  /**
   * The run's record, ended only once the model is stored or discarded: until then the run
   * keeps its last checkpoint and reads as interrupted, so a tab closed meanwhile loses nothing
   * that Resume cannot give back.
   */
  record?: HeldRunRecord;
}

export interface HeldRunRecord {
  /** The model is stored: the record ends pointing at it, and the checkpoint goes. */
  saved(modelId: string): Promise<void>;
  /** The model could not be stored (`reason`): the record says so and stays resumable. */
  held(reason: string): Promise<void>;
  /** The person discarded the model: the record ends without one, and the checkpoint goes. */
  discarded(): Promise<void>;
}

/** Held models, by the runId of the run that trained them. */
export type UnsavedModels = Map<string, UnsavedModel>;

export function saveFailureMessage(err: unknown, name: string, bytes: number): string {
  const kept = 'It is kept in this tab until you save it, download it or discard it';
  if (isQuotaError(err)) {
    return (
      `Not enough disk space for this site to save the model "${name}" (it needs about ${megabytes(bytes)}). ` +
      `The model was not saved; nothing already stored was changed. ${kept}. ` +
      'To save it, free space (delete a dataset or a saved model you no longer need), then press "Try saving again".'
    );
  }
  return `The model "${name}" could not be saved: ${describeStorageError(err)} ${kept}; reloading the page discards it, so download it first.`;
}

function megabytes(bytes: number): string {
  const mb = Math.max(bytes / 1e6, 0.1);
  return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1)} MB`;
}

/**
 * Writes the model to storage. Saved: posts 'saved' then 'done', and lets go of it.
 * Not saved: holds it in `unsaved` and posts 'unsaved' with the reason.
 */
export async function saveOrHold(
  db: HearthDb,
  runId: string,
  model: UnsavedModel,
  unsaved: UnsavedModels,
  post: (ev: WorkerEvent) => void,
): Promise<void> {
  let saved: SavedModelMeta;
  try {
    saved = await writeModel(db, model.artifacts, model.meta);
  } catch (err) {
    unsaved.set(runId, model);
    const bytes = model.artifacts.weightData.byteLength;
    const diskFull = isQuotaError(err);
    await model.record?.held(diskFull ? 'the disk is full' : 'the browser refused to store it');
    post({ type: 'unsaved', runId, name: model.meta.name, bytes, diskFull, message: saveFailureMessage(err, model.meta.name, bytes) });
    return;
  }
  unsaved.delete(runId);
  await model.record?.saved(saved.id);
  post({ type: 'saved', runId, model: saved });
  post({ type: 'done', runId, stopped: model.stopped, evaluated: model.evaluated });
}

/** "CNN on MNIST · 97.1%" -> "cnn-on-mnist-97-1.zip". */
export function archiveName(modelName: string): string {
  return `${fileStem(modelName, 'model')}.zip`;
}

/**
 * The model as a .zip: model.json and weights.bin in the TensorFlow.js layers
 * format (tf.loadLayersModel reads them, and tensorflowjs_converter turns them
 * into a Keras model), plus hearth.json with what using it needs: the class
 * names, the input shape, a table's encoding, the settings and scores.
 */
export function modelArchive(model: Pick<UnsavedModel, 'artifacts' | 'meta'>): { fileName: string; data: Uint8Array<ArrayBuffer> } {
  const { artifacts, meta } = model;
  const { id: _id, ...about } = meta;
  const data = zipSync({
    'model.json': strToU8(JSON.stringify(modelJson(artifacts, artifacts.weightSpecs, ['weights.bin']))),
    // Float weights barely compress; storing them keeps a large model's download quick.
    'weights.bin': [new Uint8Array(artifacts.weightData), { level: 0 }],
    'hearth.json': strToU8(JSON.stringify({ ...about, bytes: artifacts.weightData.byteLength }, null, 2)),
  });
  // zipSync allocates a fresh ArrayBuffer, which the worker can transfer.
  return { fileName: archiveName(meta.name), data: data as Uint8Array<ArrayBuffer> };
}
