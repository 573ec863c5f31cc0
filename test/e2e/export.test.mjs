// Export and import through the real UI in headless Chromium: a small model trained on
// the spiral set is measured at each precision, downloaded with 8-bit weights, imported
// back from that .zip, listed, and evaluated. Waits are on the app's own states.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { unzipSync } from 'fflate';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'export-');

const byId = (id) => page.getByTestId(id);

test('export a trained model with 8-bit weights, import it back: it is listed and evaluates to the measured 8-bit score', { timeout: 900_000 }, async () => {
  await page.goto(`${app.origin}/?backend=cpu&epochs=3&batchSize=16&trainLimit=200&seed=5`);
  await appReady(page);
  await loadBuiltin(page, 'spiral', 'in-use');
  await byId('train').click();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();

  const trained = byId('model-row').first();
  await trained.getByTestId('model-export').click();
  await byId('export-measure').click();
  // Each precision gets its size and test score, measured in the worker.
  const rows = byId('export-row');
  await page.locator('[data-testid="export-row"][data-scheme="uint8"]:not([data-accuracy=""])').waitFor();
  const figures = await rows.evaluateAll((els) => els.map((e) => ({ scheme: e.dataset.scheme, bytes: Number(e.dataset.bytes), accuracy: Number(e.dataset.accuracy) })));
  assert.deepEqual(figures.map((f) => f.scheme), ['float32', 'float16', 'uint8']);
  assert.ok(figures[0].bytes > figures[1].bytes && figures[1].bytes > figures[2].bytes, JSON.stringify(figures));
  for (const f of figures) assert.ok(f.accuracy > 0 && f.accuracy <= 1, JSON.stringify(f));

  await page.locator('[data-testid="export-scheme"][value="uint8"]').check();
  const [download] = await Promise.all([page.waitForEvent('download'), byId('export-download').click()]);
  assert.match(download.suggestedFilename(), /-int8\.zip$/);
  const zipPath = await download.path();
  const zipBytes = readFileSync(zipPath);
  assert.equal(zipBytes.byteLength, figures[2].bytes);
  const files = unzipSync(new Uint8Array(zipBytes));
  const manifest = JSON.parse(new TextDecoder().decode(files['model.json'])).weightsManifest[0];
  assert.equal(manifest.weights[0].quantization.dtype, 'uint8');
  assert.equal(JSON.parse(new TextDecoder().decode(files['hearth-preprocessing.json'])).format, 'hearth-preprocessing');

  const before = await byId('model-row').count();
  await byId('model-import-input').setInputFiles(zipPath);
  const imported = page.locator('[data-testid="model-row"]:has([data-mark="imported"])');
  await imported.waitFor();
  assert.equal(await byId('model-row').count(), before + 1);
  await page.locator('[data-testid="transfer-note"]').getByText('Imported').waitFor();
  await imported.getByTestId('model-evaluate').click();
  await imported.locator('[data-testid="model-evaluate"]').waitFor({ state: 'detached' });
  const score = await imported.getByTestId('model-score').textContent();
  const percent = Number(/([\d.]+)\s*%/.exec(score)?.[1]);
  assert.ok(Math.abs(percent - figures[2].accuracy * 100) < 0.051, `imported ${score}, measured 8-bit ${figures[2].accuracy}`);
});
