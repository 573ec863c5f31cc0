// The CSV form's choices: one flag per column, counts kept as they change, and the options sent to the worker.
import { describe, expect, it } from 'vitest';
import { CsvDraft } from '../../src/state/csvDraft.svelte';
import type { CsvPreview } from '../../src/lib/import/protocol';

function preview(columns: number, missingIn: number[] = []): CsvPreview {
  return {
    fileName: 'wide.csv',
    columns: Array.from({ length: columns }, (_, i) => ({
      name: i === columns - 1 ? 'label' : `c${i}`,
      type: i === columns - 1 ? 'categorical' : 'numeric',
      missing: missingIn.includes(i) ? 3 : 0,
      distinct: 2,
      example: [],
    })),
    rows: [],
    rowCount: 40,
    suggestedLabel: 'label',
    suggestedTask: 'classification',
    encoding: { name: 'windows-1252', detected: false },
    decimalComma: false,
    warnings: [],
  };
}

describe('CsvDraft', () => {
  it('starts with every column but the label as a feature, and toggles the column named', () => {
    const d = new CsvDraft(preview(5000, [7, 4321]));
    expect(d.featureCount).toBe(4999);
    expect(d.isFeature('label')).toBe(false);
    d.toggleFeature('c4321', false);
    expect(d.featureCount).toBe(4998);
    expect(d.isFeature('c4321')).toBe(false);
    expect(d.isFeature('c4320')).toBe(true);
    expect(d.featureMissing).toEqual([{ name: 'c7', missing: 3 }]);
    // Unticking twice counts once; the label cannot be ticked.
    d.toggleFeature('c4321', false);
    d.toggleFeature('label', true);
    expect(d.featureCount).toBe(4998);
    expect(d.features).toHaveLength(4998);
    expect(d.features.includes('c4321')).toBe(false);
  });

  it('a new label leaves the features, and the old one comes back among them', () => {
    const d = new CsvDraft(preview(4));
    d.setLabel('c1');
    expect(d.features).toEqual(['c0', 'c2', 'label']);
    expect(d.featureCount).toBe(3);
    // c1 holds numbers that are not all whole: a quantity.
    expect(d.task).toBe('regression');
  });

  it('sends the encoding the preview was read with, and type overrides of features only', () => {
    const d = new CsvDraft(preview(4));
    d.setType('c0', 'categorical');
    d.setType('c2', 'categorical');
    d.toggleFeature('c2', false);
    expect(d.typeOf('c0')).toBe('categorical');
    expect(d.options('mine', 3)).toEqual({
      name: 'mine',
      label: 'label',
      features: ['c0', 'c1'],
      task: 'classification',
      missing: 'fill',
      types: { c0: 'categorical' },
      seed: 3,
      encoding: 'windows-1252',
    });
    d.setType('c0', 'numeric');
    expect(d.types).toEqual({ c2: 'categorical' });
  });
});
