import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { IDENTITY, drawFor, transformMatrix, type Draw } from '../../src/lib/augment/matrix';
import { applyDraws, createAugmenter } from '../../src/lib/augment/apply';
import type { Augment } from '../../src/lib/augment/spec';
import { mulberry32 } from '../../src/lib/data/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ALL: Augment = { rotate: 30, shift: 0.2, shear: 20, zoom: 0.3, flip: true, brightness: 0.4 };

/** A height × width single-channel image, 0 everywhere but 1 at (x, y). */
function dot(width: number, height: number, x: number, y: number): tf.Tensor4D {
  const px = new Float32Array(width * height);
  px[y * width + x] = 1;
  return tf.tensor4d(px, [1, height, width, 1]);
}

/** Where the brightest pixel of the first image is, as [x, y]. */
async function brightest(img: tf.Tensor4D): Promise<[number, number]> {
  const [, , width] = img.shape;
  const px = await img.data();
  let best = 0;
  for (let i = 1; i < px.length; i++) if (px[i] > px[best]) best = i;
  return [best % width, Math.floor(best / width)];
}

async function moved(d: Partial<Draw>, width: number, height: number, x: number, y: number) {
  const input = dot(width, height, x, y);
  const out = applyDraws(input, [{ ...IDENTITY, ...d }]);
  const at = await brightest(out);
  const max = (await out.max().data())[0];
  tf.dispose([input, out]);
  return { at, max };
}

describe('transformMatrix', () => {
  it('is the identity when nothing is drawn', () => {
    // Compared by value: signed zeros are not worth asserting.
    expect(transformMatrix(IDENTITY, 28, 28).map((v) => v + 0)).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('reads a 90° counter-clockwise turn of a 28×28 image from (27 − y, x)', () => {
    const m = transformMatrix({ ...IDENTITY, angle: Math.PI / 2 }, 28, 28);
    const expected = [0, -1, 27, 1, 0, 0, 0, 0];
    m.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
  });

  it('turns the top-right pixel to the top-left by 90°, and to the bottom-left by 180°', async () => {
    expect(await moved({ angle: Math.PI / 2 }, 5, 5, 4, 0)).toEqual({ at: [0, 0], max: 1 });
    expect((await moved({ angle: Math.PI }, 5, 5, 4, 0)).at).toEqual([0, 4]);
  });

  it('mirrors left–right about the centre', async () => {
    expect(await moved({ flip: true }, 5, 5, 1, 2)).toEqual({ at: [3, 2], max: 1 });
    expect(await moved({ flip: true }, 6, 4, 0, 3)).toEqual({ at: [5, 3], max: 1 });
  });

  it('shifts by whole pixels, right and down', async () => {
    expect(await moved({ tx: 2, ty: 1 }, 6, 6, 1, 1)).toEqual({ at: [3, 2], max: 1 });
  });

  it('fills what comes in from outside with the nearest edge pixel, as Keras does by default', async () => {
    // The lit corner is the edge the shift pulls in: it spreads over the first three columns.
    const input = dot(6, 1, 0, 0);
    const out = applyDraws(input, [{ ...IDENTITY, tx: 2 }]);
    expect(Array.from(await out.data())).toEqual([1, 1, 1, 0, 0, 0]);
    tf.dispose([input, out]);
  });

  it('zooms about the centre: ×2 doubles the distance from it', async () => {
    // Centre (3, 3) of a 7×7 image; the pixel one to the right lands two to the right.
    expect((await moved({ scale: 2 }, 7, 7, 4, 3)).at).toEqual([5, 3]);
  });

  it('shears rows across in proportion to their distance from the centre row', async () => {
    // tan 45° = 1: the row two below the centre moves two pixels right, the centre row stays.
    expect((await moved({ shear: Math.PI / 4 }, 7, 7, 3, 5)).at).toEqual([5, 5]);
    expect((await moved({ shear: Math.PI / 4 }, 7, 7, 1, 3)).at).toEqual([1, 3]);
  });
});

describe('applyDraws', () => {
  it('adds each image its own brightness and clips to 0–1', async () => {
    const xs = tf.fill([3, 2, 2, 1], 0.5) as tf.Tensor4D;
    const out = applyDraws(xs, [0.9, -0.9, 0.25].map((brightness) => ({ ...IDENTITY, brightness })));
    const expected = [1, 1, 1, 1, 0, 0, 0, 0, 0.75, 0.75, 0.75, 0.75];
    Array.from(await out.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    tf.dispose([xs, out]);
  });
});

describe('drawFor', () => {
  it('stays within the setting and draws nothing for a change that is off', () => {
    const rand = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      const d = drawFor(ALL, 28, 20, rand);
      expect(Math.abs(d.angle)).toBeLessThanOrEqual((30 * Math.PI) / 180);
      expect(Math.abs(d.tx)).toBeLessThanOrEqual(0.2 * 28);
      expect(Math.abs(d.ty)).toBeLessThanOrEqual(0.2 * 20);
      expect(d.scale).toBeGreaterThanOrEqual(0.7);
      expect(d.scale).toBeLessThanOrEqual(1.3);
      expect(Math.abs(d.brightness)).toBeLessThanOrEqual(0.4);
    }
    const off = drawFor({ ...ALL, rotate: 0, flip: false }, 28, 28, mulberry32(3));
    expect(off.angle === 0 && off.flip === false).toBe(true);
  });

  it('flips about half the time', () => {
    const rand = mulberry32(9);
    const flips = Array.from({ length: 1000 }, () => drawFor(ALL, 8, 8, rand).flip).filter(Boolean).length;
    expect(flips).toBeGreaterThan(450);
    expect(flips).toBeLessThan(550);
  });
});

describe('createAugmenter', () => {
  const batch = () => tf.tidy(() => tf.randomUniform([6, 8, 8, 1], 0, 1, 'float32', 11) as tf.Tensor4D);

  it('is null when augmentation is off or changes nothing', () => {
    expect(createAugmenter(null, 1)).toBeNull();
    expect(createAugmenter({ rotate: 0, shift: 0, shear: 0, zoom: 0, flip: false, brightness: 0 }, 1)).toBeNull();
  });

  it('gives the same batch for the same seed, epoch and batch, and another for any other', async () => {
    const xs = batch();
    const run = async (seed: number, epoch: number, b: number) => {
      const out = createAugmenter(ALL, seed)!(xs, epoch, b);
      const values = Array.from(await out.data());
      out.dispose();
      return values;
    };
    const first = await run(42, 0, 0);
    expect(await run(42, 0, 0)).toEqual(first);
    for (const other of [await run(43, 0, 0), await run(42, 1, 0), await run(42, 0, 1)]) expect(other).not.toEqual(first);
    xs.dispose();
  });

  it('keeps pixels in 0–1 with strong brightness, and changes every image', async () => {
    const before = tf.memory().numTensors;
    const xs = batch();
    const out = createAugmenter({ ...ALL, brightness: 1 }, 5)!(xs, 0, 0);
    const values = await out.data();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    const diff = tf.tidy(() => tf.sum(tf.abs(tf.sub(out, xs)), [1, 2, 3]));
    for (const d of await diff.data()) expect(d).toBeGreaterThan(0.1);
    tf.dispose([xs, out, diff]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
