import { describe, expect, it } from 'vitest';
import { createShardSource } from '../../src/lib/data/shardSource';
import type { Batch } from '../../src/lib/data/source';
import type { SplitInfo } from '../../src/lib/types';

/**
 * A split whose sample i has pixels [i >> 8, i & 255] (shape 1×1×2) and label i % 256,
 * so every batch can be decoded back to the sample indices it holds.
 */
function fixture(count: number, shardSize: number) {
  const shards = Math.ceil(count / shardSize);
  const split: SplitInfo = { count, shardSize, shards, classCounts: [] };
  const reads: number[] = [];
  const readShard = async (index: number) => {
    reads.push(index);
    const from = index * shardSize;
    const n = Math.min(shardSize, count - from);
    const x = new Uint8Array(n * 2);
    const y = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const i = from + k;
      x[2 * k] = i >> 8;
      x[2 * k + 1] = i & 255;
      y[k] = i % 256;
    }
    return { x, y, count: n };
  };
  return { split, reads, readShard };
}

type Opts = { start?: number; end?: number; batchSize?: number; shuffle?: boolean; seed?: number };

function source(f: ReturnType<typeof fixture>, o: Opts = {}) {
  return createShardSource({
    readShard: f.readShard,
    split: f.split,
    sampleShape: [1, 1, 2],
    numClasses: 256,
    start: o.start ?? 0,
    end: o.end ?? f.split.count,
    batchSize: o.batchSize ?? 64,
    shuffle: o.shuffle ?? true,
    seed: o.seed ?? 42,
  });
}

function decode(batch: Batch): number[] {
  const out: number[] = [];
  for (let k = 0; k < batch.size; k++) {
    const i = Math.round(batch.x[2 * k] * 255) * 256 + Math.round(batch.x[2 * k + 1] * 255);
    expect(batch.labels[k]).toBe(i % 256);
    out.push(i);
  }
  return out;
}

async function collect(src: ReturnType<typeof source>, epoch: number) {
  const order: number[] = [];
  const sizes: number[] = [];
  for await (const batch of src.epoch(epoch)) {
    expect(batch.x.length).toBe(batch.size * 2);
    expect(batch.labels.length).toBe(batch.size);
    sizes.push(batch.size);
    order.push(...decode(batch));
  }
  return { order, sizes };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b);

describe('createShardSource', () => {
  it('visits every sample exactly once per shuffled epoch, in batches of 64 with a last one of 40', async () => {
    // 1000 samples in shards of 128: 7 full shards and one of 104.
    const src = source(fixture(1000, 128));
    expect(src.samples).toBe(1000);
    expect(src.batchesPerEpoch).toBe(16);
    for (const epoch of [0, 1, 2]) {
      const { order, sizes } = await collect(src, epoch);
      expect(sorted(order)).toEqual(range(0, 1000));
      expect(sizes).toEqual([...Array(15).fill(64), 40]);
      expect(order).not.toEqual(range(0, 1000));
    }
  });

  it('fixes the order by (seed, epoch)', async () => {
    const a = await collect(source(fixture(1000, 128), { seed: 7 }), 3);
    const b = await collect(source(fixture(1000, 128), { seed: 7 }), 3);
    const otherEpoch = await collect(source(fixture(1000, 128), { seed: 7 }), 4);
    const otherSeed = await collect(source(fixture(1000, 128), { seed: 8 }), 3);
    expect(a.order).toEqual(b.order);
    expect(otherEpoch.order).not.toEqual(a.order);
    expect(otherSeed.order).not.toEqual(a.order);
  });

  it('keeps stored order without shuffle', async () => {
    const { order, sizes } = await collect(source(fixture(300, 50), { shuffle: false, batchSize: 128 }), 5);
    expect(order).toEqual(range(0, 300));
    expect(sizes).toEqual([128, 128, 44]);
  });

  it('uses only [start, end), including shards that are partly inside', async () => {
    // Shards of 100: the range 150..777 starts mid shard 1 and ends mid shard 7.
    const f = fixture(1000, 100);
    const src = source(f, { start: 150, end: 777, batchSize: 100 });
    expect(src.samples).toBe(627);
    expect(src.batchesPerEpoch).toBe(7);
    const shuffled = await collect(src, 0);
    expect(sorted(shuffled.order)).toEqual(range(150, 777));
    expect(shuffled.sizes).toEqual([100, 100, 100, 100, 100, 100, 27]);
    expect(sorted(f.reads)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const plain = await collect(source(fixture(1000, 100), { start: 150, end: 777, shuffle: false }), 0);
    expect(plain.order).toEqual(range(150, 777));
  });

  it('handles a range inside one shard and an empty range', async () => {
    const f = fixture(1000, 100);
    const one = await collect(source(f, { start: 410, end: 420, batchSize: 4 }), 0);
    expect(sorted(one.order)).toEqual(range(410, 420));
    expect(one.sizes).toEqual([4, 4, 2]);
    expect(f.reads).toEqual([4]);
    const empty = source(fixture(1000, 100), { start: 500, end: 500 });
    expect(empty.batchesPerEpoch).toBe(0);
    expect((await collect(empty, 0)).order).toEqual([]);
  });

  it('reads each shard once per epoch and only a window ahead of what it hands out', async () => {
    const f = fixture(1000, 100);
    const src = source(f, { batchSize: 10 });
    const it = src.epoch(0)[Symbol.asyncIterator]();
    await it.next();
    // The first window (2 shards) plus the prefetched next window (2 shards): never the whole split.
    expect(f.reads.length).toBe(4);
    let batches = 1;
    while (!(await it.next()).done) batches++;
    expect(batches).toBe(100);
    expect(sorted(f.reads)).toEqual(range(0, 10));
    await collect(src, 1);
    expect(f.reads.length).toBe(20);
  });

  it('mixes samples only within a window of two shards', async () => {
    const { order } = await collect(source(fixture(1000, 100), { batchSize: 1000 }), 0);
    // The first 200 samples handed out come from exactly two whole shards.
    const shardsOfFirstWindow = new Set(order.slice(0, 200).map((i) => Math.floor(i / 100)));
    expect(shardsOfFirstWindow.size).toBe(2);
    // ...and are interleaved, not handed out one shard after the other.
    expect(new Set(order.slice(0, 100).map((i) => Math.floor(i / 100))).size).toBe(2);
    for (const s of shardsOfFirstWindow) {
      expect(sorted(order.slice(0, 200).filter((i) => Math.floor(i / 100) === s))).toEqual(range(s * 100, s * 100 + 100));
    }
  });

  it('scales pixels from 0–255 to 0–1', async () => {
    const split: SplitInfo = { count: 2, shardSize: 2, shards: 1, classCounts: [1, 1] };
    const src = createShardSource({
      readShard: async () => ({ x: new Uint8Array([0, 255, 51, 128]), y: new Uint8Array([0, 1]), count: 2 }),
      split,
      sampleShape: [1, 2, 1],
      numClasses: 2,
      start: 0,
      end: 2,
      batchSize: 2,
      shuffle: false,
      seed: 0,
    });
    const batches: Batch[] = [];
    for await (const b of src.epoch(0)) batches.push(b);
    expect(batches.length).toBe(1);
    expect(batches[0].x).toBeInstanceOf(Float32Array);
    expect(Array.from(batches[0].x)).toEqual([0, 1, Math.fround(0.2), Math.fround(128 / 255)]);
    expect(Array.from(batches[0].labels)).toEqual([0, 1]);
  });

  it('scales every byte value exactly as v / 255 rounded to float32', async () => {
    const split: SplitInfo = { count: 1, shardSize: 1, shards: 1, classCounts: [1] };
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const src = createShardSource({
      readShard: async () => ({ x: all, y: new Uint8Array(1), count: 1 }),
      split, sampleShape: [16, 16, 1], numClasses: 1, start: 0, end: 1, batchSize: 1, shuffle: false, seed: 0,
    });
    for await (const b of src.epoch(0)) {
      expect(Array.from(b.x)).toEqual(Array.from(all, (v) => Math.fround(v / 255)));
    }
  });

  it('passes float32 features through unscaled, with class labels as uint8', async () => {
    const split: SplitInfo = { count: 3, shardSize: 2, shards: 2, classCounts: [2, 1] };
    const shards = [
      { x: new Float32Array([-1.5, 2, 300, 0.25]), y: new Uint8Array([1, 0]), count: 2 },
      { x: new Float32Array([7, -0.125]), y: new Uint8Array([1]), count: 1 },
    ];
    const src = createShardSource({
      readShard: async (i) => shards[i],
      split, sampleShape: [1, 1, 2], numClasses: 2, start: 0, end: 3, batchSize: 2, shuffle: false, seed: 0, dtype: 'float32',
    });
    const batches: Batch[] = [];
    for await (const b of src.epoch(0)) batches.push(b);
    expect(batches.map((b) => Array.from(b.x))).toEqual([[-1.5, 2, 300, 0.25], [7, -0.125]]);
    expect(batches.map((b) => Array.from(b.labels))).toEqual([[1, 0], [1]]);
    expect(batches[0].labels).toBeInstanceOf(Uint8Array);
  });

  it('standardises regression targets with the target scale, keeping them float32', async () => {
    const split: SplitInfo = { count: 4, shardSize: 4, shards: 1, classCounts: [] };
    const readShard = async () => ({ x: new Float32Array([1, 2, 3, 4]), y: new Float32Array([100, 250, 40, 101.5]), count: 4 });
    const base = { readShard, split, sampleShape: [1, 1, 1] as [number, number, number], numClasses: 0, start: 0, end: 4, batchSize: 4, shuffle: false, seed: 0 };
    const scaled = createShardSource({ ...base, dtype: 'float32', task: 'regression', targetScale: { mean: 100, std: 50 } });
    for await (const b of scaled.epoch(0)) {
      expect(b.labels).toBeInstanceOf(Float32Array);
      // (100 − 100) / 50, (250 − 100) / 50, (40 − 100) / 50, (101.5 − 100) / 50
      expect(Array.from(b.labels)).toEqual([0, 3, Math.fround(-1.2), Math.fround(0.03)]);
      expect(Array.from(b.x)).toEqual([1, 2, 3, 4]);
    }
    const raw = createShardSource({ ...base, dtype: 'float32', task: 'regression' });
    for await (const b of raw.epoch(0)) expect(Array.from(b.labels)).toEqual([100, 250, 40, 101.5]);
    expect(() => createShardSource({ ...base, task: 'regression', targetScale: { mean: 0, std: 0 } })).toThrow(/spread above 0/);
  });

  it('refuses shards whose arrays are not of the dataset\'s types', async () => {
    const split: SplitInfo = { count: 2, shardSize: 2, shards: 1, classCounts: [] };
    const base = { split, sampleShape: [1, 1, 1] as [number, number, number], numClasses: 2, start: 0, end: 2, batchSize: 2, shuffle: false, seed: 0 };
    const bytes = createShardSource({ ...base, dtype: 'float32', readShard: async () => ({ x: new Uint8Array(2), y: new Uint8Array(2), count: 2 }) });
    await expect(collect(bytes, 0)).rejects.toThrow('Shard 0 is damaged: it should hold Float32Array samples and Uint8Array labels, but holds Uint8Array and Uint8Array.');
    const labels = createShardSource({ ...base, numClasses: 0, task: 'regression', readShard: async () => ({ x: new Uint8Array(2), y: new Uint8Array(2), count: 2 }) });
    await expect(collect(labels, 0)).rejects.toThrow(/should hold Uint8Array samples and Float32Array labels/);
  });

  it('explains a damaged shard, a bad label and a bad range', async () => {
    const split: SplitInfo = { count: 4, shardSize: 4, shards: 1, classCounts: [] };
    const base = { split, sampleShape: [1, 1, 1] as [number, number, number], numClasses: 3, start: 0, end: 4, batchSize: 4, shuffle: false, seed: 0 };
    const short = createShardSource({ ...base, readShard: async () => ({ x: new Uint8Array(3), y: new Uint8Array(3), count: 3 }) });
    await expect(collect(short, 0)).rejects.toThrow(/Shard 0 is damaged: it should hold 4 samples/);
    const badLabel = createShardSource({ ...base, readShard: async () => ({ x: new Uint8Array(4), y: new Uint8Array([0, 1, 5, 2]), count: 4 }) });
    await expect(collect(badLabel, 0)).rejects.toThrow(/label 5, but there are only 3 classes/);
    expect(() => createShardSource({ ...base, end: 5, readShard: async () => ({ x: new Uint8Array(4), y: new Uint8Array(4), count: 4 }) })).toThrow(
      /\[0, 5\) does not fit a split of 4 samples/,
    );
  });
});
