/**
 * A BatchSource that streams a stored split shard by shard. Only the current
 * window of shards and the next one (being prefetched) are in memory, as stored
 * (uint8 pixels or float32 features); a float32 batch exists one at a time.
 *
 * Shuffling is windowed: the order of the shards is shuffled, then the samples
 * of each window of WINDOW_SHARDS consecutive shards (in that order) are
 * shuffled together. Every sample is still visited exactly once per epoch.
 */
import type { SplitInfo, Task } from '../types';
import type { Batch, BatchSource } from './source';
import { mulberry32, shuffleInPlace } from './rng';

/** Shards mixed together by the shuffle; the next window is prefetched, so twice this many are held at most. */
const WINDOW_SHARDS = 2;

/**
 * uint8 -> 0–1. Multiplying is faster than dividing or a lookup table, and after
 * rounding to float32 it equals v / 255 for every byte value (255 -> exactly 1).
 */
const SCALE = 1 / 255;

export interface ShardData {
  x: Uint8Array | Float32Array;
  y: Uint8Array | Float32Array;
  count: number;
}

/** The part of one shard inside [start, end): local sample indices [from, to). */
interface ShardPart {
  index: number;
  from: number;
  to: number;
}

export interface ShardSourceOptions {
  readShard: (index: number) => Promise<ShardData>;
  split: SplitInfo;
  sampleShape: [number, number, number];
  numClasses: number;
  start: number;
  end: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  /** 'uint8' (default): pixels, scaled by 1/255. 'float32': features, passed through as stored. */
  dtype?: 'uint8' | 'float32';
  /** 'classification' (default): labels are class indices < numClasses. 'regression': float32 targets; numClasses is 0. */
  task?: Task;
  /** Regression only: batches carry (y − mean) / std, the scale the model learns in. */
  targetScale?: { mean: number; std: number };
}

export function createShardSource(opts: ShardSourceOptions): BatchSource {
  const { split, sampleShape, numClasses, start, end, batchSize, shuffle, seed } = opts;
  const dtype = opts.dtype ?? 'uint8';
  const regression = opts.task === 'regression';
  const { mean, std } = opts.targetScale ?? { mean: 0, std: 1 };
  if (!(Number.isFinite(mean) && std > 0 && Number.isFinite(std))) {
    throw new Error(`The target scale needs a finite mean and a spread above 0; got mean ${mean}, spread ${std}.`);
  }
  const XType = dtype === 'float32' ? Float32Array : Uint8Array;
  const YType = regression ? Float32Array : Uint8Array;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > split.count || start > end) {
    throw new Error(`The sample range [${start}, ${end}) does not fit a split of ${split.count} samples.`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`The batch size must be a positive whole number (got ${batchSize}).`);
  }
  const sampleLen = sampleShape[0] * sampleShape[1] * sampleShape[2];
  // A version's split lists its shards with their sizes; otherwise every shard but the last holds shardSize.
  const sizes = split.pieces
    ? split.pieces.map((p) => p.count)
    : Array.from({ length: split.shards }, (_, i) => Math.min(split.shardSize, split.count - i * split.shardSize));
  const parts: ShardPart[] = [];
  let base = 0;
  sizes.forEach((size, index) => {
    const from = Math.max(start, base) - base;
    const to = Math.min(end, base + size) - base;
    if (to > from) parts.push({ index, from, to });
    base += size;
  });

  const load = async (part: ShardPart): Promise<ShardData> => {
    const shard = await opts.readShard(part.index);
    const expected = sizes[part.index];
    if (shard.count !== expected || shard.x.length !== shard.count * sampleLen || shard.y.length !== shard.count) {
      throw new Error(
        `Shard ${part.index} is damaged: it should hold ${expected} samples of ${sampleLen} values, ` +
          `but has ${shard.count} samples, ${shard.x.length} values and ${shard.y.length} labels. Delete the dataset and load it again.`,
      );
    }
    if (!(shard.x instanceof XType) || !(shard.y instanceof YType)) {
      throw new Error(
        `Shard ${part.index} is damaged: it should hold ${XType.name} samples and ${YType.name} labels, ` +
          `but holds ${shard.x.constructor.name} and ${shard.y.constructor.name}. Delete the dataset and load it again.`,
      );
    }
    return shard;
  };

  async function* epoch(epochIndex: number): AsyncGenerator<Batch> {
    // Mixing the epoch in with a large odd constant keeps (seed, epoch) pairs from sharing streams.
    const rand = mulberry32((seed ^ Math.imul(epochIndex + 1, 0x9e3779b9)) >>> 0);
    const order = parts.slice();
    if (shuffle) shuffleInPlace(order, rand);
    const windows: ShardPart[][] = [];
    for (let i = 0; i < order.length; i += WINDOW_SHARDS) windows.push(order.slice(i, i + WINDOW_SHARDS));

    const fetchWindow = (w: ShardPart[]) => {
      const p = Promise.all(w.map(load));
      // If the consumer stops early, a prefetch nobody awaits must not surface as an unhandled rejection.
      p.catch(() => {});
      return p;
    };

    let x = new Float32Array(Math.min(batchSize, end - start) * sampleLen);
    let labels: Uint8Array | Float32Array = new YType(Math.min(batchSize, end - start));
    let filled = 0;
    let emitted = 0;
    let next = windows.length ? fetchWindow(windows[0]) : null;

    for (let w = 0; w < windows.length; w++) {
      const shards = await next!;
      next = w + 1 < windows.length ? fetchWindow(windows[w + 1]) : null;
      const window = windows[w];
      // Position p in the window maps to shard slot s and local index from + (p - offsets[s]).
      const offsets: number[] = [];
      let total = 0;
      for (const part of window) {
        offsets.push(total);
        total += part.to - part.from;
      }
      const positions = new Uint32Array(total);
      for (let p = 0; p < total; p++) positions[p] = p;
      if (shuffle) shuffleInPlace(positions, rand);

      for (let k = 0; k < total; k++) {
        const p = positions[k];
        let s = offsets.length - 1;
        while (offsets[s] > p) s--;
        const shard = shards[s];
        const local = window[s].from + (p - offsets[s]);
        const label = shard.y[local];
        if (regression) {
          labels[filled] = (label - mean) / std;
        } else if (label >= numClasses) {
          throw new Error(`Sample ${local} of shard ${window[s].index} has label ${label}, but there are only ${numClasses} classes.`);
        } else {
          labels[filled] = label;
        }
        const px = shard.x;
        const src = local * sampleLen;
        const dst = filled * sampleLen;
        if (px instanceof Float32Array) x.set(px.subarray(src, src + sampleLen), dst);
        else for (let j = 0; j < sampleLen; j++) x[dst + j] = px[src + j] * SCALE;
        filled++;
        if (filled === labels.length) {
          yield { x, labels, size: filled };
          emitted += filled;
          filled = 0;
          const size = Math.min(batchSize, end - start - emitted);
          x = new Float32Array(size * sampleLen);
          labels = new YType(size);
        }
      }
    }
  }

  return {
    samples: end - start,
    batchSize,
    batchesPerEpoch: Math.ceil((end - start) / batchSize),
    sampleShape,
    numClasses,
    epoch,
  };
}
