/**
 * Image folders (from a folder picker or a .zip) laid out as Keras'
 * flow_from_directory expects: one subfolder per class under a common root.
 * Decoding is the browser's job, so it is passed in; this module plans,
 * resizes and collects.
 */
import { ImportError, formatBytes } from './errors';
import { ESCAPES_ROOT, entryPath, isJunkPath } from './paths';
import { MAX_IMAGE_FILE_BYTES, checkImageSize, imageProblem, resizeToUint8, type DecodedImage } from './resize';

export { openZip, readZipEntries, type FileEntry, type OpenZip, type ZipEntryInfo } from './zip';
export { entryPath, isJunkPath } from './paths';
export { resizeToUint8, checkImageSize, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE, MAX_IMAGE_FILE_BYTES, type DecodedImage } from './resize';

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'];

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ImageFolderPlan {
  /** Folder names, sorted; classIndex points into this. */
  classes: string[];
  items: { path: string; classIndex: number }[];
  skipped: SkippedFile[];
}

const extensionOf = (name: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/**
 * The root is the deepest folder holding every image, but never so deep that no
 * image is left in a subfolder. The class of an image is its first folder below
 * the root, so images nested deeper still belong to that class. `name` is used in
 * messages (the zip's or the folder's name).
 */
export function planImageFolder(entries: { path: string; size: number }[], name = 'The folder'): ImageFolderPlan {
  const skipped: SkippedFile[] = [];
  const images: string[][] = [];
  const seen = new Set<string>();
  for (const { path: raw, size } of entries) {
    const path = entryPath(raw);
    if (path === null) {
      skipped.push({ path: raw, reason: ESCAPES_ROOT });
      continue;
    }
    if (path === '' || path.endsWith('/') || isJunkPath(path)) continue;
    const ext = extensionOf(path.split('/').pop()!);
    if (seen.has(path)) {
      skipped.push({ path, reason: 'another file has the same path (written differently); only the first was read' });
    } else if (!IMAGE_EXTENSIONS.includes(ext)) {
      skipped.push({ path, reason: ext ? `not an image (.${ext} files are not read)` : 'not an image (no file extension)' });
    } else if (size === 0) {
      skipped.push({ path, reason: 'the file is empty' });
    } else if (size > MAX_IMAGE_FILE_BYTES) {
      skipped.push({
        path,
        reason: `too big to be an image Hearth can use (${formatBytes(size)}; image files up to ${formatBytes(MAX_IMAGE_FILE_BYTES)} are read), so it was not unpacked`,
      });
    } else images.push(path.split('/'));
    seen.add(path);
  }

  // Loops, not Math.max(...) or spreads: a folder can hold more images (MNIST has 70,000) than a call takes arguments.
  let root = images.length ? images[0].length - 1 : 0;
  let deepest = 0;
  for (const parts of images) {
    const depth = parts.length - 1;
    let k = 0;
    while (k < root && k < depth && parts[k] === images[0][k]) k++;
    root = k;
    if (depth > deepest) deepest = depth;
  }
  root = Math.max(0, Math.min(root, deepest - 1));

  const names = new Set<string>();
  const placed: { path: string; cls: string }[] = [];
  for (const parts of images) {
    const path = parts.join('/');
    if (parts.length - 1 <= root) {
      skipped.push({ path, reason: 'not inside a class folder' });
      continue;
    }
    names.add(parts[root]);
    placed.push({ path, cls: parts[root] });
  }
  const classes = Array.from(names).sort();
  if (classes.length < 2) {
    const found = classes.length === 1 ? `only one class folder ("${classes[0]}")` : 'no images inside class folders';
    throw new ImportError(name, `${name} has ${found}; put the images in one subfolder per class, with at least two classes.`);
  }
  if (classes.length > 256) throw new ImportError(name, `${name} has ${classes.length} class folders; at most 256 are supported.`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const items = placed
    .map(({ path, cls }) => ({ path, classIndex: index.get(cls)! }))
    .sort((a, b) => a.classIndex - b.classIndex || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { classes, items, skipped };
}

export interface ImportImagesOptions {
  size: number;
  channels: 1 | 3;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Reads, decodes and resizes every planned image. An image that cannot be decoded
 * is skipped with the decoder's reason; a file that cannot be read (a damaged or
 * oversized zip) stops the import, since the rest would likely fail the same way.
 */
export async function importImages(
  items: { path: string; classIndex: number }[],
  read: (path: string) => Promise<Uint8Array>,
  decode: (bytes: Uint8Array, path: string) => Promise<DecodedImage>,
  opts: ImportImagesOptions,
): Promise<{ x: Uint8Array; y: Uint8Array; count: number; skipped: SkippedFile[] }> {
  checkImageSize(opts.size);
  const per = opts.size * opts.size * opts.channels;
  const x = new Uint8Array(items.length * per);
  const y = new Uint8Array(items.length);
  const skipped: SkippedFile[] = [];
  let count = 0;
  for (let i = 0; i < items.length; i++) {
    opts.signal?.throwIfAborted();
    const { path, classIndex } = items[i];
    const sample = await toSample(await read(path), path, decode, opts);
    if (typeof sample === 'string') skipped.push({ path, reason: sample });
    else {
      x.set(sample, count * per);
      y[count++] = classIndex;
    }
    opts.onProgress?.(i + 1, items.length);
  }
  // A view, not a copy: the rows are copied into their splits next, and a copy here would double the peak memory.
  return { x: x.subarray(0, count * per), y: y.slice(0, count), count, skipped };
}

/** The resized sample, or why the file gives none. */
async function toSample(
  bytes: Uint8Array,
  path: string,
  decode: (bytes: Uint8Array, path: string) => Promise<DecodedImage>,
  opts: ImportImagesOptions,
): Promise<Uint8Array | string> {
  let image: DecodedImage;
  try {
    image = await decode(bytes, path);
  } catch (e) {
    return `could not be decoded as an image (${(e as Error)?.message ?? String(e)})`;
  }
  return imageProblem(image.width, image.height) ?? resizeToUint8(image, opts.size, opts.channels);
}
