/**
 * Saved models as the page sees them: listing records only. Weights are read
 * and written by modelIO.ts inside the worker, so the page never loads tfjs.
 */
import type { SavedModelMeta } from '../types';
import { runWrites, type HearthDb, type ModelWeightsRecord } from './db';
import { readAllThrough, type StoredProblem } from './restore';
import { restoreModelMeta, restoreWeights } from './restoreModel';
import { announce } from './changes';
import { opener, unseal } from './vault';

export { restoreModelMeta };

/** Every readable saved model, newest first; the unreadable ones are named in `problems`. */
export async function readModels(db: HearthDb): Promise<{ models: SavedModelMeta[]; problems: StoredProblem[] }> {
  const { items, problems } = await readAllThrough(db.transaction('models').store, restoreModelMeta, opener(db, 'models'));
  return { models: items, problems };
}

export async function listModels(db: HearthDb): Promise<SavedModelMeta[]> {
  return (await readModels(db)).models;
}

export async function getModelMeta(db: HearthDb, id: string): Promise<SavedModelMeta | undefined> {
  const raw = await db.get('models', id);
  return raw === undefined ? undefined : restoreModelMeta(await unseal(db, 'models', raw));
}

/** A saved model's weights record, through its gate; `modelName` names it in a message about damage. */
export async function getWeights(db: HearthDb, id: string, modelName: string): Promise<ModelWeightsRecord> {
  return restoreWeights(await unseal(db, 'modelWeights', await db.get('modelWeights', id)), modelName);
}

export async function deleteModel(db: HearthDb, id: string): Promise<void> {
  // One transaction, listing record first: either both go or neither does.
  const tx = db.transaction(['models', 'modelWeights'], 'readwrite');
  await runWrites(tx, (track) => {
    track(tx.objectStore('models').delete(id));
    track(tx.objectStore('modelWeights').delete(id));
  });
  announce(db.name, { store: 'models', id, change: 'deleted' });
}
