import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../src/lib/import/errors';
import { entryPath, importImages, openZip, planImageFolder, readZipEntries, resizeToUint8 } from '../../src/lib/import/imageFolder';
import { decodeFake, fakeImage, setDeclaredSizes } from './helpers/importImages';
import { MAX_IMAGE_FILE_BYTES } from '../../src/lib/import/resize';

const red = fakeImage(16, 16, () => [255, 0, 0, 255]);
const blue = fakeImage(16, 16, () => [0, 0, 255, 255]);
const text = new TextEncoder().encode('A folder of pets.');

function petsZip(): Uint8Array {
  return zipSync({
    'pets/': {},
    'pets/README.txt': text,
    'pets/stray.png': red,
    'pets/cat/': {},
    'pets/cat/1.png': red,
    'pets/cat/more/2.PNG': red,
    'pets/cat/.DS_Store': text,
    'pets/dog/1.jpg': blue,
    'pets/dog/broken.jpg': text,
    '__MACOSX/pets/cat/._1.png': text,
  });
}

async function rejection(p: Promise<unknown>): Promise<ImportError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return e as ImportError;
  }
  throw new Error('expected an ImportError');
}

describe('zip reading and planning', () => {
  it('lists files without folders or macOS junk, and reads their exact bytes', async () => {
    const entries = await readZipEntries(petsZip(), 'pets.zip', { maxTotalBytes: 1e6 });
    expect(entries.map((e) => e.path).sort()).toEqual([
      'pets/README.txt', 'pets/cat/1.png', 'pets/cat/more/2.PNG', 'pets/dog/1.jpg', 'pets/dog/broken.jpg', 'pets/stray.png',
    ]);
    expect(entries.find((e) => e.path === 'pets/dog/1.jpg')!.bytes).toEqual(blue);
  });

  it('plans classes under the wrapping folder and says why files are skipped', async () => {
    const zip = await openZip(petsZip(), 'pets.zip', { maxTotalBytes: 1e6 });
    const plan = planImageFolder(zip.entries, 'pets.zip');
    expect(plan.classes).toEqual(['cat', 'dog']);
    expect(plan.items).toEqual([
      { path: 'pets/cat/1.png', classIndex: 0 },
      { path: 'pets/cat/more/2.PNG', classIndex: 0 },
      { path: 'pets/dog/1.jpg', classIndex: 1 },
      { path: 'pets/dog/broken.jpg', classIndex: 1 },
    ]);
    expect(plan.skipped).toEqual([
      { path: 'pets/README.txt', reason: 'not an image (.txt files are not read)' },
      { path: 'pets/stray.png', reason: 'not inside a class folder' },
    ]);
  });

  it('finds classes at the top level too, and refuses a single class', () => {
    const plan = planImageFolder([{ path: 'cat\\a.jpg', size: 5 }, { path: 'dog/b.webp', size: 5 }, { path: 'dog/c.gif', size: 0 }]);
    expect(plan.classes).toEqual(['cat', 'dog']);
    expect(plan.items[0]).toEqual({ path: 'cat/a.jpg', classIndex: 0 });
    expect(plan.skipped).toEqual([{ path: 'dog/c.gif', reason: 'the file is empty' }]);
    expect(() => planImageFolder([{ path: 'cat/a.jpg', size: 5 }, { path: 'cat/b.jpg', size: 5 }], 'cats.zip')).toThrow(
      'cats.zip has only one class folder ("cat"); put the images in one subfolder per class, with at least two classes.',
    );
    expect(() => planImageFolder([{ path: 'a.jpg', size: 5 }], 'flat.zip')).toThrow(/flat\.zip has no images inside class folders/);
  });

  it('refuses a zip whose declared contents exceed the space left, before inflating anything', async () => {
    // Declared 3.2 GB; the data is tiny, so inflating it could not produce that figure.
    const huge = setDeclaredSizes(petsZip(), (path) => (path === 'pets/cat/1.png' ? 3.2e9 : undefined));
    const e = await rejection(readZipEntries(huge, 'huge.zip', { maxTotalBytes: 1.1e9 }));
    expect(e.message).toBe('huge.zip would expand to 3.2 GB, more than the 1.1 GB of space left.');
    const real = zipSync({ 'a/x.bin': new Uint8Array(3_200_000) });
    await expect(openZip(real, 'zeros.zip', { maxTotalBytes: 1_100_000 })).rejects.toThrow(
      'zeros.zip would expand to 3.2 MB, more than the 1.1 MB of space left.',
    );
  });

  it('stops an entry that inflates to more than its header declares', async () => {
    const lying = setDeclaredSizes(zipSync({ 'a/x.bin': new Uint8Array(100_000) }), () => 1000);
    const zip = await openZip(lying, 'lying.zip', { maxTotalBytes: 1e9 });
    const e = await rejection(zip.read('a/x.bin'));
    expect(e.message).toMatch(/^lying\.zip: "a\/x\.bin" holds more data than the zip declares \(1\.0 KB\)/);
  });

  it('plans 200,000 images, more than a call takes arguments', () => {
    // MNIST exported as PNGs is 70,000 files. Spread into one call (Math.max(...sizes)), that many arguments
    // overflow a browser worker's stack from about 65,000 and Node's from about 125,000; 200,000 overflow both.
    const entries = Array.from({ length: 200_000 }, (_, i) => ({ path: `digits/${i % 10}/${String(i).padStart(6, '0')}.png`, size: 300 }));
    entries.push({ path: 'digits/README.md', size: 40 });
    const plan = planImageFolder(entries, 'digits.zip');
    expect(plan.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(plan.items).toHaveLength(200_000);
    expect(plan.items[0]).toEqual({ path: 'digits/0/000000.png', classIndex: 0 });
    expect(plan.items[20_000]).toEqual({ path: 'digits/1/000001.png', classIndex: 1 });
    expect(plan.items[199_999]).toEqual({ path: 'digits/9/199999.png', classIndex: 9 });
    expect(plan.skipped).toEqual([{ path: 'digits/README.md', reason: 'not an image (.md files are not read)' }]);
  });

  it('lists and reads a zip of 100,000 entries', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 100_000; i++) files[`digits/${i % 2 ? 'odd' : 'even'}/${i}.png`] = Uint8Array.of(i % 256);
    const zip = await openZip(zipSync(files, { level: 0 }), 'digits.zip', { maxTotalBytes: 1e6 });
    const plan = planImageFolder(zip.entries, 'digits.zip');
    expect(plan.classes).toEqual(['even', 'odd']);
    expect(plan.items).toHaveLength(100_000);
    expect(Array.from(await zip.read('digits/odd/99999.png'))).toEqual([99_999 % 256]);
  });

  it('spells every path one way: no "./", leading "/", doubled or back slashes, and never above the root', () => {
    expect(entryPath('./a/b.png')).toBe('a/b.png');
    expect(entryPath('/a/b.png')).toBe('a/b.png');
    expect(entryPath('a//b.png')).toBe('a/b.png');
    expect(entryPath('a\\b\\c.png')).toBe('a/b/c.png');
    expect(entryPath('a/./b/../c.png')).toBe('a/c.png');
    expect(entryPath('./a/')).toBe('a/');
    expect(entryPath('../a/b.png')).toBeNull();
    expect(entryPath('a/../../b.png')).toBeNull();
    for (const p of ['./x//y/z.png', '\\x\\y.png', 'x/y/']) expect(entryPath(entryPath(p)!)).toBe(entryPath(p));
  });

  it('reads entries named "./a/b.png", "/a/b.png", "a//b.png" or with backslashes, and skips names that climb out', async () => {
    const zip = await openZip(
      zipSync({
        './pets/cat/1.png': red,
        '/pets/cat/2.png': red,
        'pets//dog/3.png': blue,
        'pets\\dog\\4.png': blue,
        'pets/cat/1.png': blue,
        '../evil/x.png': red,
        '__MACOSX\\pets\\._5.png': text,
      }),
      'odd.zip',
      { maxTotalBytes: 1e6 },
    );
    const plan = planImageFolder(zip.entries, 'odd.zip');
    expect(plan.classes).toEqual(['cat', 'dog']);
    expect(plan.items.map((i) => i.path)).toEqual(['pets/cat/1.png', 'pets/cat/2.png', 'pets/dog/3.png', 'pets/dog/4.png']);
    expect(plan.skipped).toEqual([
      { path: 'pets/cat/1.png', reason: 'another file has the same path (written differently); only the first was read' },
      { path: '../evil/x.png', reason: 'its name leads outside the archive ("../"), so it was not read' },
    ]);
    // The first spelling is the one read, under any spelling.
    for (const { path } of plan.items) expect(Array.from(await zip.read(path))).toEqual(Array.from(path.includes('dog') ? blue : red));
    expect(Array.from(await zip.read('./pets/cat/1.png'))).toEqual(Array.from(red));
    await expect(zip.read('../evil/x.png')).rejects.toThrow('odd.zip has no file "../evil/x.png" that can be read.');
  });

  it('skips an entry too big to be an image without inflating it, and leaves it out of the total', async () => {
    // Declares 3.2 GB; nothing that size is written. The space left (1.1 GB) would refuse the zip if it counted.
    const huge = setDeclaredSizes(petsZip(), (path) => (path === 'pets/cat/1.png' ? 3.2e9 : undefined));
    const zip = await openZip(huge, 'huge.zip', { maxTotalBytes: 1.1e9, maxEntryBytes: MAX_IMAGE_FILE_BYTES });
    const plan = planImageFolder(zip.entries, 'huge.zip');
    expect(plan.items.map((i) => i.path)).toEqual(['pets/cat/more/2.PNG', 'pets/dog/1.jpg', 'pets/dog/broken.jpg']);
    expect(plan.skipped).toContainEqual({
      path: 'pets/cat/1.png',
      reason: 'too big to be an image Hearth can use (3.2 GB; image files up to 100.0 MB are read), so it was not unpacked',
    });
    await expect(zip.read('pets/cat/1.png')).rejects.toThrow('huge.zip has no file "pets/cat/1.png" that can be read.');
  });

  it('reads a zip File in slices: a big entry it skips is never read, and memory holds one entry at a time', async () => {
    const big = new Uint8Array(20 * 2 ** 20).fill(7);
    const cat = fakeImage(2, 2, () => [1, 2, 3, 255]);
    const dog = fakeImage(2, 2, () => [9, 8, 7, 255]);
    const bytes = zipSync({ 'pets/cat/1.png': cat, 'pets/dog/1.png': dog, 'pets/dog/big.png': big }, { level: 0 });
    const file = new File([bytes as Uint8Array<ArrayBuffer>], 'pets.zip');
    const slice = file.slice.bind(file);
    let read = 0;
    file.slice = (start?: number, end?: number) => {
      read += (end ?? file.size) - (start ?? 0);
      return slice(start, end);
    };
    const zip = await openZip(file, 'pets.zip', { maxTotalBytes: 1e9, maxEntryBytes: 2 ** 20 });
    expect(zip.entries.map((e) => [e.path, e.size])).toEqual([
      ['pets/cat/1.png', cat.length],
      ['pets/dog/1.png', dog.length],
      ['pets/dog/big.png', big.length],
    ]);
    expect(Array.from(await zip.read('pets/dog/1.png'))).toEqual(Array.from(dog));
    await expect(zip.read('pets/dog/big.png')).rejects.toThrow('pets.zip has no file "pets/dog/big.png" that can be read.');
    expect(file.size).toBeGreaterThan(20 * 2 ** 20);
    // The table of contents (with up to 64 KB of tail) and one small entry: not the 20 MB file.
    expect(read).toBeLessThan(70_000);
  });

  it('refuses something that is not a zip', async () => {
    await expect(openZip(text, 'notes.zip', { maxTotalBytes: 1e6 })).rejects.toThrow(/^notes\.zip is not a readable \.zip file/);
  });
});

describe('resizeToUint8', () => {
  it('averages 2×2 blocks when halving', () => {
    // 16×16, red = 10·x + y, green = 255 − red, blue 7: each output pixel is its block's mean.
    const data = new Uint8ClampedArray(16 * 16 * 4);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) data.set([10 * x + y, 255 - 10 * x - y, 7, 255], 4 * (16 * y + x));
    const out = resizeToUint8({ width: 16, height: 16, data }, 8, 3);
    // Output (0,0): red of (0,0),(1,0),(0,1),(1,1) = 0, 10, 1, 11 -> 5.5, rounds to 6; green 249.5 -> 250.
    expect(Array.from(out.subarray(0, 3))).toEqual([6, 250, 7]);
    // Output (row 2, column 3): x 6–7, y 4–5 -> red 64, 74, 65, 75 -> 69.5 -> 70; green 185.5 -> 186.
    expect(Array.from(out.subarray(3 * (2 * 8 + 3), 3 * (2 * 8 + 3) + 3))).toEqual([70, 186, 7]);
  });

  it('weights partly covered pixels when the ratio is not whole', () => {
    // 12 → 8 wide: output 0 covers 1.5 source pixels, all of pixel 0 and half of pixel 1.
    const data = new Uint8ClampedArray(12 * 12 * 4);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) data.set([30 * x, 0, 0, 255], 4 * (12 * y + x));
    const out = resizeToUint8({ width: 12, height: 12, data }, 8, 3);
    // (0·1 + 30·0.5) / 1.5 = 10; (30·0.5 + 60·1) / 1.5 = 50; (90 + 120·0.5) / 1.5 = 100.
    expect([out[0], out[3], out[6]]).toEqual([10, 50, 100]);
  });

  it('interpolates between pixel centres when enlarging', () => {
    const data = new Uint8ClampedArray(4 * 4 * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) data.set([40 * x, 40 * x, 40 * x, 255], 4 * (4 * y + x));
    const out = resizeToUint8({ width: 4, height: 4, data }, 8, 1);
    expect(Array.from(out.subarray(0, 8))).toEqual([0, 10, 30, 50, 70, 90, 110, 120]);
  });

  it('turns colour into luminance and shows transparency as white', () => {
    const data = new Uint8ClampedArray(8 * 8 * 4);
    for (let p = 0; p < 64; p++) data.set(p === 63 ? [0, 0, 0, 0] : [100, 200, 50, 255], 4 * p);
    const out = resizeToUint8({ width: 8, height: 8, data }, 8, 1);
    // 0.299·100 + 0.587·200 + 0.114·50 = 153.
    expect(out[0]).toBe(153);
    expect(out[63]).toBe(255);
    expect(out.length).toBe(64);
  });

  it('allows sizes 8 to 224 only', () => {
    const img = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
    expect(() => resizeToUint8(img, 4, 3)).toThrow(RangeError);
    expect(() => resizeToUint8(img, 225, 3)).toThrow(RangeError);
    expect(resizeToUint8(img, 224, 3).length).toBe(224 * 224 * 3);
  });
});

describe('importImages', () => {
  it('decodes, resizes and labels every image, skipping the undecodable one', async () => {
    const archive = await openZip(petsZip(), 'pets.zip', { maxTotalBytes: 1e6 });
    const plan = planImageFolder(archive.entries, 'pets.zip');
    const progress: number[] = [];
    const result = await importImages(plan.items, archive.read, decodeFake, {
      size: 8, channels: 3, onProgress: (done) => progress.push(done),
    });
    expect(result.count).toBe(3);
    expect(Array.from(result.y)).toEqual([0, 0, 1]);
    expect(result.x.length).toBe(3 * 8 * 8 * 3);
    expect(Array.from(result.x.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(result.x.subarray(2 * 192, 2 * 192 + 3))).toEqual([0, 0, 255]);
    expect(result.skipped).toEqual([
      { path: 'pets/dog/broken.jpg', reason: 'could not be decoded as an image (pets/dog/broken.jpg is not a picture)' },
    ]);
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('skips images 0 pixels wide or high, or too big to resample, saying which and what to do', async () => {
    const files: Record<string, Uint8Array> = { a: fakeImage(0, 4, () => [0, 0, 0, 255]), b: fakeImage(4, 0, () => [0, 0, 0, 255]), c: red, d: text };
    const items = ['a', 'b', 'c', 'd', 'e'].map((path) => ({ path, classIndex: 0 }));
    // "e" decodes to 6,000 × 5,000 pixels (30 megapixels) without any data: it must not be resampled.
    const decode = async (bytes: Uint8Array, path: string) =>
      path === 'e' ? { width: 6000, height: 5000, data: new Uint8ClampedArray(0) } : decodeFake(bytes, path);
    const result = await importImages(items, async (path) => files[path] ?? red, decode, { size: 8, channels: 1 });
    expect(result.count).toBe(1);
    expect(result.skipped).toEqual([
      { path: 'a', reason: 'the image is 0 pixels wide; open it in an image editor and save it again, or remove it' },
      { path: 'b', reason: 'the image is 0 pixels high; open it in an image editor and save it again, or remove it' },
      { path: 'd', reason: 'could not be decoded as an image (d is not a picture)' },
      { path: 'e', reason: 'the image is 6000×5000 pixels, more than the 25 megapixels Hearth reads; shrink it first' },
    ]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const items = [{ path: 'a', classIndex: 0 }];
    await expect(importImages(items, async () => red, decodeFake, { size: 8, channels: 1, signal: controller.signal })).rejects.toThrow();
  });
});
