// The error explorer through the real UI on the spiral: the decision-boundary map follows
// training, and a confusion-matrix cell opens its test rows with their original
// coordinates and probabilities. (MNIST's images are checked in app.test.mjs, on the
// model it trains: see explorerChecks.mjs.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, useApp } from '../browser.mjs';
import { matrixCells } from './explorerChecks.mjs';

let app, page;
useApp((s) => ({ app, page } = s), 'explorer-');

const byId = (id) => page.getByTestId(id);
const runIs = (state) => page.locator(`[data-testid="run"][data-state="${state}"]`).waitFor();

test('the spiral’s decision-boundary map appears and changes as it trains', { timeout: 600_000 }, async () => {
  await page.goto(`${app.origin}/?datasetId=spiral&model=tabular-mlp&epochs=12&batchSize=32&backend=cpu`);
  await appReady(page);
  await byId('missing-dataset').getByRole('button', { name: 'Load Spiral' }).click();
  await page.locator('[data-testid="dataset-spiral"].in-use').waitFor();

  // Every map drawn, as the page shows it: its epoch and the canvas's pixels.
  await page.evaluate(() => {
    window.__maps = [];
    const look = () => {
      const fig = document.querySelector('[data-testid="boundary-map"]');
      const epoch = fig?.getAttribute('data-epoch');
      if (fig && epoch !== window.__maps.at(-1)?.epoch) {
        window.__maps.push({ epoch, pixels: fig.querySelector('canvas').toDataURL(), shares: fig.querySelector('[data-testid="boundary-shares"]').textContent });
      }
    };
    window.__mapTimer = setInterval(look, 15);
  });
  await byId('train').click();
  await byId('boundary-map').waitFor();
  await runIs('done');
  await page.waitForFunction(() => document.querySelector('[data-testid="boundary-map"]')?.getAttribute('data-epoch') === '12');
  const maps = await page.evaluate(() => {
    clearInterval(window.__mapTimer);
    return window.__maps;
  });
  const epochs = maps.map((m) => Number(m.epoch));
  assert.equal(epochs[0], 0, `the untrained model's map comes first (${epochs})`);
  assert.equal(epochs.at(-1), 12);
  assert.ok(new Set(maps.map((m) => m.pixels)).size >= 2, 'the map changed as the model trained');
  // Both classes hold part of the trained plane, and the shares add up to the whole.
  const shares = [...maps.at(-1).shares.matchAll(/(\d+)%/g)].map((m) => Number(m[1]));
  assert.equal(shares.length, 2);
  assert.ok(shares.every((s) => s > 10) && Math.abs(shares[0] + shares[1] - 100) <= 1, `shares ${shares}`);
  assert.ok((await byId('boundary-map').getByRole('img').getAttribute('aria-label')).startsWith('Decision boundary after 12 epochs'));

  // Table rows show their original coordinates and the probabilities.
  const worst = (await matrixCells(page)).filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n)[0];
  if (worst.n > 0) {
    await page.locator(`[data-testid="cm-cell"][data-true="${worst.t}"][data-pred="${worst.p}"] button`).click();
    const rows = byId('explorer-sample');
    await rows.first().waitFor();
    assert.equal(await rows.count(), Math.min(worst.n, 48));
    const header = await byId('explorer-samples').locator('thead th').allTextContents();
    assert.deepEqual(header.slice(0, 3), ['Test row', 'x1', 'x2']);
    const first = await rows.first().locator('td').allTextContents();
    assert.ok(Math.abs(Number(first[0])) <= 1.5, `x1 in the spiral's own units: ${first[0]}`);
    assert.match(await rows.first().getByTestId('sample-probs').textContent(), /\d+\.\d%/);
  }
});
