/**
 * A parsed table to model inputs: chosen feature columns become a standardised,
 * one-hot matrix; the label becomes class indices or a numeric target. Every
 * statistic (means, spreads, categories, fill values) comes from the training rows
 * only, so validation and test scores are honest, and the same encoding is kept
 * for predicting on new rows (applyEncoding).
 */
import { randomSplit, stratifiedSplit, type SplitFractions, type SplitIndices } from '../data/split';
import { byCodeUnit, isGap, isMissing, parseNumber, type ColumnType, type TaskKind } from './columns';
import { lineOf, type RawTable } from './csv';
import { ImportError, formatCount } from './errors';

export type ColumnEncoding =
  | { column: string; kind: 'numeric'; mean: number; std: number }
  /** fill: the training rows' most frequent value, used for missing cells. */
  | { column: string; kind: 'categorical'; categories: string[]; fill: string };

export interface TabularOptions {
  label: string;
  /** Feature columns, in the order they appear in x. */
  features: string[];
  task: TaskKind;
  /** 'drop': rows with any missing feature are left out. 'fill': training mean / most frequent value. Rows without a label are always left out. */
  missing: 'drop' | 'fill';
  /**
   * Either indices into table.rows (rows dropped for missing values are removed and the
   * rest renumbered), or a seed: the kept rows are then split 80/10/10 (or `fractions`),
   * stratified by class for classification.
   */
  split: SplitIndices | { seed: number; fractions?: SplitFractions };
  /**
   * Overrides a feature's detected type. 'numeric' forces numbers: any text in it is an
   * error naming the line. 'categorical' treats numbers as names (postcodes, ids of groups).
   */
  types?: Record<string, ColumnType>;
}

export interface TabularData {
  /** rows × featureNames.length, row-major. */
  x: Float32Array;
  /** Class index per row (classification) or the raw target (regression). */
  y: Uint8Array | Float32Array;
  rows: number;
  /** One per column of x: "age", or "colour=red" for one-hot columns. */
  featureNames: string[];
  encoding: ColumnEncoding[];
  /** Class names indexed by y, or null for regression. */
  classes: string[] | null;
  /** Regression: mean and spread of the training targets, for scaling during training. */
  target: { mean: number; std: number } | null;
  /** File lines of the rows left out for missing values. */
  droppedRows: number[];
  /** Indices into the kept rows (0 … rows − 1). */
  splits: SplitIndices;
}

/** One-hot columns past this are almost always an id or free text chosen by mistake. */
export const MAX_CATEGORIES = 1000;

function numberOrThrow(table: RawTable, r: number, c: number): number {
  const n = parseNumber(table.rows[r][c]);
  if (Number.isNaN(n)) {
    const line = lineOf(table, r);
    throw new ImportError(
      table.fileName,
      `${table.fileName}, line ${line}: "${table.rows[r][c].trim()}" in column "${table.columns[c]}" is not a number.`,
      { line },
    );
  }
  return n;
}

function remapSplit(split: SplitIndices, keptIndex: Int32Array, total: number): SplitIndices {
  const map = (part: Uint32Array) => {
    const out: number[] = [];
    for (const i of part) {
      if (i >= total) throw new RangeError(`Split index ${i} is past the last row (${total - 1}).`);
      if (keptIndex[i] >= 0) out.push(keptIndex[i]);
    }
    return Uint32Array.from(out);
  };
  return { train: map(split.train), val: map(split.val), test: map(split.test) };
}

export function buildTabular(table: RawTable, options: TabularOptions): TabularData {
  const file = table.fileName;
  const fail = (message: string): never => {
    throw new ImportError(file, `${file}: ${message}`);
  };
  const indexOf = (name: string) => {
    const c = table.columns.indexOf(name);
    if (c < 0) fail(`there is no column "${name}".`);
    return c;
  };
  if (options.features.length === 0) fail('no feature columns are selected; choose at least one input column.');
  if (options.features.includes(options.label)) {
    fail(`the label column "${options.label}" is also selected as a feature; a model cannot be given the answer as an input.`);
  }
  if (new Set(options.features).size !== options.features.length) fail('a feature column is selected twice.');
  const labelCol = indexOf(options.label);
  const featureCols = options.features.map(indexOf);
  // Which rows survive, and why the others did not.
  const keptIndex = new Int32Array(table.rows.length).fill(-1);
  const kept: number[] = [];
  const droppedRows: number[] = [];
  for (let r = 0; r < table.rows.length; r++) {
    const row = table.rows[r];
    const drop = isGap(row[labelCol]) || (options.missing === 'drop' && featureCols.some((c) => isGap(row[c])));
    if (drop) droppedRows.push(lineOf(table, r));
    else keptIndex[r] = kept.push(r) - 1;
  }
  if (kept.length === 0) fail('every row has a missing value, so no rows are left.');

  // Each feature read once: numbers (NaN = missing) or trimmed text (null = missing). Without
  // an override, a column is numeric until a cell is not a number (as analyseColumns decides).
  const values = featureCols.map((c): Float64Array | (string | null)[] => {
    const forced = options.types?.[table.columns[c]];
    if (forced !== 'categorical') {
      const numbers = new Float64Array(kept.length);
      let k = 0;
      for (; k < kept.length; k++) {
        const cell = table.rows[kept[k]][c];
        if (isGap(cell)) numbers[k] = NaN;
        else if (forced === 'numeric') numbers[k] = numberOrThrow(table, kept[k], c);
        else if (Number.isNaN((numbers[k] = parseNumber(cell)))) break;
      }
      if (k === kept.length) return numbers;
    }
    return kept.map((r) => (isMissing(table.rows[r][c]) ? null : table.rows[r][c].trim()));
  });

  // Label.
  let y: Uint8Array | Float32Array;
  let classes: string[] | null = null;
  if (options.task === 'classification') {
    const labels = kept.map((r) => table.rows[r][labelCol].trim());
    const distinct = Array.from(new Set(labels));
    const numericLabel = distinct.every((v) => !Number.isNaN(parseNumber(v)));
    classes = numericLabel ? distinct.sort((a, b) => parseNumber(a) - parseNumber(b)) : distinct.sort(byCodeUnit);
    if (classes.length < 2) {
      fail(`the label column "${options.label}" has only one class ("${classes[0]}"); a classifier needs at least two.`);
    }
    if (classes.length > 256) {
      fail(`the label column "${options.label}" has ${formatCount(classes.length)} different values; a classifier supports up to 256 classes. Is this a regression target?`);
    }
    const index = new Map(classes.map((name, i) => [name, i]));
    y = Uint8Array.from(labels, (v) => index.get(v)!);
  } else {
    y = Float32Array.from(kept, (r) => numberOrThrow(table, r, labelCol));
  }

  const splits =
    'train' in options.split
      ? remapSplit(options.split, keptIndex, table.rows.length)
      : classes
        ? stratifiedSplit(y, classes.length, options.split.fractions, options.split.seed)
        : randomSplit(kept.length, options.split.fractions, options.split.seed);
  if (splits.train.length === 0) fail('the training split has no rows, so nothing can be learnt from it.');

  const encoding = featureCols.map((c, f): ColumnEncoding => {
    const column = table.columns[c];
    const v = values[f];
    if (v instanceof Float64Array) {
      let sum = 0;
      let count = 0;
      for (const k of splits.train) if (!Number.isNaN(v[k])) (sum += v[k]), count++;
      if (count === 0) fail(`column "${column}" has no values in the training rows.`);
      const mean = sum / count;
      let sq = 0;
      for (const k of splits.train) if (!Number.isNaN(v[k])) sq += (v[k] - mean) ** 2;
      const std = Math.sqrt(sq / count);
      // A constant column carries no information; dividing by 1 keeps it finite (all zeros).
      return { column, kind: 'numeric', mean, std: std > 0 ? std : 1 };
    }
    const counts = new Map<string, number>();
    for (const k of splits.train) if (v[k] !== null) counts.set(v[k]!, (counts.get(v[k]!) ?? 0) + 1);
    if (counts.size === 0) fail(`column "${column}" has no values in the training rows.`);
    const categories = Array.from(counts.keys()).sort(byCodeUnit);
    if (categories.length > MAX_CATEGORIES) {
      fail(`column "${column}" has ${formatCount(categories.length)} different values, too many to use as a category (at most ${formatCount(MAX_CATEGORIES)}). Is it an id or free text?`);
    }
    let fill = categories[0];
    for (const cat of categories) if (counts.get(cat)! > counts.get(fill)!) fill = cat;
    return { column, kind: 'categorical', categories, fill };
  });

  // Column by column into the row-major matrix, with the same rules as encodeInto.
  const width = encodedWidth(encoding);
  const x = new Float32Array(kept.length * width);
  let offset = 0;
  encoding.forEach((e, f) => {
    const v = values[f];
    if (e.kind === 'numeric' && v instanceof Float64Array) {
      for (let k = 0; k < kept.length; k++) x[k * width + offset] = ((Number.isNaN(v[k]) ? e.mean : v[k]) - e.mean) / e.std;
      offset++;
    } else if (e.kind === 'categorical' && !(v instanceof Float64Array)) {
      for (let k = 0; k < kept.length; k++) {
        const at = positionOf(e.categories, v[k] ?? e.fill);
        if (at >= 0) x[k * width + offset + at] = 1;
      }
      offset += e.categories.length;
    }
  });

  let target: TabularData['target'] = null;
  if (!classes) {
    const train = Array.from(splits.train, (k) => y[k]);
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const std = Math.sqrt(train.reduce((a, t) => a + (t - mean) ** 2, 0) / train.length);
    target = { mean, std: std > 0 ? std : 1 };
  }

  return { x, y, rows: kept.length, featureNames: featureNames(encoding), encoding, classes, target, droppedRows, splits };
}

export function encodedWidth(encoding: ColumnEncoding[]): number {
  return encoding.reduce((n, e) => n + (e.kind === 'numeric' ? 1 : e.categories.length), 0);
}

export function featureNames(encoding: ColumnEncoding[]): string[] {
  return encoding.flatMap((e) => (e.kind === 'numeric' ? [e.column] : e.categories.map((v) => `${e.column}=${v}`)));
}

const categoryIndex = new WeakMap<string[], Map<string, number>>();
function positionOf(categories: string[], value: string): number {
  let map = categoryIndex.get(categories);
  if (!map) categoryIndex.set(categories, (map = new Map(categories.map((v, i) => [v, i]))));
  return map.get(value) ?? -1;
}

/** Missing cells take the training mean or most frequent value; a category never seen in training encodes as all zeros. */
function encodeInto(encoding: ColumnEncoding[], cell: (f: number) => string | undefined, out: Float32Array, offset: number): void {
  let o = offset;
  encoding.forEach((e, f) => {
    const raw = cell(f);
    const value = raw === undefined || isMissing(raw) ? null : raw.trim();
    if (e.kind === 'numeric') {
      const n = value === null ? e.mean : parseNumber(value);
      if (Number.isNaN(n)) throw new ImportError('input', `"${value}" in column "${e.column}" is not a number.`);
      out[o++] = (n - e.mean) / e.std;
    } else {
      const at = positionOf(e.categories, value ?? e.fill);
      if (at >= 0) out[o + at] = 1;
      o += e.categories.length;
    }
  });
}

/** Encodes one new row (column name -> cell text) exactly as the training data was. */
export function applyEncoding(encoding: ColumnEncoding[], row: Record<string, string>): Float32Array {
  const out = new Float32Array(encodedWidth(encoding));
  encodeInto(encoding, (f) => row[encoding[f].column], out, 0);
  return out;
}
