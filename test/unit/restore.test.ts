// Every record read back from IndexedDB passes a restore gate: one bad record is
// named and left out, and never takes the others down.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import { getDataset, readDatasets, readShard, writeDataset } from '../../src/lib/storage/datasets';
import { getModelMeta, readModels } from '../../src/lib/storage/models';
import { loadModel, saveModel } from '../../src/lib/storage/modelIO';
import { restoreDatasetMeta } from '../../src/lib/storage/restoreDataset';
import { restoreModelMeta } from '../../src/lib/storage/restoreModel';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import type { SavedModelMeta } from '../../src/lib/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('dataset records', () => {
  it('names a record with 200,000 class names and lists the others', async () => {
    const { db } = await freshDb();
    const fine = tinyDataset('fine', { train: 4, test: 2 }, 4);
    await writeDataset(db, fine.meta, fine.data);
    const classes = Array.from({ length: 200_000 }, (_, i) => `class ${i}`);
    await db.put('datasets', { ...tinyDataset('huge', { train: 4, test: 2 }, 4).meta, name: 'Huge', classes });
    await db.put('datasets', { ...tinyDataset('wide', { train: 4, test: 2 }, 4).meta, name: 'Wide', shape: [1, 1, 1e9] });

    const { datasets, problems } = await readDatasets(db);
    expect(datasets.map((d) => d.id)).toEqual(['fine']);
    expect(problems).toEqual([
      {
        id: 'huge',
        message: 'The stored dataset "Huge" cannot be opened: it has 200,000 class names; a classifier has 1 to 256. Delete it and load it again.',
      },
      {
        id: 'wide',
        message:
          'The stored dataset "Wide" cannot be opened: its sample shape [1,1,1000000000] is not three whole numbers from 1 to 4096. Delete it and load it again.',
      },
    ]);
  });

  it('repairs what it can: long names, odd class counts, a huge skip report', () => {
    const { meta } = tinyDataset('x', { train: 4, test: 2 }, 4);
    const skipped = Array.from({ length: 5000 }, (_, i) => ({ path: `f${i}.txt`, reason: 'not an image' }));
    const restored = restoreDatasetMeta({
      ...meta,
      name: 'n'.repeat(1000),
      splits: { ...meta.splits, train: { ...meta.splits.train, classCounts: [1, 2] } },
      importReport: { skipped, droppedRows: -3 },
      addedLater: 'kept',
    });
    expect(restored.name).toBe('n'.repeat(200));
    expect(restored.splits.train.classCounts).toEqual([]);
    expect(restored.splits.test.classCounts).toEqual(meta.splits.test.classCounts);
    expect(restored.importReport!.skipped).toHaveLength(1000);
    expect(restored.importReport!.skipped[999]).toEqual({ path: 'f999.txt', reason: 'not an image' });
    expect(restored.importReport!.droppedRows).toBe(0);
    expect((restored as unknown as Record<string, unknown>).addedLater).toBe('kept');
  });

  it('keeps the names of the columns an import left out, and only names', () => {
    const { meta } = tinyTabular('t', { train: 4, test: 2 }, 4, { task: 'classification' });
    const report = (droppedColumns: unknown) => restoreDatasetMeta({ ...meta, importReport: { skipped: [], droppedRows: 2, droppedColumns } }).importReport;
    const good = { identifiers: ['name', 'email'], unused: ['notes'], unlisted: 4 };
    expect(report(good)).toEqual({ skipped: [], droppedRows: 2, droppedColumns: good });
    // Anything but a name is left out; an empty list is no list; an older record has none.
    expect(report({ identifiers: ['name', 7, { value: 'ada@example.org' }], unused: 'notes', unlisted: -1 })).toEqual({
      skipped: [],
      droppedRows: 2,
      droppedColumns: { identifiers: ['name'], unused: [] },
    });
    expect(report({ identifiers: [], unused: [] })).toEqual({ skipped: [], droppedRows: 2 });
    expect(report(undefined)).toEqual({ skipped: [], droppedRows: 2 });
  });

  it("checks a table's encoding against its features", () => {
    const { meta } = tinyTabular('t', { train: 4, test: 2 }, 4, { task: 'regression', features: 2, target: { mean: 3, std: 2 } });
    expect(restoreDatasetMeta(meta)).toEqual(meta);
    const tab = meta.tabular!;
    const bad = (tabular: unknown) => () => restoreDatasetMeta({ ...meta, tabular });
    expect(bad({ ...tab, encoding: tab.encoding.slice(0, 1) })).toThrow(
      'The stored dataset "Table t" cannot be opened: its table encoding makes 1 values per row, but its samples have 2. Delete it and load it again.',
    );
    expect(bad({ ...tab, encoding: [tab.encoding[0], { column: 'f1', kind: 'numeric', mean: 0, std: 0 }] })).toThrow(
      /the scaling of its column "f1" is not usable/,
    );
    expect(bad({ ...tab, target: { mean: NaN, std: 1 } })).toThrow(/its target scaling is not two finite numbers/);
    expect(bad({ ...tab, featureNames: ['a'] })).toThrow(/its feature names do not match its features/);
  });

  it('refuses a shard whose arrays do not hold its samples, naming the dataset', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('hurt', { train: 4, test: 2 }, 4);
    await writeDataset(db, meta, data);
    await db.put('shards', { datasetId: 'hurt', split: 'train', index: 0, count: 4, x: [1, 2, 3] as never, y: new Uint8Array(4) });
    await expect(readShard(db, 'hurt', 'train', 0)).rejects.toThrow(
      'Dataset Tiny hurt is damaged: shard 0 of its train split does not hold 4 samples and labels. Delete it and load it again.',
    );
    expect(Array.from((await readShard(db, 'hurt', 'test', 0)).y)).toEqual([0, 1]);
    expect(await getDataset(db, 'hurt')).toEqual(meta);
  });
});

function tinyModel(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
}

function metaFor(id: string, createdAt: number): Omit<SavedModelMeta, 'bytes'> {
  return {
    id,
    name: `Model ${id}`,
    createdAt,
    config: { ...DEFAULT_CONFIG, datasetId: 'tiny' },
    datasetId: 'tiny',
    datasetName: 'Tiny',
    classes: ['a', 'b', 'c'],
    inputShape: [2, 2, 1],
    paramCount: 15,
    backend: 'webgpu',
    trainSeconds: 1.5,
    history: [{ epoch: 1, loss: 0.5, acc: 0.8, valLoss: null, valAcc: null, seconds: 1, samplesPerSec: 10 }],
    evaluation: {
      task: 'classification',
      accuracy: 1,
      loss: 0.1,
      confusion: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      numClasses: 3,
      perClass: [0, 1, 2].map(() => ({ precision: 1, recall: 1, f1: 1, support: 1 })),
      macroF1: 1,
      samples: 3,
    },
  };
}

describe('saved model records', () => {
  it('names a bad record, drops an evaluation that does not fit, and lists the rest', async () => {
    const { db } = await freshDb();
    const model = tinyModel();
    const good = await saveModel(db, model, metaFor('good', 3));
    const odd = await saveModel(db, model, { ...metaFor('odd', 2), evaluation: { ...metaFor('odd', 2).evaluation!, confusion: [1, 2] } as never });
    model.dispose();
    await db.put('models', { ...good, id: 'noshape', name: 'No shape', inputShape: undefined } as never);
    await db.put('models', { ...good, id: 'badcfg', name: 'Bad settings', config: { batchSize: -4 } } as never);
    await db.put('models', { id: 'junk' } as never);

    const { models, problems } = await readModels(db);
    expect(models.map((m) => m.id)).toEqual(['good', 'odd']);
    expect(models[0]).toEqual(good);
    expect(models[1].evaluation).toBeNull();
    expect(models[1].history).toEqual(odd.history);
    expect(problems).toEqual([
      {
        id: 'badcfg',
        message:
          'The saved model "Bad settings" cannot be opened: its settings cannot be read (Batch size must be between 1 and 4096 (got -4)). Delete it and train it again.',
      },
      {
        id: 'junk',
        message: 'The saved model "junk" cannot be opened: its input shape undefined is not three whole numbers from 1 to 4096. Delete it and train it again.',
      },
      {
        id: 'noshape',
        message: 'The saved model "No shape" cannot be opened: its input shape undefined is not three whole numbers from 1 to 4096. Delete it and train it again.',
      },
    ]);
    await expect(getModelMeta(db, 'noshape')).rejects.toThrow(/"No shape" cannot be opened/);
  });

  it('opens a record as the first version wrote it', () => {
    const first = { ...metaFor('m', 1), bytes: 60 };
    delete (first.config as Partial<typeof first.config>).trainLimit;
    const restored = restoreModelMeta(first);
    expect(restored.config).toEqual({ ...DEFAULT_CONFIG, datasetId: 'tiny' });
    expect(restored.evaluation).toEqual(first.evaluation);
  });

  it('refuses weights that do not add up to their layers, with the model named', async () => {
    const { db } = await freshDb();
    const model = tinyModel();
    await saveModel(db, model, metaFor('w', 1));
    model.dispose();
    const rec = (await db.get('modelWeights', 'w'))!;
    await db.put('modelWeights', { ...rec, weightData: rec.weightData.slice(0, 12) });
    await expect(loadModel(db, 'w')).rejects.toThrow(
      'The saved model "Model w" is damaged: its layers need 60 bytes of weights, but 12 are stored. Delete it and train it again.',
    );
    await db.put('modelWeights', { ...rec, weightSpecs: [{ name: 'k', shape: [-1], dtype: 'float32' }] });
    await expect(loadModel(db, 'w')).rejects.toThrow(/its weight "k" is not described properly/);
  });
});
