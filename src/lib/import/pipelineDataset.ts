/**
 * Turns imported arrays into the one DatasetMeta and split data that writeDataset
 * stores, so every importer (and the built-ins) describes its data the same way.
 */
import { gatherRows, type SplitIndices } from '../data/split';
import type { HearthDb } from '../storage/db';
import { writeDataset, type DatasetData, type SplitData } from '../storage/datasets';
import type { DatasetMeta, DroppedColumns, SplitInfo } from '../types';
import type { ImportPhase, SkippedItem } from './protocol';
import { checkSpace } from './quota';
import { sealsWrites } from '../storage/vault';
import type { TabularData } from './tabular';


/** A few thousand samples, or fewer when samples are large, so one shard stays near 4 MB. */
export const MAX_SHARD_SAMPLES = 4096;
export const MAX_SHARD_BYTES = 4_000_000;

export function shardSizeFor(sampleBytes: number): number {
  return Math.max(1, Math.min(MAX_SHARD_SAMPLES, Math.floor(MAX_SHARD_BYTES / sampleBytes)));
}

/** "My Photos!" -> "my-photos-k3x9q2": readable, and unique enough that two imports of one file never collide. */
export function datasetId(name: string, random: () => number = Math.random): string {
  const slug =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'dataset';
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += Math.floor(random() * 36).toString(36);
  return `${slug}-${suffix}`;
}

/** Copies the rows of each split out of the whole arrays. */
export function splitRows(x: Uint8Array | Float32Array, y: Uint8Array | Float32Array, rowLength: number, splits: SplitIndices): Required<DatasetData> {
  const part = (idx: Uint32Array): SplitData => ({ x: gatherRows(x, rowLength, idx), y: gatherRows(y, 1, idx) });
  return { train: part(splits.train), val: part(splits.val), test: part(splits.test) };
}

export type AssembleOptions = Pick<DatasetMeta, 'id' | 'name' | 'source' | 'kind' | 'task' | 'shape' | 'classes' | 'tabular' | 'importReport'> & {
  parts: DatasetData;
};

function splitInfo(part: SplitData, shardSize: number, classes: string[]): SplitInfo {
  const count = part.y.length;
  const classCounts = new Array<number>(classes.length).fill(0);
  if (classes.length) for (let i = 0; i < count; i++) classCounts[part.y[i]]++;
  return { count, shardSize, shards: Math.ceil(count / shardSize), classCounts };
}

/** The meta record and data for writeDataset. An empty validation split is left out, so training takes one from train. */
export function assembleDataset(o: AssembleOptions): { meta: DatasetMeta; data: DatasetData } {
  const dtype = o.parts.train.x instanceof Float32Array ? 'float32' : 'uint8';
  const sampleBytes = o.shape[0] * o.shape[1] * o.shape[2] * (dtype === 'float32' ? 4 : 1);
  const shardSize = shardSizeFor(sampleBytes + o.parts.train.y.BYTES_PER_ELEMENT);
  const data: DatasetData = { train: o.parts.train, test: o.parts.test };
  if (o.parts.val && o.parts.val.y.length > 0) data.val = o.parts.val;
  const splits: DatasetMeta['splits'] = {
    train: splitInfo(data.train, shardSize, o.classes),
    test: splitInfo(data.test, shardSize, o.classes),
  };
  if (data.val) splits.val = splitInfo(data.val, shardSize, o.classes);
  const parts = [data.train, data.test, ...(data.val ? [data.val] : [])];
  const meta: DatasetMeta = {
    id: o.id,
    name: o.name,
    source: o.source,
    kind: o.kind,
    task: o.task,
    shape: o.shape,
    dtype,
    classes: o.classes,
    splits,
    bytes: parts.reduce((n, p) => n + p.x.byteLength + p.y.byteLength, 0),
    createdAt: Date.now(),
  };
  if (o.tabular) meta.tabular = o.tabular;
  if (o.importReport) meta.importReport = o.importReport;
  return { meta, data };
}

/** A built table as a dataset: x is [1, 1, features] float32, y class indices or raw targets. `skipped` marks an import. */
export function tabularDataset(
  tab: TabularData,
  o: { id: string; name: string; source: string; label: string; skipped?: SkippedItem[]; droppedColumns?: DroppedColumns },
): { meta: DatasetMeta; data: DatasetData } {
  const width = tab.featureNames.length;
  return assembleDataset({
    id: o.id,
    name: o.name,
    source: o.source,
    kind: 'tabular',
    task: tab.classes ? 'classification' : 'regression',
    shape: [1, 1, width],
    classes: tab.classes ?? [],
    parts: splitRows(tab.x, tab.y, width, tab.splits),
    tabular: { label: o.label, encoding: tab.encoding, featureNames: tab.featureNames, target: tab.target },
    // Imports report what they left out; built-ins have nothing to report.
    importReport: o.skipped
      ? { skipped: o.skipped, droppedRows: tab.droppedRows.length, ...(o.droppedColumns ? { droppedColumns: o.droppedColumns } : {}) }
      : undefined,
  });
}

export type ProgressFn = (phase: ImportPhase, fraction: number, detail?: string) => void;

/** What every importer needs besides its input. */
export interface ImportContext {
  db: HearthDb;
  /** Bytes of storage left, from quota.spaceLeft. */
  left: number;
  signal?: AbortSignal;
  progress: ProgressFn;
  /** For the dataset id. */
  random: () => number;
}

/** The one write of an import: shards, then meta last; writeDataset removes what it wrote if anything fails. */
export async function storeDataset(ctx: ImportContext, meta: DatasetMeta, data: DatasetData, fileName: string): Promise<DatasetMeta> {
  ctx.signal?.throwIfAborted();
  checkSpace(fileName, meta.bytes, ctx.left);
  ctx.progress('store', 0);
  // An id stays in clear (IndexedDB keys by it): with encryption on it keeps nothing of the file's name.
  const stored = (await sealsWrites(ctx.db)) ? { ...meta, id: datasetId('dataset', ctx.random) } : meta;
  return writeDataset(ctx.db, stored, data, { signal: ctx.signal, onProgress: (f) => ctx.progress('store', f) });
}
