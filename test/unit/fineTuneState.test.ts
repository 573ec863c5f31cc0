// Setting up a fine-tune in the page: Fine-tune on a saved model, the freeze boxes,
// a new head for another class count, what blocks it, and the figures a run reports.
import { describe, expect, it } from 'vitest';
import { settle, testHearth } from './helpers/hearth';
import { tinyDataset } from './helpers/fakeDb';
import { writeDataset } from '../../src/lib/storage/datasets';
import { DEFAULT_CONFIG, restoreConfig } from '../../src/lib/config';
import { layersFromText } from '../../src/lib/model/layers';
import type { FineTuneReport, SavedModelMeta } from '../../src/lib/types';

const layers = layersFromText('flatten_dense-8-relu_dropout-0.2_dense-3-softmax')!;

function savedModel(id: string): SavedModelMeta {
  return {
    id,
    name: 'MLP on Tiny tiny',
    createdAt: 5,
    config: restoreConfig({ ...DEFAULT_CONFIG, datasetId: 'tiny', layers, epochs: 7, learningRate: 0.01 }),
    datasetId: 'tiny',
    datasetName: 'Tiny tiny',
    classes: ['a', 'b', 'c'],
    inputShape: [2, 2, 1],
    paramCount: 100,
    backend: 'cpu',
    trainSeconds: 1,
    history: [],
    evaluation: null,
    bytes: 400,
  };
}

async function setUp() {
  const t = await testHearth();
  const tiny = tinyDataset('tiny', { train: 20, test: 5 }, 8);
  await writeDataset(t.db, tiny.meta, tiny.data);
  const two = tinyDataset('two', { train: 20, test: 5 }, 8);
  for (const split of [two.data.train, two.data.test]) split.y.forEach((_, i) => (split.y[i] = i % 2));
  await writeDataset(t.db, { ...two.meta, classes: ['x', 'y'], splits: { train: { ...two.meta.splits.train, classCounts: [10, 10] }, test: { ...two.meta.splits.test, classCounts: [3, 2] } } }, two.data);
  await t.db.put('models', savedModel('m1'));
  t.hearth.start('?datasetId=two');
  await settle();
  return t;
}

describe('FineTuning', () => {
  it('puts a saved model in the form with a head for the dataset in use, nothing frozen and no replay', async () => {
    const { hearth } = await setUp();
    const { fineTune, settings, models } = hearth;
    expect(fineTune.active).toBe(false);
    fineTune.setUp(models.list[0]);
    expect(settings.config).toMatchObject({ from: 'm1', freeze: [], replay: 0, datasetId: 'two', epochs: 7, learningRate: 0.01 });
    expect(settings.config.layers).toEqual(layersFromText('flatten_dense-8-relu_dropout-0.2_dense-2-softmax'));
    expect(fineTune.newHead).toBe(true);
    expect(fineTune.parent?.id).toBe('m1');
    // The layers with weights, numbered as the model panel numbers them.
    expect(fineTune.layers.map((l) => [l.number, l.name, l.frozen])).toEqual([
      [2, 'Dense', false],
      [4, 'Dense', false],
    ]);
    fineTune.toggleFreeze(2);
    expect(settings.config.freeze).toEqual([2]);
    expect(fineTune.layers[0].frozen).toBe(true);
    expect(fineTune.problem).toBeNull();
    fineTune.toggleFreeze(4);
    expect(fineTune.problem).toMatch(/Every layer with weights is frozen/);
    fineTune.toggleFreeze(4);
    // Back on the model's own dataset, its head is the saved one again.
    settings.set('datasetId', 'tiny');
    // The page runs this in an effect; Svelte effects do not run under Node's server build.
    fineTune.fitHead();
    expect(settings.config.layers).toEqual(layers);
    expect(fineTune.newHead).toBe(false);
    fineTune.cancel();
    expect(settings.config).toMatchObject({ from: '', freeze: [], replay: 0 });
    expect(fineTune.active).toBe(false);
    hearth.dispose();
  });

  it('names a saved model that is gone, and a run sends the fine-tune with its name and follows its figures', async () => {
    const { hearth, training } = await setUp();
    const { fineTune, settings, models, run } = hearth;
    fineTune.setUp(models.list[0]);
    settings.set('from', 'gone');
    expect(fineTune.problem).toMatch(/no longer stored/);
    settings.set('from', 'm1');
    run.start();
    const sent = training.sent().find((r) => r.type === 'train');
    expect(sent).toMatchObject({ type: 'train', modelName: 'Custom model fine-tuned on Tiny two', config: { from: 'm1' } });
    const runId = run.runId!;
    const report: FineTuneReport = {
      parentId: 'm1',
      parentName: 'MLP on Tiny tiny',
      originalLabel: null,
      freshLabel: 'Tiny two · test split',
      newHead: true,
      before: { original: null, fresh: { metric: 'accuracy', value: 0.4, samples: 5 } },
      after: null,
    };
    training.emit({ type: 'fine-tune', runId, report });
    expect(run.fineTune).toEqual(report);
    hearth.dispose();
  });
});
