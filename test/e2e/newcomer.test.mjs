// What a newcomer runs into on a small experiment, through the real UI: a shared link to a
// dataset this browser lacks, a run whose view clears when another dataset is chosen, Reset
// keeping the dataset and model, saved models told apart, and a long library that scrolls in
// its own box so Train and the settings stay in reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'newcomer-');

const byId = (id) => page.getByTestId(id);
const runIs = (state) => page.locator(`[data-testid="run"][data-state="${state}"]`).waitFor();

async function trainToDone() {
  await byId('train').click();
  await runIs('done');
}

test('a newcomer’s small experiment, from a shared link to a second dataset', { timeout: 900_000 }, async () => {
  await page.goto(`${app.origin}/?datasetId=circles&model=tabular-mlp&epochs=2&batchSize=32&backend=cpu`);
  await appReady(page);

  // The link names a built-in this browser does not have: say so and offer to load it.
  const missing = byId('missing-dataset');
  assert.match(await missing.textContent(), /This link trains on Circles, which this browser does not have yet\./);
  await missing.getByRole('button', { name: 'Load Circles' }).click();
  await page.locator('[data-testid="dataset-circles"].in-use').waitFor();
  await missing.waitFor({ state: 'detached' });

  await trainToDone();
  assert.equal(await byId('epoch-row').count(), 2);
  assert.equal(await byId('model-row').count(), 1);
  await byId('test-accuracy').waitFor();

  // Trained twice with other settings: the two saved models are told apart.
  await byId('cfg-epochs').fill('1');
  await trainToDone();
  const rows = byId('model-row');
  assert.equal(await rows.count(), 2);
  const marks = /stopped|not evaluated|one class/g;
  const names = (await rows.locator('.name').allTextContents()).map((t) => t.replace(marks, '').trim());
  assert.deepEqual(names.sort(), ['Tabular MLP on Circles', 'Tabular MLP on Circles (2)']);
  const summaries = (await byId('model-settings').allTextContents()).sort();
  // The link set epochs and batch size; the rate and schedule it left at their defaults follow Circles'.
  assert.deepEqual(summaries, ['Adam · learning rate 0.01 · batch 32 · 1 epoch · cosine schedule', 'Adam · learning rate 0.01 · batch 32 · 2 epochs · cosine schedule']);

  // Another dataset: the finished run of Circles is no longer on show.
  await loadBuiltin(page, 'spiral');
  await byId('use-spiral').click();
  await runIs('idle');
  assert.equal(await byId('epoch-row').count(), 0);
  assert.equal(await byId('test-accuracy').count(), 0);

  // Reset: training settings back to the defaults that fit the spiral's 800 points, the dataset and model stay.
  await byId('cfg-learningRate').fill('0.05');
  await page.getByRole('button', { name: 'Reset' }).click();
  assert.equal(await byId('cfg-epochs').inputValue(), '100');
  assert.equal(await byId('cfg-learningRate').inputValue(), '0.01');
  assert.equal(await byId('cfg-batchSize').inputValue(), '32');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('datasetId'), 'spiral');
  assert.equal(await page.locator('[data-testid="dataset-spiral"].in-use').count(), 1);

  // Five datasets: the one in use is listed first, the rest are compact, and the list scrolls in its own box.
  for (const id of ['xor', 'gaussians', 'iris']) {
    await loadBuiltin(page, id);
  }
  const stored = byId('stored-datasets');
  const cards = stored.locator('article');
  assert.equal(await cards.count(), 5);
  assert.equal(await cards.first().getAttribute('data-testid'), 'dataset-spiral');
  assert.equal(await byId('dataset-xor').getByTestId('class-balance').count(), 0, 'datasets not in use stay compact');
  await byId('details-xor').click();
  await byId('dataset-xor').getByTestId('class-balance').waitFor();
  const box = await stored.evaluate((el) => ({ client: el.clientHeight, scroll: el.scrollHeight, viewport: innerHeight }));
  assert.ok(box.client <= box.viewport * 0.7 + 1, `the stored list is at most 70% of the window high: ${JSON.stringify(box)}`);
});
