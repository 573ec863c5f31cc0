/**
 * A BatchSource that streams a stored split shard by shard. Only the current
 * window of shards and the next one (being prefetched) are in memory, as uint8;
 * float32 exists one batch at a time.
 *
 * Shuffling is windowed: the order of the shards is shuffled, then the samples
 * of each window of WINDOW_SHARDS consecutive shards (in that order) are
 * shuffled together. Every sample is still visited exactly once per epoch.
 */
import type { SplitInfo } from '../types';
import type { Batch, BatchSource } from './source';
import { mulberry32, shuffleInPlace } from './rng';

/** Shards mixed together by the shuffle; the next window is prefetched, so twice this many are held at most. */
const WINDOW_SHARDS = 2;

/**
 * uint8 -> 0–1. Multiplying is faster than dividing or a lookup table, and after
 * rounding to float32 it equals v / 255 for every byte value (255 -> exactly 1).
 */
const SCALE = 1 / 255;

interface ShardData {
  x: Uint8Array;
  y: Uint8Array;
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
}

export function createShardSource(opts: ShardSourceOptions): BatchSource {
  const { split, sampleShape, numClasses, start, end, batchSize, shuffle, seed } = opts;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > split.count || start > end) {
    throw new Error(`The sample range [${start}, ${end}) does not fit a split of ${split.count} samples.`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`The batch size must be a positive whole number (got ${batchSize}).`);
  }
  const sampleLen = sampleShape[0] * sampleShape[1] * sampleShape[2];
  const parts: ShardPart[] = [];
  if (end > start) {
    const first = Math.floor(start / split.shardSize);
    const last = Math.floor((end - 1) / split.shardSize);
    for (let index = first; index <= last; index++) {
      const base = index * split.shardSize;
      parts.push({ index, from: Math.max(start, base) - base, to: Math.min(end, base + split.shardSize) - base });
    }
  }

  const load = async (part: ShardPart): Promise<ShardData> => {
    const shard = await opts.readShard(part.index);
    const expected = Math.min(split.shardSize, split.count - part.index * split.shardSize);
    if (shard.count !== expected || shard.x.length !== shard.count * sampleLen || shard.y.length !== shard.count) {
      throw new Error(
        `Shard ${part.index} is damaged: it should hold ${expected} samples of ${sampleLen} pixels, ` +
          `but has ${shard.count} samples, ${shard.x.length} pixels and ${shard.y.length} labels. Delete the dataset and load it again.`,
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
    let labels = new Uint8Array(Math.min(batchSize, end - start));
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
        if (label >= numClasses) {
          throw new Error(`Sample ${local} of shard ${window[s].index} has label ${label}, but there are only ${numClasses} classes.`);
        }
        labels[filled] = label;
        const px = shard.x;
        const src = local * sampleLen;
        const dst = filled * sampleLen;
        for (let j = 0; j < sampleLen; j++) x[dst + j] = px[src + j] * SCALE;
        filled++;
        if (filled === labels.length) {
          yield { x, labels, size: filled };
          emitted += filled;
          filled = 0;
          const size = Math.min(batchSize, end - start - emitted);
          x = new Float32Array(size * sampleLen);
          labels = new Uint8Array(size);
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
