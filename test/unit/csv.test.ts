import { describe, expect, it } from 'vitest';
import { parseDelimited } from '../../src/lib/import/csv';
import { analyseColumns, inferTask, type ColumnInfo } from '../../src/lib/import/columns';
import { thrown } from './helpers/thrown';

const SIX = 'age,colour,score,label\n1,red,10,yes\n2,blue,20,no\n3,red,30,yes\n4,green,,no\n5,blue,50,yes\n6,red,60,no\n';

describe('parseDelimited', () => {
  it('reads a comma file with its header and rows as text', () => {
    const t = parseDelimited(SIX, 'people.csv');
    expect(t.columns).toEqual(['age', 'colour', 'score', 'label']);
    expect(t.rows.length).toBe(6);
    expect(t.rows[3]).toEqual(['4', 'green', '', 'no']);
    expect(t.lines).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('detects tab and semicolon delimiters', () => {
    const tsv = parseDelimited('a\tb\tc\n1\t2\t3\n4\t5\t6\n', 'x.tsv');
    expect(tsv.columns).toEqual(['a', 'b', 'c']);
    expect(tsv.rows).toEqual([['1', '2', '3'], ['4', '5', '6']]);
    const semi = parseDelimited('a;b\n1,5;x\n2,5;y\n', 'x.csv');
    expect(semi.columns).toEqual(['a', 'b']);
    expect(semi.rows).toEqual([['1,5', 'x'], ['2,5', 'y']]);
  });

  it('trims header names, names blank ones and numbers repeats', () => {
    const t = parseDelimited(' a ,,a,a,b\n1,2,3,4,5\n', 'h.csv');
    expect(t.columns).toEqual(['a', 'column 2', 'a (2)', 'a (3)', 'b']);
  });

  it('skips blank lines but counts them, and a byte-order mark is not part of the first name', () => {
    const t = parseDelimited('\uFEFFx,y\r\n\r\n1,2\r\n   \r\n3,4\r\n', 'w.csv');
    expect(t.columns).toEqual(['x', 'y']);
    expect(t.rows).toEqual([['1', '2'], ['3', '4']]);
    expect(t.lines).toEqual([3, 5]);
  });

  it('keeps line numbers right after a quoted field that spans two lines', () => {
    const t = parseDelimited('note,n\n"two\nlines",1\nplain,2\n', 'q.csv');
    expect(t.rows[0]).toEqual(['two\nlines', '1']);
    expect(t.lines).toEqual([2, 4]);
  });

  it('names the line of a row with the wrong number of fields, as a person counts lines', () => {
    const text = 'a,b,c,d,e\n1,2,3,4,5\n\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n1,2,3,4,5\n';
    const e = thrown(() => parseDelimited(text, 'ragged.csv'));
    expect(e.message).toBe('ragged.csv, line 7: expected 5 fields, found 4.');
    expect(e.line).toBe(7);
    expect(e.fileName).toBe('ragged.csv');
  });

  it('refuses an empty file and a header with no rows', () => {
    expect(thrown(() => parseDelimited('', 'empty.csv')).message).toBe('empty.csv is empty.');
    expect(thrown(() => parseDelimited(' \n\n', 'blank.csv')).message).toBe('blank.csv is empty.');
    expect(thrown(() => parseDelimited('a,b,c\n\n', 'head.csv')).message).toBe('head.csv has a header but no rows.');
  });

  it('names the line of an unclosed quote', () => {
    const e = thrown(() => parseDelimited('a,b\n1,2\n3,"4\n5,6\n', 'quote.csv'));
    expect(e.message).toMatch(/^quote\.csv, line 3: a quoted field is never closed/);
  });
});

describe('analyseColumns', () => {
  it('detects types, missing cells, categories and statistics', () => {
    const cols = analyseColumns(parseDelimited(SIX, 'people.csv'));
    expect(cols.map((c) => c.type)).toEqual(['numeric', 'categorical', 'numeric', 'categorical']);
    expect(cols[0]).toMatchObject({ missing: 0, distinct: 6, integer: true, mean: 3.5, min: 1, max: 6 });
    expect(cols[1]).toMatchObject({ categories: ['blue', 'green', 'red'], distinct: 3, example: ['red', 'blue', 'green'] });
    // (10 + 20 + 30 + 50 + 60) / 5 over the five cells that are present.
    expect(cols[2]).toMatchObject({ missing: 1, distinct: 5, mean: 34, min: 10, max: 60 });
  });

  it('treats NA, NaN, null and ? in any case as missing, and one word makes a column categorical', () => {
    const t = parseDelimited('a,b\n1,x\nna,y\nNaN,z\nNULL,w\n?,v\n2.5,three\n', 'm.csv');
    const [a] = analyseColumns(t);
    expect(a).toMatchObject({ type: 'numeric', missing: 4, distinct: 2, integer: false, mean: 1.75 });
    expect(analyseColumns(parseDelimited('k\n1\n1.0\n2\n', 'k.csv'))[0]).toMatchObject({ distinct: 2, integer: true, example: ['1', '1.0', '2'] });
    const t2 = parseDelimited('a\n1\n2\nabc\n', 'n.csv');
    expect(analyseColumns(t2)[0]).toMatchObject({ type: 'categorical', categories: ['1', '2', 'abc'] });
  });
});

describe('inferTask', () => {
  const col = (c: Partial<ColumnInfo>): ColumnInfo => ({ name: 'y', type: 'numeric', missing: 0, distinct: 2, example: [], ...c });
  it('calls categories and a few whole numbers classification, anything else regression', () => {
    expect(inferTask(col({ type: 'categorical', distinct: 500 }))).toBe('classification');
    expect(inferTask(col({ integer: true, distinct: 20 }))).toBe('classification');
    expect(inferTask(col({ integer: true, distinct: 21 }))).toBe('regression');
    expect(inferTask(col({ integer: false, distinct: 3 }))).toBe('regression');
  });

  it('works on analysed columns of a real file', () => {
    const cols = analyseColumns(parseDelimited('rating,price\n1,9.5\n2,10.25\n5,3\n', 'r.csv'));
    expect(cols.map(inferTask)).toEqual(['classification', 'regression']);
  });
});
