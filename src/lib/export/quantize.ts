/**
 * Weight quantisation in the TensorFlow.js converter's format, so that
 * tf.loadLayersModel reads an exported model with no code of ours: each weight
 * keeps `dtype: 'float32'` in the manifest and gains a `quantization` entry.
 *
 *   float16: { dtype: 'float16' }              2 bytes a value, IEEE half precision
 *   uint8:   { dtype: 'uint8', scale, min }    1 byte a value q, read back as q × scale + min
 *
 * The uint8 range is the converter's (tensorflowjs/quantization.py): stretched to
 * include 0, with min nudged so that 0 is exactly representable, which keeps the
 * zero padding and zero biases of a layer exact. Every value then comes back within
 * scale / 2 of what it was.
 */

export const EXPORT_SCHEMES = ['float32', 'float16', 'uint8'] as const;
export type ExportScheme = (typeof EXPORT_SCHEMES)[number];

export const SCHEME_LABELS: Record<ExportScheme, string> = {
  float32: 'float32 (full precision)',
  float16: 'float16 (half the size)',
  uint8: '8-bit (a quarter of the size)',
};

/** A weight as listed in model.json's weightsManifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  quantization?: { dtype: 'uint8'; scale: number; min: number } | { dtype: 'float16' };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-precision bits of x, rounded to nearest even; overflow gives ±Infinity, NaN stays NaN. */
export function toFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa, with its hidden bit, into place.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const up = rest > midpoint || (rest === midpoint && (half & 1) === 1);
    return sign | (half + (up ? 1 : 0));
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1; // may carry into the exponent, as it should
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

/** The float value of half-precision bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The converter's affine range: scale and a min nudged so that 0 is one of the 256 levels. */
export function uint8Range(values: Float32Array): { scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) return { scale: 1, min: lo };
  const scale = (hi - lo) / 255;
  const zero = Math.round(-lo / scale);
  return { scale, min: -zero * scale };
}

export function quantizeUint8(values: Float32Array): { bytes: Uint8Array; scale: number; min: number } {
  const { scale, min } = uint8Range(values);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.round((values[i] - min) / scale);
    bytes[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
  return { bytes, scale, min };
}

export function quantizeFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return out;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Float32 weights (specs in order, values packed one after another as
 * tf.io.encodeWeights writes them) written in another scheme. Weights that are
 * not float32 (none in a layers model, but a manifest may say so) are copied as
 * they are. 'float32' returns the input unchanged.
 */
export function quantizeWeights(specs: WeightSpec[], data: ArrayBuffer, scheme: ExportScheme): { specs: WeightSpec[]; data: ArrayBuffer } {
  if (scheme === 'float32') return { specs, data };
  const parts: Uint8Array[] = [];
  const out: WeightSpec[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.quantization) throw new Error(`The weight "${spec.name}" is quantised already; export the model as it is stored.`);
    const n = count(spec.shape);
    const bytes = n * (spec.dtype === 'bool' ? 1 : 4);
    if (offset + bytes > data.byteLength) throw new Error(`The weights end before "${spec.name}" (${data.byteLength} bytes for more than ${offset + bytes}).`);
    if (spec.dtype !== 'float32') {
      parts.push(new Uint8Array(data, offset, bytes));
      out.push(spec);
    } else {
      const values = new Float32Array(data.slice(offset, offset + bytes));
      if (scheme === 'float16') {
        parts.push(new Uint8Array(quantizeFloat16(values).buffer));
        out.push({ ...spec, quantization: { dtype: 'float16' } });
      } else {
        const q = quantizeUint8(values);
        parts.push(q.bytes);
        out.push({ ...spec, quantization: { dtype: 'uint8', scale: q.scale, min: q.min } });
      }
    }
    offset += bytes;
  }
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data: joined.buffer };
}
