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

describe('CsvDraft identifiers', () => {
  /** c0 a suggested identifier (e-mail), c1 a plain feature, c2 a suggested one (name), label last. */
  function withSuggestions(): CsvPreview {
    const p = preview(4);
    p.columns[0] = { ...p.columns[0], name: 'contact', type: 'categorical', identifier: 'email' };
    p.columns[2] = { ...p.columns[2], name: 'name', type: 'categorical', identifier: 'name' };
    return p;
  }

  it('starts with the suggested identifiers marked, out of the features, and sends them as identifiers', () => {
    const d = new CsvDraft(withSuggestions());
    expect([d.isIdentifier('contact'), d.isIdentifier('c1'), d.isIdentifier('name')]).toEqual([true, false, true]);
    expect(d.identifierCount).toBe(2);
    expect(d.features).toEqual(['c1']);
    expect(d.featureCount).toBe(1);
    expect(d.identifierHint('contact')).toBe('its values look like e-mail addresses');
    expect(d.identifierHint('c1')).toBeNull();
    expect(d.leftOut).toEqual({ identifiers: ['contact', 'name'], unused: [] });
    expect(d.options('mine', 1)).toMatchObject({ features: ['c1'], identifiers: ['contact', 'name'] });
  });

  it('a person decides: unmarking brings the column back as a feature, marking takes it out', () => {
    const d = new CsvDraft(withSuggestions());
    d.setIdentifier('name', false);
    expect(d.features).toEqual(['c1', 'name']);
    expect(d.identifierCount).toBe(1);
    d.setIdentifier('c1', true);
    expect(d.features).toEqual(['name']);
    // A marked column cannot be ticked as a feature, nor become the label.
    d.toggleFeature('c1', true);
    expect(d.isFeature('c1')).toBe(false);
    d.setLabel('contact');
    expect(d.label).toBe('label');
    // The label itself cannot be marked.
    d.setIdentifier('label', true);
    expect(d.isIdentifier('label')).toBe(false);
    d.toggleFeature('name', false);
    expect(d.leftOut).toEqual({ identifiers: ['contact', 'c1'], unused: ['name'] });
    expect(d.options('mine', 1)).toMatchObject({ features: [], identifiers: ['contact', 'c1'] });
    expect(d.featureCount).toBe(0);
  });

  it('never marks the suggested label, even when it looks like an identifier', () => {
    const p = withSuggestions();
    p.columns[3] = { ...p.columns[3], identifier: 'distinct' };
    const d = new CsvDraft(p);
    expect(d.label).toBe('label');
    expect(d.isIdentifier('label')).toBe(false);
    expect(d.options('mine', 1).identifiers).toEqual(['contact', 'name']);
  });
});
