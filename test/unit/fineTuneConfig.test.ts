// The fine-tune settings as config fields: restore, URL round trip, old links and records.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configFromSearchParams, configToSearchParams, restoreConfig } from '../../src/lib/config';
import { freezeProblem, withHeadFor } from '../../src/lib/model/finetune';
import { layersFromText } from '../../src/lib/model/layers';
import { freshRange } from '../../src/lib/train/fineTuneRun';
import { tinyDataset } from './helpers/fakeDb';
import { restoreFineTune } from '../../src/lib/storage/restoreFineTune';

const ID = '3f2a9c1e-8b7d-4e5f-a6b1-0c9d8e7f6a5b';

describe('fine-tune fields', () => {
  it('default to a run from fresh weights: no parent, nothing frozen, no replay', () => {
    expect(DEFAULT_CONFIG.from).toBe('');
    expect(DEFAULT_CONFIG.freeze).toEqual([]);
    expect(DEFAULT_CONFIG.replay).toBe(0);
  });

  it('go through the URL and back', () => {
    const config = { ...DEFAULT_CONFIG, from: ID, freeze: [1, 3], replay: 0.25 };
    const params = configToSearchParams(config);
    expect(params.toString()).toBe(`from=${ID}&freeze=1_3&replay=0.25`);
    expect(configFromSearchParams(params)).toEqual(config);
  });

  it('leave an old link or record (without them) a plain run', () => {
    const old = configFromSearchParams(new URLSearchParams('model=cnn&epochs=2&augment=rotate10'));
    expect(old.from).toBe('');
    expect(old.freeze).toEqual([]);
    expect(old.replay).toBe(0);
    expect(restoreConfig({ epochs: 3 })).toMatchObject({ from: '', freeze: [], replay: 0 });
  });

  it('read a freeze list in any order once, and refuse what is not one', () => {
    expect(restoreConfig({ freeze: '3_1_3' }).freeze).toEqual([1, 3]);
    expect(restoreConfig({ freeze: [4, 2] }).freeze).toEqual([2, 4]);
    expect(restoreConfig({ freeze: 'none' }).freeze).toEqual([]);
    expect(() => restoreConfig({ freeze: '0_1' })).toThrow(/Frozen layers: "0_1" is not a valid value/);
    expect(() => restoreConfig({ freeze: 'a' })).toThrow(/Frozen layers/);
    expect(() => restoreConfig({ freeze: [1.5] })).toThrow(/Frozen layers/);
    expect(() => restoreConfig({ replay: 0.6 })).toThrow('Replay of the original data must be between 0 and 0.5 (got 0.6)');
    expect(() => restoreConfig({ from: '../etc' })).toThrow(/Fine-tuned from/);
  });

  it('check a freeze list against the stack', () => {
    const layers = layersFromText('flatten_dense-8-relu_dropout-0.2_dense-3-softmax')!;
    expect(freezeProblem([2], layers)).toBeUndefined();
    expect(freezeProblem([3], layers)).toBe('Layer 3 (Dropout) has no weights to freeze.');
    expect(freezeProblem([7], layers)).toBe('Layer 7 cannot be frozen: the model has 4 layers.');
    expect(freezeProblem([2, 4], layers)).toMatch(/Every layer with weights is frozen/);
  });

  it('size a softmax head for the new class count, leaving the rest', () => {
    const layers = layersFromText('flatten_dense-8-relu_dense-10-softmax')!;
    expect(withHeadFor(layers, 3)).toEqual(layersFromText('flatten_dense-8-relu_dense-3-softmax'));
    expect(withHeadFor(layers, 10)).toEqual(layers);
    const sigmoid = layersFromText('flatten_dense-1-sigmoid')!;
    expect(withHeadFor(sigmoid, 2)).toEqual(sigmoid);
  });
});

describe('freshRange', () => {
  const original = tinyDataset('a', { train: 100, test: 20 }, 16).meta;
  it('is the samples a newer version added, the test split of another dataset, and nothing on the same one', () => {
    const version = { ...tinyDataset('a.v2-x', { train: 103, test: 20 }, 16).meta, name: 'A v2', version: { parentId: 'a', rootId: 'a', number: 2, added: 3 } };
    expect(freshRange(original, version)).toMatchObject({ split: 'train', start: 0, end: 3, label: '3 samples added to A v2' });
    // The same shape and more samples, but not made from it: another dataset, measured on its test split.
    const lookalike = { ...tinyDataset('a2', { train: 103, test: 20 }, 16).meta, name: 'A2' };
    expect(freshRange(original, lookalike)).toMatchObject({ split: 'test', start: 0, end: 20, label: 'A2 · test split' });
    const other = { ...tinyDataset('b', { train: 50, test: 10 }, 16).meta, name: 'B' };
    expect(freshRange(original, other)).toMatchObject({ split: 'test', start: 0, end: 10, label: 'B · test split' });
    expect(freshRange(original, original)).toBeNull();
    expect(freshRange(null, other)).toMatchObject({ split: 'test', end: 10 });
  });
});

describe('restoreFineTune', () => {
  const report = {
    parentId: 'm1',
    parentName: 'MLP on MNIST',
    originalLabel: 'MNIST · test split',
    freshLabel: '3 samples added to MNIST v2',
    newHead: false,
    before: { original: { metric: 'accuracy', value: 0.9, samples: 10000 }, fresh: { metric: 'accuracy', value: 0, samples: 3 } },
    after: { original: { metric: 'accuracy', value: 0.89, samples: 10000 }, fresh: { metric: 'accuracy', value: 1, samples: 3 } },
  };
  it('keeps a report as written, and drops what does not read as one (older records have none)', () => {
    expect(restoreFineTune(report)).toEqual(report);
    expect(restoreFineTune(undefined)).toBeUndefined();
    expect(restoreFineTune({ ...report, parentId: 7 })).toBeUndefined();
    expect(restoreFineTune({ ...report, before: null })).toBeUndefined();
    // A figure that is not one reads as not measured; the rest stays.
    const bent = restoreFineTune({ ...report, after: { original: { metric: 'accuracy', value: 'high', samples: 1 }, fresh: report.after.fresh } });
    expect(bent?.after).toEqual({ original: null, fresh: report.after.fresh });
  });
});
