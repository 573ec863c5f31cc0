// Links and stored records from before the training options still open, with the options at their defaults.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configFromSearchParams, configToSearchParams, restoreConfig } from '../../src/lib/config';
import { restoreModelMeta } from '../../src/lib/storage/restoreModel';
import { testHearth } from './helpers/hearth';

/** A config as the app stored it before optimizer parameters, schedules, weight decay and early stopping. */
const OLD_CONFIG = { datasetId: 'iris', model: 'tabular-mlp', optimizer: 'sgd', learningRate: 0.05, batchSize: 16, epochs: 20, validationSplit: 0.1, seed: 42, trainLimit: 0, backend: 'auto' };

describe('before the training options', () => {
  it('an old link opens with the new fields at their defaults', () => {
    const config = configFromSearchParams(new URLSearchParams('datasetId=iris&optimizer=sgd&learningRate=0.05&epochs=20'));
    expect(config).toEqual({ ...DEFAULT_CONFIG, datasetId: 'iris', optimizer: 'sgd', learningRate: 0.05, epochs: 20 });
    expect(config).toMatchObject({ momentum: 0, nesterov: false, schedule: { kind: 'constant' }, weightDecay: 0, patience: 0 });
  });

  it('an old stored config restores, and its link is as short as before', () => {
    const config = restoreConfig(OLD_CONFIG);
    expect(config).toEqual({ ...DEFAULT_CONFIG, ...OLD_CONFIG });
    expect(configToSearchParams(config).toString()).toBe('datasetId=iris&model=tabular-mlp&optimizer=sgd&learningRate=0.05&batchSize=16&epochs=20');
  });

  it('an old saved model opens without an early-stop record; a damaged one is dropped, a good one kept', () => {
    const old = { id: 'm', name: 'Old', createdAt: 1, config: OLD_CONFIG, datasetId: 'iris', datasetName: 'Iris', classes: ['a', 'b', 'c'], inputShape: [1, 1, 4], paramCount: 10, backend: 'cpu', trainSeconds: 1, history: [], evaluation: null, bytes: 40 };
    const restored = restoreModelMeta(old);
    expect(restored.config.schedule).toEqual({ kind: 'constant' });
    expect('earlyStop' in restored).toBe(false);
    expect('earlyStop' in restoreModelMeta({ ...old, earlyStop: { epoch: 'x' } })).toBe(false);
    expect(restoreModelMeta({ ...old, earlyStop: { epoch: 12, bestEpoch: 7, restored: true } }).earlyStop).toEqual({ epoch: 12, bestEpoch: 7, restored: true });
  });

  it('the new fields travel in the link in their compact form', () => {
    const config = { ...DEFAULT_CONFIG, optimizer: 'sgd' as const, momentum: 0.9, nesterov: true, schedule: { kind: 'step' as const, every: 10, factor: 0.5 }, patience: 5, weightDecay: 0.0001 };
    const text = configToSearchParams(config).toString();
    expect(text).toBe('optimizer=sgd&momentum=0.9&nesterov=1&schedule=step_every10_x0.5&weightDecay=0.0001&patience=5');
    expect(configFromSearchParams(new URLSearchParams(text))).toEqual(config);
    expect(() => restoreConfig({ schedule: 'step_every0' })).toThrow('Learning-rate schedule every must be between 1 and 1000 (got step_every0_x0.5)');
  });
});

describe('the settings form', () => {
  it('does not let a bad draft of a field that does not apply hold the run back', async () => {
    const { hearth } = await testHearth();
    const { settings } = hearth;
    settings.setDraft('beta1', '2');
    expect(settings.errors).toEqual({ beta1: 'β₁ must be between 0 and 0.9999' });
    settings.set('optimizer', 'sgd');
    expect(settings.errors).toEqual({});
    expect(settings.valid).toBe(true);
    hearth.dispose();
  });
});
