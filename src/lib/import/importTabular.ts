/** CSV / TSV files: a preview for choosing columns, then the import itself. */
import { analyseColumns, inferTask, type ColumnInfo } from './columns';
import { readDelimited, type RawTable } from './csv';
import { ImportError, formatCount } from './errors';
import type { EncodingChoice } from './textFile';
import { datasetId, storeDataset, tabularDataset, type ImportContext } from './pipelineDataset';
import type { CsvImportOptions, CsvPreview, SkippedItem } from './protocol';
import { checkSpace } from './quota';
import { distinctTextReason, identifierReason } from './identifiers';
import { buildTabular } from './tabular';
import type { DatasetMeta, DroppedColumns } from '../types';

/** Rows sent with the preview: the form shows eight, and a wide table's rows are a large message. */
export const PREVIEW_ROWS = 8;

/** Names people give the column to predict, most telling first. */
const LABEL_NAMES = ['label', 'class', 'target', 'species', 'outcome', 'category', 'y'];

/**
 * The last table read, so the import that follows a preview of the same file does
 * not parse it again. A File is cloned on every postMessage, so it is recognised
 * by name, size and date rather than by identity.
 */
let cached: { key: string; table: RawTable } | null = null;
const keyOf = (file: File, encoding: EncodingChoice) => `${file.name}\n${file.size}\n${file.lastModified}\n${encoding}`;

export interface ReadTableOptions {
  encoding?: EncodingChoice;
  signal?: AbortSignal;
  /** Fraction of the file read. */
  onProgress?: (fraction: number) => void;
}

export async function readTable(file: File, options: ReadTableOptions = {}): Promise<RawTable> {
  const key = keyOf(file, options.encoding ?? 'auto');
  if (cached?.key === key) return cached.table;
  // The previous table is let go first: two large ones need not fit at once.
  cached = null;
  const table = await readDelimited(file, options);
  cached = { key, table };
  return table;
}

export function forgetTable(): void {
  cached = null;
}

export function suggestLabel(columns: ColumnInfo[]): ColumnInfo {
  for (const name of LABEL_NAMES) {
    const hit = columns.find((c) => c.name.trim().toLowerCase() === name);
    if (hit) return hit;
  }
  // Failing a telling name, the last column that does not look like an identifier.
  for (let i = columns.length - 1; i >= 0; i--) if (!columns[i].identifier) return columns[i];
  return columns[columns.length - 1];
}

/** At most this many columns are named in the preview's warnings; the rest are counted. */
const NAMED_WARNINGS = 5;

function nonFiniteWarnings(table: RawTable, columns: ColumnInfo[]): string[] {
  const hit = columns.filter((c) => c.nonFinite);
  const out = hit.slice(0, NAMED_WARNINGS).map((c) => {
    const { count, line, value } = c.nonFinite!;
    const more = count > 1 ? ` (and ${formatCount(count - 1)} more in this column)` : '';
    return `${table.fileName}, line ${line}, column "${c.name}": "${value}" is not a finite number${more}. It is treated as a missing value; correct it in the file if it is a mistake.`;
  });
  if (hit.length > NAMED_WARNINGS) out.push(`${formatCount(hit.length - NAMED_WARNINGS)} more columns hold numbers that are not finite, treated as missing values.`);
  return out;
}

export async function inspectCsv(file: File, options: ReadTableOptions = {}): Promise<CsvPreview> {
  const table = await readTable(file, options);
  options.signal?.throwIfAborted();
  // Categories and examples stay in the worker: the form needs counts only, and a wide table's would be a large message.
  const columns = analyseColumns(table).map(({ categories: _, example: __, ...c }, i): ColumnInfo => {
    const identifier = identifierReason(table, i, c.type) ?? distinctTextReason(c, table.rows.length);
    return identifier ? { ...c, example: [], identifier } : { ...c, example: [] };
  });
  if (columns.length < 2) {
    throw new ImportError(file.name, `${file.name} has only one column; a dataset needs a label column and at least one feature column.`);
  }
  const label = suggestLabel(columns);
  return {
    fileName: file.name,
    columns,
    rows: table.rows.slice(0, PREVIEW_ROWS),
    rowCount: table.rows.length,
    suggestedLabel: label.name,
    suggestedTask: inferTask(label),
    encoding: table.encoding ?? { name: 'utf-8', detected: true },
    decimalComma: table.decimalComma === true,
    warnings: nonFiniteWarnings(table, columns),
  };
}

/** Names of columns left out listed in the report; past this they are counted. */
export const MAX_LISTED_COLUMNS = 200;

/**
 * The columns that are not stored: the ones marked as identifiers, then the others that are
 * neither a feature nor the label. Only their names are kept, never a value. A column
 * marked as an identifier that is also asked for as the label or a feature is refused:
 * the form never sends that, and a mistake must not store what was meant to stay out.
 */
export function columnsLeftOut(table: RawTable, options: CsvImportOptions): DroppedColumns | undefined {
  const marked = new Set(options.identifiers ?? []);
  for (const name of [options.label, ...options.features]) {
    if (marked.has(name)) {
      throw new ImportError(table.fileName, `${table.fileName}: column "${name}" is marked as an identifier, so it is never stored; it cannot also be ${name === options.label ? 'the label' : 'a feature'}.`);
    }
  }
  const used = new Set([options.label, ...options.features]);
  const identifiers = table.columns.filter((c) => marked.has(c));
  const unused = table.columns.filter((c) => !used.has(c) && !marked.has(c));
  if (identifiers.length + unused.length === 0) return undefined;
  const listed = Math.max(0, MAX_LISTED_COLUMNS - identifiers.length);
  const out: DroppedColumns = { identifiers, unused: unused.slice(0, listed) };
  if (unused.length > listed) out.unlisted = unused.length - listed;
  return out;
}

export async function importCsv(
  file: File,
  options: CsvImportOptions,
  ctx: ImportContext,
): Promise<{ dataset: DatasetMeta; skipped: SkippedItem[]; droppedRows: number }> {
  checkSpace(file.name, file.size, ctx.left);
  ctx.progress('read', 0, file.name);
  const table = await readTable(file, { encoding: options.encoding, signal: ctx.signal, onProgress: (f) => ctx.progress('read', f, file.name) });
  ctx.signal?.throwIfAborted();
  ctx.progress('read', 1, file.name);
  const droppedColumns = columnsLeftOut(table, options);
  const tab = buildTabular(table, {
    label: options.label,
    features: options.features,
    task: options.task,
    missing: options.missing,
    types: options.types,
    split: { seed: options.seed },
  });
  ctx.progress('decode', 1);
  if (tab.splits.test.length === 0) {
    throw new ImportError(
      file.name,
      `${file.name}: only ${tab.rows} usable rows, too few to keep any aside for testing. Add more rows (at least 10 per class).`,
    );
  }
  const name = options.name.trim() || file.name.replace(/\.[^.]+$/, '');
  const { meta, data } = tabularDataset(tab, { id: datasetId(name, ctx.random), name, source: file.name, label: options.label, skipped: [], droppedColumns });
  const dataset = await storeDataset(ctx, meta, data, file.name);
  forgetTable();
  return { dataset, skipped: [], droppedRows: tab.droppedRows.length };
}
