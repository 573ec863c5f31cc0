import { describe, expect, it } from 'vitest';
import { GENERATED_SETS, generate2d, type GeneratedKind } from '../../src/lib/data/generated';

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
