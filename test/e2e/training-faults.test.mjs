// Training that goes wrong, driven through the real UI in headless Chromium: a loss that
// diverges, a classifier that collapses to one class, an evaluation stopped half-way, and
// a disk too full to save the trained model. Each ends in a clear message and loses
// nothing: the tests wait for the app's own states, never for a fixed time. The stopped
// evaluation runs on WebGPU; the others, whose point is not the backend, on tfjs's CPU
// backend, which trains and evaluates these small models several times faster here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
import { appReady, assertNoCspViolations, launchOnSmallDisk, loadBuiltin, useApp, watchCsp } from '../browser.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'faults-');

const byId = (id) => page.getByTestId(id);
/** The run panel's text, read at once (an assertion's message must not wait for an element). */
const runText = () => page.evaluate(() => document.querySelector('[data-testid="run"]')?.textContent.replace(/\s+/g, ' ').trim() ?? '');
const runIn = (...states) => byId('run').and(page.locator(states.map((s) => `[data-state="${s}"]`).join(', ')));

/** 300 rows of y = 3·x1 − 2·x2 + 5 plus a little noise: a regression table. */
function linearCsv() {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines = ['x1,x2,y'];
  for (let i = 0; i < 300; i++) {
    const x1 = 4 * rand() - 2;
    const x2 = 4 * rand() - 2;
    lines.push(`${x1.toFixed(3)},${x2.toFixed(3)},${(3 * x1 - 2 * x2 + 5 + 0.1 * (rand() - 0.5)).toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

async function train() {
  await byId('train').click();
  await runIn('training', 'evaluating', 'done', 'stopped', 'diverged', 'unsaved', 'error').waitFor();
}

test('a regression run whose loss diverges says where and why, and saves nothing', { timeout: 900_000 }, async () => {
  await page.goto(`${app.origin}/?optimizer=sgd&learningRate=10&epochs=3&batchSize=16&seed=3&backend=cpu`);
  await appReady(page);
  await byId('import-file').setInputFiles({ name: 'linear.csv', mimeType: 'text/csv', buffer: Buffer.from(linearCsv()) });
  await byId('csv-preview').waitFor();
  await byId('csv-task').selectOption('regression');
  await byId('import-start').click();
  const row = page.getByRole('article', { name: 'linear' });
  await row.getByText('In use').waitFor();

  await train();
  await runIn('diverged').waitFor();
  const outcome = byId('run-outcome');
  assert.equal(await outcome.getAttribute('data-outcome'), 'diverged');
  assert.match(
    await outcome.textContent(),
    /^\s*Diverged at epoch 1, batch \d+: the loss became (NaN|infinite)\. Try a lower learning rate \(now 10\)\. The model was not saved/,
  );
  assert.match(await byId('run').locator('.status').textContent(), /Diverged/);
  assert.equal(await byId('model-row').count(), 0, 'no model saved');
  assert.equal(await byId('evaluation').getByTestId('regression-metrics').count(), 0, 'no evaluation shown');
  assert.equal(await byId('train').isEnabled(), true, 'the person can train again at once');
});

test('a classifier that collapses to one class is saved, with a warning', { timeout: 900_000 }, async () => {
  await page.goto(`${app.origin}/?optimizer=sgd&learningRate=10&epochs=3&batchSize=32&seed=3&backend=cpu`);
  await appReady(page);
  await loadBuiltin(page, 'spiral', 'used');

  await train();
  await runIn('done').waitFor();
  const warning = byId('collapse-warning');
  await warning.waitFor();
  assert.match(await warning.textContent(), /The model predicts “[^”]+” for (every one|9\d%) of the test samples, though they belong to 2 classes/);
  const marks = await byId('model-row').first().getByTestId('model-mark').evaluateAll((els) => els.map((e) => e.dataset.mark));
  assert.deepEqual(marks, ['one-class']);
});

test('Stop during evaluation keeps the trained model, saved as not evaluated', { timeout: 1_200_000 }, async () => {
  await page.goto(`${app.origin}/?epochs=1&trainLimit=256&batchSize=64&validationSplit=0&seed=5&backend=webgpu`);
  await appReady(page);
  await loadBuiltin(page, 'mnist', 'used');
  await byId('preset-mlp').click();
  const modelsBefore = await byId('model-row').count();

  await train();
  await runIn('evaluating').waitFor();
  // Stop is clicked in the page the moment the first evaluated batch shows, and what the panel
  // showed then is read in the same turn: a round trip per check from here could outlast the
  // whole evaluation on a busy machine, and a Stop after the end would rightly change nothing.
  const atStop = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const clickOnFirstBatch = () => {
          const count = document.querySelector('[data-testid="eval-count"]');
          const done = Number(count?.getAttribute('data-done'));
          if (!(done > 0)) return false;
          const stop = document.querySelector('[data-testid="stop"]');
          const seen = {
            done,
            total: count.getAttribute('data-total'),
            count: count.textContent,
            eta: document.querySelector('[data-testid="eta"]')?.textContent ?? '',
            stopEnabled: !stop.disabled,
          };
          stop.click();
          resolve(seen);
          return true;
        };
        if (clickOnFirstBatch()) return;
        const watch = new MutationObserver(() => clickOnFirstBatch() && watch.disconnect());
        watch.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      }),
  );
  // Progress in samples, and the time left counts the evaluation.
  assert.equal(atStop.total, '10000');
  assert.match(atStop.count, /\d[\d,]* \/ 10,000 samples/);
  assert.match(atStop.eta, /\d+ (s|min)|left/);
  assert.ok(atStop.stopEnabled, 'Stop works during evaluation');
  assert.ok(atStop.done < 10_000, `stopped part-way (${atStop.done} of 10,000 evaluated)`);
  await runIn('stopped', 'done').waitFor();
  assert.equal(await byId('run').getAttribute('data-state'), 'stopped', `Stop at ${atStop.done} of 10,000 ended the evaluation`);
  assert.equal(await byId('run-outcome').getAttribute('data-outcome'), 'not-evaluated');

  // Saved, listed first, and marked.
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="model-row"]').length === n + 1, modelsBefore);
  const marks = await byId('model-row').first().getByTestId('model-mark').evaluateAll((els) => els.map((e) => e.dataset.mark));
  assert.deepEqual(marks, ['not-evaluated']);
  await byId('not-evaluated').waitFor();
});

// A disk of its own, filled for real: Chromium's quota override is not enforced at once for a
// write that is stored as a file (a checkpoint's or a model's weights), so only a full disk
// fails the save every time.
test('a disk too full for the model keeps it: download it, free space, save it again', { timeout: 1_200_000 }, async () => {
  const disk = await launchOnSmallDisk({ sizeMb: 160 });
  disk.context.setDefaultTimeout(0);
  const violations = await watchCsp(disk.context);
  const mainPage = page;
  try {
    page = await disk.context.newPage();
    await onDisk(disk);
  } finally {
    page = mainPage;
    await disk.close();
  }
  assertNoCspViolations(violations);
});

async function onDisk(disk) {
  await page.goto(`${app.origin}/?epochs=1&trainLimit=128&batchSize=64&validationSplit=0&seed=9&backend=cpu`);
  await appReady(page);
  await loadBuiltin(page, 'mnist', 'used');
  await byId('preset-mlp').click();
  const modelsBefore = await byId('model-row').count();

  // Less room than the MLP's 2.3 MB of weights need (the browser also keeps a little of a
  // disk's last space to itself), more than the run's small records need.
  disk.fill(1_000_000);

  await train();
  await runIn('done', 'stopped', 'diverged', 'unsaved', 'error').waitFor();
  const outcome = byId('run-outcome');
  assert.equal(await byId('run').getAttribute('data-state'), 'unsaved', `the save failed: ${await runText()}`);
  assert.equal(await outcome.getAttribute('data-outcome'), 'unsaved');
  assert.equal(await outcome.getAttribute('data-disk-full'), 'true');
  const message = await outcome.textContent();
  assert.match(message, /Not enough disk space for this site to save the model "MLP on MNIST( \(\d+\))?" \(it needs about 2\.3 MB\)/);
  assert.match(message, /nothing already stored was changed/);
  assert.equal(await byId('model-row').count(), modelsBefore, 'nothing saved');
  assert.equal(await byId('train').isEnabled(), false, 'the held model is decided about first');
  // The run's record waits for the model: listed as not saved yet, with no Resume beside the held model.
  const row = byId('run-row').first();
  await row.and(page.locator('[data-status="held"]')).waitFor();
  assert.equal(await row.getByTestId('run-status').textContent(), 'model not saved yet');
  assert.equal(await byId('resume-offer').count(), 0);
  assert.equal(await row.getByTestId('run-resume').count(), 0);
  // The checkpoint after the epoch hit the same full disk: said so, and training went on to the end.
  assert.match(
    await byId('checkpoint-problem').textContent(),
    /^The checkpoint after epoch 1 could not be stored \(the disk is full\)\. Training goes on/,
  );

  // The model as files, while it cannot be stored.
  const [download] = await Promise.all([page.waitForEvent('download'), byId('save-download').click()]);
  assert.match(download.suggestedFilename(), /^mlp-on-mnist(-\d+)?\.zip$/);
  const files = unzipSync(new Uint8Array(readFileSync(await download.path())));
  assert.deepEqual(Object.keys(files).sort(), ['hearth.json', 'model.json', 'weights.bin']);
  assert.equal(files['weights.bin'].byteLength, 567434 * 4);
  assert.deepEqual(JSON.parse(strFromU8(files['model.json'])).weightsManifest[0].paths, ['weights.bin']);
  assert.equal(JSON.parse(strFromU8(files['hearth.json'])).classes.length, 10);

  // Space freed, the next try saves it.
  disk.unfill();
  await byId('save-retry').click();
  // Ends saved, or back to "Try saving again" if this save failed too.
  await page.waitForFunction(() => {
    const state = document.querySelector('[data-testid="run"]')?.getAttribute('data-state');
    return state !== 'unsaved' || document.querySelector('[data-testid="save-retry"]')?.textContent.trim() === 'Try saving again';
  });
  assert.equal(await byId('run').getAttribute('data-state'), 'done', `saved on the retry: ${await runText()}`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="model-row"]').length === n + 1, modelsBefore);
  assert.match(await byId('model-row').first().textContent(), /MLP on MNIST/);
  await byId('run-row').first().and(page.locator('[data-status="finished"]')).waitFor();
  await page.reload();
  await appReady(page);
  assert.equal(await byId('model-row').count(), modelsBefore + 1, 'still there after a reload');
}
