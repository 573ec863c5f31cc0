// Designing a model in the layer editor, through the real UI in headless Chromium:
// build conv → batch norm → pool → flatten → dense → dropout → dense on MNIST,
// watch shapes and weights follow each edit, see a broken stack explained on the
// layer at fault with Train disabled, fix it, and train a tiny subset to Done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'designer-');

const byId = (id) => page.getByTestId(id);
const text = async (id) => (await byId(id).textContent()).trim();
/** Waits until the element's text is `want`: the editor recomputes on each edit, in the same frame. */
const textIs = (id, want) =>
  page.waitForFunction(([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() === want, [id, want]);

async function addLayer(type) {
  await byId('add-type').selectOption(type);
  await byId('add-layer').click();
}

test('builds a CNN in the editor, is told what is wrong, fixes it and trains it', { timeout: 1_200_000 }, async () => {
  // The CPU backend: the editor is under test, and evaluating a CNN on 10,000 images takes minutes on software WebGPU.
  await page.goto(`${app.origin}/?epochs=1&trainLimit=128&batchSize=32&validationSplit=0&seed=3&backend=cpu`);
  await appReady(page);
  await loadBuiltin(page, 'mnist', 'in-use');

  // The output layer alone: a Dense on a 28×28×1 image, explained on that layer.
  await byId('start-empty').click();
  await byId('layer-0-problem').waitFor();
  assert.equal(await byId('layer-0-remove').isDisabled(), true, 'the only layer cannot be removed');
  assert.equal(await text('layer-0-problem'), 'Dense needs a flat input, but its input is 28×28×1: add Flatten before it.');
  assert.equal(await byId('train').isDisabled(), true);
  assert.match(await text('train-blocker'), /^The model cannot train: Layer 1 \(Dense\): Dense needs a flat input/);

  // Each new layer goes in before the output layer.
  await addLayer('conv2d');
  await textIs('layer-0-shape', '26×26×32');
  assert.equal(await text('layer-0-params'), '320');
  await byId('layer-0-filters').fill('8');
  await textIs('layer-0-params', '80');
  await addLayer('batchNorm');
  await textIs('layer-1-params', '32');
  await addLayer('maxPool');
  await textIs('layer-2-shape', '13×13×8');
  assert.equal(await text('layer-3-problem'), 'Dense needs a flat input, but its input is 13×13×8: add Flatten before it.');
  await addLayer('flatten');
  await textIs('layer-3-shape', '1352');
  await addLayer('dense');
  await byId('layer-4-units').fill('16');
  await textIs('layer-4-params', '21,648');
  await addLayer('dropout');
  await textIs('layer-6-params', '170');
  // 80 + 32 + 21,648 + 170
  await textIs('param-count', '21,930');
  assert.equal(await byId('layer-0').getAttribute('data-type'), 'conv2d');
  assert.deepEqual(await byId('layers').locator('li[data-type]').evaluateAll((els) => els.map((e) => e.dataset.type)), [
    'conv2d',
    'batchNorm',
    'maxPool',
    'flatten',
    'dense',
    'dropout',
    'dense',
  ]);
  assert.match(await text('memory'), /MB|kB/);
  assert.equal(await byId('train').isEnabled(), true);
  assert.match(page.url(), /layers=conv-8-3-relu_bn_maxpool-2_flatten_dense-16-relu_dropout-0.5_dense-10-softmax/);

  // A head that does not match the classes, and then a shrinking kernel: each on its layer.
  await byId('layer-6-units').fill('8');
  await byId('layer-6-problem').waitFor();
  assert.equal(await text('layer-6-problem'), 'A softmax head needs one unit per class: 10 for this dataset, not 8.');
  assert.equal(await byId('train').isDisabled(), true);
  await byId('layer-6-units').fill('10');
  await byId('layer-6-problem').waitFor({ state: 'detached' });
  await byId('layer-0-kernel').fill('15');
  await byId('layer-0-stride').fill('15');
  await byId('layer-2-problem').waitFor();
  assert.match(await text('layer-2-problem'), /^A 2×2 window does not fit a 1×1 input/);
  assert.equal(await byId('train').isDisabled(), true);
  // Reordering with the keyboard-reachable buttons: the pool before the conv is fine, the stride back to 1 fixes it.
  await byId('layer-0-stride').fill('1');
  await byId('layer-2-problem').waitFor({ state: 'detached' });
  await textIs('layer-2-shape', '7×7×8');
  await byId('layer-2').getByRole('button', { name: /up/ }).click();
  await textIs('layer-1-shape', '7×7×8');
  assert.equal(await byId('layer-1').getAttribute('data-type'), 'maxPool');
  await byId('layer-0-kernel').fill('3');
  await textIs('layer-0-shape', '26×26×8');
  assert.equal(await byId('train').isEnabled(), true);

  await byId('train').click();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();
  assert.match(await byId('model-row').first().textContent(), /Custom model on MNIST/);
});
