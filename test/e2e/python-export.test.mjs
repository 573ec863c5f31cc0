// "Export for Python" through the real UI: a model trained on Iris downloads as a zip with both
// training scripts, the splits as .npz, its weights in PyTorch's layout, the settings and a README;
// the settings panel exports the current experiment (no weights). Waits on the app's own states.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';

let app, page;
useApp(async (s) => {
  ({ app, page } = s);
  await page.goto(`${app.origin}/`);
  await appReady(page);
}, 'python-export-');

const byId = (id) => page.getByTestId(id);

/** The header of one .npy entry: its dtype and shape. */
function npyHeader(bytes) {
  const len = bytes[8] | (bytes[9] << 8);
  const text = strFromU8(bytes.subarray(10, 10 + len));
  return { descr: /'descr': '([^']+)'/.exec(text)[1], shape: /'shape': \(([^)]*)\)/.exec(text)[1] };
}

async function downloadFrom(button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), files: unzipSync(new Uint8Array(readFileSync(await download.path()))) };
}

test('a saved model and the current experiment download as PyTorch and Keras projects', { timeout: 600_000 }, async () => {
  await loadBuiltin(page, 'iris');
  await page.goto(`${app.origin}/?datasetId=iris&epochs=2&batchSize=16&backend=cpu&seed=5`);
  await appReady(page);
  await byId('dataset-iris').getByText('In use').waitFor();
  await byId('train').click();
  await page.locator('[data-testid="run"][data-state="done"]').waitFor();
  const row = byId('model-row').first();
  await row.waitFor();

  const model = await downloadFrom(row.getByTestId('export-python'));
  // Named after the saved model ("Tabular MLP on Iris", numbered when the name was taken).
  assert.match(model.name, /^tabular-mlp-on-iris(-\d+)?-python\.zip$/);
  assert.deepEqual(Object.keys(model.files).sort(), ['README.md', 'data.npz', 'experiment.json', 'train_keras.py', 'train_torch.py', 'weights.npz']);
  const data = unzipSync(model.files['data.npz']);
  assert.deepEqual(Object.keys(data).sort(), [
    'class_names.npy', 'encoding.npy', 'feature_names.npy', 'x_test.npy', 'x_train.npy', 'x_val.npy', 'y_test.npy', 'y_train.npy', 'y_val.npy',
  ]);
  // Iris: 150 flowers split 120 / 15 / 15 at import, 4 measurements, 3 species.
  assert.deepEqual(npyHeader(data['x_train.npy']), { descr: '<f4', shape: '120, 4' });
  assert.deepEqual(npyHeader(data['x_val.npy']), { descr: '<f4', shape: '15, 4' });
  assert.deepEqual(npyHeader(data['y_test.npy']), { descr: '<i4', shape: '15,' });
  assert.equal(npyHeader(data['class_names.npy']).shape, '3,');
  // The Tabular MLP: flatten → dense 128 → dense 64 → dense 3, Linear weights [out, in].
  const weights = unzipSync(model.files['weights.npz']);
  assert.deepEqual(Object.keys(weights).sort(), ['dense1.bias.npy', 'dense1.weight.npy', 'dense2.bias.npy', 'dense2.weight.npy', 'dense3.bias.npy', 'dense3.weight.npy']);
  assert.deepEqual(npyHeader(weights['dense1.weight.npy']), { descr: '<f4', shape: '128, 4' });
  const torch = strFromU8(model.files['train_torch.py']);
  assert.match(torch, /\n {8}\("dense3", nn\.Linear\(64, 3\)\),\n {8}\("dense3_softmax", nn\.Softmax\(dim=1\)\),\n/);
  assert.match(torch, /\nEPOCHS = 2\n/);
  assert.match(torch, /\nSEED = 5\n/);
  assert.match(strFromU8(model.files['train_keras.py']), /MultiWorkerMirroredStrategy/);
  assert.equal(JSON.parse(strFromU8(model.files['experiment.json'])).datasetId, 'iris');

  const experiment = await downloadFrom(page.locator('section[aria-labelledby="settings-h"]').getByTestId('export-python'));
  assert.equal(experiment.name, 'tabular-mlp-on-iris-python.zip');
  assert.deepEqual(Object.keys(experiment.files).sort(), ['README.md', 'data.npz', 'experiment.json', 'train_keras.py', 'train_torch.py']);
});
