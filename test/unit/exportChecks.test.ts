import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { checkFitsDataset, checkImportedModel } from '../../src/lib/export/checkImport';
import { gatherModelFiles, type GatheredModel } from '../../src/lib/export/readFiles';
import { buildPreprocessing, restorePreprocessing } from '../../src/lib/export/preprocessing';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import type { SavedModelMeta } from '../../src/lib/types';

/** A Sequential model as tfjs saves it: input [2, 2, 1] → flatten → dense 3 softmax. */
function topology(layers?: unknown[]) {
  return {
    class_name: 'Sequential',
    config: {
      name: 'seq',
      layers: layers ?? [
        { class_name: 'Flatten', config: { name: 'flatten_1', batch_input_shape: [null, 2, 2, 1] } },
        { class_name: 'Dense', config: { name: 'dense_1', units: 3, activation: 'softmax', use_bias: true } },
      ],
    },
  };
}
const goodSpecs = () => [
  { name: 'dense_1/kernel', shape: [4, 3], dtype: 'float32' },
  { name: 'dense_1/bias', shape: [3], dtype: 'float32' },
];
const model = (over: Partial<GatheredModel> = {}): GatheredModel => ({
  fileName: 'model.json',
  json: { modelTopology: topology() },
  specs: goodSpecs(),
  weightData: new ArrayBuffer(15 * 4),
  preprocessing: null,
  ...over,
});
const dataset = { name: 'Tiny', shape: [2, 2, 1] as [number, number, number], task: 'classification' as const, classes: ['a', 'b', 'c'], kind: 'image' as const };

describe('checkImportedModel', () => {
  it('accepts a well-formed model and reads its input, output and size', () => {
    expect(checkImportedModel(model())).toEqual({ inputShape: [2, 2, 1], outputUnits: 3, paramCount: 15, layerCount: 2 });
    // The Keras converter nests the model under model_config.
    expect(checkImportedModel(model({ json: { modelTopology: { keras_version: '2.15', model_config: topology() } } })).paramCount).toBe(15);
  });

  it('names an unknown layer type and the layer', () => {
    const layers = [...topology().config.layers, { class_name: 'Lambda', config: { name: 'my_lambda' } }];
    expect(() => checkImportedModel(model({ json: { modelTopology: topology(layers) } }))).toThrow(
      /^Unknown layer type "Lambda" \(layer "my_lambda"\) in "model.json"\. Hearth reads these layer types: InputLayer, Dense, Conv2D/,
    );
  });

  it('refuses absurd shapes: of a weight, of the input, of a layer', () => {
    const huge = [{ name: 'dense_1/kernel', shape: [100000, 100000], dtype: 'float32' }, goodSpecs()[1]];
    expect(() => checkImportedModel(model({ specs: huge }))).toThrow('Absurd shape [100000, 100000] for the weight "dense_1/kernel": 1.0e+10 values');
    const input = topology([{ class_name: 'Flatten', config: { name: 'f', batch_input_shape: [null, -2, 2, 1] } }, topology().config.layers[1]]);
    expect(() => checkImportedModel(model({ json: { modelTopology: input } }))).toThrow('Absurd input shape [batch, -2, 2, 1] in "model.json"');
    const units = topology([topology().config.layers[0], { class_name: 'Dense', config: { name: 'dense_1', units: 1e9 } }]);
    expect(() => checkImportedModel(model({ json: { modelTopology: units } }))).toThrow('Absurd unit count 1000000000 in layer "dense_1"');
  });

  it('names mismatched weights: bytes, shapes, missing and extra', () => {
    expect(() => checkImportedModel(model({ weightData: new ArrayBuffer(40) }))).toThrow(
      'Mismatched weights: the weights files hold 40 bytes, but "model.json" describes 60 bytes of weights.',
    );
    const wrongShape = [{ name: 'dense_1/kernel', shape: [3, 4], dtype: 'float32' }, goodSpecs()[1]];
    expect(() => checkImportedModel(model({ specs: wrongShape }))).toThrow('Mismatched weight "dense_1/kernel": its shape is [3, 4], but layer "dense_1" needs [?, 3].');
    expect(() => checkImportedModel(model({ specs: [goodSpecs()[0]], weightData: new ArrayBuffer(48) }))).toThrow(
      'Missing weight "dense_1/bias": layer "dense_1" (Dense) needs it, but the weights manifest of "model.json" does not list it.',
    );
    const extra = [...goodSpecs(), { name: 'dense_9/kernel', shape: [1], dtype: 'float32' }];
    expect(() => checkImportedModel(model({ specs: extra, weightData: new ArrayBuffer(64) }))).toThrow(
      'Mismatched weights: the manifest lists "dense_9/kernel", which no layer of the model has.',
    );
  });

  it('refuses a graph model and a model without layers', () => {
    expect(() => checkImportedModel(model({ json: { modelTopology: { node: [] } } }))).toThrow(/its model class is "missing"; expected Sequential/);
    expect(() => checkImportedModel(model({ json: { modelTopology: topology([]) } }))).toThrow('"model.json" lists no layers.');
  });
});

describe('checkFitsDataset', () => {
  const shape = checkImportedModel(model());
  it('passes a model that fits, and names both shapes when the input does not', () => {
    expect(() => checkFitsDataset(shape, dataset)).not.toThrow();
    expect(() => checkFitsDataset(shape, { ...dataset, name: 'MNIST', shape: [28, 28, 1] })).toThrow(
      'Wrong input shape for "MNIST": the model takes [2, 2, 1], but the dataset\'s samples are [28, 28, 1] (height, width, channels).',
    );
    expect(() => checkFitsDataset({ ...shape, inputShape: [4] }, { ...dataset, kind: 'tabular', shape: [1, 1, 4] })).toThrow(/feeds table rows as 1×1×features/);
  });
  it('checks the outputs against the classes', () => {
    expect(() => checkFitsDataset(shape, { ...dataset, classes: ['a', 'b', 'c', 'd'] })).toThrow(
      'The model\'s output does not fit "Tiny": it has 3 outputs, but the dataset needs 4 outputs, one per class.',
    );
    expect(() => checkFitsDataset(shape, { ...dataset, task: 'regression', classes: [] })).toThrow(/needs 1 output \(a regression target\)/);
  });
});

describe('gatherModelFiles', () => {
  const json = strToU8(JSON.stringify({ modelTopology: topology(), weightsManifest: [{ paths: ['a.bin', 'b.bin'], weights: goodSpecs() }] }));
  it('joins the weight files in manifest order, from loose files or a zip', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([4, 5]);
    const loose = gatherModelFiles([{ name: 'b.bin', data: b }, { name: 'model.json', data: json }, { name: 'a.bin', data: a }]);
    expect(Array.from(new Uint8Array(loose.weightData))).toEqual([1, 2, 3, 4, 5]);
    const zipped = gatherModelFiles([{ name: 'x.zip', data: zipSync({ 'm/model.json': json, 'm/a.bin': a, 'm/b.bin': b }) }]);
    expect(Array.from(new Uint8Array(zipped.weightData))).toEqual([1, 2, 3, 4, 5]);
    expect(zipped.specs).toHaveLength(2);
  });
  it('names what is missing or broken', () => {
    expect(() => gatherModelFiles([{ name: 'notes.txt', data: strToU8('hi') }])).toThrow('No TensorFlow.js model.json (a JSON file with "modelTopology") among the files. Got "notes.txt".');
    expect(() => gatherModelFiles([{ name: 'model.json', data: strToU8('{oops') }])).toThrow(/^"model.json" is not valid JSON/);
    expect(() => gatherModelFiles([{ name: 'model.json', data: strToU8('{"modelTopology":{}}') }])).toThrow('"model.json" has no weightsManifest');
    expect(() => gatherModelFiles([{ name: 'bad.zip', data: new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]) }])).toThrow(/^"bad.zip" is not a readable .zip/);
  });
});

describe('hearth-preprocessing.json', () => {
  const base: Pick<SavedModelMeta, 'name' | 'classes' | 'inputShape' | 'tabular' | 'datasetId' | 'datasetName' | 'config' | 'evaluation'> = {
    name: 'MLP on Housing',
    classes: [],
    inputShape: [1, 1, 4],
    datasetId: 'housing',
    datasetName: 'Housing',
    config: { ...DEFAULT_CONFIG, datasetId: 'housing', epochs: 7 },
    evaluation: { task: 'regression', loss: 4, mae: 1.5, mse: 4, r2: 0.8, samples: 20 },
    tabular: {
      label: 'price',
      encoding: [
        { column: 'rooms', kind: 'numeric', mean: 5, std: 2 },
        { column: 'town', kind: 'categorical', categories: ['north', 'south', 'east'], fill: 'north' },
      ],
      featureNames: ['rooms', 'town=north', 'town=south', 'town=east'],
      target: { mean: 200, std: 50 },
    },
  };

  it('round-trips a table model: feature order, scaling, one-hot encoding, target scaling', () => {
    const sidecar = buildPreprocessing(base, 'uint8');
    expect(sidecar.image).toBeNull();
    expect(sidecar.task).toBe('regression');
    expect(restorePreprocessing(JSON.parse(JSON.stringify(sidecar)))).toEqual(sidecar);
  });

  it('round-trips an image model', () => {
    const sidecar = buildPreprocessing({ ...base, tabular: undefined, classes: ['cat', 'dog'], inputShape: [64, 64, 3], evaluation: null }, 'float16');
    expect(sidecar.image).toEqual({ height: 64, width: 64, channels: 3, colour: 'rgb', scale: 1 / 255, offset: 0 });
    expect(restorePreprocessing(JSON.parse(JSON.stringify(sidecar)))).toEqual(sidecar);
  });

  it('names what makes a sidecar unusable', () => {
    const sidecar = JSON.parse(JSON.stringify(buildPreprocessing(base, 'float32')));
    expect(() => restorePreprocessing({ ...sidecar, format: 'x' })).toThrow('it is not a Hearth preprocessing file');
    expect(() => restorePreprocessing({ ...sidecar, version: 2 })).toThrow('it is version 2; this Hearth reads version 1');
    expect(() => restorePreprocessing({ ...sidecar, inputShape: [1, 1, 5] })).toThrow('its table encoding makes 4 values per row, but its samples have 5');
  });
});
