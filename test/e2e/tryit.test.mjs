// Try it on any model, and feeding what it gets wrong back into the data, through the
// real UI in headless Chromium: a table model answers a typed row, and an MNIST model
// is given a drawing and a picture whose corrected classes become a new dataset version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';
import { bmp } from './bmp.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'tryit-');

const byId = (id) => page.getByTestId(id);

async function trainAndWait() {
  await byId('train').click();
  await byId('run').and(page.locator('[data-state="training"], [data-state="evaluating"], [data-state="done"]')).waitFor();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();
}

/** The probabilities on show once there are `n` of them. */
async function probabilities(n) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="prob-bar"]').length === n, n);
  return byId('prob-bar').evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-p'))));
}

// The CPU backend: these tests are about Try it and the data, and the models are tiny.
test('a table model answers a typed row with probabilities', { timeout: 300_000 }, async () => {
  await page.goto(`${app.origin}/?epochs=10&backend=cpu&seed=2`);
  await appReady(page);
  await loadBuiltin(page, 'iris');
  await byId('dataset-iris').getByText('In use').waitFor();
  await trainAndWait();

  const form = byId('tabular-form');
  await form.waitFor();
  assert.equal(await form.locator('input, select').count(), 4, 'one field per measurement');
  for (const [i, v] of ['6.9', '3.1', '5.4', '2.1'].entries()) await byId(`tab-field-${i}`).fill(v);
  const probs = await probabilities(3);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-3, `probabilities sum to 1: ${probs}`);
  assert.match(await byId('prediction').textContent(), /setosa|versicolor|virginica/i);

  await byId('tab-field-0').fill('long');
  assert.match(await byId('tab-error').textContent(), /"long" in column .* is not a number/);
});

test('samples drawn and picked on an MNIST model become a new version of MNIST', { timeout: 900_000 }, async () => {
  // A small MLP: each evaluation reads the 10,000 test images.
  const layers = 'flatten_dense-16-relu_dense-10-softmax';
  await page.goto(`${app.origin}/?datasetId=mnist&layers=${layers}&epochs=1&trainLimit=256&batchSize=64&validationSplit=0&backend=cpu&seed=3`);
  await appReady(page);
  await loadBuiltin(page, 'mnist');
  await byId('dataset-mnist').getByText('In use').waitFor();
  await trainAndWait();

  // A drawn stroke is shown as the model sees it and answered with ten probabilities.
  await drawStroke(byId('draw-canvas'));
  assert.equal((await probabilities(10)).length, 10);
  await addAs('7');
  await byId('draw-clear').click();
  await drawStroke(byId('draw-canvas'), 0.3);
  await probabilities(10);
  await addAs('7');

  // A picture: dark ink on white paper, inverted to MNIST's light on dark.
  await byId('tryit-mode-picture').click();
  const paper = bmp(60, 40, (x, y) => (x > 26 && x < 34 && y > 5 && y < 35 ? 20 : 240));
  await byId('picture-input').setInputFiles({ name: 'seven.bmp', mimeType: 'image/bmp', buffer: Buffer.from(paper) });
  await probabilities(10);
  assert.equal(await byId('tryit-invert').isChecked(), true, 'a light picture is inverted for a light-on-dark set');
  await addAs('7');

  // This browser has no camera: it says so, and the tray keeps its samples.
  await byId('tryit-mode-camera').click();
  await byId('camera-start').click();
  assert.match(await byId('camera-problem').textContent(), /No camera was found/);
  assert.equal(await byId('corrections-pending').locator('li').count(), 3);

  await byId('corrections-commit').click();
  const made = byId('corrections-made');
  await made.waitFor();
  assert.match(await made.textContent(), /MNIST v2 with 3 added samples/);
  const version = page.getByRole('article', { name: 'MNIST v2' });
  assert.match(await version.getByTestId('dataset-version').textContent(), /v2 · \+3/);
  assert.match(await version.getByTestId('dataset-splits').textContent(), /Train\s*60,003/);
  assert.match(await version.getByTestId('dataset-splits').textContent(), /Test\s*10,000/);
  assert.match(await byId('dataset-mnist').getByTestId('dataset-versions').textContent(), /MNIST v2 \(\+3\)/);

  // The version trains like any dataset.
  await byId('use-version').click();
  await version.getByText('In use').waitFor();
  await trainAndWait();
  assert.match(await byId('model-row').first().textContent(), /MNIST v2/);
});

async function addAs(className) {
  const before = await byId('corrections-pending').locator('li').count().catch(() => 0);
  await byId('correct-class').selectOption({ label: className });
  await byId('correct-add').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="corrections-pending"] li').length === n, before + 1);
}

/** A vertical stroke, at `at` of the width. */
async function drawStroke(canvas, at = 0.5) {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  const x = box.x + box.width * at;
  await page.mouse.move(x, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x, box.y + box.height * (0.15 + 0.07 * i));
  await page.mouse.up();
}
