import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, isCifarTestBatch, parseCifar10Batch } from '../../src/lib/import/cifar';
import { thrown } from './helpers/thrown';

/** One record written byte by byte: label, then the R plane, G plane and B plane of 1,024 bytes each. */
function record(label: number, r: (p: number) => number, g: (p: number) => number, b: (p: number) => number): number[] {
  const bytes = [label];
  for (const plane of [r, g, b]) for (let p = 0; p < 1024; p++) bytes.push(plane(p) & 0xff);
  return bytes;
}

describe('parseCifar10Batch', () => {
  const file = Uint8Array.from([
    ...record(3, (p) => p, (p) => p + 100, (p) => 255 - p),
    ...record(9, () => 7, (p) => (p % 32) * 8, (p) => Math.floor(p / 32)),
  ]);

  it('turns the file\'s colour planes into interleaved pixels', () => {
    expect(file.length).toBe(6146);
    const { x, y, count } = parseCifar10Batch(file, 'data_batch_1.bin');
    expect(count).toBe(2);
    expect(Array.from(y)).toEqual([3, 9]);
    expect(x.length).toBe(2 * 3072);
    // Pixel (0,0) of record 1: R is byte 1 of the record, G byte 1 + 1024, B byte 1 + 2048.
    expect([x[0], x[1], x[2]]).toEqual([file[1], file[1025], file[2049]]);
    expect([x[0], x[1], x[2]]).toEqual([0, 100, 255]);
    // Pixel (row 1, column 2) is plane offset 34.
    expect([x[3 * 34], x[3 * 34 + 1], x[3 * 34 + 2]]).toEqual([34, 134, 221]);
    // Last pixel of record 2 (row 31, column 31): offset 1023.
    const last = 3072 + 3 * 1023;
    expect([x[last], x[last + 1], x[last + 2]]).toEqual([7, 248, 31]);
  });

  it('refuses a file cut short, naming the record', () => {
    const e = thrown(() => parseCifar10Batch(file.subarray(0, 3073 + 100), 'data_batch_2.bin'));
    expect(e.message).toBe(
      'data_batch_2.bin is not a CIFAR-10 batch: its length (3,173 bytes) is not a multiple of 3,073 (record 2 is cut short).',
    );
    expect(e.record).toBe(2);
  });

  it('says when a file looks like CIFAR-100', () => {
    const e = thrown(() => parseCifar10Batch(new Uint8Array(3074 * 2), 'train.bin'));
    // 6,148 bytes hold two whole 3,073-byte records and 2 bytes of a third.
    expect(e.message).toMatch(/record 3 is cut short\)\. It looks like a CIFAR-100 file/);
  });

  it('refuses a label byte above 9, naming the record', () => {
    const bad = file.slice();
    bad[3073] = 12;
    const e = thrown(() => parseCifar10Batch(bad, 'data_batch_3.bin'));
    expect(e.message).toBe('data_batch_3.bin, record 2: label byte 12 is not a CIFAR-10 class (0–9), so this is not a CIFAR-10 batch.');
    expect(e.record).toBe(2);
  });

  it('refuses an empty file', () => {
    expect(thrown(() => parseCifar10Batch(new Uint8Array(0), 'empty.bin')).message).toBe('empty.bin is empty.');
  });

  it('knows the classes and the test batch', () => {
    expect(CIFAR10_CLASSES).toHaveLength(10);
    expect(CIFAR10_CLASSES[0]).toBe('airplane');
    expect(CIFAR10_CLASSES[9]).toBe('truck');
    expect(isCifarTestBatch('cifar-10-batches-bin/test_batch.bin')).toBe(true);
    expect(isCifarTestBatch('data_batch_5.bin')).toBe(false);
  });
});
