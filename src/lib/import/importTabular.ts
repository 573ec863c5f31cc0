/** CSV / TSV files: a preview for choosing columns, then the import itself. */
import { analyseColumns, inferTask, type ColumnInfo } from './columns';
import { parseDelimited, type RawTable } from './csv';
import { ImportError } from './errors';
import { datasetId, storeDataset, tabularDataset, type ImportContext } from './pipelineDataset';
import type { CsvImportOptions, CsvPreview, SkippedItem } from './protocol';
import { checkSpace } from './quota';
import { buildTabular } from './tabular';
import type { DatasetMeta } from '../types';

export const PREVIEW_ROWS = 20;

/** Names people give the column to predict, most telling first. */
const LABEL_NAMES = ['label', 'class', 'target', 'species', 'outcome', 'category', 'y'];

/**
 * The last table read, so the import that follows a preview of the same file does
 * not parse it again. A File is cloned on every postMessage, so it is recognised
 * by name, size and date rather than by identity.
 */
let cached: { key: string; table: RawTable } | null = null;
const keyOf = (file: File) => `${file.name}\n${file.size}\n${file.lastModified}`;

export async function readTable(file: File): Promise<RawTable> {
  const key = keyOf(file);
  if (cached?.key === key) return cached.table;
  const table = parseDelimited(await file.text(), file.name);
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
  return columns[columns.length - 1];
}

export async function inspectCsv(file: File): Promise<CsvPreview> {
  const table = await readTable(file);
  const columns = analyseColumns(table);
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
  };
}

export async function importCsv(
  file: File,
  options: CsvImportOptions,
  ctx: ImportContext,
): Promise<{ dataset: DatasetMeta; skipped: SkippedItem[]; droppedRows: number }> {
  checkSpace(file.name, file.size, ctx.left);
  ctx.progress('read', 0, file.name);
  const table = await readTable(file);
  ctx.signal?.throwIfAborted();
  ctx.progress('read', 1, file.name);
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
  const { meta, data } = tabularDataset(tab, { id: datasetId(name, ctx.random), name, source: file.name, label: options.label, skipped: [] });
  const dataset = await storeDataset(ctx, meta, data, file.name);
  forgetTable();
  return { dataset, skipped: [], droppedRows: tab.droppedRows.length };
}
