// Bringing your own data through the real UI in headless Chromium: a CSV made here
// (two gaussian blobs, a categorical column, a few gaps) trains the Tabular MLP, and a
// .zip of hand-written BMP stripes (plus a note and a broken image that must be
// skipped and reported) trains an image classifier; a table's name and e-mail columns
// are suggested as identifiers and never reach IndexedDB. Nothing may leave the page's origin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zipSync, strToU8 } from 'fflate';
import { appReady, storedText, useApp } from '../browser.mjs';
import { bmp } from './bmp.mjs';

let app, page, foreign;
useApp((s) => ({ app, page, foreign } = s), 'import-');

const byId = (id) => page.getByTestId(id);
const numberAttr = async (locator, name) => Number(await locator.getAttribute(name));

/** Deterministic, so a failure can be reproduced. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** 600 rows: x1, x2 from blobs at (-2, -2) and (2, 2); colour leans with the class; a few empty cells. */
function blobsCsv() {
  const rand = rng(11);
  const lines = ['x1,x2,colour,kind'];
  for (let i = 0; i < 600; i++) {
    const beta = i % 2 === 1;
    const c = beta ? 2 : -2;
    let x1 = (c + gaussian(rand)).toFixed(3);
    const x2 = (c + gaussian(rand)).toFixed(3);
    const colours = beta ? ['red', 'red', 'green', 'blue'] : ['blue', 'blue', 'green', 'red'];
    let colour = colours[Math.floor(rand() * 4)];
    if (i % 97 === 5) x1 = '';
    if (i % 131 === 7) colour = '';
    lines.push(`${x1},${x2},${colour},${beta ? 'beta' : 'alpha'}`);
  }
  return lines.join('\n') + '\n';
}

/** shapes/horizontal and shapes/vertical, 50 striped images each, plus a note and a broken image. */
function stripesZip() {
  const rand = rng(5);
  const files = { 'shapes/notes.txt': strToU8('Stripes, made for a test.\n') };
  for (let i = 0; i < 50; i++) {
    for (const dir of ['horizontal', 'vertical']) {
      const period = 4 + 2 * Math.floor(rand() * 3);
      const phase = Math.floor(rand() * period);
      const noise = () => Math.floor(rand() * 40);
      files[`shapes/${dir}/${dir[0]}${String(i).padStart(2, '0')}.bmp`] = bmp(16, 16, (x, y) => {
        const t = dir === 'horizontal' ? y : x;
        return (t + phase) % period < period / 2 ? 215 + noise() : noise();
      });
    }
  }
  files['shapes/horizontal/bad.bmp'] = strToU8('BM this is not really a bitmap');
  return Buffer.from(zipSync(files));
}

/** 12 plain images per class under names written three ways, one name that climbs out of the archive, and macOS junk. */
function oddNamesZip() {
  const spell = ['./', '/', ''];
  const files = { '../outside.bmp': bmp(8, 8, () => 0), '__MACOSX/odd/._a.bmp': strToU8('junk') };
  for (let i = 0; i < 12; i++) {
    files[`${spell[i % 3]}odd/dark/d${i}.bmp`] = bmp(8, 8, () => 10 + i);
    files[`${spell[(i + 1) % 3]}odd//light\\l${i}.bmp`] = bmp(8, 8, () => 240 - i);
  }
  return Buffer.from(zipSync(files));
}

async function trainAndWait() {
  await byId('train').click();
  await byId('run').and(page.locator('[data-state="training"], [data-state="evaluating"], [data-state="done"]')).waitFor();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();
}

test('names the file when it cannot be imported, and keeps nothing', { timeout: 300_000 }, async () => {
  await page.goto(app.origin);
  await appReady(page);
  await byId('import').waitFor();
  await byId('import-file').setInputFiles({ name: 'weights.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not data') });
  await byId('error').filter({ hasText: 'weights.onnx' }).waitFor();
  await page.getByRole('button', { name: 'Dismiss error' }).click();

  await byId('import-file').setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') });
  await byId('error').filter({ hasText: 'empty.csv' }).waitFor();
  await page.getByRole('button', { name: 'Dismiss error' }).click();

  // A picture renamed .csv is said not to be text, with its size, rather than failing on a quote.
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(3000, 7)]);
  await byId('import-file').setInputFiles({ name: 'photo.csv', mimeType: 'text/csv', buffer: png });
  const banner = byId('error').filter({ hasText: 'photo.csv' });
  await banner.waitFor();
  assert.match(await banner.textContent(), /photo\.csv \(3\.0 KB\) is not a text file/);
  assert.equal(await page.locator('article.dataset').count(), 0, 'nothing was stored');
  assert.equal(await byId('import').getAttribute('data-stage'), 'idle');
});

test('a table of 5,000 columns previews, and a click toggles the column clicked', { timeout: 300_000 }, async () => {
  await page.goto(app.origin);
  await appReady(page);
  const header = [...Array.from({ length: 4999 }, (_, i) => `c${i}`), 'label'].join(',');
  const rows = Array.from({ length: 40 }, (_, r) => [...Array.from({ length: 4999 }, (_, i) => (r * 7 + i) % 100), r % 2 ? 'yes' : 'no'].join(','));
  await byId('import-file').setInputFiles({ name: 'wide.csv', mimeType: 'text/csv', buffer: Buffer.from([header, ...rows].join('\n')) });
  const features = byId('csv-features');
  await features.and(page.locator('[data-columns="4999"][data-count="4999"]')).waitFor();
  assert.equal(await byId('csv-label').inputValue(), 'label');
  // Only the rows in view are in the page.
  const drawn = await byId('csv-feature').count();
  assert.ok(drawn > 0 && drawn < 60, `${drawn} checkboxes drawn`);

  await byId('csv-feature-filter').fill('c432');
  assert.deepEqual(await byId('csv-feature').evaluateAll((els) => els.map((e) => e.value)), ['c432', ...Array.from({ length: 10 }, (_, i) => `c432${i}`)]);
  await page.locator('[data-testid="csv-feature"][value="c4321"]').click();
  await features.and(page.locator('[data-count="4998"]')).waitFor();
  assert.deepEqual(
    await byId('csv-feature').evaluateAll((els) => els.filter((e) => !e.checked).map((e) => e.value)),
    ['c4321'],
  );
  await byId('import-cancel').click();
  await byId('import').and(page.locator('[data-stage="idle"]')).waitFor();
});

test('a Latin-1 file with semicolons, decimal commas and an Infinity cell reads right, and says so', { timeout: 300_000 }, async () => {
  await page.goto(app.origin);
  await appReady(page);
  const lines = ['größe;gewicht;farbe;klasse'];
  for (let i = 0; i < 60; i++) lines.push(`${i % 7},${i % 10};${i === 17 ? 'Infinity' : `${(i * 1.5).toFixed(1).replace('.', ',')}`};${i % 3 ? 'grün' : 'blau'};${i % 2 ? 'ja' : 'nein'}`);
  const latin1 = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
  await byId('import-file').setInputFiles({ name: 'maße.csv', mimeType: 'text/csv', buffer: latin1 });
  const preview = byId('csv-preview');
  await preview.waitFor();
  const typeOf = (column) => preview.locator(`[data-testid="csv-type"][data-column="${column}"]`).getAttribute('data-type');
  assert.equal(await typeOf('größe'), 'numeric');
  assert.equal(await typeOf('gewicht'), 'numeric');
  assert.equal(await typeOf('farbe'), 'categorical');
  await byId('csv-decimal-comma').waitFor();
  assert.equal(
    (await byId('csv-warning').textContent()).trim(),
    'maße.csv, line 19, column "gewicht": "Infinity" is not a finite number. It is treated as a missing value; correct it in the file if it is a mistake.',
  );
  assert.match(await byId('csv-encoding').locator('option:checked').textContent(), /Detect \(Latin-1 \(Windows-1252\)\)/);

  // Read as UTF-8 by hand, the names come out garbled; back to detection, they are right again.
  await byId('csv-encoding').selectOption('utf-8');
  await preview.locator('[data-testid="csv-type"][data-column="gr\uFFFD\uFFFDe"]').waitFor();
  await byId('csv-encoding').selectOption('auto');
  await preview.locator('[data-testid="csv-type"][data-column="größe"]').waitFor();

  await byId('import-start').click();
  const report = byId('import-report');
  await report.waitFor();
  assert.match(await report.textContent(), /60 rows/);
  const row = page.getByRole('article', { name: 'maße' });
  await row.waitFor();
  assert.equal((await row.getByTestId('dataset-shape').textContent()).trim(), '3 features → 4 inputs');
});

test('reads zip entries however their names are written, and refuses one image dropped alone', { timeout: 300_000 }, async () => {
  await page.goto(app.origin);
  await appReady(page);
  await byId('import').waitFor();
  const stored = await page.locator('article.dataset').count();

  await byId('import-file').setInputFiles({ name: 'lonely.png', mimeType: 'image/png', buffer: Buffer.alloc(0) });
  const error = byId('error').filter({ hasText: '"lonely.png" is empty (0 bytes)' });
  await error.waitFor();
  assert.match(await error.textContent(), /choose or drop a folder \(or a \.zip\) with one subfolder of images per class/);
  await page.getByRole('button', { name: 'Dismiss error' }).click();
  assert.equal(await page.locator('article.dataset').count(), stored, 'nothing was stored');

  await byId('import-file').setInputFiles({ name: 'odd.zip', mimeType: 'application/zip', buffer: oddNamesZip() });
  await byId('image-size').selectOption('28');
  await byId('import-start').click();
  const report = byId('import-report');
  await report.waitFor();
  assert.match(await report.textContent(), /24 images/);
  const skipped = await report.getByTestId('skipped-file').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
  assert.deepEqual(skipped, ['../outside.bmp']);
  const row = page.getByRole('article', { name: 'odd' });
  await row.waitFor();
  assert.equal(await row.getByTestId('class-balance').getAttribute('data-counts'), '12,12');
});

test('imports a CSV, shows its columns, and trains the Tabular MLP on it', { timeout: 900_000 }, async () => {
  const started = Date.now();
  await page.goto(`${app.origin}/?epochs=6&batchSize=48&learningRate=0.005&seed=3&backend=cpu`);
  await appReady(page);
  await byId('import').waitFor();

  await byId('import-file').setInputFiles({ name: 'blobs.csv', mimeType: 'text/csv', buffer: Buffer.from(blobsCsv()) });
  const preview = byId('csv-preview');
  await preview.waitFor();
  const typeOf = (column) => preview.locator(`[data-testid="csv-type"][data-column="${column}"]`).getAttribute('data-type');
  assert.equal(await typeOf('x1'), 'numeric');
  assert.equal(await typeOf('x2'), 'numeric');
  assert.equal(await typeOf('colour'), 'categorical');
  assert.ok((await preview.locator('tbody tr').count()) > 0, 'preview rows shown');
  assert.match(await preview.locator('[data-testid="csv-missing-count"][data-column="x1"]').textContent(), /\d+ missing/);

  // Defaults: the last column is the label, every other column a feature, classification, fill the gaps.
  assert.equal(await byId('csv-label').inputValue(), 'kind');
  assert.equal(await byId('csv-task').inputValue(), 'classification');
  assert.equal(await byId('csv-missing').inputValue(), 'fill');
  const features = byId('csv-feature');
  assert.deepEqual(await features.evaluateAll((els) => els.map((e) => [e.value, e.checked])), [
    ['x1', true],
    ['x2', true],
    ['colour', true],
  ]);

  await byId('import-start').click();
  const report = byId('import-report');
  await report.waitFor();
  assert.match(await report.textContent(), /600 rows/);

  const row = page.getByRole('article', { name: 'blobs' });
  await row.waitFor();
  assert.equal((await row.getByTestId('dataset-kind').textContent()).trim(), 'tabular');
  assert.match(await row.getByTestId('dataset-shape').textContent(), /^3 features/);
  const splits = await row.getByTestId('dataset-splits').textContent();
  assert.match(splits, /Train\s*480/);
  assert.match(splits, /Val\s*60/);
  assert.match(splits, /Test\s*60/);
  assert.equal(await row.getByTestId('class-balance').getAttribute('data-counts'), '300,300');
  assert.equal(await row.getByTestId('dataset-preview').count(), 0, 'no image grid for a table');

  // The import made it the dataset in use, which leaves one fitting preset and its own validation split.
  await row.getByText('In use').waitFor();
  await byId('preset-tabular-mlp').waitFor();
  assert.equal(await byId('preset-mlp').count(), 0, 'image presets hidden for a table');
  assert.match(page.url(), /model=tabular-mlp/);
  assert.ok(await byId('cfg-validationSplit').isDisabled());
  await byId('own-val-note').waitFor();

  await trainAndWait();
  const accuracy = await numberAttr(byId('test-accuracy'), 'data-value');
  assert.ok(accuracy > 0.8, `test accuracy ${accuracy} on well-separated blobs`);
  assert.equal(await byId('tabular-form').locator('input, select').count(), 3, 'Try it offers a form with the three features');
  console.log(`# CSV import and training: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test('imports a zip of image folders, reports what it skipped, and trains on it', { timeout: 900_000 }, async () => {
  const started = Date.now();
  await page.goto(`${app.origin}/?epochs=6&batchSize=16&seed=3&backend=cpu`);
  await appReady(page);
  await byId('import').waitFor();

  await byId('import-file').setInputFiles({ name: 'shapes.zip', mimeType: 'application/zip', buffer: stripesZip() });
  await byId('image-size').waitFor();
  assert.equal(await byId('image-size').inputValue(), '64', '64×64 by default');
  await byId('image-size').selectOption('28');
  await byId('image-channels').selectOption('1');
  await byId('import-start').click();

  const report = byId('import-report');
  await report.waitFor();
  const skipped = await report.getByTestId('skipped-file').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
  assert.ok(skipped.some((p) => p.endsWith('notes.txt')), `notes.txt skipped: ${skipped}`);
  assert.ok(skipped.some((p) => p.endsWith('bad.bmp')), `bad.bmp skipped: ${skipped}`);
  assert.equal(skipped.length, 2);
  assert.match(await report.textContent(), /100 images/);

  const row = page.getByRole('article', { name: 'shapes' });
  await row.waitFor();
  assert.equal((await row.getByTestId('dataset-kind').textContent()).trim(), 'image');
  assert.equal((await row.getByTestId('dataset-shape').textContent()).trim(), '28×28×1');
  assert.equal(await row.getByTestId('class-balance').getAttribute('data-counts'), '50,50');
  await row.getByTestId('dataset-preview').waitFor();
  await row.getByTestId('dataset-import-report').waitFor();

  // Switching from the table to 28×28 images brings the image presets back and picks the MLP.
  await row.getByText('In use').waitFor();
  await byId('preset-mlp').waitFor();
  assert.equal(await byId('preset-tabular-mlp').count(), 0);

  await trainAndWait();
  const accuracy = await numberAttr(byId('test-accuracy'), 'data-value');
  assert.ok(accuracy > 0.7, `test accuracy ${accuracy} on horizontal vs vertical stripes`);
  console.log(`# zip import and training: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  assert.deepEqual(foreign, [], 'the page made requests only to its own origin');
});

test('name and e-mail columns are suggested as identifiers, reported, and never stored', { timeout: 300_000 }, async () => {
  await page.goto(app.origin);
  await appReady(page);
  const people = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov'];
  const secrets = [];
  const lines = ['name,email,height,weight,size'];
  for (let i = 0; i < 40; i++) {
    const name = `${people[i % 5]} ${i}`;
    const email = `${people[i % 5].split(' ')[0].toLowerCase()}.${i}@example.org`;
    secrets.push(name, email);
    lines.push(`${name},${email},${150 + (i % 2) * 30 + (i % 7)},${55 + (i % 2) * 25 + (i % 5)},${i % 2 ? 'large' : 'small'}`);
  }
  await byId('import-file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
  const notStored = byId('csv-not-stored');
  await notStored.waitFor();
  // Suggested and marked; the person could unmark them (the ID buttons are toggles).
  assert.equal(await notStored.getAttribute('data-identifiers'), 'name\nemail');
  const toggle = (column) => page.locator(`[data-testid="csv-identifier"][data-column="${column}"]`);
  assert.equal(await toggle('name').getAttribute('aria-pressed'), 'true');
  assert.equal(await toggle('email').getAttribute('aria-pressed'), 'true');
  assert.equal(await toggle('height').getAttribute('aria-pressed'), 'false');
  assert.equal(await byId('csv-label').inputValue(), 'size');
  assert.equal(await byId('csv-features').getAttribute('data-count'), '2');
  // Marking weight and unmarking it again leaves it a feature.
  await toggle('weight').click();
  await byId('csv-features').and(page.locator('[data-count="1"]')).waitFor();
  await toggle('weight').click();
  await byId('csv-features').and(page.locator('[data-count="2"]')).waitFor();

  await byId('import-start').click();
  const report = byId('import-report');
  await report.waitFor();
  assert.match(await report.textContent(), /40 rows/);
  assert.equal(await report.getByTestId('import-dropped-columns').getAttribute('data-identifiers'), 'name\nemail');
  assert.match(await report.textContent(), /Identifiers not stored: name, email\./);
  await page.getByRole('article', { name: 'people' }).waitFor();

  const stored = await storedText(page);
  assert.match(stored, /large/, 'the search sees what was stored');
  assert.match(stored, /height/);
  const found = secrets.filter((s) => stored.includes(s));
  assert.deepEqual(found, [], 'no name or e-mail address is in IndexedDB');
  assert.ok(!stored.includes('@example.org') && !stored.includes('Lovelace'));
});
