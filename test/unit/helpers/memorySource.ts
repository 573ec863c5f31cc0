/** An in-memory BatchSource for tests; counts the batches handed out. */
import type { Batch, BatchSource } from '../../../src/lib/data/source';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MemorySource extends BatchSource {
  pulled: number;
}

export function memorySource(opts: {
  x: Float32Array;
  labels: Uint8Array;
  sampleShape: [number, number, number];
  numClasses: number;
  batchSize: number;
  shuffleSeed?: number;
}): MemorySource {
  const { x, labels, sampleShape, numClasses, batchSize } = opts;
  const per = sampleShape[0] * sampleShape[1] * sampleShape[2];
  const samples = labels.length;
  const source: MemorySource = {
    samples,
    batchSize,
    batchesPerEpoch: Math.ceil(samples / batchSize),
    sampleShape,
    numClasses,
    pulled: 0,
    async *epoch(i: number): AsyncIterable<Batch> {
      const order = Array.from({ length: samples }, (_, k) => k);
      if (opts.shuffleSeed !== undefined) {
        const rand = mulberry32(opts.shuffleSeed * 1000 + i);
        for (let k = samples - 1; k > 0; k--) {
          const j = Math.floor(rand() * (k + 1));
          [order[k], order[j]] = [order[j], order[k]];
        }
      }
      for (let start = 0; start < samples; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const bx = new Float32Array(idx.length * per);
        const by = new Uint8Array(idx.length);
        idx.forEach((s, k) => {
          bx.set(x.subarray(s * per, (s + 1) * per), k * per);
          by[k] = labels[s];
        });
        source.pulled++;
        yield { x: bx, labels: by, size: idx.length };
      }
    },
  };
  return source;
}

/**
 * Two classes of 8×8×1 images: class 0 is bright on the left half, class 1 on
 * the right, plus gaussian noise. A linear model separates them.
 */
export function blobs(n: number, seed: number): { x: Float32Array; labels: Uint8Array } {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(n * 64);
  const labels = new Uint8Array(n);
  for (let s = 0; s < n; s++) {
    const cls = s % 2;
    labels[s] = cls;
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) {
        const bright = (c < 4) === (cls === 0);
        const v = (bright ? 0.65 : 0.35) + 0.15 * gauss();
        x[s * 64 + r * 8 + c] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return { x, labels };
}
