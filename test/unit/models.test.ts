import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { IDBObjectStore } from 'fake-indexeddb';
import { freshDb } from './helpers/fakeDb';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { StorageFullError } from '../../src/lib/storage/db';
import { deleteModel, getModelMeta, listModels } from '../../src/lib/storage/models';
import { loadModel, saveModel } from '../../src/lib/storage/modelIO';
import type { SavedModelMeta } from '../../src/lib/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  vi.restoreAllMocks();
});

function tinyModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [2, 2, 1] }));
  model.add(tf.layers.dense({ units: 5, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  return model;
}

function metaFor(id: string, createdAt: number): Omit<SavedModelMeta, 'bytes'> {
  return {
    id,
    name: `Model ${id}`,
    createdAt,
    config: { ...DEFAULT_CONFIG },
    datasetId: 'tiny',
    datasetName: 'Tiny',
    classes: ['a', 'b', 'c'],
    inputShape: [2, 2, 1],
    paramCount: 4 * 5 + 5 + 5 * 3 + 3,
    backend: 'cpu',
    trainSeconds: 1.5,
    history: [],
    evaluation: null,
  };
}

const INPUT = [0, 0.25, 0.5, 1, 1, 0.9, 0.1, 0];

describe('saveModel / loadModel', () => {
  it('saves, lists, loads with identical predictions, and deletes both records', async () => {
    const { db } = await freshDb();
    const model = tinyModel();
    const saved = await saveModel(db, model, metaFor('m1', 1000));
    await saveModel(db, tinyModel(), metaFor('m2', 2000));

    // 43 float32 parameters.
    expect(saved.bytes).toBe(43 * 4);
    expect(saved.name).toBe('Model m1');
    expect((await listModels(db)).map((m) => m.id)).toEqual(['m2', 'm1']);
    expect(await getModelMeta(db, 'm1')).toEqual(saved);
    const weights = await db.get('modelWeights', 'm1');
    expect(weights?.weightData).toBeInstanceOf(ArrayBuffer);
    expect(weights?.weightData.byteLength).toBe(172);

    const { model: loaded, meta } = await loadModel(db, 'm1');
    expect(meta).toEqual(saved);
    const x = tf.tensor4d(INPUT, [2, 2, 2, 1]);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    const got = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(got.length).toBe(6);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6);
    // Not a trivially equal pair: the two rows of probabilities differ.
    expect(Math.abs(want[0] - want[3]) + Math.abs(want[1] - want[4])).toBeGreaterThan(0);

    await deleteModel(db, 'm1');
    expect(await getModelMeta(db, 'm1')).toBeUndefined();
    expect(await db.get('modelWeights', 'm1')).toBeUndefined();
    expect((await listModels(db)).map((m) => m.id)).toEqual(['m2']);
    await expect(loadModel(db, 'm1')).rejects.toThrow('Model m1 is not stored (it may have been deleted).');
  });

  it('explains missing weights', async () => {
    const { db } = await freshDb();
    await saveModel(db, tinyModel(), metaFor('w', 1));
    await db.delete('modelWeights', 'w');
    await expect(loadModel(db, 'w')).rejects.toThrow('The saved model "Model w" is damaged: its weights are missing. Delete it and train it again.');
  });

  it('turns a full disk into StorageFullError and leaves no half-saved model', async () => {
    const { db } = await freshDb();
    await saveModel(db, tinyModel(), metaFor('old', 1));
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === 'models') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const err = await saveModel(db, tinyModel(), metaFor('new', 2)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as Error).message).toMatch(/^Not enough disk space for this site: the model "Model new" could not be stored/);
    expect(await db.getAllKeys('modelWeights')).toEqual(['old']);
    expect(await db.getAllKeys('models')).toEqual(['old']);
  });
});
