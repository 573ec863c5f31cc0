// The "Export for Python" state: a saved model's zip carries its weights, the current
// experiment's does not, and a missing dataset or an unusable model is said, not thrown.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import { testHearth } from './helpers/hearth';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/lib/config';
import { writeDataset } from '../../src/lib/storage/datasets';
import { saveModel } from '../../src/lib/storage/modelIO';
import { buildLayers } from '../../src/lib/model/build';
import { layersFromText } from '../../src/lib/model/layers';
import type { HearthDb } from '../../src/lib/storage/db';
import type { SavedModelMeta } from '../../src/lib/types';
import { EXPERIMENT, PythonExport } from '../../src/state/pythonExport.svelte';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let db: HearthDb;
let downloads: { name: string; files: Record<string, Uint8Array> }[];
let exporter: PythonExport;
const layers = layersFromText('flatten_dense-5-relu_dense-3-softmax')!;
const config: ExperimentConfig = { ...DEFAULT_CONFIG, datasetId: 'tiny', layers, epochs: 3 };

beforeEach(async () => {
  ({ db } = await freshDb());
  const { meta, data } = tinyDataset('tiny', { train: 10, test: 4 }, 4);
  await writeDataset(db, meta, data);
  downloads = [];
  exporter = new PythonExport({ db: () => Promise.resolve(db), download: (name, data) => downloads.push({ name, files: unzipSync(data) }) });
});

async function savedModel(): Promise<SavedModelMeta> {
  const model = buildLayers(layers, [2, 2, 1], 1);
  try {
    return await saveModel(db, model, {
      id: 'm1',
      name: 'Custom model on Tiny · 50.0%',
      createdAt: 1,
      config,
      datasetId: 'tiny',
      datasetName: 'Tiny tiny',
      classes: ['a', 'b', 'c'],
      inputShape: [2, 2, 1],
      paramCount: 43,
      backend: 'cpu',
      trainSeconds: 1,
      history: [],
      evaluation: null,
    });
  } finally {
    model.dispose();
  }
}

describe('PythonExport', () => {
  it('downloads a saved model with its weights, named after it', async () => {
    await exporter.exportModel(await savedModel());
    expect(downloads.map((d) => d.name)).toEqual(['custom-model-on-tiny-50-0-python.zip']);
    const files = downloads[0].files;
    expect(Object.keys(files).sort()).toEqual(['README.md', 'data.npz', 'experiment.json', 'train_keras.py', 'train_torch.py', 'weights.npz']);
    expect(Object.keys(unzipSync(files['weights.npz'])).sort()).toEqual(['dense1.bias.npy', 'dense1.weight.npy', 'dense2.bias.npy', 'dense2.weight.npy']);
    expect(exporter.busy).toBeNull();
    expect(exporter.problem).toBeNull();
  });

  it('downloads the current experiment without weights', async () => {
    await exporter.exportExperiment(config);
    expect(downloads.map((d) => d.name)).toEqual(['custom-model-on-tiny-tiny-python.zip']);
    expect(Object.keys(downloads[0].files)).not.toContain('weights.npz');
  });

  it('says why when the dataset is gone or the model cannot take it', async () => {
    const meta = await savedModel();
    await exporter.exportModel({ ...meta, datasetId: 'gone', datasetName: 'Gone' });
    expect(exporter.problem).toEqual({ id: 'm1', message: 'Could not export for Python: the dataset "Gone" is no longer stored in this browser. Load it again, then export.' });
    await exporter.exportExperiment({ ...config, layers: layersFromText('dense-3-softmax')! });
    expect(exporter.problem).toEqual({ id: EXPERIMENT, message: 'Could not export for Python: Layer 1 (Dense): Dense needs a flat input, but its input is 2×2×1: add Flatten before it.' });
    expect(downloads).toEqual([]);
  });

  it('is part of every Hearth, downloading through its download', async () => {
    const t = await testHearth({ db });
    await t.hearth.pythonExport.exportModel(await savedModel());
    expect(t.downloads.map(([name]) => name)).toEqual(['custom-model-on-tiny-50-0-python.zip']);
  });
});
