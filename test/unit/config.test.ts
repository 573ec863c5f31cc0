import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CONFIG,
  configFromSearchParams,
  configToSearchParams,
  restoreConfig,
} from '../../src/lib/config';

describe('restoreConfig', () => {
  it('fills every missing field with its default', () => {
    expect(restoreConfig({})).toEqual(DEFAULT_CONFIG);
    expect(restoreConfig({ epochs: 3 })).toEqual({ ...DEFAULT_CONFIG, epochs: 3 });
  });

  it('drops unknown fields', () => {
    const restored = restoreConfig({ epochs: 2, evil: '<script>' }) as unknown as Record<string, unknown>;
    expect(restored.evil).toBeUndefined();
    expect(restored.epochs).toBe(2);
  });

  it('accepts numbers given as strings, as they arrive from a URL or a form', () => {
    const c = restoreConfig({ learningRate: '0.01', batchSize: '64', validationSplit: '0.2' });
    expect(c.learningRate).toBe(0.01);
    expect(c.batchSize).toBe(64);
    expect(c.validationSplit).toBe(0.2);
  });

  it('names each unusable field in one message', () => {
    expect(() => restoreConfig({ epochs: 0, optimizer: 'adagrad', batchSize: 3.5 })).toThrowError(ConfigError);
    try {
      restoreConfig({ epochs: 0, optimizer: 'adagrad', batchSize: 3.5 });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('Epochs must be between 1 and 1000 (got 0)');
      expect(message).toContain('Optimizer: "adagrad" is not a valid value');
      expect(message).toContain('Batch size: "3.5" is not a valid value');
    }
  });

  it('rejects out-of-range values', () => {
    expect(() => restoreConfig({ validationSplit: 0.9 })).toThrowError(/Validation split must be between 0 and 0.5/);
    expect(() => restoreConfig({ learningRate: 0 })).toThrowError(/Learning rate must be above 0/);
    expect(() => restoreConfig({ learningRate: Number.NaN })).toThrowError(/Learning rate/);
    expect(() => restoreConfig({ datasetId: '../../etc' })).toThrowError(/Dataset/);
  });

  it('rejects what is not an object', () => {
    expect(() => restoreConfig(null)).toThrowError('The experiment settings are not an object.');
    expect(() => restoreConfig([1, 2])).toThrowError(ConfigError);
    expect(() => restoreConfig('epochs=3')).toThrowError(ConfigError);
  });
});

describe('URL round trip', () => {
  it('writes only the fields that differ from the defaults', () => {
    const params = configToSearchParams({ ...DEFAULT_CONFIG, epochs: 2, model: 'cnn' });
    expect(params.toString()).toBe('model=cnn&epochs=2');
    expect(configToSearchParams(DEFAULT_CONFIG).toString()).toBe('');
  });

  it('restores the same config it wrote', () => {
    const config = { ...DEFAULT_CONFIG, optimizer: 'sgd' as const, learningRate: 0.05, trainLimit: 512, backend: 'cpu' as const };
    expect(configFromSearchParams(configToSearchParams(config))).toEqual(config);
  });

  it('ignores unrelated query parameters and rejects bad ones', () => {
    expect(configFromSearchParams(new URLSearchParams('utm_source=x&seed=7')).seed).toBe(7);
    expect(() => configFromSearchParams(new URLSearchParams('seed=-1'))).toThrowError(/Seed must be between/);
  });
});
