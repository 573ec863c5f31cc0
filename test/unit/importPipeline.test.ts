import { zipSync } from 'fflate';
import { beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from './helpers/fakeDb';
import { makeIdx } from './helpers/idxFile';
import { decodeFake, fakeImage, setDeclaredSizes } from './helpers/importImages';
import { animalOptions, animalsCsv, bytesOf, cifarFile, csvFile, deps, expectNothingStored, failure, fileOf, readSplit } from './helpers/importPipeline';
import { CANCELLED_MESSAGE, describeImportError, inspectCsv, runImport, throttleProgress, type ImportDeps } from '../../src/lib/import/pipeline';
import { forgetTable } from '../../src/lib/import/importTabular';
import { datasetId, shardSizeFor } from '../../src/lib/import/pipelineDataset';
import type { CsvImportOptions, ImportSource } from '../../src/lib/import/protocol';
import { listDatasets, readShard } from '../../src/lib/storage/datasets';

const column = (x: number[], width: number, c: number) => x.filter((_, i) => i % width === c);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const popStd = (v: number[]) => Math.sqrt(mean(v.map((t) => (t - mean(v)) ** 2)));

beforeEach(() => forgetTable());

describe('CSV import', () => {
  it('previews columns, the first rows and a suggested label', async () => {
    const preview = await inspectCsv(csvFile('animals.csv', animalsCsv()));
    expect(preview.fileName).toBe('animals.csv');
    expect(preview.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['a', 'numeric', 0],
      ['colour', 'categorical', 0],
      ['c', 'numeric', 1],
      ['label', 'categorical', 0],
    ]);
    expect(preview.rows).toHaveLength(8);
    expect(preview.rows[3]).toEqual(['3', 'red', 'NA', 'dog']);
    expect(preview.rowCount).toBe(50);
    expect(preview.suggestedLabel).toBe('label');
    expect(preview.suggestedTask).toBe('classification');
    expect(preview.encoding).toEqual({ name: 'utf-8', detected: true });
    expect(preview.decimalComma).toBe(false);
    expect(preview.warnings).toEqual([]);
  });

  it('names the first number that is not finite in each column, and reads the encoding it is told', async () => {
    const text = 'a;b;label\n1,5;2;x\n2,5;1e999;y\n3;-Infinity;x\n4;4;y\n';
    const preview = await inspectCsv(csvFile('eu.csv', text), { encoding: 'windows-1252' });
    expect(preview.decimalComma).toBe(true);
    expect(preview.encoding).toEqual({ name: 'windows-1252', detected: false });
    expect(preview.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['a', 'numeric', 0],
      ['b', 'numeric', 2],
      ['label', 'categorical', 0],
    ]);
    expect(preview.warnings).toEqual([
      'eu.csv, line 3, column "b": "1e999" is not a finite number (and 1 more in this column). It is treated as a missing value; correct it in the file if it is a mistake.',
    ]);
  });

  it('stores a standardised, one-hot tabular dataset with its training statistics', async () => {
    const { db } = await freshDb();
    const progress: string[] = [];
    const result = await runImport(
      { kind: 'csv', file: csvFile('animals.csv', animalsCsv()), options: animalOptions },
      deps(db, { onProgress: (phase) => progress.push(phase) }),
    );
    const meta = result.dataset;
    expect(meta.id).toMatch(/^my-table-[0-9a-z]{6}$/);
    expect(meta).toMatchObject({ name: 'My table', source: 'animals.csv', kind: 'tabular', task: 'classification', dtype: 'float32' });
    // a, colour=blue, colour=green, colour=red, c
    expect(meta.shape).toEqual([1, 1, 5]);
    expect(meta.tabular!.featureNames).toEqual(['a', 'colour=blue', 'colour=green', 'colour=red', 'c']);
    expect(meta.classes).toEqual(['cat', 'dog']);
    // Row 3 (a dog, file line 5) is dropped: 25 cats split 20/3/2, 24 dogs 19/3/2 (largest remainder, val before test).
    expect(result.droppedRows).toBe(1);
    expect(meta.importReport).toEqual({ skipped: [], droppedRows: 1 });
    expect(meta.splits.train).toEqual({ count: 39, shardSize: 4096, shards: 1, classCounts: [20, 19] });
    expect(meta.splits.val).toEqual({ count: 6, shardSize: 4096, shards: 1, classCounts: [3, 3] });
    expect(meta.splits.test).toEqual({ count: 4, shardSize: 4096, shards: 1, classCounts: [2, 2] });
    expect(meta.bytes).toBe(49 * (5 * 4 + 1));
    expect(progress).toContain('read');
    expect(progress.at(-1)).toBe('store');

    const train = await readSplit(db, meta.id, 'train', 1);
    // The training rows' numeric columns come out with mean 0 and spread 1 ...
    for (const c of [0, 4]) {
      expect(mean(column(train.x, 5, c))).toBeCloseTo(0, 5);
      expect(popStd(column(train.x, 5, c))).toBeCloseTo(1, 5);
    }
    // ... and un-standardising gives back the file's values: a is a whole number, c is a².
    const [ea, , ec] = meta.tabular!.encoding as { mean: number; std: number }[];
    for (let r = 0; r < 39; r++) {
      const a = train.x[r * 5] * ea.std + ea.mean;
      expect(a).toBeCloseTo(Math.round(a), 3);
      expect(train.x[r * 5 + 4] * ec.std + ec.mean).toBeCloseTo(Math.round(a) ** 2, 1);
      // Exactly one colour column is set, the one of row a.
      const onehot = train.x.slice(r * 5 + 1, r * 5 + 4);
      expect(onehot).toEqual([[0, 0, 1], [0, 1, 0], [1, 0, 0]][Math.round(a) % 3]);
      expect(train.y[r]).toBe(Math.round(a) % 2);
    }
    expect(await listDatasets(db)).toEqual([meta]);
  });

  it('keeps regression targets raw, with the training targets’ mean and spread', async () => {
    const { db } = await freshDb();
    const lines = ['size,rooms,price'];
    for (let i = 0; i < 40; i++) lines.push(`${50 + i},${1 + (i % 4)},${(100.5 + 2.25 * i).toFixed(2)}`);
    const file = csvFile('houses.tsv', lines.join('\n').replace(/,/g, '\t'));
    const preview = await inspectCsv(file);
    expect([preview.suggestedLabel, preview.suggestedTask]).toEqual(['price', 'regression']);
    const { dataset: meta } = await runImport(
      { kind: 'csv', file, options: { name: 'Houses', label: 'price', features: ['size', 'rooms'], task: 'regression', missing: 'fill', seed: 1 } },
      deps(db),
    );
    expect(meta).toMatchObject({ task: 'regression', classes: [], shape: [1, 1, 2] });
    expect([meta.splits.train.count, meta.splits.val!.count, meta.splits.test.count]).toEqual([32, 4, 4]);
    expect([meta.splits.train.classCounts, meta.splits.test.classCounts]).toEqual([[], []]);
    const train = await readSplit(db, meta.id, 'train', 1);
    const shard = await readShard(db, meta.id, 'train', 0);
    expect(shard.y).toBeInstanceOf(Float32Array);
    // Raw prices: each is 100.5 + 2.25 i for a row i whose size is 50 + i.
    const sizeEnc = meta.tabular!.encoding[0] as { mean: number; std: number };
    train.y.forEach((price, r) => {
      const i = Math.round(train.x[r * 2] * sizeEnc.std + sizeEnc.mean) - 50;
      expect(price).toBeCloseTo(100.5 + 2.25 * i, 4);
    });
    expect(meta.tabular!.target!.mean).toBeCloseTo(mean(train.y), 4);
    expect(meta.tabular!.target!.std).toBeCloseTo(popStd(train.y), 4);
  });

  it('parses 100,000 rows of 20 columns in seconds', async () => {
    const { db } = await freshDb();
    const lines = [Array.from({ length: 20 }, (_, c) => (c === 19 ? 'label' : `f${c}`)).join(',')];
    for (let r = 0; r < 100_000; r++) {
      const row: string[] = [];
      for (let c = 0; c < 19; c++) row.push(((r * (c + 3)) % 997 / 7).toFixed(3));
      row.push(String(r % 3));
      lines.push(row.join(','));
    }
    const file = csvFile('big.csv', lines.join('\n'));
    const started = performance.now();
    const preview = await inspectCsv(file);
    const { dataset } = await runImport(
      { kind: 'csv', file, options: { ...animalOptions, name: 'Big', label: 'label', features: preview.columns.slice(0, 19).map((c) => c.name) } },
      deps(db),
    );
    const seconds = (performance.now() - started) / 1000;
    expect(dataset.splits.train.count + dataset.splits.val!.count + dataset.splits.test.count).toBe(100_000);
    // 33,334 / 33,333 / 33,333 rows per class, each cut 80/10/10 by largest remainder: 26,667 to train from each.
    expect(dataset.splits.train).toMatchObject({ count: 80_001, shardSize: 4096, shards: 20 });
    console.log(`100,000 × 20 CSV: preview and import in ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(30);
  });
});

describe('image zip import', () => {
  const red = fakeImage(4, 4, () => [255, 0, 0, 255]);
  const blue = fakeImage(2, 3, () => [0, 0, 255, 255]);

  function zip(): Uint8Array {
    const files: Record<string, Uint8Array> = { 'pets/readme.txt': bytesOf('hello'), 'pets/dogs/broken.png': bytesOf('not a picture') };
    for (let i = 0; i < 10; i++) {
      files[`pets/cats/c${i}.png`] = red;
      files[`pets/dogs/d${i}.jpg`] = blue;
    }
    return zipSync(files);
  }

  it('stores uint8 images of the chosen size, split 80/10/10, with what it skipped', async () => {
    const { db } = await freshDb();
    const result = await runImport(
      { kind: 'image-zip', file: fileOf([zip()], 'pets.zip'), options: { name: '', size: 8, channels: 3, seed: 3 } },
      deps(db),
    );
    const meta = result.dataset;
    expect(meta).toMatchObject({ name: 'pets', source: 'pets.zip', kind: 'image', task: 'classification', dtype: 'uint8', shape: [8, 8, 3] });
    expect(meta.classes).toEqual(['cats', 'dogs']);
    expect(meta.splits.train).toEqual({ count: 16, shardSize: 4096, shards: 1, classCounts: [8, 8] });
    expect(meta.splits.val!.classCounts).toEqual([1, 1]);
    expect(meta.splits.test.classCounts).toEqual([1, 1]);
    expect(result.skipped).toEqual([
      { path: 'pets/readme.txt', reason: 'not an image (.txt files are not read)' },
      { path: 'pets/dogs/broken.png', reason: 'could not be decoded as an image (pets/dogs/broken.png is not a picture)' },
    ]);
    expect(meta.importReport!.skipped).toEqual(result.skipped);
    const shard = await readShard(db, meta.id, 'train', 0);
    expect(shard.x).toBeInstanceOf(Uint8Array);
    expect(shard.x.length).toBe(16 * 8 * 8 * 3);
    for (let n = 0; n < 16; n++) {
      const colour = shard.y[n] === 0 ? [255, 0, 0] : [0, 0, 255];
      expect(Array.from(shard.x.slice(n * 192, n * 192 + 3))).toEqual(colour);
      expect(Array.from(shard.x.slice(n * 192 + 189, n * 192 + 192))).toEqual(colour);
    }
  });

  it('imports a picked folder the same way', async () => {
    const { db } = await freshDb();
    const files = [];
    for (let i = 0; i < 10; i++) {
      files.push({ path: `pets/cats/c${i}.png`, file: fileOf([red], `c${i}.png`) });
      files.push({ path: `pets/dogs/d${i}.png`, file: fileOf([blue], `d${i}.png`) });
    }
    const { dataset } = await runImport({ kind: 'image-folder', files, options: { name: 'Pets', size: 8, channels: 1, seed: 3 } }, deps(db));
    expect(dataset).toMatchObject({ name: 'Pets', source: 'Folder pets', shape: [8, 8, 1], classes: ['cats', 'dogs'] });
    const shard = await readShard(db, dataset.id, 'test', 0);
    // Greyscale by Rec. 601 luma: red 0.299·255 ≈ 76, blue 0.114·255 ≈ 29.
    expect(Array.from(shard.y, (c, n) => [c, shard.x[n * 64]])).toEqual(Array.from(shard.y, (c) => [c, c === 0 ? 76 : 29]));
  });

  it('reads entries however their names are written, and skips one too big to be an image without unpacking it', async () => {
    const { db } = await freshDb();
    const spellings = [(p: string) => `./${p}`, (p: string) => `/${p}`, (p: string) => p.replace('/', '//'), (p: string) => p.replace(/\//g, '\\')];
    const files: Record<string, Uint8Array> = { 'pets/cats/huge.png': red, '../outside.png': red };
    for (let i = 0; i < 10; i++) {
      files[spellings[i % 4](`pets/cats/c${i}.png`)] = red;
      files[spellings[(i + 1) % 4](`pets/dogs/d${i}.jpg`)] = blue;
    }
    // huge.png declares 3.2 GB, more than the 1 GB left: counted, it would refuse the whole zip.
    const zipped = setDeclaredSizes(zipSync(files), (path) => (path === 'pets/cats/huge.png' ? 3.2e9 : undefined));
    const decoded: string[] = [];
    const result = await runImport(
      { kind: 'image-zip', file: fileOf([zipped], 'pets.zip'), options: { name: '', size: 8, channels: 3, seed: 3 } },
      deps(db, {
        decode: async (bytes, path) => (decoded.push(path), decodeFake(bytes, path)),
        estimate: async () => ({ usage: 0, quota: 1e9 }),
      }),
    );
    expect(result.dataset.classes).toEqual(['cats', 'dogs']);
    expect(result.dataset.splits.train.classCounts).toEqual([8, 8]);
    expect(decoded).toHaveLength(20);
    expect(decoded).not.toContain('pets/cats/huge.png');
    expect(result.skipped).toEqual([
      { path: 'pets/cats/huge.png', reason: 'too big to be an image Hearth can use (3.2 GB; image files up to 100.0 MB are read), so it was not unpacked' },
      { path: '../outside.png', reason: 'its name leads outside the archive ("../"), so it was not read' },
    ]);
  });

  it('imports a folder whose paths are written with "./", backslashes or doubled slashes', async () => {
    const { db } = await freshDb();
    const files = [];
    for (let i = 0; i < 10; i++) {
      files.push({ path: `./pets\\cats\\c${i}.png`, file: fileOf([red], `c${i}.png`) });
      files.push({ path: `pets//dogs/d${i}.png`, file: fileOf([blue], `d${i}.png`) });
    }
    const { dataset } = await runImport({ kind: 'image-folder', files, options: { name: 'Pets', size: 8, channels: 1, seed: 3 } }, deps(db));
    expect(dataset.classes).toEqual(['cats', 'dogs']);
    expect(dataset.splits.train.classCounts).toEqual([8, 8]);
  });

  it('stops decoding at a cancel and stores nothing', async () => {
    const { db } = await freshDb();
    const controller = new AbortController();
    let decoded = 0;
    const decode: ImportDeps['decode'] = async (bytes, path) => {
      if (++decoded === 3) controller.abort();
      return decodeFake(bytes, path);
    };
    const p = runImport(
      { kind: 'image-zip', file: fileOf([zip()], 'pets.zip'), options: { name: 'x', size: 8, channels: 3, seed: 1 } },
      deps(db, { decode, signal: controller.signal }),
    );
    expect(await failure(p, 'pets.zip')).toBe(CANCELLED_MESSAGE);
    expect(decoded).toBe(3);
    await expectNothingStored(db);
  });

  const overQuota: [string, number, number, string | RegExp][] = [
    // 10 × 69 + 10 × 29 + 13 + 5 = 998 bytes of files declared, 100 left.
    ['a zip that would expand past the space left', 8, 100, 'pets.zip would expand to 998 bytes, more than the 100 bytes of space left.'],
    // 21 images × (224² × 3 + 1 label byte) = 3,161,109 bytes.
    [
      'images that would not fit once resized',
      224,
      1_000_000,
      'pets.zip needs about 3.2 MB once imported, but only 1.0 MB of storage is left. Free space by deleting datasets or models.',
    ],
  ];
  for (const [what, size, left, expected] of overQuota) {
    it(`refuses ${what}, naming the zip`, async () => {
      const { db } = await freshDb();
      const message = await failure(
        runImport(
          { kind: 'image-zip', file: fileOf([zip()], 'pets.zip'), options: { name: 'x', size, channels: 3, seed: 1 } },
          deps(db, { estimate: async () => ({ usage: 5_000, quota: 5_000 + left }) }),
        ),
        'pets.zip',
      );
      expect(message).toBe(expected);
      await expectNothingStored(db);
    });
  }
});

describe('bad input leaves nothing behind', () => {
  const csvOptions = (label: string, features: string[]): CsvImportOptions => ({ ...animalOptions, label, features });

  const cases: [string, () => ImportSource, RegExp | string, Partial<ImportDeps>?][] = [
    [
      'a ragged CSV row',
      () => ({ kind: 'csv', file: csvFile('ragged.csv', 'a,b,label\n1,2,x\n3,y\n'), options: csvOptions('label', ['a', 'b']) }),
      'ragged.csv, line 3: expected 3 fields, found 2. Look on that line for a separator too many or too few, or a field that should be in quotes.',
    ],
    [
      'a picture renamed .csv',
      () => ({ kind: 'csv', file: fileOf([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])], 'photo.csv'), options: csvOptions('label', ['a']) }),
      'photo.csv (12 bytes) is not a text file: its start holds a NUL byte (character 9), as an image, a spreadsheet or an archive does. Save the table as CSV or TSV text and import that file.',
    ],
    [
      'a single-class label',
      () => ({ kind: 'csv', file: csvFile('one.csv', 'a,label\n1,x\n2,x\n3,x\n'), options: csvOptions('label', ['a']) }),
      'one.csv: the label column "label" has only one class ("x"); a classifier needs at least two.',
    ],
    [
      'text in a column forced numeric',
      () => ({
        kind: 'csv',
        file: csvFile('text.csv', 'a,label\n1,x\ntwo,y\n'),
        options: { ...csvOptions('label', ['a']), types: { a: 'numeric' } },
      }),
      'text.csv, line 3: "two" in column "a" is not a number.',
    ],
    ['an empty file', () => ({ kind: 'csv', file: csvFile('empty.csv', ''), options: csvOptions('label', ['a']) }), 'empty.csv is empty.'],
    [
      'a file larger than the space left',
      () => ({ kind: 'csv', file: csvFile('animals.csv', animalsCsv()), options: animalOptions }),
      // The file is 812 bytes: the header and 50 rows.
      'animals.csv needs about 812 bytes once imported, but only 500 bytes of storage is left. Free space by deleting datasets or models.',
      { estimate: async () => ({ usage: 1500, quota: 2000 }) },
    ],
    [
      'a CIFAR file whose length is not a multiple of 3,073',
      () => ({ kind: 'cifar10', files: [cifarFile('test_batch.bin', [1, 2]), fileOf([new Uint8Array(3073 * 2 + 5)], 'data_batch_2.bin')], name: 'c' }),
      'data_batch_2.bin is not a CIFAR-10 batch: its length (6,151 bytes) is not a multiple of 3,073 (record 3 is cut short).',
    ],
    [
      'an IDX labels file without its images',
      () => ({ kind: 'idx', files: [fileOf([makeIdx([2], [0, 1])], 'train-labels.idx')], name: 'x' }),
      'train-labels.idx has no matching images file; choose the training images file too.',
    ],
    [
      'IDX files with no samples',
      () => ({
        kind: 'idx',
        files: [fileOf([makeIdx([0, 28, 28], [])], 'train-images-idx3-ubyte'), fileOf([makeIdx([0], [])], 'train-labels-idx1-ubyte')],
        name: 'x',
      }),
      'train-images-idx3-ubyte holds no images (its shape is [0, 28, 28]); choose an images file that has samples in it.',
    ],
    [
      'IDX images 0 pixels wide',
      () => ({
        kind: 'idx',
        files: [fileOf([makeIdx([4, 28, 0], [])], 'train-images-idx3-ubyte'), fileOf([makeIdx([4], [0, 1, 0, 1])], 'train-labels-idx1-ubyte')],
        name: 'x',
      }),
      'train-images-idx3-ubyte holds images 0 pixels wide (its shape is [4, 28, 0]), which have nothing to learn from. Check that it is the images file you meant, or export it again.',
    ],
    [
      'a zip whose classes cannot all be read',
      () => ({
        kind: 'image-zip',
        file: fileOf([zipSync({ 'a/x.png': bytesOf('bad'), 'b/y.png': fakeImage(1, 1, () => [0, 0, 0, 255]) })], 'odd.zip'),
        options: { name: 'x', size: 8, channels: 1, seed: 1 },
      }),
      'odd.zip: only the class "b" has images that could be read; a classifier needs at least two classes.',
    ],
  ];

  for (const [what, source, expected, extra] of cases) {
    it(`refuses ${what}`, async () => {
      const { db } = await freshDb();
      const message = await failure(runImport(source(), deps(db, extra)), 'the file');
      if (typeof expected === 'string') expect(message).toBe(expected);
      else expect(message).toMatch(expected);
      await expectNothingStored(db);
    });
  }

  it('a cancel midway through storing leaves nothing', async () => {
    const { db } = await freshDb();
    const lines = ['a,b,label'];
    for (let i = 0; i < 12_000; i++) lines.push(`${i},${i % 7},${i % 2}`);
    const controller = new AbortController();
    const stored: number[] = [];
    const p = runImport(
      { kind: 'csv', file: csvFile('long.csv', lines.join('\n')), options: csvOptions('label', ['a', 'b']) },
      deps(db, {
        signal: controller.signal,
        onProgress: (phase, fraction) => {
          if (phase !== 'store' || fraction === 0) return;
          stored.push(fraction);
          controller.abort();
        },
      }),
    );
    expect(await failure(p, 'long.csv')).toBe(CANCELLED_MESSAGE);
    // One of the five shards (train 9,600 in 3 of 4,096, val and test 1,200 in one each) was written before the cancel.
    expect(stored).toHaveLength(1);
    expect(stored[0]).toBeCloseTo(4096 / 12_000, 6);
    await expectNothingStored(db);
  });

  it('words an unexpected failure with the file name', () => {
    expect(describeImportError(new TypeError('boom.'), 'x.csv')).toBe('Could not import x.csv: boom. Nothing was stored.');
  });
});

describe('pieces', () => {
  it('names datasets by a slug of their name and six base-36 characters', () => {
    const digits = [0, 35 / 36, 10 / 36, 1 / 36, 0.5, 0.999];
    let k = 0;
    expect(datasetId('  Café Photos! 2024 ', () => digits[k++])).toBe('cafe-photos-2024-0za1iz');
    expect(datasetId('***', () => 0)).toBe('dataset-000000');
  });

  it('keeps shards to 4,096 samples or about 4 MB', () => {
    expect(shardSizeFor(785)).toBe(4096);
    expect(shardSizeFor(64 * 64 * 3 + 1)).toBe(325);
    expect(shardSizeFor(224 * 224 * 3 + 1)).toBe(26);
    expect(shardSizeFor(8_000_000)).toBe(1);
  });

  it('throttles progress to one per interval and phase, always passing the end of a phase', () => {
    let t = 0;
    const seen: string[] = [];
    const progress = throttleProgress((phase, f) => seen.push(`${phase} ${f}`), 100, () => t);
    progress('read', 0);
    t = 50;
    progress('read', 0.5);
    progress('read', 1);
    progress('decode', 0.1);
    t = 120;
    progress('decode', 0.2);
    t = 200;
    progress('decode', 0.3);
    t = 260;
    progress('decode', 0.4);
    expect(seen).toEqual(['read 0', 'read 1', 'decode 0.1', 'decode 0.3']);
  });
});
