import { describe, expect, it } from 'vitest';
import { GENERATED_SETS, generate2d, type GeneratedKind } from '../../src/lib/data/generated';
import { BUILTIN_SEED, GENERATED_NOISE, GENERATED_SAMPLES } from '../../src/lib/data/builtin';

const counts = (y: Uint8Array, k: number) => Array.from({ length: k }, (_, c) => y.filter((v) => v === c).length);

describe('generate2d', () => {
  it('lists four sets with names and descriptions', () => {
    expect(GENERATED_SETS.map((s) => s.id)).toEqual(['spiral', 'circles', 'xor', 'gaussians']);
    for (const s of GENERATED_SETS) expect(s.name.length * s.description.length).toBeGreaterThan(0);
  });

  it.each(['spiral', 'circles', 'xor', 'gaussians'] as GeneratedKind[])('%s: shapes, balanced classes, same points for the same seed', (kind) => {
    const a = generate2d(kind, { samples: 301, noise: 0.1, seed: 4 });
    const k = a.classes.length;
    expect(a.x.length).toBe(602);
    expect(a.y.length).toBe(301);
    const c = counts(a.y, k);
    expect(c.reduce((s, v) => s + v, 0)).toBe(301);
    expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    expect(generate2d(kind, { samples: 301, noise: 0.1, seed: 4 })).toEqual(a);
    expect(Array.from(generate2d(kind, { samples: 301, noise: 0.1, seed: 5 }).x)).not.toEqual(Array.from(a.x));
    expect(a.x.every(Number.isFinite)).toBe(true);
  });

  it('splits samples as evenly as possible: 10 over 3 spiral arms is 4, 3, 3', () => {
    const { y, classes } = generate2d('spiral', { samples: 10, noise: 0, seed: 1, classes: 3 });
    expect(classes).toEqual(['class 1', 'class 2', 'class 3']);
    expect(counts(y, 3)).toEqual([4, 3, 3]);
  });

  it('puts noiseless circles exactly on their rings', () => {
    const { x, y } = generate2d('circles', { samples: 40, noise: 0, seed: 2, classes: 2 });
    for (let i = 0; i < 40; i++) expect(Math.hypot(x[2 * i], x[2 * i + 1])).toBeCloseTo(y[i] === 0 ? 0.5 : 1, 5);
  });

  it('labels noiseless XOR by the sign of x·y', () => {
    const { x, y } = generate2d('xor', { samples: 200, noise: 0, seed: 3 });
    for (let i = 0; i < 200; i++) expect(y[i]).toBe(x[2 * i] * x[2 * i + 1] > 0 ? 0 : 1);
  });

  it('starts a noiseless spiral at the centre and ends its first arm at radius 1', () => {
    const { x } = generate2d('spiral', { samples: 20, noise: 0, seed: 0 });
    expect([x[0], x[1]]).toEqual([0, 0]);
    expect(Math.hypot(x[18], x[19])).toBeCloseTo(1, 5);
  });

  it('refuses impossible options', () => {
    expect(() => generate2d('xor', { samples: 10, noise: 0, seed: 0, classes: 3 })).toThrow('XOR takes exactly 2 classes; got 3.');
    expect(() => generate2d('gaussians', { samples: 1, noise: 0, seed: 0 })).toThrow(RangeError);
    expect(() => generate2d('circles', { samples: 10, noise: -1, seed: 0 })).toThrow('Noise must be zero or more.');
  });
});

describe('the built-in spiral', () => {
  /** The class whose arm makes the point likeliest: the best any model can do, since it knows how the points were made. */
  function bayesClass(px: number, py: number, noise: number, classes: number): number {
    const steps = 2000;
    let best = 0;
    let bestLikelihood = -1;
    for (let c = 0; c < classes; c++) {
      let likelihood = 0;
      for (let j = 0; j < steps; j++) {
        const t = j / (steps - 1);
        const angle = (2 * Math.PI * c) / classes + t * 1.75 * 2 * Math.PI;
        const dx = px - t * Math.cos(angle);
        const dy = py - t * Math.sin(angle);
        likelihood += Math.exp(-(dx * dx + dy * dy) / (2 * noise * noise));
      }
      if (likelihood > bestLikelihood) [best, bestLikelihood] = [c, likelihood];
    }
    return best;
  }

  it('is jittered little enough that the best possible classifier is right on 98.4 % of its points, and 96.9 % at the old 0.05', () => {
    const ceiling = (noise: number) => {
      const { x, y } = generate2d('spiral', { samples: GENERATED_SAMPLES, noise, seed: BUILTIN_SEED });
      let right = 0;
      for (let i = 0; i < y.length; i++) if (bayesClass(x[2 * i], x[2 * i + 1], noise, 2) === y[i]) right++;
      return right / y.length;
    };
    expect(GENERATED_NOISE.spiral).toBe(0.03);
    expect(ceiling(GENERATED_NOISE.spiral)).toBe(0.984);
    expect(ceiling(0.05)).toBe(0.969);
  });
});
