// Fine-tuning through the real UI in headless Chromium on WebGPU: train a small MNIST
// model, press Fine-tune on it, freeze its first Dense layer, train again, and read the
// before/after table; the frozen layer's stored weights are bit for bit the parent's.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { appReady, openApp } from '../browser.mjs';
import { reportFailure } from './failureReport.mjs';

let session, app, page;

before(async () => {
  session = await openApp();
  ({ app, page } = session);
});

afterEach((t) => reportFailure(t, page, 'finetune-'));

after(async () => {
  await session?.close();
});

const byId = (id) => page.getByTestId(id);
const text = async (locator) => (await locator.textContent()).trim();
const runIn = (...states) => byId('run').and(page.locator(states.map((s) => `[data-state="${s}"]`).join(', ')));

/** Each stored model's weights as float32 values, by model id, read from the page's IndexedDB. */
function storedWeights() {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('hearth');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const weights = await new Promise((resolve, reject) => {
      const r = db.transaction('modelWeights').objectStore('modelWeights').getAll();
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    db.close();
    return Object.fromEntries(weights.map((w) => [w.id, Array.from(new Float32Array(w.weightData))]));
  });
}

test('fine-tunes a saved MNIST model with its first layer frozen and shows accuracy before and after', { timeout: 1_200_000 }, async () => {
  await page.goto(`${app.origin}/?epochs=1&trainLimit=300&batchSize=30&validationSplit=0&seed=3&learningRate=0.01&layers=flatten_dense-16-relu_dense-10-softmax&backend=webgpu`);
  await appReady(page);
  const load = byId('load-mnist');
  if (!(await load.isVisible())) await byId('builtins').locator('summary').click();
  await load.click();
  await byId('dataset-mnist').getByText('In use').waitFor();

  await byId('train').click();
  await runIn('done').waitFor();
  const parentRow = byId('model-row').first();
  await parentRow.waitFor();
  const parentId = await parentRow.getAttribute('data-model-id');
  const parentName = (await text(parentRow.locator('.name'))).split('\n')[0].trim();

  // Fine-tune: the panel names the model it starts from and offers a box per layer with weights.
  await parentRow.getByTestId('model-finetune').click();
  await byId('finetune').waitFor();
  assert.equal(await text(byId('finetune-parent')), parentName);
  assert.equal(await byId('freeze-1').count(), 0, 'Flatten has no weights to freeze');
  await byId('freeze-2').check();
  await byId('cfg-replay').waitFor();
  assert.match(page.url(), new RegExp(`from=${parentId}&freeze=2`));

  await byId('train').click();
  await runIn('done').waitFor();
  const table = byId('finetune-table').and(page.locator('[data-complete="true"]'));
  await table.waitFor();
  assert.match(await text(table), new RegExp(`Fine-tuned from ${parentName.replace(/[()]/g, '\\$&')}`));
  // Fine-tuned on the dataset it was trained on: one row, its test split, before and after.
  const rows = table.getByTestId('finetune-row');
  assert.equal(await rows.count(), 1);
  assert.equal(await text(rows.locator('th')), 'MNIST · test split');
  const before = await text(rows.getByTestId('finetune-before'));
  const afterText = await text(rows.getByTestId('finetune-after'));
  assert.match(before, /^\d+\.\d%$/);
  assert.match(afterText, /^\d+\.\d%$/);
  // The before figure is the saved model's own test accuracy: same weights, same test split.
  const parentScore = await text(page.locator(`[data-testid="model-row"][data-model-id="${parentId}"] [data-testid="model-score"] strong`));
  assert.equal(before, parentScore);

  // The new model names its parent; the run is marked fine-tuned.
  const childRow = page.locator('[data-testid="model-row"]').filter({ has: byId('model-parent') });
  await childRow.waitFor();
  assert.match(await text(childRow.getByTestId('model-parent')), new RegExp(`^Fine-tuned from .*layers 2 frozen$`));
  const childId = await childRow.getAttribute('data-model-id');
  assert.match(await text(byId('run-finetuned').first()), /^fine-tuned\s+from /);

  // Layer 2 (784 × 16 kernel, then 16 biases) is stored bit for bit as the parent's; the head trained.
  const weights = await storedWeights();
  const layer2 = 784 * 16 + 16;
  assert.deepEqual(weights[childId].slice(0, layer2), weights[parentId].slice(0, layer2));
  assert.notDeepEqual(weights[childId].slice(layer2), weights[parentId].slice(layer2));
});
