import { describe, expect, it } from 'vitest';
import { parseDelimited } from '../../src/lib/import/csv';
import { applyEncoding, buildTabular, type TabularOptions } from '../../src/lib/import/tabular';
import { thrown } from './helpers/thrown';

// Six rows; rows 0–3 train, row 4 validation, row 5 test. Row 3 (line 5) has no score.
const SIX = 'age,colour,score,label\n1,red,10,yes\n2,blue,20,no\n3,red,30,yes\n4,green,,no\n5,blue,50,yes\n6,red,60,no\n';
const SPLIT = { train: Uint32Array.of(0, 1, 2, 3), val: Uint32Array.of(4), test: Uint32Array.of(5) };
const BASE: TabularOptions = { label: 'label', features: ['age', 'colour', 'score'], task: 'classification', missing: 'fill', split: SPLIT };

// By hand, from the training rows only:
// age 1,2,3,4: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
const AGE_STD = Math.sqrt(1.25);
// score 10,20,30 (row 3 missing): mean 20, variance (100 + 0 + 100) / 3.
const SCORE_STD = Math.sqrt(200 / 3);

function row(x: Float32Array, width: number, r: number): number[] {
  return Array.from(x.subarray(r * width, (r + 1) * width));
}

describe('buildTabular', () => {
  it('standardises numbers and one-hot encodes categories with training statistics', () => {
    const d = buildTabular(parseDelimited(SIX, 'six.csv'), BASE);
    expect(d.featureNames).toEqual(['age', 'colour=blue', 'colour=green', 'colour=red', 'score']);
    expect(d.encoding).toEqual([
      { column: 'age', kind: 'numeric', mean: 2.5, std: AGE_STD },
      { column: 'colour', kind: 'categorical', categories: ['blue', 'green', 'red'], fill: 'red' },
      { column: 'score', kind: 'numeric', mean: 20, std: SCORE_STD },
    ]);
    expect(d.rows).toBe(6);
    expect(d.classes).toEqual(['no', 'yes']);
    expect(Array.from(d.y)).toEqual([1, 0, 1, 0, 1, 0]);
    const w = 5;
    const expectRow = (r: number, values: number[]) => row(d.x, w, r).forEach((v, i) => expect(v).toBeCloseTo(values[i], 5));
    expectRow(0, [-1.5 / AGE_STD, 0, 0, 1, -10 / SCORE_STD]);
    // Missing score is filled with the training mean, so it standardises to exactly 0.
    expectRow(3, [1.5 / AGE_STD, 0, 1, 0, 0]);
    // The test row is scaled with the training statistics: (6 − 2.5) / 1.1180 = 3.1305.
    expectRow(5, [3.5 / AGE_STD, 0, 0, 1, 40 / SCORE_STD]);
    expect(d.x[5 * w]).toBeCloseTo(3.130495, 5);
    expect(d.droppedRows).toEqual([]);
    expect(d.target).toBeNull();
  });

  it('ignores validation and test rows when computing statistics', () => {
    const changed = SIX.replace('6,red,60,no', '600,green,-9000,no').replace('5,blue,50,yes', '-70,green,7,yes');
    const a = buildTabular(parseDelimited(SIX, 'six.csv'), BASE);
    const b = buildTabular(parseDelimited(changed, 'six.csv'), BASE);
    expect(b.encoding).toEqual(a.encoding);
    expect(row(b.x, 5, 0)).toEqual(row(a.x, 5, 0));
    expect(b.x[5 * 5]).toBeCloseTo((600 - 2.5) / AGE_STD, 3);
  });

  it("fills a missing category with the training rows' most frequent value", () => {
    const text = SIX.replace('2,blue,20,no', '2,,20,no');
    const d = buildTabular(parseDelimited(text, 'six.csv'), BASE);
    // Training colours: red, (missing), red, green -> fill red.
    expect(row(d.x, 4, 1).slice(1, 3)).toEqual([0, 1]);
    expect(d.featureNames).toEqual(['age', 'colour=green', 'colour=red', 'score']);
  });

  it('drops rows with a missing feature, reports their lines and renumbers the split', () => {
    const d = buildTabular(parseDelimited(SIX, 'six.csv'), { ...BASE, missing: 'drop' });
    expect(d.droppedRows).toEqual([5]);
    expect(d.rows).toBe(5);
    expect(Array.from(d.splits.train)).toEqual([0, 1, 2]);
    expect(Array.from(d.splits.val)).toEqual([3]);
    expect(Array.from(d.splits.test)).toEqual([4]);
    // Training ages are now 1, 2, 3: mean 2, population std sqrt(2/3).
    expect(d.encoding[0]).toEqual({ column: 'age', kind: 'numeric', mean: 2, std: Math.sqrt(2 / 3) });
    expect(d.encoding[2]).toEqual({ column: 'score', kind: 'numeric', mean: 20, std: SCORE_STD });
    expect(Array.from(d.y)).toEqual([1, 0, 1, 1, 0]);
  });

  it('treats Infinity and 1e999 as missing numbers: filled with the training mean, or the row dropped', () => {
    const text = SIX.replace('2,blue,20,no', '2,blue,Infinity,no').replace('5,blue,50,yes', '5,blue,1e999,yes');
    const filled = buildTabular(parseDelimited(text, 'six.csv'), BASE);
    // Training scores 10, 30 (20 is now Infinity, row 3 empty): mean 20, std 10.
    expect(filled.encoding[2]).toEqual({ column: 'score', kind: 'numeric', mean: 20, std: 10 });
    expect(row(filled.x, 5, 1)[4]).toBe(0);
    const dropped = buildTabular(parseDelimited(text, 'six.csv'), { ...BASE, missing: 'drop', split: { seed: 1 } });
    expect(dropped.droppedRows).toEqual([3, 5, 6]);
  });

  it('drops rows without a label even when filling', () => {
    const d = buildTabular(parseDelimited(SIX.replace('3,red,30,yes', '3,red,30,NA'), 'six.csv'), BASE);
    expect(d.droppedRows).toEqual([4]);
    expect(Array.from(d.splits.train)).toEqual([0, 1, 2]);
  });

  it('encodes a new row exactly like the matching row of x', () => {
    const d = buildTabular(parseDelimited(SIX, 'six.csv'), BASE);
    expect(Array.from(applyEncoding(d.encoding, { age: '1', colour: 'red', score: '10', label: 'ignored' }))).toEqual(row(d.x, 5, 0));
    expect(Array.from(applyEncoding(d.encoding, { age: '4', colour: 'green', score: '' }))).toEqual(row(d.x, 5, 3));
    // A colour never seen in training is all zeros; a missing one takes the fill value.
    expect(Array.from(applyEncoding(d.encoding, { age: '2.5', colour: 'purple', score: '20' }))).toEqual([0, 0, 0, 0, 0]);
    expect(Array.from(applyEncoding(d.encoding, { age: '2.5', score: '20' }))).toEqual([0, 0, 0, 1, 0]);
    expect(() => applyEncoding(d.encoding, { age: 'old' })).toThrow('"old" in column "age" is not a number.');
  });

  it('treats a numeric column as categories when told to', () => {
    const d = buildTabular(parseDelimited(SIX, 'six.csv'), { ...BASE, features: ['age'], types: { age: 'categorical' } });
    expect(d.featureNames).toEqual(['age=1', 'age=2', 'age=3', 'age=4']);
    expect(row(d.x, 4, 5)).toEqual([0, 0, 0, 0]);
  });

  it('builds a regression target and splits it with a seed', () => {
    const lines = ['x,y'];
    for (let i = 0; i < 20; i++) lines.push(`${i},${2 * i + 1}`);
    const d = buildTabular(parseDelimited(lines.join('\n'), 'line.csv'), {
      label: 'y', features: ['x'], task: 'regression', missing: 'drop', split: { seed: 7 },
    });
    expect(d.y).toBeInstanceOf(Float32Array);
    expect(Array.from(d.y)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i + 1));
    expect([d.splits.train.length, d.splits.val.length, d.splits.test.length]).toEqual([16, 2, 2]);
    const train = Array.from(d.splits.train);
    const mean = train.reduce((a, i) => a + (2 * i + 1), 0) / 16;
    expect(d.target!.mean).toBeCloseTo(mean, 5);
    expect(d.classes).toBeNull();
  });

  it('splits classes in proportion when given a seed', () => {
    const lines = ['v,c'];
    for (let i = 0; i < 30; i++) lines.push(`${i},${i < 20 ? 'a' : 'b'}`);
    const d = buildTabular(parseDelimited(lines.join('\n'), 'c.csv'), {
      label: 'c', features: ['v'], task: 'classification', missing: 'drop', split: { seed: 1 },
    });
    const count = (part: Uint32Array, cls: number) => Array.from(part).filter((i) => d.y[i] === cls).length;
    expect([count(d.splits.train, 0), count(d.splits.val, 0), count(d.splits.test, 0)]).toEqual([16, 2, 2]);
    expect([count(d.splits.train, 1), count(d.splits.val, 1), count(d.splits.test, 1)]).toEqual([8, 1, 1]);
  });

  it('sorts numeric class labels as numbers', () => {
    const d = buildTabular(parseDelimited('v,k\n1,10\n2,9\n3,2\n', 'k.csv'), {
      label: 'k', features: ['v'], task: 'classification', missing: 'fill', split: { seed: 0 },
    });
    expect(d.classes).toEqual(['2', '9', '10']);
    expect(Array.from(d.y)).toEqual([2, 1, 0]);
  });
});

describe('buildTabular refuses bad choices with a clear message', () => {
  const table = () => parseDelimited(SIX, 'six.csv');

  it('a label with a single class', () => {
    const text = 'species,w\nsetosa,1\nsetosa,2\nsetosa,3\n';
    const e = thrown(() => buildTabular(parseDelimited(text, 'iris.csv'), { ...BASE, label: 'species', features: ['w'], split: { seed: 0 } }));
    expect(e.message).toBe('iris.csv: the label column "species" has only one class ("setosa"); a classifier needs at least two.');
  });

  it('text in a column forced to be numeric, naming line and column', () => {
    const lines = ['age,label'];
    for (let i = 0; i < 10; i++) lines.push(`${20 + i},${i % 2 ? 'a' : 'b'}`);
    lines.push('abc,a');
    const text = lines.join('\n');
    const opts: TabularOptions = { label: 'label', features: ['age'], task: 'classification', missing: 'fill', split: { seed: 0 } };
    // Left alone, the column is categorical; forced to numeric, line 12 is wrong.
    expect(buildTabular(parseDelimited(text, 'ages.csv'), opts).encoding[0].kind).toBe('categorical');
    const e = thrown(() => buildTabular(parseDelimited(text, 'ages.csv'), { ...opts, types: { age: 'numeric' } }));
    expect(e.message).toBe('ages.csv, line 12: "abc" in column "age" is not a number.');
    expect(e.line).toBe(12);
  });

  it('text in a regression target', () => {
    const e = thrown(() => buildTabular(table(), { ...BASE, label: 'colour', features: ['age'], task: 'regression' }));
    expect(e.message).toBe('six.csv, line 2: "red" in column "colour" is not a number.');
  });

  it('no features, the label among the features, an unknown column', () => {
    expect(thrown(() => buildTabular(table(), { ...BASE, features: [] })).message).toBe(
      'six.csv: no feature columns are selected; choose at least one input column.',
    );
    expect(thrown(() => buildTabular(table(), { ...BASE, features: ['age', 'label'] })).message).toBe(
      'six.csv: the label column "label" is also selected as a feature; a model cannot be given the answer as an input.',
    );
    expect(thrown(() => buildTabular(table(), { ...BASE, features: ['height'] })).message).toBe('six.csv: there is no column "height".');
  });
});
