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
import { pythonExportFor } from '../../src/lib/export/python/job';

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
  exporter = new PythonExport({ build: (job) => pythonExportFor(db, job), download: (name, data) => downloads.push({ name, files: unzipSync(data) }) });
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

  it('is part of every Hearth: the import worker makes the zip, the page downloads it or says why not', async () => {
    const t = await testHearth({ db });
    const meta = await savedModel();
    const done = t.hearth.pythonExport.exportModel(meta);
    expect(t.hearth.pythonExport.busy).toBe('m1');
    const request = t.imports.sent().at(-1)!;
    expect(request).toMatchObject({ type: 'python-export', job: { kind: 'model', model: meta } });
    const jobId = (request as { jobId: string }).jobId;
    // Another job's answer is not this one's.
    t.imports.emit({ type: 'error', jobId: 'import-other', message: 'not mine' });
    t.imports.emit({ type: 'python-export', jobId, fileName: 'custom-model-on-tiny-50-0-python.zip', data: new Uint8Array(7) });
    await done;
    expect(t.downloads).toEqual([['custom-model-on-tiny-50-0-python.zip', 7]]);
    expect(t.hearth.pythonExport.problem).toBeNull();

    const failed = t.hearth.pythonExport.exportExperiment(config);
    const second = t.imports.sent().at(-1) as { type: string; jobId: string; job: unknown };
    expect(second).toMatchObject({ type: 'python-export', job: { kind: 'experiment', config } });
    expect(second.jobId).not.toBe(jobId);
    t.imports.emit({ type: 'error', jobId: second.jobId, message: 'the dataset "Tiny" is no longer stored in this browser. Load it again, then export.' });
    await failed;
    expect(t.hearth.pythonExport.problem).toEqual({
      id: EXPERIMENT,
      message: 'Could not export for Python: the dataset "Tiny" is no longer stored in this browser. Load it again, then export.',
    });
    expect(t.hearth.pythonExport.busy).toBeNull();
  });
});
