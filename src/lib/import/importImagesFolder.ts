/**
 * Image folders and .zip files whose subfolders are the classes: planned, checked
 * against the space left, decoded one image at a time, split 80/10/10, stored.
 */
import { stratifiedSplit } from '../data/split';
import type { DatasetMeta } from '../types';
import { ImportError, formatCount } from './errors';
import { importImages, planImageFolder, type ImageFolderPlan } from './imageFolder';
import { assembleDataset, datasetId, splitRows, storeDataset, type ImportContext } from './pipelineDataset';
import type { ImageImportOptions, SkippedItem } from './protocol';
import { checkSpace } from './quota';
import { entryPath } from './paths';
import { MAX_IMAGE_FILE_BYTES, checkImageSize, type DecodedImage } from './resize';
import { openZip } from './zip';

/** The browser's decoder in the worker; a fake in tests. Throws for bytes that are not a picture. */
export type DecodeFn = (bytes: Uint8Array, path: string) => Promise<DecodedImage>;

type Result = { dataset: DatasetMeta; skipped: SkippedItem[]; droppedRows: number };

export async function importImageZip(file: File, options: ImageImportOptions, ctx: ImportContext, decode: DecodeFn): Promise<Result> {
  checkImageSize(options.size);
  ctx.progress('read', 0, file.name);
  // The File itself: openZip reads it in slices, so a zip bigger than memory (or with a huge entry it skips) still imports.
  const zip = await openZip(file, file.name, { maxTotalBytes: ctx.left, maxEntryBytes: MAX_IMAGE_FILE_BYTES });
  ctx.progress('read', 1, file.name);
  const plan = planImageFolder(zip.entries, file.name);
  return importPlanned(plan, (path) => zip.read(path), { label: file.name, source: file.name }, options, ctx, decode);
}

export async function importImageFolder(
  files: { path: string; file: File }[],
  options: ImageImportOptions,
  ctx: ImportContext,
  decode: DecodeFn,
): Promise<Result> {
  checkImageSize(options.size);
  const label = options.name.trim() ? `The folder "${options.name.trim()}"` : 'The folder';
  const byPath = new Map<string, File>();
  // Keyed by entryPath, as planImageFolder spells its paths; the first of two spellings wins there too.
  for (const f of files) {
    const path = entryPath(f.path);
    if (path !== null && !byPath.has(path)) byPath.set(path, f.file);
  }
  const plan = planImageFolder(
    files.map((f) => ({ path: f.path, size: f.file.size })),
    label,
  );
  const read = async (path: string) => {
    const file = byPath.get(entryPath(path) ?? path);
    if (!file) throw new ImportError(label, `${label} has no file "${path}".`);
    return new Uint8Array(await file.arrayBuffer());
  };
  const root = files[0]?.path.split('/')[0];
  return importPlanned(plan, read, { label, source: `Folder ${root ?? ''}`.trim() }, options, ctx, decode);
}

async function importPlanned(
  plan: ImageFolderPlan,
  read: (path: string) => Promise<Uint8Array>,
  where: { label: string; source: string },
  options: ImageImportOptions,
  ctx: ImportContext,
  decode: DecodeFn,
): Promise<Result> {
  const { size, channels } = options;
  const per = size * size * channels;
  checkSpace(where.label, plan.items.length * (per + 1), ctx.left);

  const images = await importImages(plan.items, read, decode, {
    size,
    channels,
    signal: ctx.signal,
    onProgress: (done, total) => ctx.progress('decode', done / total, `${formatCount(done)} of ${formatCount(total)} images`),
  });
  const skipped = [...plan.skipped, ...images.skipped];

  // Classes whose every image failed to decode are left out, so no output of the model is never trained.
  const counts = new Array<number>(plan.classes.length).fill(0);
  for (const c of images.y) counts[c]++;
  const remap = new Map<number, number>();
  const classes: string[] = [];
  counts.forEach((n, c) => n > 0 && remap.set(c, classes.push(plan.classes[c]) - 1));
  if (images.count === 0) {
    const first = skipped[0];
    const hint = first ? ` (for example ${first.path}: ${first.reason})` : '';
    throw new ImportError(where.label, `${where.label}: none of its ${formatCount(plan.items.length)} images could be read${hint}.`);
  }
  if (classes.length < 2) {
    throw new ImportError(
      where.label,
      `${where.label}: only the class "${classes[0]}" has images that could be read; a classifier needs at least two classes.`,
    );
  }
  const y = images.y.map((c) => remap.get(c)!);
  const splits = stratifiedSplit(y, classes.length, undefined, options.seed);
  if (splits.test.length === 0) {
    throw new ImportError(
      where.label,
      `${where.label}: only ${formatCount(images.count)} images, too few to keep any aside for testing. Add more (at least 10 per class).`,
    );
  }
  const name = options.name.trim() || where.source.replace(/\.zip$/i, '');
  const { meta, data } = assembleDataset({
    id: datasetId(name, ctx.random),
    name,
    source: where.source,
    kind: 'image',
    task: 'classification',
    shape: [size, size, channels],
    classes,
    parts: splitRows(images.x, y, per, splits),
    importReport: { skipped, droppedRows: 0 },
  });
  return { dataset: await storeDataset(ctx, meta, data, where.label), skipped, droppedRows: 0 };
}
