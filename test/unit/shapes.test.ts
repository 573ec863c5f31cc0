import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildLayers } from '../../src/lib/model/build';
import { layersFromText } from '../../src/lib/model/layers';
import { inferShapes, sumParams } from '../../src/lib/model/shapes';
import { estimateMemory } from '../../src/lib/model/memory';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A stack in its URL form, and the input it is built on. */
const STACKS: [string, [number, number, number]][] = [
  ['flatten_dense-10-softmax', [28, 28, 1]],
  ['conv-32-3-relu_maxpool-2_flatten_dense-64-relu_dropout-0.5_dense-10-softmax', [28, 28, 1]],
  ['conv-8-3-relu_bn_maxpool-2_flatten_dense-16-relu_dropout-0.25_dense-10-softmax', [12, 12, 1]],
  ['conv-16-5-s2-same-tanh_avgpool-2_flatten_dense-3-softmax', [32, 32, 3]],
  ['conv-4-3-s2-relu_conv-4-3-s2-relu_flatten_dense-2-softmax', [15, 11, 3]],
  ['maxpool-3-s2-same_conv-6-2-sigmoid_flatten_dense-1-sigmoid', [9, 9, 2]],
  ['avgpool-3-s1_avgpool-2-s2-same_flatten_dense-4-linear', [7, 7, 1]],
  ['bn_flatten_bn_dense-8-relu_bn_dense-1-linear', [1, 1, 5]],
  ['flatten_dense-128-relu_dense-64-relu_dense-3-softmax', [1, 1, 4]],
  ['conv-3-1-linear_conv-5-7-same-relu_flatten_dense-10-softmax', [10, 8, 1]],
  ['conv-32-3-relu_maxpool-2_conv-64-3-relu_maxpool-2_conv-64-3-relu_flatten_dense-64-relu_dropout-0.5_dense-10-softmax', [32, 32, 3]],
  ['conv-2-3-same-relu_maxpool-2-s1_avgpool-2-s3_bn_flatten_dropout-0.1_dense-5-tanh_dense-2-softmax', [6, 5, 4]],
];

describe('inferShapes agrees with tfjs', () => {
  for (const [text, input] of STACKS) {
    it(`${text} on ${input.join('×')}`, () => {
      const layers = layersFromText(text)!;
      expect(layers).toBeDefined();
      const { rows, problem } = inferShapes(layers, input);
      expect(problem).toBeNull();
      const model = buildLayers(layers, input, 7);
      try {
        expect(rows.map((r) => r.output)).toEqual(model.layers.map((l) => (l.outputShape as number[]).slice(1)));
        expect(rows.map((r) => r.params)).toEqual(model.layers.map((l) => l.countParams()));
        expect(sumParams(rows)).toBe(model.countParams());
        const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
        expect(rows.reduce((n, r) => n + r.trainable, 0)).toBe(trainable);
      } finally {
        model.dispose();
      }
    });
  }

  it('counts by hand for the worked example in shapes.ts', () => {
    const { rows } = inferShapes(layersFromText('conv-32-3-relu_maxpool-2_flatten_dense-10-softmax')!, [28, 28, 1]);
    expect(rows.map((r) => r.output)).toEqual([[26, 26, 32], [13, 13, 32], [5408], [10]]);
    expect(rows.map((r) => r.params)).toEqual([320, 0, 0, 54090]);
  });

  it('counts BatchNormalization as 4 weights per channel, 2 of them trained', () => {
    const { rows } = inferShapes(layersFromText('conv-8-3-relu_bn')!, [5, 5, 1]);
    expect(rows[1]).toEqual({ output: [3, 3, 8], params: 32, trainable: 16 });
  });
});

describe('estimateMemory', () => {
  it('adds weights, gradients, optimizer slots and kept activations, as documented', () => {
    const { rows } = inferShapes(layersFromText('flatten_dense-10-softmax')!, [28, 28, 1]);
    const adam = estimateMemory(rows, [28, 28, 1], 128, 'adam');
    expect(adam).toEqual({ weights: 31400, gradients: 31400, optimizer: 62800, activations: 807936, total: 933536 });
    const sgd = estimateMemory(rows, [28, 28, 1], 128, 'sgd');
    expect(sgd.optimizer).toBe(0);
    expect(sgd.total).toBe(933536 - 62800);
    // Moving statistics are weights but get no gradients or optimizer state.
    const bn = inferShapes(layersFromText('flatten_bn')!, [1, 1, 3]).rows;
    expect(estimateMemory(bn, [1, 1, 3], 1, 'adam')).toMatchObject({ weights: 48, gradients: 24, optimizer: 48, activations: 36 });
  });
});
