// After the first visit Hearth works with no network at all: the service worker
// precaches the built app, the datasets loaded are in IndexedDB, and a reload with the
// browser offline (and the server gone) starts the app and trains to the end. A
// downloaded built-in that was loaded opens offline; one never loaded says why it cannot be.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, loadBuiltin, useApp } from '../browser.mjs';

/** The built app in a fresh profile; closing it fails on any CSP violation. */
let session;
useApp((s) => (session = s), 'offline-');

test('after one visit the app starts and trains offline', { timeout: 600_000 }, async () => {
  const { app, page } = session;
  const byId = (id) => page.getByTestId(id);
  await page.goto(`${app.origin}/?datasetId=circles&model=tabular-mlp&epochs=2&batchSize=32&backend=cpu`);
  await appReady(page);
  await byId('load-circles').click();
  await page.locator('[data-testid="dataset-circles"].in-use').waitFor();
  // MNIST is downloaded from the app's server, unlike the generated Circles.
  await byId('load-mnist').click();
  await byId('dataset-mnist').waitFor();

  // The service worker has installed (precached the app) and controls this page.
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated');
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const cache = await caches.open(names[0]);
    return { names, urls: (await cache.keys()).map((r) => new URL(r.url).pathname) };
  });
  assert.equal(cached.names.length, 1);
  assert.match(cached.names[0], /^hearth-app-[0-9a-f]{16}$/);
  assert.ok(cached.urls.includes('/index.html'), 'index.html precached');
  assert.ok(cached.urls.some((u) => /^\/assets\/training\.worker-.*\.js$/.test(u)), 'the training worker precached');
  assert.ok(!cached.urls.some((u) => u.startsWith('/datasets/')), 'no dataset file precached');

  // No network: the browser is offline and the server that served the app has stopped.
  await page.context().setOffline(true);
  await app.close();
  await assert.rejects(fetch(app.origin), 'the server no longer answers');
  const failed = [];
  page.on('requestfailed', (r) => failed.push(r.url()));

  await page.reload();
  await appReady(page);
  await page.locator('[data-testid="dataset-circles"].in-use').waitFor();
  await byId('train').click();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();
  assert.equal(await byId('epoch-row').count(), 2);
  assert.deepEqual(failed, [], 'every request was answered without the network');

  // The MNIST kept on this device opens: its samples are read from IndexedDB.
  await byId('details-mnist').click();
  await byId('dataset-mnist').getByTestId('dataset-preview').waitFor();
  // Fashion-MNIST was never loaded: its files are on the server, which cannot be reached.
  // Chromium's offline emulation does not reach navigator.onLine of a reloaded document;
  // set again, it does, as a real loss of network would.
  await page.context().setOffline(false);
  await page.context().setOffline(true);
  await loadBuiltin(page, 'fashion-mnist', 'pressed');
  const error = byId('error');
  await error.waitFor();
  assert.match(
    await error.textContent(),
    /Fashion-MNIST is not stored on this device and can't be downloaded while offline\. Connect to the network and load it again/,
  );
  assert.doesNotMatch(await error.textContent(), /Failed to fetch|Storage failed/);
  assert.equal(await byId('dataset-fashion-mnist').count(), 0, 'nothing half-loaded is listed');
});
