import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fromFloat16Bits, quantizeFloat16, quantizeUint8, quantizeWeights, toFloat16Bits, uint8Range, type WeightSpec } from '../../src/lib/export/quantize';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Values across several orders of magnitude, both signs, with exact zeros. */
function sample(n: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const u = s / 2 ** 31;
    out[i] = i % 17 === 0 ? 0 : (u - 0.4) * 10 ** ((i % 7) - 4);
  }
  return out;
}

describe('float16', () => {
  it('encodes known values bit for bit', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
    expect(fromFloat16Bits(0x3555)).toBeCloseTo(0.333251953125, 12);
  });

  it('round-trips with a relative error of at most 2^-11 for normal values', () => {
    const values = sample(5000);
    const half = quantizeFloat16(values);
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      const back = fromFloat16Bits(half[i]);
      if (values[i] === 0) expect(back).toBe(0);
      else if (Math.abs(values[i]) >= 2 ** -14) worst = Math.max(worst, Math.abs(back - values[i]) / Math.abs(values[i]));
      else expect(Math.abs(back - values[i])).toBeLessThanOrEqual(2 ** -25);
    }
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(0);
  });
});

describe('uint8', () => {
  it('takes the converter’s range: includes 0, which stays exact', () => {
    const r = uint8Range(Float32Array.from([0.5, 1.5, 2.5]));
    expect(r.min).toBe(0);
    expect(r.scale).toBeCloseTo(2.5 / 255, 12);
    const q = quantizeUint8(Float32Array.from([-1, 0, 3]));
    expect(q.bytes[1] * q.scale + q.min).toBeCloseTo(0, 12);
    expect(q.bytes[0]).toBe(0);
    expect(q.bytes[2]).toBe(255);
    expect(quantizeUint8(Float32Array.from([0, 0]))).toMatchObject({ scale: 1, min: 0 });
  });

  it('round-trips within scale / 2', () => {
    const values = sample(5000);
    const { bytes, scale, min } = quantizeUint8(values);
    let worst = 0;
    for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(bytes[i] * scale + min - values[i]));
    expect(worst).toBeLessThanOrEqual(scale / 2 + 1e-12);
    expect(worst).toBeGreaterThan(scale / 100);
  });
});

describe('quantizeWeights in the tfjs format', () => {
  const specs: WeightSpec[] = [
    { name: 'dense/kernel', shape: [50, 40], dtype: 'float32' },
    { name: 'dense/bias', shape: [40], dtype: 'float32' },
  ];
  const values = sample(2040);

  it('float32 leaves the weights as they are', () => {
    const out = quantizeWeights(specs, values.buffer, 'float32');
    expect(out.data).toBe(values.buffer);
    expect(out.specs).toBe(specs);
  });

  it('tfjs decodes our float16 and uint8 weights within the bounds of each scheme', () => {
    for (const scheme of ['float16', 'uint8'] as const) {
      const { specs: q, data } = quantizeWeights(specs, values.buffer, scheme);
      expect(data.byteLength).toBe(scheme === 'float16' ? 2040 * 2 : 2040);
      expect(q[0].dtype).toBe('float32');
      const decoded = tf.io.decodeWeights(data, q as tf.io.WeightsManifestEntry[]);
      const kernel = decoded['dense/kernel'].dataSync();
      const bias = decoded['dense/bias'].dataSync();
      expect(decoded['dense/kernel'].shape).toEqual([50, 40]);
      const back = new Float32Array([...kernel, ...bias]);
      for (let w = 0; w < 2; w++) {
        const from = w === 0 ? 0 : 2000;
        const to = w === 0 ? 2000 : 2040;
        const quant = q[w].quantization;
        for (let i = from; i < to; i++) {
          if (quant?.dtype === 'uint8') {
            expect(Math.abs(back[i] - values[i])).toBeLessThanOrEqual(quant.scale / 2 + 1e-7 * Math.abs(values[i]) + 1e-9);
          } else {
            expect(back[i]).toBe(Math.fround(fromFloat16Bits(toFloat16Bits(values[i]))));
          }
        }
      }
      Object.values(decoded).forEach((t) => t.dispose());
    }
  });

  it('refuses weights that are quantised already, or cut short', () => {
    const q = quantizeWeights(specs, values.buffer, 'uint8');
    expect(() => quantizeWeights(q.specs, q.data, 'float16')).toThrow(/quantised already/);
    expect(() => quantizeWeights(specs, values.buffer.slice(0, 100), 'uint8')).toThrow(/end before "dense\/kernel"/);
  });
});
