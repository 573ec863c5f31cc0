// Recorded runs through the real UI in headless Chromium on WebGPU: a run cut off by a
// reload mid-training is offered for Resume, resumes from its last checkpoint and ends
// with the weights of an uninterrupted run (within float tolerance); then two runs are
// compared. The tests wait for the app's own states, never for a fixed time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, float32s, loadBuiltin, storedRecords, useApp } from '../browser.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'runs-');

const byId = (id) => page.getByTestId(id);
const runIn = (...states) => byId('run').and(page.locator(states.map((s) => `[data-state="${s}"]`).join(', ')));
const row = (id) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);

/** The stored run records, and the saved weights of each run's model, read from the page's IndexedDB. */
async function readStored() {
  const { runs, modelWeights, checkpoints } = await storedRecords(page, ['runs', 'modelWeights', 'checkpoints']);
  const byModel = new Map(modelWeights.map((w) => [w.id, float32s(w.weightData)]));
  return {
    checkpoints: checkpoints.length,
    runs: runs.map((r) => ({
      id: r.id,
      status: r.status,
      backend: r.backend,
      resumedAt: r.resumedAt,
      epochs: r.history.map((h) => h.epoch),
      losses: r.history.map((h) => h.loss),
      weights: byModel.get(r.modelId) ?? null,
    })),
  };
}

test('a run cut off by a reload resumes from its checkpoint and ends with the weights of an uninterrupted run (WebGPU)', { timeout: 1_500_000 }, async () => {
  // Values other than the defaults, so that the defaults fitted to the dataset (a cosine schedule) leave them be.
  await page.goto(`${app.origin}/?backend=webgpu&epochs=4&batchSize=16&trainLimit=320&learningRate=0.01&seed=3`);
  await appReady(page);
  await loadBuiltin(page, 'spiral', 'used');

  await byId('train').click();
  await runIn('training').waitFor();
  const cut = await page.locator('[data-testid="run-row"][data-status="running"]').getAttribute('data-run-id');
  // Reload once the checkpoint of epoch 2 is stored: epochs 3 and 4 are still to come.
  await page.locator('[data-testid="checkpoint"][data-epoch="2"]').waitFor();
  await page.reload();
  await appReady(page);
  await runIn('idle').waitFor();

  // The run's tab is gone: the page offers to resume it.
  await row(cut).and(page.locator('[data-status="interrupted"]')).waitFor();
  const offer = byId('resume-offer');
  await offer.waitFor();
  assert.equal(await offer.getAttribute('data-run-id'), cut);
  const epochsDone = (await readStored()).runs.find((r) => r.id === cut).epochs;
  assert.ok(epochsDone.length >= 2 && epochsDone.length < 4, `cut off after ${epochsDone.length} epochs`);

  await byId('resume').click();
  await runIn('training', 'evaluating', 'done').waitFor();
  await runIn('done').waitFor();
  await row(cut).and(page.locator('[data-status="finished"]')).waitFor();

  // The same settings again, never interrupted: Resume put them in the form.
  assert.match(page.url(), /backend=webgpu/);
  await byId('train').click();
  await runIn('training').waitFor();
  await runIn('done').waitFor();
  await page.locator('[data-testid="run-row"][data-status="finished"]').nth(1).waitFor();

  const { runs, checkpoints } = await readStored();
  assert.equal(checkpoints, 0, 'finished runs keep no checkpoint');
  const resumed = runs.find((r) => r.id === cut);
  const whole = runs.find((r) => r.id !== cut);
  assert.equal(resumed.backend, 'webgpu');
  assert.equal(whole.backend, 'webgpu');
  assert.deepEqual(resumed.resumedAt, [epochsDone.length]);
  assert.deepEqual(resumed.epochs, [1, 2, 3, 4]);
  assert.equal(resumed.weights.length, whole.weights.length);
  assert.ok(resumed.weights.length > 100);
  let worst = 0;
  resumed.weights.forEach((w, i) => (worst = Math.max(worst, Math.abs(w - whole.weights[i]))));
  console.log(`resumed vs uninterrupted on WebGPU: ${resumed.weights.length} weights, largest difference ${worst}`);
  assert.ok(worst < 1e-3, `largest weight difference ${worst}`);
  resumed.losses.forEach((l, i) => assert.ok(Math.abs(l - whole.losses[i]) < 1e-3, `epoch ${i + 1} loss ${l} vs ${whole.losses[i]}`));
});

test('two runs compared: curves overlaid, the settings that differ highlighted, and one run\'s settings back in the form', { timeout: 900_000 }, async () => {
  // A short run with other settings beside the two above.
  await page.goto(`${app.origin}/?datasetId=spiral&backend=cpu&epochs=1&batchSize=32&trainLimit=320&learningRate=0.05&seed=3`);
  await appReady(page);
  await byId('runs').and(page.locator('[data-ready="true"]')).waitFor();
  await byId('train').click();
  // Only the end is waited for: a run this short can be over before a 'training' state is ever seen.
  await runIn('done').waitFor();
  const rows = page.locator('[data-testid="run-row"][data-status="finished"]');
  await rows.nth(2).waitFor();

  // Newest first: the short run, then one of the four-epoch runs.
  await rows.nth(0).getByTestId('run-pick').check();
  await rows.nth(1).getByTestId('run-pick').check();
  const compare = byId('compare');
  await compare.and(page.locator('[data-count="2"]')).waitFor();
  const differing = await compare.locator('[data-testid="compare-row"][data-differs="true"]').evaluateAll((els) => els.map((e) => e.dataset.key));
  for (const key of ['backend', 'batchSize', 'epochs', 'learningRate']) assert.ok(differing.includes(key), `${key} differs`);
  for (const key of ['datasetId', 'model', 'seed', 'trainLimit']) assert.ok(!differing.includes(key), `${key} is the same`);
  assert.equal(await compare.locator('canvas').count(), 2);

  // Rename and notes stay with the run.
  const first = rows.nth(1);
  const id = await first.getAttribute('data-run-id');
  await first.getByTestId('run-rename').click();
  await first.getByTestId('run-name-input').fill('Four epochs, lr 0.01');
  await first.getByTestId('run-name-input').press('Enter');
  await row(id).getByTestId('run-notes').fill('resumed after a reload');
  await row(id).getByTestId('run-notes').blur();
  await row(id).getByTestId('run-again').click();
  const params = new URL(page.url()).searchParams;
  assert.deepEqual(['epochs', 'learningRate', 'batchSize', 'backend', 'datasetId'].map((k) => params.get(k)), ['4', '0.01', '16', 'webgpu', 'spiral']);

  // The run's URL reproduces it: a fresh load reads the same settings.
  await page.reload();
  await appReady(page);
  await byId('runs').and(page.locator('[data-ready="true"]')).waitFor();
  assert.equal(await row(id).getByTestId('run-name').textContent(), 'Four epochs, lr 0.01');
  assert.equal(await row(id).getByTestId('run-notes').inputValue(), 'resumed after a reload');
  assert.equal(new URL(page.url()).searchParams.get('learningRate'), '0.01');
  assert.equal(await byId('cfg-learningRate').inputValue(), '0.01');
  assert.equal(await byId('cfg-batchSize').inputValue(), '16');
});
