/**
 * One entry point for every kind of import, used by the import worker: it asks how
 * much storage is left, runs the importer for the source, and words any failure
 * for people. Nothing is written until the whole dataset is ready, and then only
 * through writeDataset, which removes its own shards if it fails or is cancelled.
 */
import { StorageFullError, isQuotaError, describeStorageError } from '../storage/db';
import type { DatasetMeta } from '../types';
import { ImportError } from './errors';
import { importCifar10, importIdx } from './importBinary';
import { importImageFolder, importImageZip, type DecodeFn } from './importImagesFolder';
import { importCsv } from './importTabular';
import type { ImportContext, ProgressFn } from './pipelineDataset';
import type { ImportSource, SkippedItem } from './protocol';
import { spaceLeft, type EstimateFn } from './quota';
import type { HearthDb } from '../storage/db';

export { inspectCsv } from './importTabular';
export type { DecodeFn } from './importImagesFolder';
export type { EstimateFn } from './quota';

export interface ImportDeps {
  db: HearthDb;
  decode: DecodeFn;
  estimate?: EstimateFn;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  random?: () => number;
}

export interface ImportResult {
  dataset: DatasetMeta;
  skipped: SkippedItem[];
  droppedRows: number;
}

export async function runImport(source: ImportSource, deps: ImportDeps): Promise<ImportResult> {
  const ctx: ImportContext = {
    db: deps.db,
    left: await spaceLeft(deps.estimate),
    signal: deps.signal,
    progress: deps.onProgress ?? (() => {}),
    random: deps.random ?? Math.random,
  };
  ctx.signal?.throwIfAborted();
  switch (source.kind) {
    case 'csv':
      return importCsv(source.file, source.options, ctx);
    case 'image-zip':
      return importImageZip(source.file, source.options, ctx, deps.decode);
    case 'image-folder':
      return importImageFolder(source.files, source.options, ctx, deps.decode);
    case 'idx':
      return importIdx(source.files, source.name, ctx);
    case 'cifar10':
      return importCifar10(source.files, source.name, ctx);
  }
}

/** The file names of a source, for messages. */
export function sourceFileNames(source: ImportSource): string {
  switch (source.kind) {
    case 'csv':
    case 'image-zip':
      return source.file.name;
    case 'image-folder':
      return source.options.name.trim() || source.files[0]?.path.split('/')[0] || 'the folder';
    case 'idx':
    case 'cifar10':
      return source.files.map((f) => f.name).join(', ') || source.name;
  }
}

export function isAbortError(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'AbortError';
}

export const CANCELLED_MESSAGE = 'The import was cancelled. Nothing was stored.';

/** What to tell the person: bad input as the importer worded it, storage trouble as storage words it, anything else with the file's name. */
export function describeImportError(err: unknown, fileNames: string): string {
  if (err instanceof ImportError) return err.message;
  if (isAbortError(err)) return CANCELLED_MESSAGE;
  if (err instanceof StorageFullError || isQuotaError(err)) return describeStorageError(err);
  const reason = err instanceof Error ? err.message : String(err);
  return `Could not import ${fileNames}: ${reason.replace(/\.+$/, '')}. Nothing was stored.`;
}

/**
 * Progress at most every `intervalMs` per phase, but always the first and the last
 * (fraction 1) of each phase, so bars neither flood the page nor stop short.
 */
export function throttleProgress(post: ProgressFn, intervalMs = 100, now: () => number = Date.now): ProgressFn {
  let lastPhase = '';
  let lastAt = -Infinity;
  return (phase, fraction, detail) => {
    const t = now();
    if (phase === lastPhase && fraction < 1 && t - lastAt < intervalMs) return;
    lastPhase = phase;
    lastAt = t;
    post(phase, fraction, detail);
  };
}
