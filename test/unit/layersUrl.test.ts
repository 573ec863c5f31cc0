// The layer list in the URL and in stored records, and configs written before it existed.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configFromSearchParams, configToSearchParams, restoreConfig } from '../../src/lib/config';
import { layersFromJson, layersFromText, layersToText, type LayerSpec } from '../../src/lib/model/layers';
import { modelLayers } from '../../src/lib/model/validate';
import { restoreModelMeta } from '../../src/lib/storage/restoreModel';

const EXAMPLE = 'conv-32-3-relu_maxpool-2_flatten_dense-64-relu_dropout-0.5_dense-10-softmax';
const EXAMPLE_LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 32, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' },
  { type: 'maxPool', size: 2, stride: 2, padding: 'valid' },
  { type: 'flatten' },
  { type: 'dense', units: 64, activation: 'relu' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 10, activation: 'softmax' },
];

describe('layers URL form', () => {
  it('reads the worked example of the JSDoc', () => {
    expect(layersFromText(EXAMPLE)).toEqual(EXAMPLE_LAYERS);
    expect(layersToText(EXAMPLE_LAYERS)).toBe(EXAMPLE);
  });

  it('writes stride and padding only when they are not the defaults', () => {
    const layers: LayerSpec[] = [
      { type: 'conv2d', filters: 16, kernel: 5, stride: 2, padding: 'same', activation: 'sigmoid' },
      { type: 'avgPool', size: 3, stride: 2, padding: 'same' },
      { type: 'maxPool', size: 2, stride: 2, padding: 'same' },
      { type: 'batchNorm' },
      { type: 'flatten' },
      { type: 'dense', units: 1, activation: 'linear' },
    ];
    const text = layersToText(layers);
    expect(text).toBe('conv-16-5-s2-same-sigmoid_avgpool-3-s2-same_maxpool-2-same_bn_flatten_dense-1-linear');
    expect(layersFromText(text)).toEqual(layers);
  });

  it('refuses text that is not a layer list', () => {
    for (const bad of ['dense-10', 'dense-10-gelu', 'conv-32-relu', 'maxpool-2-valid', 'dropout-1e-1', 'flatten-2', 'lstm-4', 'dense-10-relu__flatten', 'dense- 10-relu']) {
      expect(layersFromText(bad), bad).toBeUndefined();
    }
  });

  it('reads stored JSON with missing stride and padding, and refuses broken layers', () => {
    expect(layersFromJson([{ type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 3 }])).toEqual([
      { type: 'conv2d', filters: 4, kernel: 3, stride: 1, padding: 'valid', activation: 'relu' },
      { type: 'maxPool', size: 3, stride: 3, padding: 'valid' },
    ]);
    expect(layersFromJson([{ type: 'dense', units: '5', activation: 'relu' }])).toBeUndefined();
    expect(layersFromJson({ type: 'flatten' })).toBeUndefined();
  });
});

describe('config with layers', () => {
  it('round-trips a structured config through the URL', () => {
    const config = { ...DEFAULT_CONFIG, datasetId: 'fashion-mnist', model: 'cnn' as const, layers: EXAMPLE_LAYERS, loss: 'categorical-crossentropy' as const };
    const params = configToSearchParams(config);
    expect(params.toString()).toBe(`datasetId=fashion-mnist&model=cnn&layers=${EXAMPLE}&loss=categorical-crossentropy`);
    expect(configFromSearchParams(params)).toEqual(config);
    expect(restoreConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('opens an old URL that names only a preset: the preset expands to its layers', () => {
    const config = configFromSearchParams(new URLSearchParams('model=cnn&datasetId=fashion-mnist&epochs=2'));
    expect(config).toEqual({ ...DEFAULT_CONFIG, model: 'cnn', datasetId: 'fashion-mnist', epochs: 2 });
    expect(config.layers).toEqual([]);
    const fashion = { kind: 'image' as const, shape: [28, 28, 1] as [number, number, number], task: 'classification' as const, name: 'Fashion', classes: '0123456789'.split('') };
    expect(layersToText(modelLayers(config, fashion))).toBe('conv-32-3-relu_maxpool-2_conv-64-3-relu_maxpool-2_flatten_dense-64-relu_dense-10-softmax');
  });

  it('refuses layers out of range with the layer named', () => {
    expect(() => configFromSearchParams(new URLSearchParams('layers=flatten_dense-0-softmax'))).toThrowError(
      'Layers are unusable at layer 2 (Dense): units must be a whole number from 1 to 8192 (got 0) (got flatten_dense-0-softmax)',
    );
    expect(() => configFromSearchParams(new URLSearchParams('layers=flatten_dense-10'))).toThrowError('Layers: "flatten_dense-10" is not a valid value');
  });

  it('opens a stored model record written before layers and loss existed', () => {
    const old = {
      id: 'old',
      name: 'CNN on MNIST · 98.1%',
      createdAt: 1,
      config: { datasetId: 'mnist', model: 'cnn', optimizer: 'adam', learningRate: 0.001, batchSize: 128, epochs: 5, validationSplit: 0.1, seed: 42, trainLimit: 0, backend: 'auto' },
      datasetId: 'mnist',
      datasetName: 'MNIST',
      classes: '0123456789'.split(''),
      inputShape: [28, 28, 1],
      paramCount: 121930,
      backend: 'webgpu',
      trainSeconds: 10,
      history: [],
      evaluation: null,
      bytes: 487720,
    };
    const restored = restoreModelMeta(old);
    expect(restored.config).toEqual({ ...DEFAULT_CONFIG, model: 'cnn', layers: [], loss: 'auto' });
    const mnist = { kind: 'image' as const, shape: [28, 28, 1] as [number, number, number], task: 'classification' as const, name: 'MNIST', classes: restored.classes };
    expect(modelLayers(restored.config, mnist)).toHaveLength(7);
  });
});
