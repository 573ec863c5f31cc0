// Replay: a share of every fine-tuning batch drawn from the original training data.
import { describe, expect, it } from 'vitest';
import { newSamplesPerBatch, replayCount, withReplay } from '../../src/lib/data/replay';
import type { Batch } from '../../src/lib/data/source';
import { memorySource } from './helpers/memorySource';

/** n samples of one pixel each; the pixel is the sample's index (original samples from 1000 up), the label `label`. */
function data(n: number, label: number, from = 0) {
  return { x: Float32Array.from({ length: n }, (_, i) => from + i), labels: new Uint8Array(n).fill(label) };
}

const fresh = (batchSize: number) => memorySource({ ...data(100, 0), sampleShape: [1, 1, 1], numClasses: 2, batchSize, shuffleSeed: 1 });
const original = (n = 1000) => memorySource({ ...data(n, 1, 1000), sampleShape: [1, 1, 1], numClasses: 2, batchSize: 64, shuffleSeed: 2 });

async function collect(batches: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches) out.push({ ...b, x: b.x.slice(), labels: b.labels.slice() });
  return out;
}

describe('withReplay', () => {
  it('sizes batches so the replayed share is the one asked for', () => {
    expect(newSamplesPerBatch(128, 0.25)).toBe(96);
    expect(replayCount(96, 0.25)).toBe(32);
    expect(newSamplesPerBatch(128, 0.5)).toBe(64);
    expect(replayCount(64, 0.5)).toBe(64);
    expect(newSamplesPerBatch(128, 0)).toBe(128);
    expect(replayCount(128, 0)).toBe(0);
  });

  for (const share of [0.1, 0.25, 0.5]) {
    it(`draws ${share * 100}% of every batch from the original data, and every new sample once an epoch`, async () => {
      const source = withReplay(fresh(newSamplesPerBatch(20, share)), original(), share);
      const batches = await collect(source.epoch(0));
      expect(batches.length).toBe(source.batchesPerEpoch);
      const labels = batches.flatMap((b) => [...b.labels]);
      expect(labels.length).toBe(source.samples);
      const replayed = labels.filter((l) => l === 1).length;
      expect(Math.abs(replayed / labels.length - share)).toBeLessThan(0.01);
      // Each full batch holds about batchSize samples, the replayed ones after the new.
      expect(batches[0].size).toBe(20);
      expect([...batches[0].labels].indexOf(1)).toBe(newSamplesPerBatch(20, share));
      const newPixels = batches.flatMap((b) => [...b.x].filter((v) => v < 1000)).sort((a, b) => a - b);
      expect(newPixels).toEqual(Array.from({ length: 100 }, (_, i) => i));
    });
  }

  it('replays the same samples for the same epoch and others for the next, passing through the original data again when it runs out', async () => {
    const share = 0.5;
    const small = () => withReplay(fresh(newSamplesPerBatch(20, share)), original(30), share);
    const oldOf = (bs: Batch[]) => bs.flatMap((b) => [...b.x].filter((v) => v >= 1000));
    const a = oldOf(await collect(small().epoch(3)));
    const b = oldOf(await collect(small().epoch(3)));
    const c = oldOf(await collect(small().epoch(4)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // 100 replayed samples from 30: every original sample at least three times.
    expect(a.length).toBe(100);
    expect(new Set(a).size).toBe(30);
  });

  it('is the new data alone at share 0, and refuses data of another shape or class count', () => {
    const f = fresh(20);
    expect(withReplay(f, original(), 0)).toBe(f);
    const other = memorySource({ ...data(10, 1), sampleShape: [1, 1, 1], numClasses: 3, batchSize: 8 });
    expect(() => withReplay(f, other, 0.2)).toThrow(/cannot be replayed: its samples are 1×1×1 in 3 classes, the new data's 1×1×1 in 2/);
    expect(() => withReplay(f, original(), 1)).toThrow(/replay share/);
  });
});
