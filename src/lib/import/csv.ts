/**
 * CSV / TSV / semicolon-separated text to a table of strings. Types, encoding and
 * splitting happen later (columns.ts, tabular.ts), so this stays a copy of the file
 * plus the line numbers people need in error messages. Two things are normalised on
 * the way: line breaks (\r\n, \n and \r, even mixed in one file, all end a line) and,
 * in files that write them so, decimal commas ("1,5" is read as "1.5").
 *
 * Text is taken in pieces (TableBuilder.push), so a file is parsed as it is read and
 * never needs to be one string: see readDelimited.
 */
import Papa from 'papaparse';
import { ImportError, formatBytes, formatCount } from './errors';
import { assertText, bomLength, HEAD_BYTES, NotUtf8Error, readSlice, readText, sniffEncoding, type EncodingChoice, type Sniffed, type TextEncodingName } from './textFile';

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
  /** Numbers were written with a decimal comma and have been rewritten with a point. */
  decimalComma?: boolean;
  /** How the file's bytes were read, and whether that was detected (not chosen by hand). */
  encoding?: { name: TextEncodingName; detected: boolean };
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
    const rows = Papa.parse<string[]>(text, { delimiter, newline: '\n', preview: 20, skipEmptyLines: 'greedy' }).data;
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

/** 1,5 · -0,25 · 1.234,5 · 2,5e3 */
const DECIMAL_COMMA = /^\s*[-+]?(\d+|\d{1,3}(\.\d{3})+),\d+([eE][-+]?\d+)?\s*$/;
const DECIMAL_POINT = /^\s*[-+]?\d*\.\d+([eE][-+]?\d+)?\s*$/;

/**
 * A file separated by semicolons or tabs whose first rows write fractions as 1,5 and
 * not as 1.5 uses the decimal comma (as Excel does in much of Europe). With commas as
 * the separator a decimal comma cannot be told from a field break, so never there.
 */
function usesDecimalComma(text: string, delimiter: string): boolean {
  if (delimiter === ',') return false;
  const rows = Papa.parse<string[]>(text, { delimiter, newline: '\n', preview: 200, skipEmptyLines: 'greedy' }).data;
  let comma = 0;
  let point = 0;
  for (let r = 1; r < rows.length; r++) {
    for (const cell of rows[r]) {
      if (DECIMAL_COMMA.test(cell)) comma++;
      else if (DECIMAL_POINT.test(cell)) point++;
    }
  }
  return comma > 0 && comma >= point;
}

/** Text enough to guess the delimiter and the decimal mark from: the header and many rows. */
const GUESS_CHARS = 1024 * 1024;

/**
 * Builds a RawTable from text given in pieces of any size. Only complete records (up to
 * the last line break outside quotes) are parsed; the rest waits for the next piece.
 */
export class TableBuilder {
  private readonly fileName: string;
  private head = '';
  private delimiter: string | null = null;
  private decimalComma = false;
  private pending = '';
  private inQuotes = false;
  private heldReturn = false;
  /** File line on which the next record starts. */
  private line = 1;
  private columns: string[] | null = null;
  private readonly rows: string[][] = [];
  private readonly lines: number[] = [];

  constructor(fileName: string) {
    this.fileName = fileName;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  push(piece: string): void {
    let text = this.heldReturn ? '\r' + piece : piece;
    // Excel writes a byte-order mark; it would otherwise stick to the first header name.
    if (this.line === 1 && this.delimiter === null && this.head === '' && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    // A \r at the end may be the first half of a \r\n split across two pieces.
    this.heldReturn = text.endsWith('\r');
    if (this.heldReturn) text = text.slice(0, -1);
    text = text.replace(/\r\n?/g, '\n');
    if (this.delimiter === null) {
      this.head += text;
      if (this.head.length >= GUESS_CHARS) this.start();
      return;
    }
    this.feed(text);
  }

  finish(): RawTable {
    if (this.heldReturn) {
      this.heldReturn = false;
      this.push('\n');
    }
    if (this.delimiter === null) {
      if (this.head.trim() === '') throw new ImportError(this.fileName, `${this.fileName} is empty.`);
      this.start();
    }
    if (this.pending !== '') this.parseBlock(this.pending);
    this.pending = '';
    const fileName = this.fileName;
    if (!this.columns) throw new ImportError(fileName, `${fileName} is empty.`);
    if (this.rows.length === 0) throw new ImportError(fileName, `${fileName} has a header but no rows.`);
    return { fileName, columns: this.columns, rows: this.rows, lines: this.lines, ...(this.decimalComma ? { decimalComma: true } : {}) };
  }

  private start(): void {
    const head = this.head;
    this.head = '';
    this.delimiter = guessDelimiter(head);
    this.decimalComma = usesDecimalComma(head, this.delimiter);
    this.feed(head);
  }

  private feed(text: string): void {
    const from = this.pending.length;
    const s = this.pending + text;
    let cut = -1;
    let inQuotes = this.inQuotes;
    for (let i = from; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10 && !inQuotes) cut = i;
    }
    this.inQuotes = inQuotes;
    if (cut < 0) {
      this.pending = s;
      return;
    }
    this.parseBlock(s.slice(0, cut));
    this.pending = s.slice(cut + 1);
  }

  /** Whole records, without the line break after the last one. */
  private parseBlock(text: string): void {
    const fileName = this.fileName;
    const result = Papa.parse<string[]>(text, { header: false, delimiter: this.delimiter!, newline: '\n', skipEmptyLines: false });
    const data = text === '' ? [['']] : result.data;
    // Line on which each record starts: one line per record, plus any line breaks inside quoted fields.
    const starts = new Array<number>(data.length);
    for (let r = 0; r < data.length; r++) {
      starts[r] = this.line++;
      for (const field of data[r]) {
        if (field.indexOf('\n') === -1) continue;
        this.line += field.split('\n').length - 1;
      }
    }
    const quoteError = result.errors.find((e) => e.type === 'Quotes');
    if (quoteError && quoteError.row !== undefined) {
      const at = starts[quoteError.row] ?? starts[0];
      throw new ImportError(fileName, `${fileName}, line ${at}: a quoted field is never closed (check for a stray " character).`, { line: at });
    }
    for (let r = 0; r < data.length; r++) {
      const row = data[r];
      if (isBlankRow(row)) continue;
      if (!this.columns) {
        this.columns = uniqueNames(row);
        continue;
      }
      if (row.length !== this.columns.length) {
        throw new ImportError(fileName, `${fileName}, line ${starts[r]}: expected ${this.columns.length} fields, found ${row.length}. Look on that line for a separator too many or too few, or a field that should be in quotes.`, { line: starts[r] });
      }
      if (this.decimalComma) {
        for (let c = 0; c < row.length; c++) {
          if (row[c].indexOf(',') >= 0 && DECIMAL_COMMA.test(row[c])) row[c] = row[c].trim().replace(/\./g, '').replace(',', '.');
        }
      }
      this.rows.push(row);
      this.lines.push(starts[r]);
    }
  }
}

/** A whole file's text to a table. */
export function parseDelimited(text: string, fileName: string): RawTable {
  const builder = new TableBuilder(fileName);
  builder.push(text);
  return builder.finish();
}

export interface ReadDelimitedOptions {
  /** 'auto' (the default) detects it. */
  encoding?: EncodingChoice;
  chunkBytes?: number;
  signal?: AbortSignal;
  /** Fraction of the file read and parsed so far. */
  onProgress?: (fraction: number) => void;
}

/**
 * Reads a CSV / TSV file as it parses it, in slices of a few megabytes, so its size is
 * bounded by memory for the table, not by the longest string the browser allows.
 */
export async function readDelimited(file: File, options: ReadDelimitedOptions = {}): Promise<RawTable> {
  const head = await readSlice(file, file.name, 0, HEAD_BYTES);
  const chosen = options.encoding && options.encoding !== 'auto' ? options.encoding : null;
  const sniffed: Sniffed = chosen ? { encoding: chosen, bom: bomLength(head, chosen) } : sniffEncoding(head);
  assertText(head, sniffed, file.name, file.size);
  const parse = async (s: Sniffed, fatal: boolean): Promise<RawTable> => {
    const builder = new TableBuilder(file.name);
    try {
      await readText(file, file.name, { ...options, sniffed: s, fatal, onText: (text) => builder.push(text) });
      return { ...builder.finish(), encoding: { name: s.encoding, detected: !chosen } };
    } catch (err) {
      if (err instanceof RangeError) {
        throw new ImportError(
          file.name,
          `${file.name} (${formatBytes(file.size)}) is too large to import in this tab: memory ran out after ${formatCount(builder.rowCount)} rows (${err.message}). Split the file, or keep fewer columns, and import the parts you need.`,
        );
      }
      throw err;
    }
  };
  try {
    // Detected UTF-8 is checked to the end: a file that only later shows bytes UTF-8
    // cannot hold is read again as Windows-1252, which every byte is valid in.
    return await parse(sniffed, !chosen && sniffed.encoding === 'utf-8');
  } catch (err) {
    if (!(err instanceof NotUtf8Error)) throw err;
    return parse({ encoding: 'windows-1252', bom: 0 }, false);
  }
}
