import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { freshDb } from './helpers/fakeDb';
import { makeIdx } from './helpers/idxFile';
import { cifarFile, deps, fileOf } from './helpers/importPipeline';
import { runImport } from '../../src/lib/import/pipeline';
import { readShard } from '../../src/lib/storage/datasets';

describe('binary imports', () => {
  it('CIFAR-10: data_batch files are train, test_batch is test, pixels interleaved', async () => {
    const { db } = await freshDb();
    const { dataset: meta } = await runImport(
      { kind: 'cifar10', files: [cifarFile('test_batch.bin', [9, 0]), cifarFile('data_batch_1.bin', [6, 1, 6])], name: 'CIFAR' },
      deps(db),
    );
    expect(meta).toMatchObject({ kind: 'image', dtype: 'uint8', shape: [32, 32, 3], source: 'data_batch_1.bin, test_batch.bin' });
    expect(meta.classes[6]).toBe('frog');
    expect(meta.splits.val).toBeUndefined();
    expect(meta.splits.train).toEqual({ count: 3, shardSize: 1301, shards: 1, classCounts: [0, 1, 0, 0, 0, 0, 2, 0, 0, 0] });
    expect(meta.splits.test.classCounts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const train = await readShard(db, meta.id, 'train', 0);
    expect(Array.from(train.y)).toEqual([6, 1, 6]);
    // First record (label 6, seed 60): pixel p is [(p+60), (3p+60), 60] mod 256.
    expect(Array.from(train.x.slice(0, 6))).toEqual([60, 60, 60, 61, 63, 60]);
    expect(Array.from(train.x.slice(3 * 1023, 3 * 1024))).toEqual([(1023 + 60) % 256, (3 * 1023 + 60) % 256, 60]);
    const test = await readShard(db, meta.id, 'test', 0);
    expect(Array.from(test.x.slice(0, 3))).toEqual([90, 90, 90]);
  });

  it('CIFAR-10 without test_batch is split 80/10/10', async () => {
    const { db } = await freshDb();
    const labels = Array.from({ length: 20 }, (_, i) => i % 2);
    const { dataset } = await runImport({ kind: 'cifar10', files: [cifarFile('data_batch_1.bin', labels)], name: '' }, deps(db));
    expect(dataset.name).toBe('data_batch_1.bin');
    expect([dataset.splits.train.count, dataset.splits.val!.count, dataset.splits.test.count]).toEqual([16, 2, 2]);
  });

  it('IDX: pairs images with labels and tells train from t10k by name', async () => {
    const { db } = await freshDb();
    const px = (n: number, base: number) => Array.from({ length: n * 9 }, (_, i) => base + i);
    const files = [
      fileOf([makeIdx([2], [1, 0])], 't10k-labels-idx1-ubyte'),
      fileOf([makeIdx([4, 3, 3], px(4, 0))], 'train-images-idx3-ubyte'),
      fileOf([makeIdx([4], [0, 2, 1, 2])], 'train-labels-idx1-ubyte'),
      fileOf([makeIdx([2, 3, 3], px(2, 100))], 't10k-images-idx3-ubyte'),
    ];
    const { dataset: meta } = await runImport({ kind: 'idx', files, name: 'Tiny digits' }, deps(db));
    expect(meta).toMatchObject({ name: 'Tiny digits', shape: [3, 3, 1], classes: ['0', '1', '2'], dtype: 'uint8' });
    expect(meta.splits.train).toMatchObject({ count: 4, classCounts: [1, 1, 2] });
    expect(meta.splits.test).toMatchObject({ count: 2, classCounts: [1, 1, 0] });
    const test = await readShard(db, meta.id, 'test', 0);
    expect(Array.from(test.x.slice(9, 12))).toEqual([109, 110, 111]);
    expect(Array.from(test.y)).toEqual([1, 0]);
  });
  it('IDX: unpacks gzipped files, and without test files splits 80/10/10', async () => {
    const { db } = await freshDb();
    const labels = Array.from({ length: 20 }, (_, i) => i % 2);
    const files = [
      fileOf([gzipSync(makeIdx([20, 2, 2], Array.from({ length: 80 }, (_, i) => i)))], 'train-images-idx3-ubyte.gz'),
      fileOf([makeIdx([20], labels)], 'train-labels-idx1-ubyte'),
    ];
    const { dataset } = await runImport({ kind: 'idx', files, name: 'Pairs' }, deps(db));
    expect(dataset.classes).toEqual(['0', '1']);
    expect([dataset.splits.train.count, dataset.splits.val!.count, dataset.splits.test.count]).toEqual([16, 2, 2]);
    const train = await readShard(db, dataset.id, 'train', 0);
    // Every stored sample is one of the file's: four consecutive values starting at 4 × its index, labelled index mod 2.
    for (let n = 0; n < 16; n++) {
      const i = train.x[n * 4] / 4;
      expect(Array.from(train.x.slice(n * 4, n * 4 + 4))).toEqual([4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]);
      expect(train.y[n]).toBe(i % 2);
    }
  });
});
