/**
 * "Try it" for a table model: a row typed into a form, as text per column, and
 * the model input it makes with the dataset's stored scaling and one-hot encoding.
 */
import { applyEncoding, type ColumnEncoding } from '../lib/import/tabular';

/** A starting row: each numeric column at its training mean, each categorical one at its most frequent value. */
export function defaultRow(encoding: ColumnEncoding[]): Record<string, string> {
  const row: Record<string, string> = {};
  for (const e of encoding) row[e.column] = e.kind === 'numeric' ? String(Number(e.mean.toPrecision(4))) : e.fill;
  return row;
}

/** The encoded input, or why the row cannot be encoded (a number field holding text). An empty cell takes the training mean or most frequent value. */
export function encodeRow(encoding: ColumnEncoding[], row: Record<string, string>): { x: Float32Array } | { error: string } {
  try {
    return { x: applyEncoding(encoding, row) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}
