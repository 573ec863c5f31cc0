import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PRESETS, defaultPresetFor, layerSpecs, paramCount, presetProblem, presetsFor } from '../../src/lib/model/spec';
import { buildModel } from '../../src/lib/model/build';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('paramCount', () => {
  it('matches the hand count for MNIST', () => {
    // 784·512+512 + 512·256+256 + 256·128+128 + 128·10+10
    expect(paramCount('mlp', [28, 28, 1], 10)).toBe(567434);
    // conv 3·3·1·32+32 = 320; 26→13; conv 3·3·32·64+64 = 18496; 11→5; 5·5·64·64+64 = 102464; 64·10+10 = 650
    expect(paramCount('cnn', [28, 28, 1], 10)).toBe(121930);
  });

  it('agrees with tfjs for a colour image shape', () => {
    for (const preset of ['mlp', 'cnn'] as const) {
      const model = buildModel(preset, [32, 32, 3], 10, 1);
      expect(model.countParams()).toBe(paramCount(preset, [32, 32, 3], 10));
      model.dispose();
    }
    // 3072·512+512 = 1573376; + 131328 + 32896 + 1290
    expect(paramCount('mlp', [32, 32, 3], 10)).toBe(1738890);
    // 896 + 18496 + (6·6·64)·64+64 = 147520 + 650
    expect(paramCount('cnn', [32, 32, 3], 10)).toBe(167562);
  });

  it('rejects shapes the model cannot take, with a readable message', () => {
    expect(() => layerSpecs('cnn', [8, 8, 1], 2)).toThrow(/at least 10×10/);
    expect(() => paramCount('mlp', [28, 28, 1], 1)).toThrow(/at least 2 classes/);
    expect(() => paramCount('mlp', [28, 0, 1], 10)).toThrow(/positive whole numbers/);
  });

  it('counts the CIFAR-10 CNN and the tabular MLP by hand, and tfjs agrees', () => {
    // conv 3·3·3·32+32 = 896; 30→15; conv 3·3·32·64+64 = 18496; 13→6; conv 3·3·64·64+64 = 36928; 4·4·64 = 1024;
    // dense 1024·64+64 = 65600; dropout 0; dense 64·10+10 = 650
    expect(paramCount('cifar-cnn', [32, 32, 3], 10)).toBe(122570);
    // 4·128+128 + 128·64+64 + 64·3+3 = 640 + 8256 + 195
    expect(paramCount('tabular-mlp', [1, 1, 4], 3)).toBe(9091);
    // Regression: one linear output, 64·1+1 = 65; numClasses is ignored.
    expect(paramCount('tabular-mlp', [1, 1, 4], 0, 'regression')).toBe(8961);
    const cases = [
      ['cifar-cnn', [32, 32, 3], 10, 'classification', 122570],
      ['tabular-mlp', [1, 1, 4], 3, 'classification', 9091],
      ['tabular-mlp', [1, 1, 4], 0, 'regression', 8961],
      // 784·512+512 + 131328 + 32896 + 128·1+1
      ['mlp', [28, 28, 1], 0, 'regression', 401920 + 131328 + 32896 + 129],
    ] as const;
    for (const [preset, shape, classes, task, count] of cases) {
      const model = buildModel(preset, [...shape], classes, 1, task);
      expect(model.countParams()).toBe(count);
      expect(model.outputs[0].shape).toEqual([null, task === 'regression' ? 1 : classes]);
      model.dispose();
    }
  });

  it('ends regression models in one linear unit and puts dropout 0.5 before the CIFAR output', () => {
    expect(layerSpecs('tabular-mlp', [1, 1, 4], 0, 'regression').at(-1)).toEqual({ type: 'dense', units: 1, activation: 'linear' });
    const cifar = layerSpecs('cifar-cnn', [32, 32, 3], 10);
    expect(cifar.slice(-3)).toEqual([
      { type: 'dense', units: 64, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ]);
    expect(cifar.filter((l) => l.type === 'conv2d').length).toBe(3);
    // 18 → 16 → 8 → 6 → 3 → 1 still fits; 17 → 15 → 7 → 5 → 2 → 0 does not.
    expect(paramCount('cifar-cnn', [18, 18, 1], 2)).toBeGreaterThan(0);
    expect(() => layerSpecs('cifar-cnn', [17, 17, 3], 2)).toThrow(
      'The CIFAR-10 CNN needs images of at least 18×18 pixels; these are 17×17. Choose the MLP instead.',
    );
  });

  it('lists the presets with the names the page shows', () => {
    expect(PRESETS.map((p) => [p.id, p.name])).toEqual([
      ['mlp', 'MLP 784-512-256-128-10'],
      ['cnn', 'CNN'],
      ['cifar-cnn', 'CIFAR-10 CNN'],
      ['tabular-mlp', 'Tabular MLP'],
    ]);
  });
});

describe('presetsFor, defaultPresetFor and presetProblem', () => {
  const image = (h: number, w: number, c: number) => ({ kind: 'image' as const, shape: [h, w, c] as [number, number, number], task: 'classification' as const });
  const table = { kind: 'tabular' as const, shape: [1, 1, 4] as [number, number, number], task: 'classification' as const };

  it('offers the image presets that fit the image size, and only the tabular MLP for tables', () => {
    expect(presetsFor(image(28, 28, 1))).toEqual(['mlp', 'cnn', 'cifar-cnn']);
    expect(presetsFor(image(12, 12, 1))).toEqual(['mlp', 'cnn']);
    expect(presetsFor(image(8, 8, 1))).toEqual(['mlp']);
    expect(presetsFor(image(64, 17, 3))).toEqual(['mlp', 'cnn']);
    expect(presetsFor(table)).toEqual(['tabular-mlp']);
    expect(presetsFor({ ...table, task: 'regression' })).toEqual(['tabular-mlp']);
  });

  it('defaults to the MLP for MNIST-sized, the CIFAR CNN for CIFAR-sized, else the CNN when it fits', () => {
    expect(defaultPresetFor(image(28, 28, 1))).toBe('mlp');
    expect(defaultPresetFor(image(32, 32, 3))).toBe('cifar-cnn');
    expect(defaultPresetFor(image(32, 32, 1))).toBe('cnn');
    expect(defaultPresetFor(image(64, 64, 3))).toBe('cnn');
    expect(defaultPresetFor(image(8, 8, 1))).toBe('mlp');
    expect(defaultPresetFor(table)).toBe('tabular-mlp');
  });

  it('says which preset to pick instead', () => {
    expect(presetProblem('mlp', { ...table, name: 'Iris' })).toBe('The MLP 784-512-256-128-10 preset is for images; pick Tabular MLP for Iris.');
    expect(presetProblem('tabular-mlp', { ...image(28, 28, 1), name: 'MNIST' })).toBe(
      'The Tabular MLP preset is for tables of numbers; pick MLP 784-512-256-128-10 for MNIST.',
    );
    expect(presetProblem('cnn', { ...image(8, 8, 1), name: 'Digits' })).toBe(
      'The CNN needs images of at least 10×10 pixels; Digits has 8×8. Pick MLP 784-512-256-128-10 instead.',
    );
    expect(presetProblem('cifar-cnn', { ...image(32, 32, 3), name: 'CIFAR-10' })).toBeNull();
    expect(presetProblem('tabular-mlp', { ...table, name: 'Iris' })).toBeNull();
  });
});

describe('buildModel', () => {
  const firstKernel = async (seed: number) => {
    const model = buildModel('cnn', [12, 12, 1], 3, seed);
    const values = Array.from(await model.getWeights()[0].data());
    const last = Array.from(await model.getWeights()[model.getWeights().length - 2].data());
    model.dispose();
    return { values, last };
  };

  it('gives the same initial weights for the same seed and different ones otherwise', async () => {
    const a = await firstKernel(7);
    const b = await firstKernel(7);
    const c = await firstKernel(8);
    expect(a.values).toEqual(b.values);
    expect(a.last).toEqual(b.last);
    expect(a.values).not.toEqual(c.values);
    // glorot uniform limit for a 3×3×1→32 kernel: sqrt(6 / (9 + 288))
    const limit = Math.sqrt(6 / (9 + 288));
    expect(Math.max(...a.values.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...a.values.map(Math.abs))).toBeGreaterThan(limit * 0.8);
  });
});
