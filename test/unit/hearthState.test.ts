// The page's state built per instance: Settings, Library, Models and the importer,
// each driven through its Hearth on fake workers and a fake-indexeddb database.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle, testHearth } from './helpers/hearth';
import { tinyDataset } from './helpers/fakeDb';
import { writeDataset } from '../../src/lib/storage/datasets';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { forgetOtherDataset } from '../../src/state/datasetSwitch.svelte';
import type { CsvPreview } from '../../src/lib/import/protocol';
import type { ImportEvent } from '../../src/lib/import/protocol';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** A page URL that records what the settings write into it. */
function stubPage(search = '') {
  const urls: string[] = [];
  vi.stubGlobal('location', { pathname: '/app/', search, hash: '' });
  vi.stubGlobal('history', { state: null, replaceState: (_: unknown, __: string, url: string) => urls.push(url) });
  return urls;
}

describe('Settings', () => {
  it('reads a link field by field: a bad value costs only its own field, and is named', async () => {
    const urls = stubPage();
    const { hearth } = await testHearth({ writeUrl: true });
    hearth.settings.initFromUrl('?epochs=0&learningRate=0.01&optimizer=sgd&batchSize=abc');
    expect(hearth.settings.config).toMatchObject({ epochs: 5, learningRate: 0.01, optimizer: 'sgd', batchSize: 128 });
    expect(hearth.settings.urlMessage).toBe(
      'This link had settings Hearth could not use, so their defaults apply: Batch size: "abc" is not a valid value; Epochs must be between 1 and 1000 (got 0).',
    );
    // The URL is rewritten to what is in force: the bad fields are gone.
    expect(urls).toEqual(['/app/?optimizer=sgd&learningRate=0.01']);
  });

  it('keeps a half-typed draft without touching the config, and takes it once it is valid', async () => {
    const { hearth } = await testHearth();
    const { settings } = hearth;
    settings.setDraft('learningRate', '0.');
    expect(settings.drafts.learningRate).toBe('0.');
    expect(settings.errors.learningRate).toBe('Learning rate must be above 0 and at most 10');
    expect(settings.valid).toBe(false);
    expect(settings.config.learningRate).toBe(0.001);
    settings.setDraft('learningRate', '0.05');
    expect(settings.config.learningRate).toBe(0.05);
    expect(settings.valid).toBe(true);
  });

  it('refuses a value its field refuses, and resets to the defaults', async () => {
    const { hearth } = await testHearth();
    const { settings } = hearth;
    settings.set('batchSize', 0);
    expect(settings.config.batchSize).toBe(128);
    settings.set('batchSize', 32);
    expect(settings.config.batchSize).toBe(32);
    expect(settings.drafts.batchSize).toBe('32');
    settings.reset();
    expect(settings.snapshot()).toEqual(DEFAULT_CONFIG);
  });

  it('resets the training settings only: the dataset and model stay', async () => {
    const { hearth } = await testHearth();
    const { settings } = hearth;
    settings.initFromUrl('?datasetId=iris&model=tabular-mlp&epochs=40&learningRate=0.1&optimizer=sgd');
    settings.reset();
    expect(settings.snapshot()).toEqual({ ...DEFAULT_CONFIG, datasetId: 'iris', model: 'tabular-mlp' });
    expect(settings.drafts.epochs).toBe('5');
  });

  it('leaves the page URL alone when the instance does not own it', async () => {
    const urls = stubPage();
    const { hearth } = await testHearth({ writeUrl: false });
    hearth.settings.initFromUrl('?epochs=3');
    hearth.settings.set('batchSize', 64);
    expect(hearth.settings.config).toMatchObject({ epochs: 3, batchSize: 64 });
    expect(urls).toEqual([]);
  });
});

describe('Library and Models', () => {
  it('lists stored datasets, follows the chosen one and removes one', async () => {
    const { hearth, db } = await testHearth();
    const a = tinyDataset('a', { train: 6, test: 3 }, 4, 1000);
    const b = tinyDataset('b', { train: 6, test: 3 }, 4, 2000);
    await writeDataset(db, a.meta, a.data);
    await writeDataset(db, b.meta, b.data);
    const { library, settings } = hearth;
    await library.init();
    expect(library.ready).toBe(true);
    expect(library.datasets.map((d) => d.id).sort()).toEqual(['a', 'b']);
    expect(library.selected).toBeNull();
    settings.set('datasetId', 'b');
    expect(library.selected?.id).toBe('b');
    await library.remove('b');
    expect(library.datasets.map((d) => d.id)).toEqual(['a']);
    expect(library.selected).toBeNull();
  });

  it('names the dataset a link needs when this browser lacks it, and the built-in that provides it', async () => {
    const { hearth, db } = await testHearth();
    const own = tinyDataset('mine', { train: 6, test: 3 }, 4);
    await writeDataset(db, own.meta, own.data);
    hearth.settings.initFromUrl('?datasetId=iris');
    expect(hearth.library.missing).toBeNull(); // not listed yet: nothing to say
    await hearth.library.init();
    expect(hearth.settings.fromLink.has('datasetId')).toBe(true);
    expect(hearth.library.missing).toMatchObject({ id: 'iris', builtin: { id: 'iris', name: 'Iris' } });
    hearth.settings.set('datasetId', 'someone-elses');
    expect(hearth.library.missing).toEqual({ id: 'someone-elses', builtin: null });
    hearth.settings.set('datasetId', 'mine');
    expect(hearth.library.missing).toBeNull();
  });

  it('offline, a built-in that is not stored says so, not how the download failed, and keeps nothing', async () => {
    const { hearth, db } = await testHearth();
    await hearth.library.init();
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    vi.stubGlobal('navigator', { onLine: false });
    await hearth.library.load('mnist');
    expect(hearth.errors.message).toBe(
      "MNIST is not stored on this device and can't be downloaded while offline. Connect to the network and load it again: once loaded, it stays on this device and works offline.",
    );
    expect(hearth.library.loading).toBeNull();
    expect(await db.count('datasets')).toBe(0);
    // A built-in already stored needs no network at all.
    await hearth.library.load('circles');
    expect(hearth.library.datasets.map((d) => d.id)).toEqual(['circles']);
  });

  it('names a stored record it cannot read and lists the others', async () => {
    const { hearth, db } = await testHearth();
    const good = tinyDataset('good', { train: 6, test: 3 }, 4);
    await writeDataset(db, good.meta, good.data);
    await db.put('datasets', { ...good.meta, id: 'wide', name: 'Wide', shape: [1, 1, 1e9] });
    await hearth.library.init();
    expect(hearth.library.datasets.map((d) => d.id)).toEqual(['good']);
    expect(hearth.library.problems.map((p) => p.id)).toEqual(['wide']);
  });

  it('makes a model the run saved the one to try, with its evaluation on show', async () => {
    const { hearth, training } = await testHearth();
    const { run, models } = hearth;
    run.start();
    const evaluation = { task: 'regression', mae: 0.5, mse: 0.4, rmse: 0.63, r2: 0.9, samples: 4 } as const;
    const model = { id: 'm1', name: 'MLP on Tiny', createdAt: 1, history: [], evaluation, trainSeconds: 3, classes: [], config: {}, bytes: 400 };
    training.emit({ type: 'saved', runId: run.runId!, model } as never);
    await settle();
    expect(models.selectedId).toBe('m1');
    expect(models.evaluation).toMatchObject({ title: 'MLP on Tiny', modelId: 'm1', result: evaluation });
  });
});

const preview = (fileName: string): CsvPreview => ({
  fileName,
  columns: [
    { name: 'x', type: 'numeric', missing: 0, distinct: 4, sample: ['1', '2'] },
    { name: 'kind', type: 'categorical', missing: 0, distinct: 2, sample: ['a', 'b'] },
  ] as never,
  rows: [
    ['1', 'a'],
    ['2', 'b'],
  ],
  rowCount: 2,
  suggestedLabel: 'kind',
  suggestedTask: 'classification',
  encoding: { name: 'utf-8', detected: true },
  decimalComma: false,
  warnings: [],
});

describe('Choosing another dataset', () => {
  async function finishedRunOn(id: string) {
    const t = await testHearth();
    const { hearth, training, db } = t;
    for (const d of ['a', 'b']) {
      const stored = tinyDataset(d, { train: 6, test: 3 }, 4);
      await writeDataset(db, stored.meta, stored.data);
    }
    hearth.start(`?datasetId=${id}`);
    await settle();
    hearth.run.start();
    const runId = hearth.run.runId!;
    const result = { task: 'classification', accuracy: 1, loss: 0.1, confusion: [1], numClasses: 1, perClass: [], macroF1: 1, samples: 1 };
    training.emit({ type: 'started', runId, paramCount: 10, trainSamples: 6, valSamples: 0, batchesPerEpoch: 1, epochs: 1 } as never);
    training.emit({ type: 'epoch', runId, log: { epoch: 1, loss: 0.5, acc: 0.5, valLoss: null, valAcc: null, seconds: 1, samplesPerSec: 6 }, numTensors: 3 } as never);
    training.emit({ type: 'evaluation', runId, result } as never);
    return t;
  }

  it("clears a finished run and its evaluation, so nothing of the previous dataset stays on show", async () => {
    const { hearth, training } = await finishedRunOn('a');
    training.emit({ type: 'done', runId: hearth.run.runId!, stopped: false, evaluated: true });
    expect(hearth.run.state).toBe('done');
    expect(hearth.models.evaluation?.datasetId).toBe('a');
    forgetOtherDataset('a', hearth.run, hearth.models);
    expect(hearth.run.state).toBe('done');
    // (In the page an effect calls this whenever the chosen dataset changes.)
    forgetOtherDataset('b', hearth.run, hearth.models);
    expect(hearth.run.state).toBe('idle');
    expect(hearth.run.epochs).toEqual([]);
    expect(hearth.run.series.x).toEqual([]);
    expect(hearth.models.evaluation).toBeNull();
  });

  it('keeps a run that is still going', async () => {
    const { hearth } = await finishedRunOn('a');
    forgetOtherDataset('b', hearth.run, hearth.models);
    expect(hearth.run.state).toBe('training');
    expect(hearth.models.evaluation?.datasetId).toBe('a');
    expect(hearth.run.epochs).toHaveLength(1);
    expect(hearth.run.datasetId).toBe('a');
  });
});

describe('Importer', () => {
  const csv = () => ({ path: 'flowers.csv', file: new File(['x,kind\n1,a\n2,b\n'], 'flowers.csv') });

  it('asks the import worker for a preview, then imports with the chosen options and adopts the dataset', async () => {
    const { hearth, imports, db } = await testHearth();
    const { importer, settings, library } = hearth;
    settings.set('seed', 7);
    await importer.accept([csv()], false);
    expect(importer.stage).toBe('inspecting');
    expect(imports.sent().map((r) => r.type)).toEqual(['inspect-csv']);
    const inspect = imports.sent()[0] as { jobId: string };
    imports.emit({ type: 'csv-preview', jobId: inspect.jobId, preview: preview('flowers.csv') });
    expect(importer.stage).toBe('ready');
    expect(importer.csv?.label).toBe('kind');
    expect(importer.csv?.features).toEqual(['x']);

    importer.start();
    expect(importer.stage).toBe('importing');
    const req = imports.sent()[1] as Extract<ReturnType<typeof imports.sent>[number], { type: 'import' }>;
    expect(req.type).toBe('import');
    expect(req.source).toMatchObject({ kind: 'csv', options: { name: 'flowers', label: 'kind', features: ['x'], seed: 7 } });

    // The worker stored it; the importer lists it and makes it the dataset in use.
    const stored = tinyDataset('flowers-1', { train: 6, test: 3 }, 4);
    await writeDataset(db, stored.meta, stored.data);
    imports.emit({ type: 'imported', jobId: req.jobId, dataset: stored.meta, skipped: [], droppedRows: 1 } as ImportEvent);
    await settle();
    expect(importer.stage).toBe('idle');
    expect(importer.result).toMatchObject({ droppedRows: 1, skipped: [] });
    expect(library.datasets.map((d) => d.id)).toEqual(['flowers-1']);
    expect(settings.config.datasetId).toBe('flowers-1');
  });

  it('reopens a failed table import with the reason, so it can be tried again', async () => {
    const { hearth, imports } = await testHearth();
    const { importer, errors } = hearth;
    await importer.accept([csv()], false);
    imports.emit({ type: 'csv-preview', jobId: (imports.sent()[0] as { jobId: string }).jobId, preview: preview('flowers.csv') });
    importer.start();
    const jobId = (imports.sent()[1] as { jobId: string }).jobId;
    imports.emit({ type: 'error', jobId, message: 'flowers.csv, line 3: "kind" is empty.' });
    expect(importer.stage).toBe('ready');
    expect(importer.error).toBe('flowers.csv, line 3: "kind" is empty.');
    expect(errors.message).toBe('flowers.csv, line 3: "kind" is empty.');
  });

  it('ends a worker that does not answer a cancel, and keeps nothing', async () => {
    const { hearth, imports } = await testHearth();
    const { importer, library } = hearth;
    await importer.accept([{ path: 'pets.zip', file: new File([new Uint8Array(4)], 'pets.zip') }], false);
    importer.start();
    vi.useFakeTimers();
    importer.cancel();
    expect(importer.cancelling).toBe(true);
    expect(imports.sent().map((r) => r.type)).toEqual(['import', 'cancel']);
    expect(imports.created[0].terminated).toBe(false);
    vi.advanceTimersByTime(4000);
    expect(imports.created[0].terminated).toBe(true);
    expect(importer.stage).toBe('idle');
    expect(library.notice).toBe('Stopped importing pets. Nothing was kept.');
  });

  it('names files it cannot import and stays idle', async () => {
    const { hearth, imports } = await testHearth();
    await hearth.importer.accept([{ path: 'notes.docx', file: new File(['hi'], 'notes.docx') }], false);
    expect(hearth.importer.stage).toBe('idle');
    expect(hearth.errors.message).toMatch(/^Hearth can't import "notes.docx"\./);
    expect(imports.sent()).toEqual([]);
  });
});

describe('createHearth', () => {
  it('builds instances that share nothing', async () => {
    const one = await testHearth();
    const two = await testHearth();
    one.hearth.settings.set('epochs', 9);
    one.hearth.errors.show('Only here');
    one.hearth.run.start();
    expect(two.hearth.settings.config.epochs).toBe(5);
    expect(two.hearth.errors.message).toBeNull();
    expect(two.hearth.run.state).toBe('idle');
    expect(one.training.sent().map((r) => r.type)).toEqual(['train']);
    expect(two.training.sent()).toEqual([]);
  });

  it('starts from the link, probes the backend and lists storage; dispose ends its workers', async () => {
    const { hearth, training, imports } = await testHearth();
    hearth.start('?backend=cpu&epochs=2');
    await settle();
    expect(hearth.settings.config).toMatchObject({ backend: 'cpu', epochs: 2 });
    expect(training.sent()).toEqual([expect.objectContaining({ type: 'probe', backend: 'cpu' })]);
    expect(hearth.backend.probing).toBe(true);
    expect(hearth.library.ready).toBe(true);
    expect(hearth.models.ready).toBe(true);
    expect(hearth.busy()).toBe(false);
    hearth.run.start();
    expect(hearth.busy()).toBe(true);
    await hearth.importer.accept([{ path: 'pets.zip', file: new File([new Uint8Array(4)], 'pets.zip') }], false);
    hearth.importer.start();
    hearth.dispose();
    expect(training.created[0].terminated).toBe(true);
    expect(imports.created[0].terminated).toBe(true);
  });

  it('marks a probe that found no backend as failed, and a later answer clears it', async () => {
    const { hearth, training } = await testHearth();
    hearth.start('?backend=webgpu');
    await settle();
    const probe = training.sent()[0] as { runId: string };
    const message = 'WebGPU was chosen but cannot be used: WebGPU could not start on this GPU.';
    training.emit({ type: 'error', runId: probe.runId, kind: 'backend', message });
    expect(hearth.backend.failure).toBe(message);
    expect(hearth.backend.probing).toBe(false);
    expect(hearth.errors.message).toBe(message);
    hearth.backend.probe('cpu');
    const again = training.sent()[1] as { runId: string };
    training.emit({ type: 'backend', runId: again.runId, backend: 'cpu', fallbackReason: null });
    expect(hearth.backend.failure).toBeNull();
    expect(hearth.backend.name).toBe('cpu');
    hearth.dispose();
  });
});
