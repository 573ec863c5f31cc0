/** What each column of a table holds, and what kind of task its values suggest as a label. */
import type { Task } from '../types';
import { lineOf, type RawTable } from './csv';
import type { IdentifierReason } from './identifiers';

export type ColumnType = 'numeric' | 'categorical';
export type TaskKind = Task;

export interface ColumnInfo {
  name: string;
  type: ColumnType;
  /** Cells that are empty or NA, NaN, null, ? (any case). */
  missing: number;
  /** Distinct non-missing values. */
  distinct: number;
  /** Numeric columns: every value is a whole number. */
  integer?: boolean;
  /** Categorical columns: the distinct values, sorted. */
  categories?: string[];
  mean?: number;
  min?: number;
  max?: number;
  /**
   * Numeric columns: cells that hold a number too large for a float (1e999) or
   * Infinity. They count as missing; the first is named by its line.
   */
  nonFinite?: { count: number; line: number; value: string };
  /** Up to three distinct values, in file order, to show people. */
  example: string[];
  /** Why the column looks like it says who a row is about (set by the preview); absent if it does not. */
  identifier?: IdentifierReason;
}

const MISSING = new Set(['', 'na', 'nan', 'null', '?']);

/** Empty, NA, NaN, null or ? in any case, ignoring surrounding spaces. Cells are compared trimmed everywhere, so " red" is "red". */
export function isMissing(cell: string): boolean {
  // Fast path for the common case, a long value with no surrounding space: it cannot be a missing marker.
  if (cell.length > 4 && cell.charCodeAt(0) > 32 && cell.charCodeAt(cell.length - 1) > 32) return false;
  return MISSING.has(cell.trim().toLowerCase());
}

/** A finite number, or NaN. Number('') is 0, so blanks are rejected first. */
export function parseNumber(cell: string): number {
  const s = cell.trim();
  if (s === '') return NaN;
  const n = Number(s);
  return Number.isFinite(n) ? n : NaN;
}

/** Text that is a number, but not a finite one: Infinity, -Infinity, 1e999. Such cells count as missing. */
export function isNonFinite(cell: string): boolean {
  const n = Number(cell);
  return (n === Infinity || n === -Infinity) && cell.trim() !== '';
}

/** A missing cell, or one that cannot stand for a number (see isNonFinite). */
export const isGap = (cell: string) => isMissing(cell) || isNonFinite(cell);

/** Code-unit order, so the same file sorts the same way in every locale. */
export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function analyseColumn(table: RawTable, c: number): ColumnInfo {
  let missing = 0;
  let numeric = true;
  let integer = true;
  let sum = 0;
  let count = 0;
  let min = Infinity;
  let max = -Infinity;
  const seen = new Set<string>();
  const example: string[] = [];
  let nonFinite: ColumnInfo['nonFinite'];
  for (let r = 0; r < table.rows.length; r++) {
    const cell = table.rows[r][c];
    if (isMissing(cell)) {
      missing++;
      continue;
    }
    const value = cell.trim();
    if (!seen.has(value)) {
      seen.add(value);
      if (example.length < 3) example.push(value);
    }
    if (!numeric) continue;
    const n = parseNumber(value);
    if (Number.isNaN(n) && isNonFinite(value)) {
      if (nonFinite) nonFinite.count++;
      else nonFinite = { count: 1, line: lineOf(table, r), value };
      continue;
    }
    if (Number.isNaN(n)) {
      numeric = false;
      continue;
    }
    if (!Number.isInteger(n)) integer = false;
    sum += n;
    count++;
    if (n < min) min = n;
    if (n > max) max = n;
  }
  const name = table.columns[c];
  // An all-missing column has nothing to average; calling it categorical keeps it out of the maths.
  if (numeric && count > 0) {
    // "1" and "1.0" are one value to a number column. Past 1,000 spellings the exact figure
    // no longer changes any decision and costs a second large set, so spellings are counted.
    const distinct = seen.size <= 1000 ? new Set(Array.from(seen, Number)).size : seen.size;
    const info: ColumnInfo = { name, type: 'numeric', missing, distinct, integer, mean: sum / count, min, max, example };
    if (nonFinite) {
      info.nonFinite = nonFinite;
      info.missing += nonFinite.count;
    }
    return info;
  }
  const categories = Array.from(seen).sort(byCodeUnit);
  return { name, type: 'categorical', missing, distinct: categories.length, categories, example };
}

export function analyseColumns(table: RawTable): ColumnInfo[] {
  return table.columns.map((_, c) => analyseColumn(table, c));
}

/** A handful of whole numbers are usually classes (ratings, digits); anything else is a quantity. */
export const MAX_INTEGER_CLASSES = 20;

export function inferTask(column: ColumnInfo): TaskKind {
  if (column.type === 'categorical') return 'classification';
  return column.integer && column.distinct <= MAX_INTEGER_CLASSES ? 'classification' : 'regression';
}
