import { describe, expect, it } from 'vitest';
import { downsampleDrawing, MNIST_SIZE } from '../../src/state/downsample';

function canvas(size: number, paint: (x: number, y: number) => boolean): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = paint(x, y) ? 255 : 0;
  return { data, width: size, height: size };
}

function stats(out: Float32Array) {
  let mass = 0, mx = 0, my = 0, x0 = 99, x1 = -1, y0 = 99, y1 = -1;
  for (let y = 0; y < MNIST_SIZE; y++) {
    for (let x = 0; x < MNIST_SIZE; x++) {
      const v = out[y * MNIST_SIZE + x];
      if (v > 0) {
        mass += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  return { mass, cx: mx / mass, cy: my / mass, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

describe('downsampleDrawing', () => {
  it('returns null for an empty drawing', () => {
    expect(downsampleDrawing(canvas(280, () => false))).toBeNull();
  });

  it('scales the longest side of the ink to 20 px and keeps the aspect ratio', () => {
    // A tall bar in a corner: 40 wide, 200 high.
    const out = downsampleDrawing(canvas(280, (x, y) => x >= 10 && x < 50 && y >= 5 && y < 205))!;
    const s = stats(out);
    expect(s.h).toBe(20);
    expect(s.w).toBe(4);
  });

  it('centres the ink by its centre of mass, wherever it was drawn', () => {
    const out = downsampleDrawing(canvas(280, (x, y) => x > 200 && y > 200 && (x - 240) ** 2 + (y - 240) ** 2 < 900))!;
    const s = stats(out);
    expect(Math.abs(s.cx - 14)).toBeLessThanOrEqual(1);
    expect(Math.abs(s.cy - 14)).toBeLessThanOrEqual(1);
  });

  it('keeps values within 0–1 and solid ink at 1', () => {
    const out = downsampleDrawing(canvas(280, (x, y) => x >= 100 && x < 180 && y >= 100 && y < 180))!;
    expect(Math.max(...out)).toBeCloseTo(1, 5);
    expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
    expect(out.length).toBe(784);
  });

  it('reads the red channel of RGBA image data', () => {
    const gray = canvas(28, (x, y) => x >= 10 && x < 18 && y >= 4 && y < 24);
    const rgba = new Uint8ClampedArray(28 * 28 * 4);
    gray.data.forEach((v, i) => rgba.set([v, v, v, 255], i * 4));
    const a = downsampleDrawing(gray)!;
    const b = downsampleDrawing({ data: rgba, width: 28, height: 28, channels: 4 })!;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('enlarges a small dot rather than leaving holes', () => {
    const out = downsampleDrawing(canvas(280, (x, y) => x >= 100 && x < 105 && y >= 100 && y < 105))!;
    const s = stats(out);
    expect(s.w).toBe(20);
    expect(s.h).toBe(20);
    expect(s.mass).toBeCloseTo(400, 0);
  });
});
