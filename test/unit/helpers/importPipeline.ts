/** Shared by the import pipeline tests: files, dependencies and checks that nothing was stored. */
import { expect } from 'vitest';
import { decodeFake } from './importImages';
import { describeImportError, type ImportDeps } from '../../../src/lib/import/pipeline';
import type { CsvImportOptions } from '../../../src/lib/import/protocol';
import { listDatasets, readShard } from '../../../src/lib/storage/datasets';
import type { HearthDb } from '../../../src/lib/storage/db';
import type { SplitName } from '../../../src/lib/types';

export const bytesOf = (text: string) => new TextEncoder().encode(text);
/** fflate and the IDX helper return Uint8Array<ArrayBufferLike>, which the DOM typings will not take as a BlobPart. */
export const fileOf = (parts: Uint8Array[], name: string) => new File(parts as BlobPart[], name);
export const csvFile = (name: string, text: string) => fileOf([bytesOf(text)], name);

export function deps(db: HearthDb, extra: Partial<ImportDeps> = {}): ImportDeps {
  return { db, decode: decodeFake, ...extra };
}

export async function expectNothingStored(db: HearthDb): Promise<void> {
  expect(await listDatasets(db)).toEqual([]);
  expect(await db.count('shards')).toBe(0);
}

export async function failure(p: Promise<unknown>, fileNames: string): Promise<string> {
  try {
    await p;
  } catch (err) {
    return describeImportError(err, fileNames);
  }
  throw new Error('expected the import to fail');
}

/** Every row of a split, read back from its shards. */
export async function readSplit(db: HearthDb, id: string, split: SplitName, shards: number) {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < shards; i++) {
    const s = await readShard(db, id, split, i);
    xs.push(...s.x);
    ys.push(...s.y);
  }
  return { x: xs, y: ys };
}

/** 50 rows: a = i, colour cycles red/green/blue, c = i² (missing on row 3), label cat/dog alternating. */
export function animalsCsv(): string {
  const colours = ['red', 'green', 'blue'];
  const lines = ['a,colour,c,label'];
  for (let i = 0; i < 50; i++) lines.push(`${i},${colours[i % 3]},${i === 3 ? 'NA' : i * i},${i % 2 ? 'dog' : 'cat'}`);
  return lines.join('\n') + '\n';
}

export const animalOptions: CsvImportOptions = {
  name: 'My table',
  label: 'label',
  features: ['a', 'colour', 'c'],
  task: 'classification',
  missing: 'drop',
  seed: 7,
};

/** A CIFAR-10 record: label, then the red, green and blue planes of 32×32. */
export function cifarRecord(label: number, seed: number): Uint8Array {
  const r = new Uint8Array(3073);
  r[0] = label;
  for (let p = 0; p < 1024; p++) {
    r[1 + p] = (p + seed) % 256;
    r[1 + 1024 + p] = (3 * p + seed) % 256;
    r[1 + 2048 + p] = seed;
  }
  return r;
}
export const cifarFile = (name: string, labels: number[]) =>
  fileOf(labels.map((l, i) => cifarRecord(l, i + 10 * l)), name);
