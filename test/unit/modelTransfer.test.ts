import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { testHearth } from './helpers/hearth';
import { routeFiles, type PickedFile } from '../../src/state/importRoute';
import type { SavedModelMeta } from '../../src/lib/types';
import { DEFAULT_CONFIG } from '../../src/lib/config';

const file = (name: string, data: Uint8Array | string = 'x'): PickedFile => ({ path: name, file: new File([typeof data === 'string' ? data : new Uint8Array(data)], name) });
const meta = (id: string): SavedModelMeta => ({
  id,
  name: `Model ${id}`,
  createdAt: 1,
  config: DEFAULT_CONFIG,
  datasetId: 'mnist',
  datasetName: 'MNIST',
  classes: ['0', '1'],
  inputShape: [2, 2, 1],
  paramCount: 10,
  backend: 'cpu',
  trainSeconds: 0,
  history: [],
  evaluation: null,
  bytes: 40,
});

describe('routing model files', () => {
  it('sends model.json with its .bin files, and a zip holding a model.json, to the model import', async () => {
    const route = await routeFiles([file('model.json'), file('group1-shard1of1.bin'), file('hearth-preprocessing.json')], false);
    expect(route.kind).toBe('model');
    expect(route.kind === 'model' && route.files.map((f) => f.name)).toEqual(['model.json', 'group1-shard1of1.bin', 'hearth-preprocessing.json']);
    const modelZip = zipSync({ 'mlp/model.json': strToU8('{}'), 'mlp/group1-shard1of1.bin': new Uint8Array(4) });
    expect((await routeFiles([file('mlp-int8.zip', modelZip)], false)).kind).toBe('model');
    const imageZip = zipSync({ 'cats/1.png': new Uint8Array(4) });
    expect((await routeFiles([file('pets.zip', imageZip)], false)).kind).toBe('image-zip');
    // CIFAR batches stay CIFAR.
    expect((await routeFiles([file('data_batch_1.bin')], false)).kind).toBe('cifar10');
  });
});

describe('ModelTransfer', () => {
  it('measures: follows progress, collects figures, and stops on request', async () => {
    const { hearth, training } = await testHearth();
    const t = hearth.transfer;
    t.measure('m1');
    const req = training.sent().at(-1)!;
    expect(req).toMatchObject({ type: 'measure-export', modelId: 'm1' });
    expect(hearth.busy()).toBe(true);
    training.emit({ type: 'model-progress', runId: req.runId, modelId: 'm1', scheme: 'float16', done: 256, total: 1000 });
    expect(t.job).toMatchObject({ kind: 'measure', scheme: 'float16', done: 256, total: 1000 });
    training.emit({ type: 'export-figure', runId: req.runId, modelId: 'm1', figure: { scheme: 'float32', bytes: 4000, evaluation: null } });
    t.stop();
    expect(training.sent().at(-1)).toEqual({ type: 'stop', runId: req.runId });
    training.emit({ type: 'model-job-done', runId: req.runId, modelId: 'm1', complete: false, model: null });
    expect(t.job).toBeNull();
    expect(t.figures).toEqual({ modelId: 'm1', list: [{ scheme: 'float32', bytes: 4000, evaluation: null }], complete: false });
    expect(t.note?.text).toMatch(/^Measuring stopped/);
  });

  it('downloads the archive the worker sends', async () => {
    const { hearth, training, downloads } = await testHearth();
    hearth.transfer.download('m1', 'uint8');
    const req = training.sent().at(-1)!;
    expect(req).toMatchObject({ type: 'export-model', modelId: 'm1', scheme: 'uint8' });
    training.emit({ type: 'archive', runId: req.runId, fileName: 'm-int8.zip', data: new Uint8Array(7) });
    expect(downloads).toEqual([['m-int8.zip', 7]]);
    expect(hearth.transfer.job).toBeNull();
  });

  it('imports dropped model files through the importer, against the dataset in use, and lists the result', async () => {
    const { hearth, training } = await testHearth();
    hearth.settings.config = { ...hearth.settings.config, datasetId: 'mnist' };
    await hearth.importer.accept([file('model.json', '{}'), file('w.bin', new Uint8Array(8))], false);
    await new Promise((r) => setTimeout(r, 10));
    const req = training.sent().at(-1)!;
    expect(req.type).toBe('import-model');
    expect(req.type === 'import-model' && [req.datasetId, req.files.map((f) => [f.name, f.data.byteLength])]).toEqual(['mnist', [['model.json', 2], ['w.bin', 8]]]);
    training.emit({ type: 'error', runId: req.runId, kind: 'bad-config', message: 'Unknown layer type "Lambda".' });
    expect(hearth.transfer.note).toEqual({ kind: 'error', text: 'Unknown layer type "Lambda".' });
    await hearth.transfer.importFiles([new File(['{}'], 'model.json')]);
    const again = training.sent().at(-1)!;
    training.emit({ type: 'imported', runId: again.runId, model: meta('new') });
    await new Promise((r) => setTimeout(r, 10));
    expect(hearth.models.selectedId).toBe('new');
    expect(hearth.transfer.note?.text).toBe('Imported "Model new": checked against "MNIST". Evaluate it to see its test score.');
  });
});
