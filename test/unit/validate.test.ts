import { describe, expect, it } from 'vitest';
import { layersFromText } from '../../src/lib/model/layers';
import { describeProblem, modelLayers, modelProblem, stackProblem, type StackTarget } from '../../src/lib/model/validate';
import type { LossChoice } from '../../src/lib/model/loss';
import { resolveLoss } from '../../src/lib/model/loss';

const MNIST: StackTarget = { shape: [28, 28, 1], task: 'classification', numClasses: 10 };
const TWO: StackTarget = { shape: [1, 1, 4], task: 'classification', numClasses: 2 };
const HOUSES: StackTarget = { shape: [1, 1, 8], task: 'regression', numClasses: 0 };

const problem = (text: string, t: StackTarget = MNIST, loss: LossChoice = 'auto') => stackProblem(layersFromText(text)!, loss, t);

describe('stackProblem', () => {
  it('passes stacks that train', () => {
    expect(problem('conv-32-3-relu_bn_maxpool-2_flatten_dense-64-relu_dropout-0.5_dense-10-softmax')).toBeNull();
    expect(problem('flatten_dense-1-sigmoid', TWO)).toBeNull();
    expect(problem('flatten_dense-1-sigmoid', TWO, 'binary-crossentropy')).toBeNull();
    expect(problem('flatten_dense-2-softmax', TWO, 'categorical-crossentropy')).toBeNull();
    expect(problem('flatten_dense-1-linear', HOUSES, 'mae')).toBeNull();
  });

  it('names the layer whose image shrinks below 1×1', () => {
    expect(problem('conv-8-7-relu_maxpool-2_conv-8-7-relu_maxpool-2_conv-8-3-relu_flatten_dense-10-softmax')).toEqual({
      index: 4,
      message:
        "A 3×3 window does not fit a 2×2 input with valid padding: the output would be smaller than 1×1. Use a smaller window, 'same' padding, or remove a layer that shrinks the image.",
    });
    expect(problem('conv-8-5-same-relu_maxpool-2_conv-8-5-same-relu_maxpool-2_conv-8-3-same-relu_flatten_dense-10-softmax')).toBeNull();
  });

  it('names a Dense on an image without Flatten', () => {
    expect(problem('conv-8-3-relu_dense-10-softmax')).toEqual({
      index: 1,
      message: 'Dense needs a flat input, but its input is 26×26×8: add Flatten before it.',
    });
  });

  it('names a convolution or pool after Flatten, and a second Flatten', () => {
    expect(problem('flatten_maxpool-2_dense-10-softmax')).toEqual({
      index: 1,
      message: 'MaxPooling2D needs an image (height×width×channels), but its input is flat (784): move it before Flatten.',
    });
    expect(problem('flatten_dense-64-relu_flatten_dense-10-softmax')?.index).toBe(2);
    expect(problem('flatten_dense-64-relu_flatten_dense-10-softmax')?.message).toBe('Flatten needs an image or other grid, but its input is already flat (64): remove it.');
  });

  it('needs a Dense output layer', () => {
    expect(problem('flatten_dense-10-softmax_dropout-0.2')).toEqual({
      index: 2,
      message: "The last layer is the model's output, so it must be Dense; this one is Dropout.",
    });
    expect(problem('')).toEqual({ index: null, message: 'The model has no layers: add at least a Dense output layer.' });
  });

  it('needs a softmax head with one unit per class', () => {
    expect(problem('flatten_dense-64-relu_dense-8-softmax')).toEqual({ index: 2, message: 'A softmax head needs one unit per class: 10 for this dataset, not 8.' });
    expect(problem('flatten_dense-10-relu')).toEqual({
      index: 1,
      message: "A classifier's head gives class probabilities, so its activation must be softmax (10 units), not relu.",
    });
    expect(problem('flatten_dense-2-tanh', TWO)?.message).toBe(
      "A classifier's head gives class probabilities, so its activation must be softmax (2 units, or sigmoid with 1 unit), not tanh.",
    );
  });

  it('refuses a sigmoid head on more than two classes, or with more than 1 unit', () => {
    expect(problem('flatten_dense-1-sigmoid')).toEqual({
      index: 1,
      message: 'A sigmoid head answers yes or no, so it fits two classes; this dataset has 10. Use softmax with 10 units.',
    });
    expect(problem('flatten_dense-2-sigmoid', TWO)?.message).toBe('A sigmoid head for two classes has 1 unit (the probability of the second class); this one has 2.');
  });

  it('refuses a regression head with softmax or more than one unit', () => {
    expect(problem('flatten_dense-1-softmax', HOUSES)).toEqual({
      index: 1,
      message: 'A regression head predicts any number, so its activation must be linear, not softmax.',
    });
    expect(problem('flatten_dense-3-linear', HOUSES)?.message).toBe('A regression head has 1 unit, the predicted value; this one has 3.');
  });

  it('refuses a loss that does not fit the task or the head', () => {
    expect(problem('flatten_dense-1-linear', HOUSES, 'categorical-crossentropy')).toEqual({
      index: null,
      message: 'Categorical cross-entropy is for classes; this dataset is a regression. Choose mean squared or mean absolute error.',
    });
    expect(problem('flatten_dense-10-softmax', MNIST, 'mse')).toEqual({
      index: null,
      message: 'Mean squared error is a regression loss; this dataset has 10 classes. Choose a cross-entropy loss.',
    });
    expect(problem('flatten_dense-2-softmax', TWO, 'binary-crossentropy')).toEqual({
      index: 1,
      message: 'Binary cross-entropy needs a sigmoid head with 1 unit; this head is softmax. Choose categorical cross-entropy, or make the head sigmoid.',
    });
    expect(problem('flatten_dense-1-sigmoid', TWO, 'categorical-crossentropy')?.message).toBe(
      'Categorical cross-entropy needs a softmax head; a sigmoid head goes with binary cross-entropy.',
    );
  });

  it('refuses settings out of range on the layer', () => {
    expect(stackProblem([{ type: 'flatten' }, { type: 'dense', units: 0, activation: 'softmax' }], 'auto', MNIST)).toEqual({
      index: 1,
      message: 'Dense: units must be a whole number from 1 to 8192 (got 0).',
    });
  });
});

describe('resolveLoss', () => {
  it("picks 'auto' by head and task", () => {
    expect(resolveLoss('auto', { type: 'dense', units: 1, activation: 'sigmoid' }, 'classification')).toBe('binary-crossentropy');
    expect(resolveLoss('auto', { type: 'dense', units: 10, activation: 'softmax' }, 'classification')).toBe('categorical-crossentropy');
    expect(resolveLoss('auto', { type: 'dense', units: 1, activation: 'linear' }, 'regression')).toBe('mse');
    expect(resolveLoss('mae', { type: 'dense', units: 1, activation: 'linear' }, 'regression')).toBe('mae');
  });
});

describe('modelProblem', () => {
  const mnist = { kind: 'image' as const, shape: [28, 28, 1] as [number, number, number], task: 'classification' as const, name: 'MNIST', classes: '0123456789'.split('') };
  const iris = { kind: 'tabular' as const, shape: [1, 1, 4] as [number, number, number], task: 'classification' as const, name: 'Iris', classes: ['a', 'b', 'c'] };

  it('expands an empty layer list to the preset, sized for the dataset', () => {
    expect(modelLayers({ model: 'tabular-mlp', layers: [] }, iris).at(-1)).toEqual({ type: 'dense', units: 3, activation: 'softmax' });
    expect(modelProblem({ model: 'cnn', layers: [], loss: 'auto' }, mnist)).toBeNull();
    expect(modelProblem({ model: 'cnn', layers: [], loss: 'auto' }, iris)?.message).toBe('The CNN preset is for images; pick Tabular MLP for Iris.');
  });

  it('checks a list of layers against the dataset and names the layer', () => {
    const layers = layersFromText('flatten_dense-16-relu_dense-10-softmax')!;
    const p = modelProblem({ model: 'mlp', layers, loss: 'auto' }, iris)!;
    expect(describeProblem(p, layers)).toBe('Layer 3 (Dense): A softmax head needs one unit per class: 3 for this dataset, not 10.');
  });
});
