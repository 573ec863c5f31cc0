/**
 * The restore gates for dataset records and their shards. Records written before
 * datasets had a kind, task and dtype (MNIST in the first version) were uint8 image
 * classifiers and get those defaults; a record that cannot be read is refused with a
 * message that names it.
 */
import type { DatasetMeta, DatasetVersion, DroppedColumns, ShardRecord, ShardRef, SplitInfo, SplitName } from '../types';
import { MAX_CATEGORIES, type ColumnEncoding } from '../import/tabular';
import {
  BadRecord,
  asObject,
  classNames,
  displayString,
  finiteOr,
  isFiniteNumber,
  gate,
  oneOf,
  requiredString,
  sampleShape,
  wholeNumber,
  type Raw,
} from './restore';

/** More samples than any browser could store; a count past it is damage, not data. */
const MAX_SAMPLES = 1e9;
/** Skip reports longer than this keep their first entries; the rest would only slow the page. */
const MAX_REPORTED = 1000;

export const restoreDatasetMeta = gate(
  checkDatasetMeta,
  (label, why) => `The stored dataset "${label}" cannot be opened: ${why}. Delete it and load it again.`,
);

/** The same checks, for a record about to be written: it must read back. */
export function checkDatasetMeta(raw: unknown): DatasetMeta {
  const r = asObject(raw);
  const id = requiredString(r.id, 'id');
  const shape = sampleShape(r.shape, 'sample shape');
  const task = oneOf(r.task, ['classification', 'regression'], 'classification', 'task');
  const classes = classNames(r.classes, task);
  const rawSplits = r.splits as Raw | undefined;
  if (!rawSplits || typeof rawSplits !== 'object') throw new BadRecord('it has no splits');
  const splits: DatasetMeta['splits'] = {
    train: splitInfo(rawSplits.train, 'train', classes.length),
    test: splitInfo(rawSplits.test, 'test', classes.length),
  };
  if (rawSplits.val !== undefined) splits.val = splitInfo(rawSplits.val, 'val', classes.length);
  const out: DatasetMeta = {
    // Fields a newer version added pass through; those this version reads are checked below.
    ...(r as unknown as DatasetMeta),
    id,
    name: displayString(r.name, id),
    source: displayString(r.source, '', 500),
    kind: oneOf(r.kind, ['image', 'tabular'], 'image', 'kind'),
    task,
    dtype: oneOf(r.dtype, ['uint8', 'float32'], 'uint8', 'storage type'),
    shape,
    classes,
    splits,
    bytes: Math.max(0, finiteOr(r.bytes, 0)),
    createdAt: finiteOr(r.createdAt, 0),
  };
  if (r.tabular !== undefined) out.tabular = restoreTabular(r.tabular, shape[2]);
  const version = datasetVersion(r.version);
  if (version) out.version = version;
  else delete out.version;
  const report = importReport(r.importReport);
  if (report) out.importReport = report;
  else delete out.importReport;
  return out;
}

function splitInfo(raw: unknown, split: SplitName, numClasses: number): SplitInfo {
  if (!raw || typeof raw !== 'object') throw new BadRecord(`it has no ${split} split`);
  const s = raw as Partial<SplitInfo>;
  if (!Number.isInteger(s.count) || s.count! < 0 || s.count! > MAX_SAMPLES || !Number.isInteger(s.shardSize) || s.shardSize! < 1) {
    throw new BadRecord(`its ${split} split has no valid sample count and shard size`);
  }
  const count = s.count!;
  const shardSize = s.shardSize!;
  if (s.pieces !== undefined) {
    const pieces = shardRefs(s.pieces, split, count);
    if (s.shards !== pieces.length) throw new BadRecord(`its ${split} split says ${String(s.shards)} shards, but lists ${pieces.length}`);
    return { count, shardSize, shards: pieces.length, classCounts: countsOf(s.classCounts, numClasses), pieces };
  }
  if (s.shards !== Math.ceil(count / shardSize)) {
    throw new BadRecord(
      `its ${split} split says ${String(s.shards)} shards, but ${count} samples in shards of ${shardSize} make ${Math.ceil(count / shardSize)}`,
    );
  }
  return { count, shardSize, shards: s.shards, classCounts: countsOf(s.classCounts, numClasses) };
}

/** Counts per class only mean something when there is one per class; otherwise they are not shown. */
function countsOf(counts: unknown, numClasses: number): number[] {
  return Array.isArray(counts) && counts.length === numClasses && counts.every(isFiniteNumber) ? counts : [];
}

/** A version's list of shards: every entry a stored shard's key and size, together holding the split's samples. */
function shardRefs(raw: unknown, split: SplitName, count: number): ShardRef[] {
  if (!Array.isArray(raw) || raw.length > MAX_SAMPLES) throw new BadRecord(`its ${split} split's list of shards is not a list`);
  const refs = raw.map((p) => {
    const r = asObject(p, `a shard of its ${split} split`);
    return {
      datasetId: requiredString(r.datasetId, `${split} shard's dataset id`),
      index: wholeNumber(r.index, `${split} shard index`, 0, MAX_SAMPLES),
      count: wholeNumber(r.count, `${split} shard size`, 0, MAX_SAMPLES),
    };
  });
  const total = refs.reduce((n, r) => n + r.count, 0);
  if (total !== count) throw new BadRecord(`its ${split} split has ${count} samples, but its shards hold ${total}`);
  return refs;
}

/** Which dataset a version was made from; only shown, so a damaged one is dropped rather than refusing the dataset. */
function datasetVersion(raw: unknown): DatasetVersion | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const v = raw as Raw;
  const ok =
    typeof v.parentId === 'string' &&
    typeof v.rootId === 'string' &&
    Number.isInteger(v.number) &&
    (v.number as number) >= 2 &&
    Number.isInteger(v.added) &&
    (v.added as number) >= 0;
  return ok ? { parentId: v.parentId as string, rootId: v.rootId as string, number: v.number as number, added: v.added as number } : undefined;
}

/** A tabular dataset's (or model's) encoding: how a raw row becomes the `features` values a model takes. */
export function restoreTabular(raw: unknown, features: number): NonNullable<DatasetMeta['tabular']> {
  const t = asObject(raw, 'its table encoding');
  const label = requiredString(t.label, 'label column name', 1000);
  if (!Array.isArray(t.encoding) || t.encoding.length === 0 || t.encoding.length > features) {
    throw new BadRecord('its table encoding lists no usable columns');
  }
  const encoding = t.encoding.map(columnEncoding);
  const width = encoding.reduce((n, e) => n + (e.kind === 'numeric' ? 1 : e.categories.length), 0);
  if (width !== features) throw new BadRecord(`its table encoding makes ${width} values per row, but its samples have ${features}`);
  const names = t.featureNames;
  if (!Array.isArray(names) || names.length !== features || !names.every((n) => typeof n === 'string')) {
    throw new BadRecord('its feature names do not match its features');
  }
  let target: { mean: number; std: number } | null = null;
  if (t.target !== null && t.target !== undefined) {
    const g = asObject(t.target, 'its target scaling');
    if (!isFiniteNumber(g.mean) || !isFiniteNumber(g.std) || g.std <= 0) throw new BadRecord('its target scaling is not two finite numbers');
    target = { mean: g.mean, std: g.std };
  }
  return { ...(t as object), label, encoding, featureNames: names as string[], target };
}

function columnEncoding(raw: unknown): ColumnEncoding {
  const e = asObject(raw, 'a column of its table encoding');
  const column = requiredString(e.column, 'column name', 1000);
  if (e.kind === 'numeric') {
    if (!isFiniteNumber(e.mean) || !isFiniteNumber(e.std) || e.std <= 0) throw new BadRecord(`the scaling of its column "${column}" is not usable`);
    return { ...e, column, kind: 'numeric', mean: e.mean, std: e.std };
  }
  if (e.kind === 'categorical') {
    const categories = e.categories;
    if (!Array.isArray(categories) || categories.length < 1 || categories.length > MAX_CATEGORIES || !categories.every((c) => typeof c === 'string')) {
      throw new BadRecord(`the categories of its column "${column}" are not usable`);
    }
    return { ...e, column, kind: 'categorical', categories, fill: typeof e.fill === 'string' ? e.fill : categories[0] };
  }
  throw new BadRecord(`its column "${column}" has an unknown encoding`);
}

function importReport(raw: unknown): DatasetMeta['importReport'] | undefined {
  if (raw === undefined || raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Raw;
  const skipped = (Array.isArray(r.skipped) ? r.skipped : [])
    .slice(0, MAX_REPORTED)
    .filter((s): s is Raw => typeof s === 'object' && s !== null)
    .map((s) => ({ path: displayString(s.path, '?', 1000), reason: displayString(s.reason, '', 1000) }));
  const droppedRows = Number.isInteger(r.droppedRows) && (r.droppedRows as number) >= 0 ? (r.droppedRows as number) : 0;
  const droppedColumns = columnsLeftOut(r.droppedColumns);
  return droppedColumns ? { skipped, droppedRows, droppedColumns } : { skipped, droppedRows };
}

/** Names only; anything else in the list is left out, as the list is for people to read. */
function columnsLeftOut(raw: unknown): DroppedColumns | undefined {
  if (raw === undefined || raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Raw;
  const names = (v: unknown) =>
    (Array.isArray(v) ? v : [])
      .filter((n): n is string => typeof n === 'string')
      .slice(0, MAX_REPORTED)
      .map((n) => n.slice(0, 1000));
  const out: DroppedColumns = { identifiers: names(r.identifiers), unused: names(r.unused) };
  if (Number.isInteger(r.unlisted) && (r.unlisted as number) > 0) out.unlisted = r.unlisted as number;
  return out.identifiers.length + out.unused.length + (out.unlisted ?? 0) > 0 ? out : undefined;
}

/**
 * A shard as read back: its key matches what was asked for, and its arrays are typed
 * arrays of consistent lengths. Whether they fit the dataset's shape is checked where
 * the shape is known (createShardSource).
 */
export function restoreShard(raw: unknown, datasetId: string, split: SplitName, index: number): ShardRecord {
  const where = `shard ${index} of its ${split} split`;
  const r = raw as Partial<ShardRecord> | null;
  if (!r || typeof r !== 'object' || r.datasetId !== datasetId || r.split !== split || r.index !== index) {
    throw new BadRecord(`${where} is not the record it should be`);
  }
  const typed = (a: unknown) => a instanceof Uint8Array || a instanceof Float32Array;
  const count = wholeNumber(r.count, `${where}'s sample count`, 0, MAX_SAMPLES);
  if (!typed(r.x) || !typed(r.y) || r.y!.length !== count || (count > 0 && r.x!.length % count !== 0)) {
    throw new BadRecord(`${where} does not hold ${count} samples and labels`);
  }
  return r as ShardRecord;
}
