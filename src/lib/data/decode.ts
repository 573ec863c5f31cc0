/**
 * The way back from a stored tabular row to the values a person typed: numeric
 * columns are un-standardised with the training split's mean and spread, a
 * one-hot group reads as the category that is on. The inverse of the encoding
 * tabular.ts applies at import (a missing cell comes back as its fill value).
 */
import type { ColumnEncoding } from '../import/tabular';

export interface DecodedCell {
  column: string;
  /** The number in the column's own units, or the category's name. */
  value: number | string;
}

/** `x`: one encoded row, as wide as the encoding. A one-hot group with no category on (one unseen in training) reads as "(other)". */
export function decodeRow(x: ArrayLike<number>, encoding: readonly ColumnEncoding[]): DecodedCell[] {
  const out: DecodedCell[] = [];
  let at = 0;
  for (const e of encoding) {
    if (e.kind === 'numeric') {
      out.push({ column: e.column, value: x[at] * e.std + e.mean });
      at += 1;
      continue;
    }
    let on = -1;
    for (let k = 0; k < e.categories.length; k++) if (x[at + k] > 0.5 && (on < 0 || x[at + k] > x[at + on])) on = k;
    out.push({ column: e.column, value: on < 0 ? '(other)' : e.categories[on] });
    at += e.categories.length;
  }
  return out;
}
