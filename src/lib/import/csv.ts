/**
 * CSV / TSV / semicolon-separated text to a table of strings. Types, encoding and
 * splitting happen later (columns.ts, tabular.ts), so this stays a faithful copy of
 * the file plus the line numbers people need in error messages.
 */
import Papa from 'papaparse';
import { ImportError } from './errors';

export interface RawTable {
  fileName: string;
  /** Header names, trimmed and made unique. */
  columns: string[];
  /** Every data row has exactly columns.length fields. */
  rows: string[][];
  /**
   * File line (1-based, header = line 1) on which each row starts. Absent when
   * row i is simply on line i + 2, as for built-in tables.
   */
  lines?: number[];
}

/** The file line of row i, for messages. */
export function lineOf(table: RawTable, row: number): number {
  return table.lines ? table.lines[row] : row + 2;
}

/** Blank names become "column 3"; repeats become "age (2)", "age (3)". */
function uniqueNames(raw: string[]): string[] {
  const trimmed = raw.map((name, i) => name.trim() || `column ${i + 1}`);
  const taken = new Set<string>();
  return trimmed.map((name) => {
    let candidate = name;
    for (let k = 2; taken.has(candidate); k++) candidate = `${name} (${k})`;
    taken.add(candidate);
    return candidate;
  });
}

const isBlankRow = (row: string[]) => row.every((field) => field.trim() === '');

const DELIMITERS = [',', '\t', ';'];

/**
 * Papa's own guess counts trailing blank lines against a delimiter, so it is done here:
 * among delimiters that split the header into two or more fields, the one under which
 * most of the first rows have the header's field count wins (then more fields, then
 * the order comma, tab, semicolon). A ragged row therefore still gets its own error.
 */
function guessDelimiter(text: string): string {
  let best = ',';
  let bestScore = -1;
  let bestFields = 1;
  for (const delimiter of DELIMITERS) {
    const rows = Papa.parse<string[]>(text, { delimiter, preview: 20, skipEmptyLines: 'greedy' }).data;
    const fields = rows.length ? rows[0].length : 0;
    if (fields < 2) continue;
    const score = rows.filter((row) => row.length === fields).length;
    if (score > bestScore || (score === bestScore && fields > bestFields)) {
      best = delimiter;
      bestScore = score;
      bestFields = fields;
    }
  }
  return best;
}

export function parseDelimited(text: string, fileName: string): RawTable {
  // Excel writes a byte-order mark; it would otherwise stick to the first header name.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new ImportError(fileName, `${fileName} is empty.`);

  const result = Papa.parse<string[]>(text, {
    header: false,
    delimiter: guessDelimiter(text),
    // Kept, so row positions can be mapped back to file lines; blank rows are dropped below.
    skipEmptyLines: false,
  });
  const data = result.data;
  const newline = result.meta.linebreak === '\r' ? '\r' : '\n';

  // Line on which each parsed record starts: one line per record, plus any
  // line breaks inside quoted fields.
  const starts = new Array<number>(data.length);
  let line = 1;
  for (let r = 0; r < data.length; r++) {
    starts[r] = line;
    line++;
    for (const field of data[r]) {
      if (field.indexOf(newline) === -1) continue;
      line += field.split(newline).length - 1;
    }
  }

  const quoteError = result.errors.find((e) => e.type === 'Quotes');
  if (quoteError && quoteError.row !== undefined) {
    const at = starts[quoteError.row] ?? 1;
    throw new ImportError(fileName, `${fileName}, line ${at}: a quoted field is never closed (check for a stray " character).`, {
      line: at,
    });
  }

  let headerIndex = 0;
  while (headerIndex < data.length && isBlankRow(data[headerIndex])) headerIndex++;
  if (headerIndex === data.length) throw new ImportError(fileName, `${fileName} is empty.`);
  const columns = uniqueNames(data[headerIndex]);

  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = headerIndex + 1; r < data.length; r++) {
    const row = data[r];
    if (isBlankRow(row)) continue;
    if (row.length !== columns.length) {
      throw new ImportError(
        fileName,
        `${fileName}, line ${starts[r]}: expected ${columns.length} fields, found ${row.length}.`,
        { line: starts[r] },
      );
    }
    rows.push(row);
    lines.push(starts[r]);
  }
  if (rows.length === 0) throw new ImportError(fileName, `${fileName} has a header but no rows.`);
  return { fileName, columns, rows, lines };
}
