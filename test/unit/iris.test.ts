import { describe, expect, it } from 'vitest';
import { analyseColumns, inferTask } from '../../src/lib/import/columns';
import { irisTable } from '../../src/lib/import/iris';
import { buildTabular } from '../../src/lib/import/tabular';

describe('irisTable', () => {
  it('has 150 rows of four measurements and a species', () => {
    const t = irisTable();
    expect(t.rows.length).toBe(150);
    expect(t.columns).toHaveLength(5);
    expect(t.rows[0]).toEqual(['5.1', '3.5', '1.4', '0.2', 'setosa']);
    const cols = analyseColumns(t);
    expect(cols.slice(0, 4).map((c) => c.type)).toEqual(['numeric', 'numeric', 'numeric', 'numeric']);
    expect(cols[4].categories).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(inferTask(cols[4])).toBe('classification');
    // Sepal length range of Fisher's data.
    expect([cols[0].min, cols[0].max]).toEqual([4.3, 7.9]);
  });

  it('builds through the tabular path into three classes of 50, split 40/5/5 each', () => {
    const t = irisTable();
    const d = buildTabular(t, { label: 'species', features: t.columns.slice(0, 4), task: 'classification', missing: 'drop', split: { seed: 5 } });
    expect(d.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect([0, 1, 2].map((c) => Array.from(d.y).filter((v) => v === c).length)).toEqual([50, 50, 50]);
    expect([d.splits.train.length, d.splits.val.length, d.splits.test.length]).toEqual([120, 15, 15]);
    expect(d.x.length).toBe(150 * 4);
  });
});
