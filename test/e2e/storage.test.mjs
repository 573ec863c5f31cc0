// What the app promises about stored data, checked in Chromium for real: a full disk
// is named as one and costs nothing already stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchOnSmallDisk, serveApp } from '../browser.mjs';

let app;

before(async () => {
  app = await serveApp();
});

after(async () => {
  await app?.close();
});

/** Counts the shard records stored under each dataset id, straight from IndexedDB. */
function storedShards(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('hearth');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('shards').objectStore('shards').getAllKeys();
          request.onsuccess = () => {
            const counts = {};
            for (const [id] of request.result) counts[id] = (counts[id] ?? 0) + 1;
            open.result.close();
            resolve(counts);
          };
        };
      }),
  );
}

/** Presses Load on a built-in, opening the list of built-ins first when it is folded. */
async function loadBuiltin(page, id) {
  const list = page.getByTestId('builtins');
  if ((await list.getAttribute('open')) === null) await list.locator('summary').click();
  await page.getByTestId(`load-${id}`).click();
}

test('a full disk is named as one, and what was stored before stays', { timeout: 300_000 }, async () => {
  const disk = await launchOnSmallDisk({ sizeMb: 160 });
  try {
    const page = await disk.context.newPage();
    const byId = (id) => page.getByTestId(id);
    await page.goto(app.origin);
    await loadBuiltin(page, 'iris');
    await byId('dataset-iris').waitFor({ timeout: 120_000 });
    const before = await storedShards(page);

    // MNIST needs about 55 MB; leave 4.
    disk.fill(4_000_000);
    await loadBuiltin(page, 'mnist');
    const banner = byId('error');
    await banner.waitFor({ timeout: 180_000 });
    const message = await banner.textContent();
    assert.match(message, /^Not enough disk space for this site: the dataset "MNIST" could not be stored \(it needs about 55 MB\), so it was not kept\./);
    assert.match(message, /Everything stored before is unchanged\./);
    assert.equal(await byId('dataset-mnist').count(), 0);
    assert.equal(await byId('dataset-iris').count(), 1);
    assert.deepEqual(await storedShards(page), before, 'no piece of MNIST is left, and Iris is whole');

    // With space again, the same load works.
    disk.unfill();
    await page.getByRole('button', { name: 'Dismiss error' }).click();
    await loadBuiltin(page, 'mnist');
    await byId('dataset-mnist').waitFor({ timeout: 180_000 });
    assert.equal(await byId('error').count(), 0);
  } finally {
    await disk.close();
  }
});
