// The error explorer through the real UI: the spiral's decision-boundary map follows
// training; a small MNIST model's worst confusion-matrix cell opens its test images
// with their probabilities, by mouse and by keyboard; the most confident mistakes come
// most confident first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appReady, openApp } from '../browser.mjs';

let session, app, page;
before(async () => {
  session = await openApp();
  ({ app, page } = session);
});
after(async () => {
  await session?.close();
});

const byId = (id) => page.getByTestId(id);
const runIs = (state) => page.locator(`[data-testid="run"][data-state="${state}"]`).waitFor();

async function loadBuiltin(id) {
  const builtins = byId('builtins');
  if (!(await builtins.evaluate((el) => el.open))) await builtins.locator('summary').click();
  await byId(`load-${id}`).click();
  await byId(`dataset-${id}`).waitFor();
}

/** The confusion matrix's cells: true class, predicted class, count. */
async function cells() {
  return byId('confusion-matrix').getByTestId('cm-cell').evaluateAll((tds) =>
    tds.map((td) => ({ t: Number(td.dataset.true), p: Number(td.dataset.pred), n: Number(td.textContent.replace(/\D/g, '')) })),
  );
}

test('the spiral’s decision-boundary map appears and changes as it trains', { timeout: 600_000 }, async () => {
  await page.goto(`${app.origin}/?datasetId=spiral&model=tabular-mlp&epochs=30&batchSize=32&backend=cpu`);
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
  await page.waitForFunction(() => document.querySelector('[data-testid="boundary-map"]')?.getAttribute('data-epoch') === '30');
  const maps = await page.evaluate(() => {
    clearInterval(window.__mapTimer);
    return window.__maps;
  });
  const epochs = maps.map((m) => Number(m.epoch));
  assert.equal(epochs[0], 0, `the untrained model's map comes first (${epochs})`);
  assert.equal(epochs.at(-1), 30);
  assert.ok(new Set(maps.map((m) => m.pixels)).size >= 2, 'the map changed as the model trained');
  // Both classes hold part of the trained plane, and the shares add up to the whole.
  const shares = [...maps.at(-1).shares.matchAll(/(\d+)%/g)].map((m) => Number(m[1]));
  assert.equal(shares.length, 2);
  assert.ok(shares.every((s) => s > 10) && Math.abs(shares[0] + shares[1] - 100) <= 1, `shares ${shares}`);
  assert.ok((await byId('boundary-map').getByRole('img').getAttribute('aria-label')).startsWith('Decision boundary after 30 epochs'));

  // Table rows show their original coordinates and the probabilities.
  const worst = (await cells()).filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n)[0];
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

test('MNIST: the worst confusion-matrix cell shows its test images with probabilities', { timeout: 900_000 }, async () => {
  const query = new URLSearchParams({ datasetId: 'mnist', model: 'mlp', epochs: '1', trainLimit: '320', batchSize: '32', validationSplit: '0', seed: '3' });
  await page.goto(`${app.origin}/?${query}`);
  await appReady(page);
  await loadBuiltin('mnist');
  await byId('use-mnist').click();
  await byId('train').click();
  await runIs('done');
  await byId('test-accuracy').waitFor();

  const all = await cells();
  assert.equal(all.reduce((a, c) => a + c.n, 0), 10_000);
  const worst = all.filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n || a.t - b.t || a.p - b.p)[0];
  assert.ok(worst.n > 0, 'a model trained on 320 images makes mistakes');
  const button = page.locator(`[data-testid="cm-cell"][data-true="${worst.t}"][data-pred="${worst.p}"] button`);
  assert.match(await button.getAttribute('aria-label'), new RegExp(`^True ${worst.t}, predicted ${worst.p}: ${worst.n} samples?\\. Show them\\.$`));
  await button.click();
  assert.equal(await button.getAttribute('aria-pressed'), 'true');

  const samples = byId('explorer-sample');
  await samples.first().waitFor();
  assert.equal(await samples.count(), Math.min(worst.n, 48));
  assert.match(await byId('explorer-heading').textContent(), new RegExp(`True ${worst.t}, predicted ${worst.p}: ${worst.n} sample`));
  for (const s of await samples.evaluateAll((els) => els.map((el) => ({ t: el.dataset.true, p: el.dataset.pred })))) {
    assert.deepEqual(s, { t: String(worst.t), p: String(worst.p) });
  }
  // The images are drawn (not blank) and each names its likeliest classes; the predicted one comes first.
  const inked = await samples.first().locator('canvas').evaluate((c) => c.getContext('2d').getImageData(0, 0, 28, 28).data.some((v, i) => i % 4 === 0 && v > 128));
  assert.ok(inked, 'the digit is drawn');
  const probs = await samples.first().getByTestId('sample-probs').locator('span').allTextContents();
  assert.equal(probs.length, 3);
  assert.match(probs[0], new RegExp(`^${worst.p} \\d+\\.\\d%$`));
  const firstConfidence = Number(probs[0].split(' ')[1].replace('%', ''));
  const lastConfidence = Number((await samples.last().getByTestId('sample-probs').locator('span').first().textContent()).split(' ')[1].replace('%', ''));
  assert.ok(firstConfidence >= lastConfidence, `most confident first: ${firstConfidence} then ${lastConfidence}`);

  // By keyboard: a diagonal cell's button takes focus and Enter opens it.
  await page.locator(`[data-testid="cm-cell"][data-true="1"][data-pred="1"] button`).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /^1, predicted correctly/.test(document.querySelector('[data-testid="explorer-heading"]')?.textContent ?? ''));

  // The most confident mistakes: every one wrong, in falling confidence.
  await byId('confident-mistakes').click();
  await page.waitForFunction(() => /^Most confident mistakes/.test(document.querySelector('[data-testid="explorer-heading"]')?.textContent ?? ''));
  await samples.first().waitFor();
  const mistakes = await samples.evaluateAll((els) =>
    els.map((el) => ({ t: el.dataset.true, p: el.dataset.pred, top: Number(el.querySelector('[data-testid="sample-probs"] span').textContent.split(' ')[1].replace('%', '')) })),
  );
  assert.equal(mistakes.length, 48);
  assert.ok(mistakes.every((m) => m.t !== m.p));
  for (let i = 1; i < mistakes.length; i++) assert.ok(mistakes[i - 1].top >= mistakes[i].top, `falling confidence at ${i}`);
});
