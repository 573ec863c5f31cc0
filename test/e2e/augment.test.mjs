// Augmentation through the real UI in headless Chromium: a small image dataset
// imported from a .zip, augmentation switched on and tuned in the settings, the
// preview grid the worker draws (and redraws), a tiny run trained to Done; and the
// setting hidden for a table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zipSync } from 'fflate';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';
import { bmp } from './bmp.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'augment-');

const byId = (id) => page.getByTestId(id);

/** dots/left and dots/right: 16 images each of a bright square left or right of the centre. */
function dotsZip() {
  const files = {};
  for (let i = 0; i < 16; i++) {
    const y = 3 + (i % 8);
    for (const side of ['left', 'right']) {
      const x = side === 'left' ? 3 + (i % 3) : 9 + (i % 3);
      files[`dots/${side}/${i}.bmp`] = bmp(16, 16, (px, py) => (px >= x && px < x + 4 && py >= y && py < y + 4 ? 250 : 5));
    }
  }
  return Buffer.from(zipSync(files));
}

/** Every canvas of the preview grid as a string of its grey values, read from the page. */
const gridPixels = () =>
  byId('augment-preview')
    .locator('canvas')
    .evaluateAll((canvases) =>
      canvases.map((c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)).join(',')),
    );

test('switches augmentation on for an image dataset, previews it, and trains to Done', { timeout: 900_000 }, async () => {
  // Augmentation runs on WebGPU here, which auto would not pick on this software adapter.
  await page.goto(`${app.origin}/?epochs=2&batchSize=8&seed=5&validationSplit=0.25&backend=webgpu`);
  await appReady(page);
  await byId('import-file').setInputFiles({ name: 'dots.zip', mimeType: 'application/zip', buffer: dotsZip() });
  await byId('image-size').selectOption('28');
  await byId('image-channels').selectOption('1');
  await byId('import-start').click();
  const row = page.getByRole('article', { name: 'dots' });
  await row.getByText('In use').waitFor();

  // Off by default; switched on it starts from a mild setting, which the link now carries.
  const toggle = byId('cfg-augment');
  assert.equal(await toggle.isChecked(), false);
  await toggle.check();
  await page.waitForURL(/augment=rotate10_shift0.1_zoom0.1(&|$)/);
  await byId('augment-rotate').fill('90');
  await byId('augment-brightness').fill('0.2');
  await byId('augment-flip').check();
  await page.waitForURL(/augment=rotate90_shift0.1_zoom0.1_flip_brightness0.2(&|$)/);

  // Four samples, each as stored and augmented five times, drawn by the worker.
  const grid = byId('augment-preview');
  await page.locator('[data-testid="augment-preview"][data-state="ready"]').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="augment-redraw"]')?.disabled === false);
  assert.equal(await grid.locator('canvas').count(), 24);
  const first = await gridPixels();
  for (let s = 0; s < 4; s++) {
    const stored = first[s * 6];
    assert.ok(first.slice(s * 6 + 1, s * 6 + 6).every((img) => img !== stored), `sample ${s}: every augmented copy differs from the stored image`);
  }

  // Redraw: the stored images stay, the augmented ones change.
  await byId('augment-redraw').click();
  await page.waitForFunction(
    (before) => {
      const canvases = [...document.querySelectorAll('[data-testid="augment-preview"] canvas')];
      const now = canvases.map((c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)).join(','));
      return now.length === before.length && now[1] !== before[1];
    },
    first,
  );
  const second = await gridPixels();
  assert.equal(second[0], first[0], 'the stored image is the same');

  await byId('train').click();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();
  assert.equal(await byId('epoch-row').count(), 2);
  const accuracy = Number(await byId('test-accuracy').getAttribute('data-value'));
  assert.ok(accuracy >= 0 && accuracy <= 1, `test accuracy ${accuracy}`);
});

test('hides augmentation for a table', { timeout: 300_000 }, async () => {
  await page.goto(`${app.origin}/?augment=rotate10`);
  await appReady(page);
  await byId('cfg-augment').waitFor();
  // MNIST, the default, is not stored here, so the first dataset loaded is the one in use.
  await loadBuiltin(page, 'iris', 'in-use');
  await byId('preset-tabular-mlp').waitFor();
  assert.equal(await byId('cfg-augment').count(), 0);
});
