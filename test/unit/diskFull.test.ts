// A full disk, as Chromium reports it: not always a QuotaExceededError from the
// request, but often a failed commit whose cause is only on the transaction.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { IDBObjectStore } from 'fake-indexeddb';
import { failCommitsOf, freshDb, tinyDataset } from './helpers/fakeDb';
import { StorageFullError, describeStorageError, isQuotaError, runWrites } from '../../src/lib/storage/db';
import { getDataset, listDatasets, writeDataset } from '../../src/lib/storage/datasets';
import { saveModel } from '../../src/lib/storage/modelIO';
import { describeImportError } from '../../src/lib/import/pipeline';
import { DEFAULT_CONFIG } from '../../src/lib/config';

const blobsFailed = () => new DOMException('Failed to write blobs (IOError)', 'DataError');
const proto = IDBObjectStore.prototype as unknown as { put: (...args: never[]) => unknown };
let undo: (() => number) | null = null;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  undo?.();
  undo = null;
});

describe('isQuotaError', () => {
  it('recognises the shapes a full disk takes', () => {
    expect(isQuotaError(new DOMException('', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(blobsFailed())).toBe(true);
    expect(isQuotaError(new DOMException('Failed to write blobs (IOError)', 'UnknownError'))).toBe(true);
    expect(isQuotaError({ name: 'NS_ERROR_DOM_QUOTA_REACHED' })).toBe(true);
    expect(isQuotaError(new StorageFullError('x'))).toBe(true);
  });

  it('leaves other storage errors alone', () => {
    expect(isQuotaError(new DOMException('Data provided to an operation does not meet requirements.', 'DataError'))).toBe(false);
    expect(isQuotaError(new DOMException('', 'AbortError'))).toBe(false);
    expect(isQuotaError(new DOMException('Internal error opening backing store', 'UnknownError'))).toBe(false);
    expect(isQuotaError(null)).toBe(false);
  });
});

describe('runWrites', () => {
  it("throws the transaction's own error, not the AbortError its requests saw", async () => {
    // As in the browser: the request's AbortError is delivered before the transaction's abort event.
    const cause = blobsFailed();
    const tx = {
      done: new Promise<void>((_, reject) => setTimeout(() => reject(cause), 5)),
      abort() {},
    };
    const err = await runWrites(tx, (track) => track(Promise.reject(new DOMException('', 'AbortError')))).catch((e: unknown) => e);
    expect(err).toBe(cause);
  });

  it('keeps a request error that is the cause', async () => {
    const cause = new DOMException('Key already exists', 'ConstraintError');
    let abort!: (e: unknown) => void;
    const tx = { done: new Promise<void>((_, reject) => (abort = reject)), abort: () => abort(new DOMException('', 'AbortError')) };
    const err = await runWrites(tx, (track) => track(Promise.reject(cause))).catch((e: unknown) => e);
    expect(err).toBe(cause);
  });
});

describe('a commit that fails on a full disk', () => {
  it('refuses a dataset with a message naming the cause, and keeps what was stored', async () => {
    const { db } = await freshDb();
    const first = tinyDataset('first', { train: 6, test: 2 }, 4);
    await writeDataset(db, first.meta, first.data);
    const shardsBefore = await db.getAllKeys('shards');

    undo = failCommitsOf('shards', blobsFailed(), proto);
    const second = tinyDataset('second', { train: 20, test: 4 }, 4);
    const err = await writeDataset(db, second.meta, second.data).catch((e: unknown) => e);
    expect(undo()).toBe(1);
    undo = null;

    expect(err).toBeInstanceOf(StorageFullError);
    expect((err as StorageFullError).what).toBe('the dataset "Tiny second"');
    const message = describeImportError(err, 'second.csv');
    expect(message).toMatch(/^Not enough disk space for this site: the dataset "Tiny second" could not be stored/);
    expect(message).toMatch(/it was not kept\. Everything stored before is unchanged\./);
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['first']);
    expect(await db.getAllKeys('shards')).toEqual(shardsBefore);
    expect(await getDataset(db, 'first')).toEqual(first.meta);
  });

  it('refuses a model save whose weights could not be written, leaving neither record', async () => {
    const { db } = await freshDb();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: 'softmax' })] });
    undo = failCommitsOf('modelWeights', blobsFailed(), proto);
    const err = await saveModel(db, model, {
      id: 'm',
      name: 'Model m',
      createdAt: 1,
      config: { ...DEFAULT_CONFIG },
      datasetId: 'd',
      datasetName: 'D',
      classes: ['a', 'b'],
      inputShape: [1, 1, 2],
      paramCount: 6,
      backend: 'cpu',
      trainSeconds: 1,
      history: [],
      evaluation: null,
    }).catch((e: unknown) => e);
    model.dispose();
    expect(undo()).toBe(1);
    undo = null;
    expect(err).toBeInstanceOf(StorageFullError);
    expect(describeStorageError(err)).toMatch(/^Not enough disk space for this site: the model "Model m" could not be stored/);
    expect(await db.count('models')).toBe(0);
    expect(await db.count('modelWeights')).toBe(0);
  });
});
