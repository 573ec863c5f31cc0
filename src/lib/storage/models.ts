/**
 * Saved models as the page sees them: listing records only. Weights are read
 * and written by modelIO.ts inside the worker, so the page never loads tfjs.
 */
import type { SavedModelMeta } from '../types';
import { runWrites, type HearthDb } from './db';

export async function listModels(db: HearthDb): Promise<SavedModelMeta[]> {
  const all = await db.getAll('models');
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export function getModelMeta(db: HearthDb, id: string): Promise<SavedModelMeta | undefined> {
  return db.get('models', id);
}

export async function deleteModel(db: HearthDb, id: string): Promise<void> {
  // One transaction, listing record first: either both go or neither does.
  const tx = db.transaction(['models', 'modelWeights'], 'readwrite');
  await runWrites(tx, (track) => {
    track(tx.objectStore('models').delete(id));
    track(tx.objectStore('modelWeights').delete(id));
  });
}
