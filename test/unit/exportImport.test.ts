import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import { listModels } from '../../src/lib/storage/models';
import { loadModel } from '../../src/lib/storage/modelIO';
import type { WorkerEvent } from '../../src/lib/protocol';
import type { SavedModelMeta } from '../../src/lib/types';
import { runTraining } from '../../src/lib/train/run';
import { evaluateStored, exportModel, importModel, measureExports, type ExportFigure } from '../../src/lib/export/jobs';
import { WEIGHTS_FILE } from '../../src/lib/export/archive';
import { PREPROCESSING_FILE } from '../../src/lib/export/preprocessing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let db: HearthDb;
let trained: SavedModelMeta;

// One small model for every test (trained once: training is the slow part on a busy machine).
beforeAll(async () => {
  ({ db } = await freshDb());
  const { meta, data } = tinyDataset('tiny', { train: 120, test: 30 }, 16);
  await writeDataset(db, meta, data);
  const events: WorkerEvent[] = [];
  const config = { datasetId: 'tiny', layers: 'flatten_dense-32-relu_dense-3-softmax', epochs: 3, batchSize: 16, validationSplit: 0, backend: 'cpu', seed: 3 };
  await runTraining({ runId: 'r1', config }, { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 });
  const saved = events.find((e) => e.type === 'saved') as Extract<WorkerEvent, { type: 'saved' }> | undefined;
  if (!saved) throw new Error(`training saved no model: ${JSON.stringify(events.filter((e) => e.type === 'error'))}`);
  trained = saved.model;
}, 120_000);

/** The zip's files, read back with tfjs from memory, as any tfjs app would load them. */
async function reload(zip: Uint8Array) {
  const files = unzipSync(zip);
  const json = JSON.parse(new TextDecoder().decode(files['model.json']));
  const [group] = json.weightsManifest;
  expect(group.paths).toEqual([WEIGHTS_FILE]);
  const bin = files[WEIGHTS_FILE];
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bin.slice().buffer }));
  return { model, files, specs: group.weights };
}

/** Fixed inputs: a grid of 2×2 one-channel images with pixels in 0–1. */
const inputs = tf.tensor4d(Array.from({ length: 64 * 4 }, (_, i) => ((i * 37) % 255) / 255), [64, 2, 2, 1]);

describe('export', () => {
  it('float32: the zip reloads with tfjs and gives identical outputs', async () => {
    const { model: original } = await loadModel(db, trained.id);
    const { fileName, data } = await exportModel(db, trained.id, 'float32');
    expect(fileName).toMatch(/-float32\.zip$/);
    const { model, files } = await reload(data);
    expect(Object.keys(files).sort()).toEqual([WEIGHTS_FILE, PREPROCESSING_FILE, 'model.json'].sort());
    const a = (original.predict(inputs) as tf.Tensor).dataSync();
    const b = (model.predict(inputs) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    const sidecar = JSON.parse(new TextDecoder().decode(files[PREPROCESSING_FILE]));
    expect(sidecar).toMatchObject({ format: 'hearth-preprocessing', version: 1, task: 'classification', classes: ['a', 'b', 'c'], inputShape: [2, 2, 1] });
    expect(sidecar.image).toEqual({ height: 2, width: 2, channels: 1, colour: 'greyscale', scale: 1 / 255, offset: 0 });
  });

  it('float16 and 8-bit: tfjs decodes them natively, the classes match and outputs stay close', async () => {
    const { model: original } = await loadModel(db, trained.id);
    const probs = (original.predict(inputs) as tf.Tensor).arraySync() as number[][];
    const sizes: Record<string, number> = {};
    for (const scheme of ['float16', 'uint8'] as const) {
      const { data, weightBytes } = await exportModel(db, trained.id, scheme);
      sizes[scheme] = weightBytes;
      const { model, specs } = await reload(data);
      expect(specs[0].quantization.dtype).toBe(scheme);
      const got = (model.predict(inputs) as tf.Tensor).arraySync() as number[][];
      const argmax = (row: number[]) => row.indexOf(Math.max(...row));
      let worst = 0;
      for (let i = 0; i < probs.length; i++) {
        const sorted = [...probs[i]].sort((x, y) => y - x);
        // A near tie may go either way under rounding; a clear decision must not change.
        if (sorted[0] - sorted[1] > 0.02) expect(argmax(got[i])).toBe(argmax(probs[i]));
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(got[i][k] - probs[i][k]));
      }
      expect(worst).toBeLessThan(scheme === 'float16' ? 0.01 : 0.1);
    }
    expect(sizes.float16).toBe(trained.bytes / 2);
    expect(sizes.uint8).toBe(trained.bytes / 4);
  });

  it('measures each precision: the zip size and the test accuracy of the weights read back', async () => {
    const figures: ExportFigure[] = [];
    const progress: string[] = [];
    const done = await measureExports(db, trained.id, { onFigure: (f) => figures.push(f), onProgress: (s, d, t) => progress.push(`${s} ${d}/${t}`), shouldStop: () => false });
    expect(done).toBe(true);
    expect(figures.map((f) => f.scheme)).toEqual(['float32', 'float16', 'uint8']);
    expect(figures[0].evaluation).toEqual(trained.evaluation);
    expect(figures[0].bytes).toBeGreaterThan(figures[1].bytes);
    expect(figures[1].bytes).toBeGreaterThan(figures[2].bytes);
    expect(progress).toContain('uint8 30/30');
    const limited: ExportFigure[] = [];
    await measureExports(db, trained.id, { onFigure: (f) => limited.push(f), onProgress: () => {}, shouldStop: () => false, testLimit: 10 });
    expect(limited.map((f) => f.evaluation?.samples)).toEqual([10, 10, 10]);
    let calls = 0;
    const stopped = await measureExports(db, trained.id, { onFigure: () => {}, onProgress: () => {}, shouldStop: () => ++calls > 2 });
    expect(stopped).toBe(false);
  });
});

describe('import', () => {
  it('an exported 8-bit model comes back as a saved model that evaluates like the measured 8-bit figure', async () => {
    const figures: ExportFigure[] = [];
    await measureExports(db, trained.id, { onFigure: (f) => figures.push(f), onProgress: () => {}, shouldStop: () => false });
    const { fileName, data } = await exportModel(db, trained.id, 'uint8');
    const imported = await importModel(db, [{ name: fileName, data }], 'none', 'cpu');
    expect(imported.name).toBe(`${trained.name} (imported)`);
    expect(imported.imported).toEqual({ fileName: 'model.json', weights: 'uint8' });
    expect(imported.datasetId).toBe('tiny');
    expect(imported.paramCount).toBe(trained.paramCount);
    expect(imported.bytes).toBe(trained.bytes); // stored as float32 again
    expect(imported.evaluation).toBeNull();
    expect((await listModels(db)).map((m) => m.id)).toContain(imported.id);
    const evaluated = await evaluateStored(db, imported.id, { onProgress: () => {}, shouldStop: () => false });
    expect(evaluated?.evaluation).toEqual(figures[2].evaluation);
  });

  it('reads loose files too: model.json and its .bin without a sidecar, checked against the chosen dataset', async () => {
    const files = unzipSync((await exportModel(db, trained.id, 'float16')).data);
    const imported = await importModel(db, [{ name: 'model.json', data: files['model.json'] }, { name: WEIGHTS_FILE, data: files[WEIGHTS_FILE] }], 'tiny', 'cpu');
    expect(imported.name).toBe('model (imported)');
    expect(imported.imported?.weights).toBe('float16');
    await expect(importModel(db, [{ name: 'model.json', data: files['model.json'] }], 'tiny', 'cpu')).rejects.toThrow(
      `Missing weights file "${WEIGHTS_FILE}": "model.json" lists it, but it was not among the files given.`,
    );
    await expect(importModel(db, [{ name: 'model.json', data: files['model.json'] }, { name: WEIGHTS_FILE, data: files[WEIGHTS_FILE] }], 'gone', 'cpu')).rejects.toThrow(
      /first load the dataset it was made for/,
    );
  });

  it('a zip of another dataset’s shape is refused naming both shapes', async () => {
    const other = tinyDataset('wide', { train: 10, test: 5 }, 16);
    other.meta.shape = [1, 2, 2];
    await writeDataset(db, other.meta, other.data);
    const files = unzipSync((await exportModel(db, trained.id, 'float32')).data);
    const zip = zipSync({ 'model.json': files['model.json'], [WEIGHTS_FILE]: files[WEIGHTS_FILE], 'notes.txt': strToU8('hi') });
    await expect(importModel(db, [{ name: 'm.zip', data: zip }], 'wide', 'cpu')).rejects.toThrow(
      'Wrong input shape for "Tiny wide": the model takes [2, 2, 1], but the dataset\'s samples are [1, 2, 2] (height, width, channels).',
    );
  });
});
