import { expect } from 'vitest';
import { ImportError } from '../../../src/lib/import/errors';

/** Runs fn, which must throw an ImportError, and returns it so its message and fields can be checked. */
export function thrown(fn: () => unknown): ImportError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return e as ImportError;
  }
  throw new Error('expected an ImportError');
}
