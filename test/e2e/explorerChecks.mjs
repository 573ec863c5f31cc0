// The error explorer on a trained MNIST model: the worst confusion-matrix cell opens its
// test images with their probabilities, by mouse and by keyboard, and the most confident
// mistakes come most confident first. Called by app.test.mjs on the model it trains, so
// the suite trains and evaluates MNIST once.
import assert from 'node:assert/strict';

/** The confusion matrix's cells: true class, predicted class, count. */
export async function matrixCells(page) {
  return page
    .getByTestId('confusion-matrix')
    .getByTestId('cm-cell')
    .evaluateAll((tds) => tds.map((td) => ({ t: Number(td.dataset.true), p: Number(td.dataset.pred), n: Number(td.textContent.replace(/\D/g, '')) })));
}

export async function checkErrorExplorer(page) {
  const byId = (id) => page.getByTestId(id);
  const all = await matrixCells(page);
  assert.equal(all.reduce((a, c) => a + c.n, 0), 10_000);
  const worst = all.filter((c) => c.t !== c.p).sort((a, b) => b.n - a.n || a.t - b.t || a.p - b.p)[0];
  assert.ok(worst.n > 0, 'a small model makes mistakes');
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

  // Corrections from the explorer: up to three of the cell's samples, offered as their true class, join a new version's training split.
  const evaluation = byId('evaluation');
  const adding = Math.min(3, worst.n);
  for (let i = 0; i < adding; i++) {
    const sample = samples.nth(i);
    assert.equal(await sample.getByTestId('explorer-add-class').inputValue(), String(worst.t));
    await sample.getByTestId('explorer-add').click();
    assert.match(await sample.getByTestId('explorer-add').textContent(), /In the tray/);
  }
  assert.equal(await evaluation.getByTestId('corrections-pending').locator('li').count(), adding);
  await evaluation.getByTestId('corrections-commit').click();
  await evaluation.getByTestId('corrections-made').waitFor();
  assert.match(await evaluation.getByTestId('corrections-made').textContent(), new RegExp(`Made MNIST v2 with ${adding} added samples?\\.`));

  // By keyboard: the fullest diagonal cell's button takes focus and Enter opens it.
  const right = all.filter((c) => c.t === c.p).sort((a, b) => b.n - a.n)[0];
  await page.locator(`[data-testid="cm-cell"][data-true="${right.t}"][data-pred="${right.t}"] button`).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => document.querySelector('[data-testid="explorer-heading"]')?.textContent.startsWith(`${t}, predicted correctly`), right.t);

  // The most confident mistakes: every one wrong, in falling confidence.
  await byId('confident-mistakes').click();
  await page.waitForFunction(() => /^Most confident mistakes/.test(document.querySelector('[data-testid="explorer-heading"]')?.textContent ?? ''));
  await samples.first().waitFor();
  const mistakes = await samples.evaluateAll((els) =>
    els.map((el) => ({ t: el.dataset.true, p: el.dataset.pred, top: Number(el.querySelector('[data-testid="sample-probs"] span').textContent.split(' ')[1].replace('%', '')) })),
  );
  const wrong = all.filter((c) => c.t !== c.p).reduce((a, c) => a + c.n, 0);
  assert.equal(mistakes.length, Math.min(wrong, 48));
  assert.ok(mistakes.every((m) => m.t !== m.p));
  for (let i = 1; i < mistakes.length; i++) assert.ok(mistakes[i - 1].top >= mistakes[i].top, `falling confidence at ${i}`);
}
