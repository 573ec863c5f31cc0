import { describe, expect, it } from 'vitest';
import { parseDelimited, readDelimited } from '../../src/lib/import/csv';
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
    // A semicolon file writes fractions with a decimal comma; they are read as numbers.
    expect(semi.rows).toEqual([['1.5', 'x'], ['2.5', 'y']]);
    expect(semi.decimalComma).toBe(true);
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
    expect(e.message).toBe('ragged.csv, line 7: expected 5 fields, found 4. Look on that line for a separator too many or too few, or a field that should be in quotes.');
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

describe('unusual files', () => {
  const file = (bytes: Uint8Array | string, name = 'f.csv') => new File([bytes as BlobPart], name);
  const utf16 = (text: string, le: boolean, bom: boolean) => {
    const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
    const units = (bom ? '\uFEFF' : '') + text;
    for (let i = 0; i < units.length; i++) {
      const c = units.charCodeAt(i);
      out[2 * i + (le ? 0 : 1)] = c & 0xff;
      out[2 * i + (le ? 1 : 0)] = c >> 8;
    }
    return out;
  };
  const TEXT = 'name,größe,ok,n\n' + Array.from({ length: 150 }, (_, i) => `café ${i},${i}.5,ja,${i}\n`).join('');

  it('reads semicolon files with decimal commas (and thousands points) as numbers', () => {
    const t = parseDelimited('x;y;label\n1,5;1.234,5;a\n-0,25;2,5e3;b\n3;7;a\n', 'eu.csv');
    expect(t.rows).toEqual([['1.5', '1234.5', 'a'], ['-0.25', '2.5e3', 'b'], ['3', '7', 'a']]);
    expect(analyseColumns(t).map((c) => c.type)).toEqual(['numeric', 'numeric', 'categorical']);
    // A comma file keeps its commas as separators, and points stay decimal points.
    expect(parseDelimited('x;y\n1.5;2.5\n1,5;3.5\n', 'pt.csv').decimalComma).toBeUndefined();
  });

  it('ends lines at \\r\\n, \\n and \\r alike, even mixed in one file', () => {
    const t = parseDelimited('a,b,c\r\n1,2,3\n4,5,6\r7,8,9\r\n"x\r\ny",1,2\r', 'mixed.csv');
    expect(t.rows).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['x\ny', '1', '2']]);
    expect(t.lines).toEqual([2, 3, 4, 5]);
  });

  it('streams a file in small slices to exactly the table the whole text gives', async () => {
    const text = 'id;note;v\r\n' + Array.from({ length: 400 }, (_, i) => `${i};"say ""hi""\n${i}";${i},5\r\n`).join('') + '\n\n';
    const bytes = new TextEncoder().encode(text);
    const whole = parseDelimited(text, 's.csv');
    const fractions: number[] = [];
    // 7-byte slices cut quoted fields, \r\n pairs and multi-byte characters in two.
    const streamed = await readDelimited(file(bytes, 's.csv'), { chunkBytes: 7, onProgress: (f) => fractions.push(f) });
    expect(streamed.rows).toEqual(whole.rows);
    expect(streamed.lines).toEqual(whole.lines);
    expect(streamed.rows[399]).toEqual(['399', 'say "hi"\n399', '399.5']);
    expect(streamed.lines![399]).toBe(2 + 399 * 2);
    expect(fractions.at(-1)).toBe(1);
    expect(streamed.encoding).toEqual({ name: 'utf-8', detected: true });
  });

  it('detects UTF-16 with or without a byte-order mark, and Latin-1 when the bytes are not UTF-8', async () => {
    for (const [le, bom] of [[true, true], [true, false], [false, true], [false, false]]) {
      const t = await readDelimited(file(utf16(TEXT, le, bom)), { chunkBytes: 1001 });
      expect(t.columns).toEqual(['name', 'größe', 'ok', 'n']);
      expect(t.rows.length).toBe(150);
      expect(t.encoding!.name).toBe(le ? 'utf-16le' : 'utf-16be');
    }
    const latin1 = Uint8Array.from(TEXT, (ch) => ch.charCodeAt(0));
    const t = await readDelimited(file(latin1));
    expect(t.columns[1]).toBe('größe');
    expect(t.rows[3][0]).toBe('café 3');
    expect(t.encoding).toEqual({ name: 'windows-1252', detected: true });
    // Chosen by hand, the encoding is used as given.
    const forced = await readDelimited(file(new TextEncoder().encode(TEXT)), { encoding: 'windows-1252' });
    expect(forced.columns[1]).toBe('grÃ¶ÃŸe');
    expect(forced.encoding).toEqual({ name: 'windows-1252', detected: false });
  });

  it('switches to Latin-1 when bytes that are not UTF-8 come only late in the file', async () => {
    const late = TEXT + 'Zoë,1.5,nein,1\n';
    const bytes = Uint8Array.from(late, (ch) => ch.charCodeAt(0));
    const t = await readDelimited(file(bytes), { chunkBytes: 512 });
    expect(t.rows.at(-1)![0]).toBe('Zoë');
    expect(t.encoding!.name).toBe('windows-1252');
  });

  it('says a file is not text, with its size, instead of a puzzling parse error', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...new Array(2000).fill(7)]);
    await expect(readDelimited(file(png, 'photo.csv'))).rejects.toThrow(
      /^photo\.csv \(2\.0 KB\) is not a text file: its start holds a NUL byte \(character 9\).*Save the table as CSV/,
    );
    const controls = new TextEncoder().encode('a,b\n' + '\x01\x02\x03\x04\x05x'.repeat(3));
    await expect(readDelimited(file(controls, 'c.csv'))).rejects.toThrow(/^c\.csv \(22 bytes\) is not a text file: its start holds control characters \(character 5\)/);
    const withNul = new TextEncoder().encode('a,b\n1,2\n\0\0\0');
    await expect(readDelimited(file(withNul, 'n.csv'))).rejects.toThrow(/^n\.csv \(11 bytes\) is not a text file: its start holds a NUL byte \(character 9\)/);
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

describe('numbers that are not finite', () => {
  it('keep their column numeric, count as missing and are named by line', () => {
    const t = parseDelimited('a,b,label\n1,2,x\n2,Infinity,y\n3,4,x\n1e999,-1e999,y\n', 'inf.csv');
    const [a, b] = analyseColumns(t);
    expect(a).toMatchObject({ type: 'numeric', missing: 1, mean: 2, max: 3, nonFinite: { count: 1, line: 5, value: '1e999' } });
    expect(b).toMatchObject({ type: 'numeric', missing: 2, mean: 3, nonFinite: { count: 2, line: 3, value: 'Infinity' } });
    expect(analyseColumns(parseDelimited('a,b\n1,2\n', 'ok.csv'))[0].nonFinite).toBeUndefined();
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
