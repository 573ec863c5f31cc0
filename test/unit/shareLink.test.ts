// Share links carry the whole experiment, and for a dataset of the author's own say what it needs.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configFromSearchParams, type ExperimentConfig } from '../../src/lib/config';
import { classesFromText, classesToText, describeNeeds, readShare, shareParams } from '../../src/lib/share/link';
import { layersFromText } from '../../src/lib/model/layers';
import { DEFAULTS_KEYS, followDefaults, tableDefaults, trainingDefaults } from '../../src/lib/trainingDefaults';
import { tinyDataset } from './helpers/fakeDb';

const designed: ExperimentConfig = {
  ...DEFAULT_CONFIG,
  datasetId: 'mnist',
  model: 'cnn',
  layers: layersFromText('conv-8-3-relu_maxpool-2_flatten_dense-10-softmax')!,
  optimizer: 'sgd',
  momentum: 0.9,
  nesterov: true,
  schedule: { kind: 'step', every: 10, factor: 0.5 },
  augment: { rotate: 10, shift: 0.1, shear: 0, zoom: 0.1, flip: false, brightness: 0 },
  seed: 1234,
  trainLimit: 2000,
};

describe('share links', () => {
  it('give back the whole experiment: model, training settings, augmentation and seed', () => {
    const params = shareParams(designed, null);
    expect(configFromSearchParams(params)).toEqual(designed);
    expect(params.get('layers')).toBe('conv-8-3-relu_maxpool-2_flatten_dense-10-softmax');
    expect(params.get('augment')).toBe('rotate10_shift0.1_zoom0.1');
    expect(params.get('share')).toBe('1');
  });

  it('write the settings a dataset fits even at the table’s defaults, so the dataset cannot replace them', () => {
    const params = shareParams({ ...DEFAULT_CONFIG, datasetId: 'spiral' }, null);
    for (const key of DEFAULTS_KEYS) expect(params.has(key), key).toBe(true);
    expect(params.get('epochs')).toBe('5');
    expect(params.get('datasetId')).toBe('spiral');
    // What the page does with them: the link's own values are kept when Spiral's defaults arrive.
    const link = configFromSearchParams(params);
    const fitted = { ...tableDefaults(DEFAULT_CONFIG), ...trainingDefaults({ kind: 'tabular', task: 'classification', trainSamples: 800 }) };
    expect(Object.keys(followDefaults(link, tableDefaults(DEFAULT_CONFIG), fitted))).toContain('epochs');
  });

  it('say nothing of a built-in dataset but name, shape and classes of one of the author’s own', () => {
    expect(readShare(`?${shareParams({ ...DEFAULT_CONFIG, datasetId: 'iris' }, { id: 'iris', name: 'Iris', shape: [1, 1, 4], classes: ['a'] })}`)).toEqual({
      share: true,
      needs: null,
      problems: [],
    });
    const own = { ...tinyDataset('flowers-1', { train: 6, test: 3 }, 4).meta, name: 'Flowers', shape: [64, 64, 3] as [number, number, number], classes: ['daisy', 'rose~red', 'tulip'] };
    const params = shareParams({ ...DEFAULT_CONFIG, datasetId: 'flowers-1' }, own);
    expect(params.get('dsShape')).toBe('64x64x3');
    expect(params.get('dsClasses')).toBe('daisy~rose%7Ered~tulip');
    const read = readShare(`?${params}`);
    expect(read.needs).toEqual({ name: 'Flowers', shape: [64, 64, 3], classes: ['daisy', 'rose~red', 'tulip'] });
    expect(describeNeeds(read.needs!)).toBe('“Flowers”, 64×64×3 per sample, 3 classes: daisy, rose~red, tulip');
    expect(describeNeeds({ name: 'Rows', shape: [1, 1, 7], classes: [] })).toBe('“Rows”, 7 inputs per row');
    expect(describeNeeds({ name: '', shape: null, classes: Array.from({ length: 15 }, (_, i) => `c${i}`) }, 3)).toBe('15 classes: c0, c1, c2, … (12 more)');
  });

  it('is no share link without `share`, and names a shape it cannot read', () => {
    expect(readShare('?datasetId=spiral&epochs=3')).toEqual({ share: false, needs: null, problems: [] });
    expect(readShare('?share=1&dsShape=64x64').problems).toEqual(['Dataset shape: "64x64" is not a valid value']);
    expect(readShare('?share=9').problems).toEqual(['Share link version must be between 0 and 1']);
  });

  it('join class names by "~", doubling a "~" inside one', () => {
    for (const classes of [[], ['a'], ['a', 'b'], ['', 'x'], ['~', '~~a~'], ['%7E', '100%'], ['a b', 'ü/ß', '']]) {
      expect(classesFromText(classesToText(classes))).toEqual(classes);
    }
  });
});
