// Training options through the real UI in headless Chromium: a small built-in trained with the
// defaults its size calls for reaches a good test accuracy, a schedule shows its curve, and early
// stopping ends a run before its last epoch. Waits on the app's own states, never on time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';

let app, page;
useApp(async (s) => {
  ({ app, page } = s);
  await page.goto(`${app.origin}/`);
  await appReady(page);
}, 'options-');

const byId = (id) => page.getByTestId(id);
const runIn = (...states) => byId('run').and(page.locator(states.map((s) => `[data-state="${s}"]`).join(', ')));
const valueOf = async (id) => byId(id).inputValue();

test('Iris with the defaults it calls for trains to above 93 % test accuracy', { timeout: 900_000 }, async () => {
  await loadBuiltin(page, 'iris', 'used');
  // 120 training rows: batches of 8 for 100 epochs at Adam 0.01, annealed by a cosine (was 128 × 5 epochs at 0.001).
  await page.waitForFunction(() => document.querySelector('[data-testid="cfg-batchSize"]')?.value === '8');
  assert.deepEqual([await valueOf('cfg-batchSize'), await valueOf('cfg-epochs'), await valueOf('cfg-learningRate'), await valueOf('cfg-schedule')], ['8', '100', '0.01', 'cosine']);
  // The one setting changed: the machine's backend. WebGPU here is SwiftShader, which takes 3½ minutes
  // for these 1,500 steps of a 3-layer net; tfjs's CPU backend takes seconds. The training settings are the defaults.
  await byId('cfg-backend').selectOption('cpu');
  await byId('train').click();
  await runIn('done', 'stopped', 'diverged', 'unsaved', 'error').waitFor();
  assert.equal(await byId('run').getAttribute('data-state'), 'done');
  const accuracy = Number(await byId('test-accuracy').getAttribute('data-value'));
  assert.ok(accuracy > 0.93, `test accuracy ${accuracy} is above 0.93`);
});

test('a step schedule draws its curve and goes into the link; SGD shows momentum, not Adam’s betas', { timeout: 300_000 }, async () => {
  await byId('cfg-schedule').selectOption('step');
  const curve = byId('schedule-curve');
  await page.locator('[data-testid="schedule-curve"][data-kind="step"]').waitFor();
  await byId('schedule-every').fill('25');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('schedule') === 'step_every25_x0.5');
  const rates = (await curve.getAttribute('data-rates')).split(' ').map(Number);
  assert.equal(rates.length, 100);
  assert.deepEqual([rates[0], rates[24], rates[25], rates[50], rates[99]], [0.01, 0.01, 0.005, 0.0025, 0.00125]);
  // One flat segment per epoch.
  assert.equal((await curve.locator('polyline').getAttribute('points')).split(' ').length, 200);

  assert.equal(await byId('cfg-beta1').count(), 1);
  await byId('cfg-optimizer').selectOption('sgd');
  await byId('cfg-momentum').waitFor();
  assert.equal(await byId('cfg-beta1').count(), 0);
  assert.equal(await byId('cfg-nesterov').count(), 0);
  await byId('cfg-momentum').fill('0.9');
  await byId('cfg-nesterov').waitFor();
  // Back to the defaults for the next test.
  await byId('cfg-optimizer').selectOption('adam');
  await byId('cfg-schedule').selectOption('cosine');
});

test('early stopping ends a run early and says which epoch it kept', { timeout: 900_000 }, async () => {
  await byId('cfg-patience').fill('2');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('patience') === '2');
  await byId('train').click();
  await runIn('done', 'stopped', 'diverged', 'unsaved', 'error').waitFor();
  assert.equal(await byId('run').getAttribute('data-state'), 'done');
  const note = byId('run-early-stop');
  const epoch = Number(await note.getAttribute('data-epoch'));
  const best = Number(await note.getAttribute('data-best-epoch'));
  assert.ok(epoch < 100, `stopped at epoch ${epoch} of 100`);
  assert.equal(epoch, best + 2);
  assert.equal(await note.textContent(), `Early-stopped at epoch ${epoch}, best epoch ${best} restored.`);
  await page.locator(`[data-mark="early-stopped"]`).first().waitFor();
  assert.equal(await page.locator('[data-mark="early-stopped"]').first().textContent(), `early-stopped · best ${best}`);
});
