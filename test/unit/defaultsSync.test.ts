// The training settings follow the dataset: those at the previous dataset's defaults take the new one's, the person's own stay.
// (Svelte effects do not run under Node's server build; the e2e suite drives the sync itself.)
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/lib/config';
import { followDefaults, tableDefaults } from '../../src/lib/trainingDefaults';

describe('followDefaults', () => {
  it('moves only the fields still at the previous defaults', () => {
    const previous = tableDefaults(DEFAULT_CONFIG);
    const next = { ...previous, batchSize: 8, epochs: 100, learningRate: 0.01 };
    expect(followDefaults({ ...previous, epochs: 12 }, previous, next)).toEqual({ batchSize: 8, learningRate: 0.01 });
  });
});
