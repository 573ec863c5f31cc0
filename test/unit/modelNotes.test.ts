import { describe, expect, it } from 'vitest';
import { collapseWarning, modelMarks, settingsSummary, uniqueName } from '../../src/state/modelNotes';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import type { EvaluationResult, RegressionEvaluation } from '../../src/lib/types';

function classification(confusion: number[], numClasses: number): EvaluationResult {
  const samples = confusion.reduce((a, b) => a + b, 0);
  return { task: 'classification', accuracy: 0, loss: 1, confusion, numClasses, perClass: [], macroF1: 0, samples };
}

const spiralCollapsed = classification([50, 0, 50, 0], 2);
const healthy = classification([45, 5, 4, 46], 2);
const regression: RegressionEvaluation = { task: 'regression', loss: 1, mae: 1, mse: 1, r2: 0.5, samples: 10 };

describe('collapseWarning', () => {
  it('names the one class and how many the test set has', () => {
    expect(collapseWarning(spiralCollapsed, ['arm 1', 'arm 2'])).toBe(
      'The model predicts “arm 1” for every one of the test samples, though they belong to 2 classes: it has collapsed to one class, ' +
        'and its accuracy only reflects how common that class is. Training went wrong: try a lower learning rate, or the Adam optimizer.',
    );
    // 97 of 100 called "b", out of 3 classes.
    expect(collapseWarning(classification([1, 33, 0, 0, 33, 0, 0, 31, 2], 3), ['a', 'b', 'c'])).toMatch(/^The model predicts “b” for 97% of the test samples, though they belong to 3 classes: /);
  });

  it('says nothing of a healthy classifier or a regression model', () => {
    expect(collapseWarning(healthy, ['a', 'b'])).toBeNull();
    expect(collapseWarning(regression, [])).toBeNull();
  });
});

describe('modelMarks', () => {
  const base = { config: { ...DEFAULT_CONFIG, epochs: 3 }, classes: ['a', 'b'] };
  const log = (epoch: number) => ({ epoch, loss: 1, acc: 0.5, valLoss: null, valAcc: null, seconds: 1, samplesPerSec: 1 });
  const ids = (m: Parameters<typeof modelMarks>[0]) => modelMarks(m).map((k) => k.id);

  it('marks a model stopped early, one not evaluated, and one that collapsed', () => {
    expect(ids({ ...base, history: [log(1), log(2), log(3)], evaluation: healthy })).toEqual([]);
    expect(modelMarks({ ...base, history: [log(1)], evaluation: healthy })).toEqual([
      { id: 'stopped', label: 'stopped', title: 'Training was stopped after 1 of 3 epochs.' },
    ]);
    expect(ids({ ...base, history: [log(1), log(2), log(3)], evaluation: null })).toEqual(['not-evaluated']);
    expect(ids({ ...base, history: [], evaluation: null })).toEqual(['stopped', 'not-evaluated']);
    // An imported model trained no epochs here, and is not a stopped run.
    expect(ids({ ...base, history: [], evaluation: null, imported: { fileName: 'model.json', weights: 'uint8' } })).toEqual(['imported', 'not-evaluated']);
    expect(ids({ ...base, history: [log(1), log(2), log(3)], evaluation: spiralCollapsed })).toEqual(['one-class']);
  });
});

describe('an early-stopped model', () => {
  it('is marked early-stopped with its best epoch, not “stopped”', () => {
    const history = Array.from({ length: 28 }, (_, i) => ({ epoch: i + 1, loss: 1, acc: 0, valLoss: 1, valAcc: 0, seconds: 0, samplesPerSec: 0 }));
    const config = { ...DEFAULT_CONFIG, epochs: 100, patience: 12 };
    const marks = modelMarks({ history, config, evaluation: healthy, classes: ['a', 'b'], earlyStop: { epoch: 28, bestEpoch: 16, restored: true } });
    expect(marks).toEqual([
      {
        id: 'early-stopped',
        label: 'early-stopped · best 16',
        title: 'Early-stopped at epoch 28, best epoch 16 restored. No lower validation loss for 12 epochs; 100 were asked for.',
      },
    ]);
    expect(modelMarks({ history, config, evaluation: healthy, classes: ['a', 'b'] }).map((m) => m.id)).toEqual(['stopped']);
  });
});

describe('telling saved models apart', () => {
  it('sums up the settings a model was trained with', () => {
    expect(settingsSummary({ ...DEFAULT_CONFIG })).toBe('Adam · learning rate 0.001 · batch 128 · 5 epochs');
    expect(settingsSummary({ ...DEFAULT_CONFIG, optimizer: 'sgd', learningRate: 0.1, epochs: 1, trainLimit: 500 })).toBe(
      'SGD · learning rate 0.1 · batch 128 · 1 epoch · 500 samples',
    );
    expect(settingsSummary({ ...DEFAULT_CONFIG, learningRate: 0.01, batchSize: 8, epochs: 100, schedule: { kind: 'cosine', floor: 0.01 }, patience: 5 })).toBe(
      'Adam · learning rate 0.01 · batch 8 · 100 epochs · cosine schedule · early stopping after 5',
    );
  });

  it('numbers a name that is already taken', () => {
    expect(uniqueName('MLP on MNIST', [])).toBe('MLP on MNIST');
    expect(uniqueName('MLP on MNIST', ['MLP on MNIST'])).toBe('MLP on MNIST (2)');
    expect(uniqueName('MLP on MNIST', ['MLP on MNIST', 'MLP on MNIST (2)', 'CNN on MNIST'])).toBe('MLP on MNIST (3)');
  });
});
