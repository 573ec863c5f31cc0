import { describe, expect, it } from 'vitest';
import { defaultRow, encodeRow } from '../../src/state/tabularRow';
import { applyEncoding, type ColumnEncoding } from '../../src/lib/import/tabular';

const encoding: ColumnEncoding[] = [
  { column: 'petal length', kind: 'numeric', mean: 3.75, std: 1.75 },
  { column: 'colour', kind: 'categorical', categories: ['blue', 'red', 'white'], fill: 'red' },
  { column: 'petal width', kind: 'numeric', mean: 1.2, std: 0.8 },
];

describe('the Try it row of a table model', () => {
  it('starts at the training means and most frequent values, which encode as zeros and the common one-hot', () => {
    const row = defaultRow(encoding);
    expect(row).toEqual({ 'petal length': '3.75', colour: 'red', 'petal width': '1.2' });
    const out = encodeRow(encoding, row);
    expect('x' in out && Array.from(out.x)).toEqual([0, 0, 1, 0, 0]);
  });

  it('encodes a typed row exactly as applyEncoding does, with the stored scaling', () => {
    const row = { 'petal length': '5.5', colour: 'white', 'petal width': '0.4' };
    const out = encodeRow(encoding, row);
    if (!('x' in out)) throw new Error(out.error);
    expect(Array.from(out.x)).toEqual(Array.from(applyEncoding(encoding, row)));
    // (5.5 − 3.75) / 1.75 = 1 and (0.4 − 1.2) / 0.8 = −1, by hand.
    expect(Array.from(out.x)).toEqual([1, 0, 0, 1, Math.fround(-1)]);
  });

  it('names a number field holding text instead of throwing', () => {
    const out = encodeRow(encoding, { 'petal length': 'long', colour: 'red', 'petal width': '1' });
    expect(out).toEqual({ error: expect.stringContaining('"long" in column "petal length" is not a number') });
  });
});
