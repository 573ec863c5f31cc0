import { describe, expect, it } from 'vitest';
import { testHearth } from './helpers/hearth';
import { tinyDataset } from './helpers/fakeDb';
import { writeDataset, readSplitShard } from '../../src/lib/storage/datasets';
import { toStored } from '../../src/state/corrections.svelte';

async function withTiny() {
  const t = await testHearth();
  const { meta, data } = tinyDataset('p', { train: 10, test: 5 }, 4);
  await writeDataset(t.db, meta, data, { locks: null });
  await t.hearth.library.refresh();
  return t;
}

const drawn = (v: number) => new Float32Array(4).fill(v);

describe('Corrections', () => {
  it('commits the tray as one version holding every pending sample', async () => {
    const { hearth, db } = await withTiny();
    const { corrections, library } = hearth;
    corrections.add('p', drawn(1), 1);
    corrections.add('p', drawn(0.5), 1);
    corrections.add('p', drawn(0), 2);
    expect(corrections.pending.length).toBe(3);
    const [made] = await corrections.commit();
    expect(corrections.pending).toEqual([]);
    expect(made.name).toBe('Tiny p v2');
    expect(made.version?.added).toBe(3);
    expect(library.datasets.map((d) => d.id).sort()).toEqual(['p', made.id].sort());
    const own = await readSplitShard(db, made, 'train', 0);
    // Pixels 0–1 are stored as bytes, as the dataset stores its own.
    expect(Array.from(own.x)).toEqual([255, 255, 255, 255, 128, 128, 128, 128, 0, 0, 0, 0]);
    expect(Array.from(own.y)).toEqual([1, 1, 2]);
  });

  it('keeps Try it’s tray and the error explorer’s apart: each commits and discards its own', async () => {
    const { hearth } = await withTiny();
    const { corrections } = hearth;
    corrections.add('p', drawn(1), 1);
    corrections.add('p', Uint8Array.of(7, 7, 7, 7), 2, 'explorer');
    corrections.add('p', Uint8Array.of(6, 6, 6, 6), 0, 'explorer');
    const [made] = await corrections.commit('explorer');
    expect(made.version?.added).toBe(2);
    expect(corrections.madeBy).toBe('explorer');
    expect(corrections.pending.map((p) => [p.tray, p.label])).toEqual([['tryit', 1]]);
    corrections.add('p', Uint8Array.of(5, 5, 5, 5), 1, 'explorer');
    corrections.clear('tryit');
    expect(corrections.pending.map((p) => [p.tray, p.label])).toEqual([['explorer', 1]]);
  });

  it('adds samples in one call for views that pick several', async () => {
    const { hearth } = await withTiny();
    const made = await hearth.corrections.addSamples('p', [Uint8Array.of(9, 9, 9, 9), Uint8Array.of(8, 8, 8, 8)], 0);
    expect(made?.splits.train.count).toBe(12);
    expect(made?.splits.train.classCounts).toEqual([6, 3, 3]);
    expect(hearth.corrections.made).toEqual([made]);
  });

  it('keeps the tray and says why when the class does not exist', async () => {
    const { hearth } = await withTiny();
    hearth.corrections.add('p', drawn(1), 7);
    expect(await hearth.corrections.commit()).toEqual([]);
    expect(hearth.corrections.pending.length).toBe(1);
    expect(hearth.errors.message).toBe('Pick one of the 3 classes of Tiny p for each sample.');
    expect(hearth.library.datasets.length).toBe(1);
  });

  it('stores table rows as they are', () => {
    expect(Array.from(toStored('float32', Float32Array.of(-1.5, 2)))).toEqual([-1.5, 2]);
    expect(Array.from(toStored('uint8', Float32Array.of(-0.2, 0.5, 1.4)))).toEqual([0, 128, 255]);
  });
});
