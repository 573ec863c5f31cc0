// Augmentation in a training run: only training batches are changed, the same seed
// gives the same run, tables ignore it, and the preview the settings show.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { freshDb, tinyDataset, tinyTabular } from './helpers/fakeDb';
import { memorySource } from './helpers/memorySource';
import type { HearthDb } from '../../src/lib/storage/db';
import { writeDataset } from '../../src/lib/storage/datasets';
import type { WorkerEvent } from '../../src/lib/protocol';
import { runTraining } from '../../src/lib/train/run';
import { train } from '../../src/lib/train/loop';
import { buildModel } from '../../src/lib/model/build';
import { augmentPreview } from '../../src/lib/augment/preview';
import type { Augment } from '../../src/lib/augment/spec';
import type { EpochLog } from '../../src/lib/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const AUGMENT: Augment = { rotate: 30, shift: 0.2, shear: 10, zoom: 0.2, flip: true, brightness: 0.3 };

let db: HearthDb;
beforeEach(async () => {
  ({ db } = await freshDb());
  const images = tinyDataset('tiny', { train: 100, test: 30 }, 16);
  await writeDataset(db, images.meta, images.data);
  const table = tinyTabular('table', { train: 40, test: 8 }, 16, { task: 'classification', features: 4 });
  await writeDataset(db, table.meta, table.data);
});

async function history(config: Record<string, unknown>): Promise<EpochLog[]> {
  const events: WorkerEvent[] = [];
  await runTraining(
    { runId: 'r', config: { model: 'mlp', epochs: 2, batchSize: 16, validationSplit: 0.2, backend: 'cpu', seed: 3, ...config } },
    { db, post: (ev) => events.push(ev), shouldStop: () => false, deviceLost: () => null, reportEveryMs: 1e9 },
  );
  const saved = events.find((e) => e.type === 'saved');
  if (saved?.type !== 'saved') throw new Error(`no model saved: ${JSON.stringify(events.at(-1))}`);
  expect(saved.model.config.augment).toEqual(config.augment ?? null);
  return saved.model.history;
}

describe('augmentation in a run', () => {
  it('gives the same losses for the same seed, and other ones than training without it', async () => {
    const plain = await history({ datasetId: 'tiny' });
    const first = await history({ datasetId: 'tiny', augment: AUGMENT });
    const again = await history({ datasetId: 'tiny', augment: AUGMENT });
    expect(again.map((h) => [h.loss, h.valLoss])).toEqual(first.map((h) => [h.loss, h.valLoss]));
    expect(first[0].loss).not.toBe(plain[0].loss);
  });

  it('is ignored for a table: the run is the one without it', async () => {
    const plain = await history({ datasetId: 'table', model: 'tabular-mlp' });
    const asked = await history({ datasetId: 'table', model: 'tabular-mlp', augment: AUGMENT });
    expect(asked.map((h) => h.loss)).toEqual(plain.map((h) => h.loss));
  });

  it('changes training batches only, never validation batches', async () => {
    const shape: [number, number, number] = [4, 4, 1];
    // Training images are all 0.25, validation images all 0.75: the augmenter must only ever see the former.
    const source = (value: number, n: number) =>
      memorySource({ x: new Float32Array(n * 16).fill(value), labels: new Uint8Array(n).map((_, i) => i % 2), sampleShape: shape, numClasses: 2, batchSize: 8 });
    const seen: { epoch: number; batch: number; mean: number }[] = [];
    const model = buildModel('mlp', shape, 2, 1);
    const optimizer = tf.train.sgd(0.01);
    await train({
      model,
      optimizer,
      epochs: 2,
      train: source(0.25, 24),
      validation: source(0.75, 16),
      augment: (xs, epoch, batch) => {
        seen.push({ epoch, batch, mean: xs.mean().dataSync()[0] });
        return xs;
      },
    });
    optimizer.dispose();
    model.dispose();
    expect(seen.map(({ epoch, batch }) => [epoch, batch])).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    for (const s of seen) expect(s.mean).toBeCloseTo(0.25, 6);
  });
});

describe('augmentPreview', () => {
  const ask = (draw: number, datasetId = 'tiny') => augmentPreview(db, { datasetId, augment: AUGMENT, seed: 3, draw, samples: 3, variants: 4 });

  it('shows each of the first training images as stored, then augmented, in 0–1', async () => {
    const before = tf.memory().numTensors;
    const p = await ask(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(p.shape).toEqual([2, 2, 1]);
    expect(p.perSample).toBe(5);
    expect(p.labels).toEqual(['a', 'b', 'c']);
    expect(p.pixels).toHaveLength(3 * 5 * 4);
    // Stored sample i holds pixels (i + j) / 255 for j = 0..3.
    for (let i = 0; i < 3; i++) {
      Array.from(p.pixels.subarray(i * 20, i * 20 + 4)).forEach((v, j) => expect(v).toBeCloseTo((i + j) / 255, 6));
    }
    expect(Math.min(...p.pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p.pixels)).toBeLessThanOrEqual(1);
    // Every augmented copy differs from the image as stored.
    const stored = Array.from(p.pixels.subarray(0, 4));
    for (let v = 1; v < 5; v++) expect(Array.from(p.pixels.subarray(v * 4, v * 4 + 4))).not.toEqual(stored);
  });

  it('draws the same images for the same draw number, and new ones on a redraw', async () => {
    const [a, b, c] = [await ask(0), await ask(0), await ask(1)];
    expect(Array.from(b.pixels)).toEqual(Array.from(a.pixels));
    expect(Array.from(c.pixels)).not.toEqual(Array.from(a.pixels));
  });

  it('says that a table has nothing to augment', async () => {
    await expect(ask(0, 'table')).rejects.toThrow('Table table is a table: augmentation moves the pixels of images, so it does not apply.');
  });
});
