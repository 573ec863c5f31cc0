/**
 * Datasets that arrive as binary arrays: IDX image/label pairs (MNIST's format)
 * and CIFAR-10 batches. They keep their own train/test split; without a test
 * file they are split 80/10/10 once, here.
 */
import { gunzipSync } from 'fflate';
import { IdxError, parseIdx } from '../data/idx';
import type { DatasetData } from '../storage/datasets';
import { stratifiedSplit } from '../data/split';
import type { DatasetMeta } from '../types';
import { CIFAR10_CLASSES, isCifarTestBatch, parseCifar10Batch } from './cifar';
import { ImportError, formatCount } from './errors';
import { assembleDataset, datasetId, splitRows, storeDataset, type ImportContext } from './pipelineDataset';
import { checkSpace } from './quota';

type Part = { x: Uint8Array; y: Uint8Array };
type Result = { dataset: DatasetMeta; skipped: []; droppedRows: 0 };

/** The split an imported dataset without a test file gets; fixed, so the same files always split the same way. */
export const BINARY_SPLIT_SEED = 1;

const baseName = (name: string) => name.split(/[\\/]/).pop() ?? name;

function parseIdxFile(bytes: Uint8Array, name: string): ReturnType<typeof parseIdx> {
  try {
    return parseIdx(bytes, name);
  } catch (e) {
    if (e instanceof IdxError) throw new ImportError(name, e.message);
    throw e;
  }
}

/**
 * An IDX images file and its labels file as samples of [height, width, channels].
 * With numClasses, every label must be below it.
 */
export function idxPair(
  images: { bytes: Uint8Array; name: string },
  labels: { bytes: Uint8Array; name: string },
  numClasses?: number,
): Part & { count: number; shape: [number, number, number] } {
  const img = parseIdxFile(images.bytes, images.name);
  const lab = parseIdxFile(labels.bytes, labels.name);
  const [n, h, w, c = 1] = img.shape;
  if (img.shape.length < 3 || img.shape.length > 4) {
    throw new ImportError(images.name, `${images.name} should hold images (3 or 4 dimensions), but has shape [${img.shape.join(', ')}].`);
  }
  if (lab.shape.length !== 1) {
    throw new ImportError(labels.name, `${labels.name} should be a list of labels, but has shape [${lab.shape.join(', ')}].`);
  }
  if (n === 0) {
    throw new ImportError(images.name, `${images.name} holds no images (its shape is [${img.shape.join(', ')}]); choose an images file that has samples in it.`);
  }
  const zero = h === 0 ? '0 pixels high' : w === 0 ? '0 pixels wide' : c === 0 ? 'with 0 channels' : null;
  if (zero) {
    throw new ImportError(
      images.name,
      `${images.name} holds images ${zero} (its shape is [${img.shape.join(', ')}]), which have nothing to learn from. Check that it is the images file you meant, or export it again.`,
    );
  }
  if (lab.shape[0] !== n) {
    throw new ImportError(labels.name, `${labels.name} has ${lab.shape[0]} labels, but ${images.name} has ${n} images.`);
  }
  if (numClasses !== undefined) {
    for (let i = 0; i < n; i++) {
      if (lab.data[i] >= numClasses) {
        throw new ImportError(labels.name, `${labels.name}: label ${lab.data[i]} of sample ${i} is not one of the ${numClasses} classes.`, {
          record: i + 1,
        });
      }
    }
  }
  return { x: img.data, y: lab.data, count: n, shape: [h, w, c] };
}

async function readAll(files: File[], ctx: ImportContext): Promise<Uint8Array[]> {
  for (const f of files) checkSpace(f.name, f.size, ctx.left);
  checkSpace(files.map((f) => f.name).join(', '), files.reduce((n, f) => n + f.size, 0), ctx.left);
  const out: Uint8Array[] = [];
  for (const f of files) {
    ctx.signal?.throwIfAborted();
    ctx.progress('read', out.length / files.length, f.name);
    out.push(new Uint8Array(await f.arrayBuffer()));
  }
  ctx.progress('read', 1);
  return out;
}

const isTestName = (name: string) => /^(t10k|test)/i.test(baseName(name));

/** MNIST-style files are usually downloaded gzipped (train-images-idx3-ubyte.gz); they are unpacked here rather than refused. */
function gunzipIfNeeded(bytes: Uint8Array, name: string, left: number): Uint8Array {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  // The trailer holds the unpacked size (mod 4 GiB), so a file too big for the space left is refused before unpacking.
  const n = bytes.length;
  checkSpace(name, (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0, left);
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new ImportError(name, `${name} is a damaged .gz file and cannot be unpacked (${(e as Error).message}).`);
  }
}

export async function importIdx(files: File[], name: string, ctx: ImportContext): Promise<Result> {
  if (files.length === 0) throw new ImportError(name, 'Choose an IDX images file and its labels file.');
  const bytes = (await readAll(files, ctx)).map((b, i) => gunzipIfNeeded(b, files[i].name, ctx.left));
  const found: Record<'train' | 'test', { images?: number; labels?: number }> = { train: {}, test: {} };
  files.forEach((f, i) => {
    const { shape } = parseIdxFile(bytes[i], f.name);
    const role = shape.length === 1 ? 'labels' : shape.length === 3 || shape.length === 4 ? 'images' : null;
    if (!role) throw new ImportError(f.name, `${f.name} is neither an images file (3 or 4 dimensions) nor a labels file (1 dimension); it has shape [${shape.join(', ')}].`);
    const split = isTestName(f.name) ? 'test' : 'train';
    const other = found[split][role];
    if (other !== undefined) {
      throw new ImportError(f.name, `${f.name} and ${files[other].name} are both ${role} files of the ${split === 'test' ? 'test' : 'training'} split; choose one of them.`);
    }
    found[split][role] = i;
  });
  const pair = (split: 'train' | 'test') => {
    const { images, labels } = found[split];
    if (images === undefined && labels === undefined) return null;
    const missing = images === undefined ? 'images' : labels === undefined ? 'labels' : null;
    if (missing) {
      const have = files[(images ?? labels)!].name;
      throw new ImportError(have, `${have} has no matching ${missing} file; choose the ${split === 'test' ? 'test' : 'training'} ${missing} file too.`);
    }
    return idxPair({ bytes: bytes[images!], name: files[images!].name }, { bytes: bytes[labels!], name: files[labels!].name });
  };
  const train = pair('train');
  const test = pair('test');
  if (!train) throw new ImportError(files[0].name, `${files.map((f) => f.name).join(', ')}: no training files (names starting with "train"); only test files were given.`);
  if (test && test.shape.join() !== train.shape.join()) {
    throw new ImportError(files[found.test.images!].name, `${files[found.test.images!].name} holds images of ${test.shape.join('×')}, but the training images are ${train.shape.join('×')}.`);
  }
  let max = 0;
  for (const part of test ? [train, test] : [train]) for (const label of part.y) if (label > max) max = label;
  const classes = Array.from({ length: max + 1 }, (_, c) => String(c));
  return finishBinary(name, files, train.shape, classes, train, test, ctx);
}

export async function importCifar10(files: File[], name: string, ctx: ImportContext): Promise<Result> {
  if (files.length === 0) throw new ImportError(name, 'Choose CIFAR-10 batch files (data_batch_1.bin … test_batch.bin).');
  const ordered = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const bytes = await readAll(ordered, ctx);
  const train: Part[] = [];
  const test: Part[] = [];
  ordered.forEach((f, i) => {
    ctx.signal?.throwIfAborted();
    const batch = parseCifar10Batch(bytes[i], f.name);
    (isCifarTestBatch(f.name) ? test : train).push(batch);
    ctx.progress('decode', (i + 1) / ordered.length, f.name);
  });
  if (train.length === 0) {
    throw new ImportError(ordered[0].name, `${ordered.map((f) => f.name).join(', ')}: no training batch (data_batch_1.bin … data_batch_5.bin); only test_batch.bin was given.`);
  }
  return finishBinary(name, ordered, [32, 32, 3], CIFAR10_CLASSES.slice(), concat(train), test.length ? concat(test) : null, ctx);
}

function concat(parts: Part[]): Part {
  if (parts.length === 1) return parts[0];
  const x = new Uint8Array(parts.reduce((n, p) => n + p.x.length, 0));
  const y = new Uint8Array(parts.reduce((n, p) => n + p.y.length, 0));
  let xi = 0;
  let yi = 0;
  for (const p of parts) {
    x.set(p.x, xi);
    y.set(p.y, yi);
    xi += p.x.length;
    yi += p.y.length;
  }
  return { x, y };
}

async function finishBinary(
  name: string,
  files: File[],
  shape: [number, number, number],
  classes: string[],
  train: Part,
  test: Part | null,
  ctx: ImportContext,
): Promise<Result> {
  const source = files.map((f) => f.name).join(', ');
  const present = new Set([...train.y, ...(test?.y ?? [])]);
  if (present.size < 2) {
    throw new ImportError(files[0].name, `${source}: every sample has the same label (${[...present][0]}); a classifier needs at least two classes.`);
  }
  let parts: DatasetData;
  if (test) parts = { train, test };
  else {
    const splits = stratifiedSplit(train.y, classes.length, undefined, BINARY_SPLIT_SEED);
    if (splits.test.length === 0) {
      throw new ImportError(files[0].name, `${source}: only ${formatCount(train.y.length)} samples, too few to keep any aside for testing.`);
    }
    parts = splitRows(train.x, train.y, shape[0] * shape[1] * shape[2], splits);
  }
  const title = name.trim() || baseName(files[0].name);
  const { meta, data } = assembleDataset({
    id: datasetId(title, ctx.random),
    name: title,
    source,
    kind: 'image',
    task: 'classification',
    shape,
    classes,
    parts,
    importReport: { skipped: [], droppedRows: 0 },
  });
  return { dataset: await storeDataset(ctx, meta, data, source), skipped: [], droppedRows: 0 };
}
