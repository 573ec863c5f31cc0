import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PRESETS, layerSpecs, paramCount } from '../../src/lib/model/spec';
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

  it('lists both presets with the names the page shows', () => {
    expect(PRESETS.map((p) => [p.id, p.name])).toEqual([
      ['mlp', 'MLP 784-512-256-128-10'],
      ['cnn', 'CNN'],
    ]);
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
