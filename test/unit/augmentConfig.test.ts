// The augment field of the experiment config: its URL form, the restore gate, and
// links and records written before the field existed.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, configFromSearchParams, configToSearchParams, restoreConfig } from '../../src/lib/config';
import { augments } from '../../src/lib/augment/spec';

const WORKED = { rotate: 15, shift: 0.1, shear: 10, zoom: 0.1, flip: true, brightness: 0.2 };

describe('the augment field', () => {
  it('is off by default, and old links and records without it restore as off', () => {
    expect(DEFAULT_CONFIG.augment).toBeNull();
    // A stored run config as written before augmentation existed.
    const old = { datasetId: 'mnist', model: 'cnn', optimizer: 'sgd', learningRate: 0.01, batchSize: 64, epochs: 3, validationSplit: 0.1, seed: 7, trainLimit: 0, backend: 'webgl' };
    const restored = restoreConfig(old);
    expect(restored).toEqual({ ...DEFAULT_CONFIG, ...old });
    expect(restored.augment).toBeNull();
    expect(configFromSearchParams(new URLSearchParams('model=cnn&epochs=3')).augment).toBeNull();
    expect(configToSearchParams(DEFAULT_CONFIG).has('augment')).toBe(false);
  });

  it('writes the worked example of its URL form, and reads it back', () => {
    const params = configToSearchParams({ ...DEFAULT_CONFIG, augment: WORKED });
    expect(params.toString()).toBe('augment=rotate15_shift0.1_shear10_zoom0.1_flip_brightness0.2');
    expect(configFromSearchParams(params).augment).toEqual(WORKED);
  });

  it('leaves out the changes that are off, and reads any order', () => {
    const c = restoreConfig({ augment: 'flip_rotate20' });
    expect(c.augment).toEqual({ rotate: 20, shift: 0, shear: 0, zoom: 0, flip: true, brightness: 0 });
    expect(configToSearchParams(c).get('augment')).toBe('rotate20_flip');
    expect(restoreConfig({ augment: 'off' }).augment).toBeNull();
  });

  it('keeps a setting with every change at zero on, so it does not read back as off', () => {
    const zero = { rotate: 0, shift: 0, shear: 0, zoom: 0, flip: false, brightness: 0 };
    const text = configToSearchParams({ ...DEFAULT_CONFIG, augment: zero }).get('augment');
    expect(text).toBe('rotate0');
    expect(restoreConfig({ augment: text }).augment).toEqual(zero);
    expect(augments(zero)).toBe(false);
    expect(augments(WORKED)).toBe(true);
  });

  it('takes the stored form, filling what is missing', () => {
    expect(restoreConfig({ augment: { rotate: 5 } }).augment).toEqual({ rotate: 5, shift: 0, shear: 0, zoom: 0, flip: false, brightness: 0 });
    expect(restoreConfig({ augment: null }).augment).toBeNull();
  });

  it('refuses what it cannot read, or a change too large, naming the field', () => {
    expect(() => restoreConfig({ augment: 'spin10' })).toThrow('Augmentation: "spin10" is not a valid value');
    expect(() => restoreConfig({ augment: 'rotate10_rotate20' })).toThrow('is not a valid value');
    expect(() => restoreConfig({ augment: 'flip1' })).toThrow('is not a valid value');
    expect(() => restoreConfig({ augment: { flip: 'yes' } })).toThrow('is not a valid value');
    expect(() => restoreConfig({ augment: 'shift0.8' })).toThrow('Augmentation shift must be between 0 and 0.5 (got shift0.8)');
    expect(() => restoreConfig({ augment: { rotate: 200 } })).toThrow('Augmentation rotation must be between 0 and 180');
  });
});
