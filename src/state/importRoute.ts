/**
 * Decides which import flow the files someone picked or dropped belong to. Names
 * decide first; a file whose name says nothing is identified by its first bytes,
 * so an IDX file renamed without its "-ubyte" suffix still imports.
 */

import { openZip } from '../lib/import/zip';

export interface PickedFile {
  /** "cats/1.jpg" for files from a folder, just the name otherwise. */
  path: string;
  file: File;
}

export type Route =
  | { kind: 'csv'; file: File; name: string }
  | { kind: 'image-zip'; file: File; name: string }
  | { kind: 'image-folder'; files: PickedFile[]; name: string }
  | { kind: 'idx'; files: File[]; name: string }
  | { kind: 'cifar10'; files: File[]; name: string }
  /** TensorFlow.js model files (model.json, its .bin weights, a sidecar), or a .zip holding a model.json. */
  | { kind: 'model'; files: File[]; name: string }
  | { kind: 'unknown'; message: string };

const CSV = /\.(csv|tsv|txt)$/i;
const ZIP = /\.zip$/i;
const CIFAR = /^(data_batch_\d+|test_batch)\.bin$/i;
const IDX_NAME = /(-ubyte|\.idx\d?)(\.gz)?$|\.idx\d?-ubyte$/i;
const IMAGE = /\.(png|jpe?g|gif|webp|bmp)$/i;
const JSON_FILE = /\.json$/i;
const BIN = /\.bin$/i;

const baseName = (path: string) => path.split('/').pop() ?? path;
const stem = (name: string) => name.replace(/\.[^.]+$/, '') || name;

/** IDX files start 0x00 0x00, a type byte (0x08 for unsigned bytes, the common case) and 1–4 dimensions. */
async function looksLikeIdx(file: File): Promise<boolean> {
  if (file.size < 8) return false;
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head[0] === 0 && head[1] === 0 && head[2] === 0x08 && head[3] >= 1 && head[3] <= 4;
}

const WHAT_WE_READ =
  'Hearth imports CSV or TSV tables, folders of images (or a .zip of them) with one subfolder per class, IDX files, CIFAR-10 binary batches (data_batch_1.bin … test_batch.bin), and TensorFlow.js models (model.json with its .bin files, or a .zip of them).';

/** A .zip whose table of contents lists a model.json holds a model, not images. Only the table of contents is read. */
async function zipHoldsModel(file: File): Promise<boolean> {
  try {
    const zip = await openZip(file, file.name, { maxTotalBytes: Infinity, maxEntryBytes: 0 });
    return zip.entries.some((e) => baseName(e.path) === 'model.json');
  } catch {
    return false; // not a readable zip: the image import says why
  }
}

const IMAGES_HOWTO = 'To import images, choose or drop a folder (or a .zip) with one subfolder of images per class, such as cats/ and dogs/.';

export async function routeFiles(picked: PickedFile[], fromFolder: boolean): Promise<Route> {
  const files = picked.filter((p) => !baseName(p.path).startsWith('.'));
  if (files.length === 0) return { kind: 'unknown', message: `${fromFolder ? 'That folder has no files.' : 'No files were given.'} ${WHAT_WE_READ}` };
  const names = files.map((p) => baseName(p.path));
  const topFolder = fromFolder ? files[0].path.split('/')[0] : '';

  // model.json names a model; its .bin weight files come with it.
  if (!fromFolder && names.some((n) => JSON_FILE.test(n))) {
    const modelFiles = files.filter((_, i) => JSON_FILE.test(names[i]) || BIN.test(names[i]) || ZIP.test(names[i]));
    return { kind: 'model', files: modelFiles.map((p) => p.file), name: 'Model' };
  }
  if (files.length === 1 && ZIP.test(names[0]) && (await zipHoldsModel(files[0].file))) {
    return { kind: 'model', files: [files[0].file], name: stem(names[0]) };
  }

  const cifar = files.filter((_, i) => CIFAR.test(names[i]));
  const images = files.filter((_, i) => IMAGE.test(names[i]));
  if (cifar.length > 0 && images.length === 0) {
    return { kind: 'cifar10', files: cifar.map((p) => p.file), name: 'CIFAR-10' };
  }

  const idx: File[] = [];
  for (let i = 0; i < files.length; i++) {
    if (IDX_NAME.test(names[i]) || (!CSV.test(names[i]) && !ZIP.test(names[i]) && !IMAGE.test(names[i]) && (await looksLikeIdx(files[i].file)))) {
      idx.push(files[i].file);
    }
  }
  if (idx.length > 0 && images.length === 0) {
    return { kind: 'idx', files: idx, name: topFolder || idxName(idx.map((f) => f.name)) };
  }

  // Images given one by one have no class folders to learn classes from: say so here, not as a folder's fault.
  if (!fromFolder && images.length > 0 && files.every((p) => !p.path.includes('/'))) {
    const [{ file }] = images;
    const what =
      images.length > 1 ? `${listNames(names)} are single images` : file.size === 0 ? `"${file.name}" is empty (0 bytes)` : `"${file.name}" is a single image`;
    return { kind: 'unknown', message: `${what}, with no class folders to learn from. ${IMAGES_HOWTO}` };
  }
  // A folder is an image folder even when it also holds notes or stray files: the import lists what it skips.
  if (fromFolder || images.length > 0) {
    return { kind: 'image-folder', files, name: topFolder || 'Images' };
  }

  if (files.length === 1) {
    const [{ file }] = files;
    if (CSV.test(file.name)) return { kind: 'csv', file, name: stem(file.name) };
    if (ZIP.test(file.name)) return { kind: 'image-zip', file, name: stem(file.name) };
    return { kind: 'unknown', message: `Hearth can't import "${file.name}". ${WHAT_WE_READ}` };
  }
  if (files.some((p) => CSV.test(p.file.name))) {
    return { kind: 'unknown', message: `Import one table at a time; you gave ${files.length} files (${listNames(names)}).` };
  }
  if (files.some((p) => ZIP.test(p.file.name))) {
    return { kind: 'unknown', message: `Import one .zip at a time; you gave ${files.length} files (${listNames(names)}).` };
  }
  return { kind: 'unknown', message: `Hearth can't import ${listNames(names)}. ${WHAT_WE_READ}` };
}

function listNames(names: string[]): string {
  const shown = names.slice(0, 3).map((n) => `"${n}"`).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/** "train-images-idx3-ubyte" and "t10k-images-idx3-ubyte" → "IDX dataset"; a shared prefix like "emnist-letters-" → "emnist-letters". */
function idxName(names: string[]): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cleaned = prefix.replace(/[-_.\s]+(train|test|t10k)?[-_.\s]*$/i, '');
  return cleaned.length >= 3 ? cleaned : 'IDX dataset';
}
