// The "Your data" panel in Chromium: the policy and the request count are what the
// page really has, what is stored is counted, and "delete everything" leaves no
// data in IndexedDB and no cache behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, useApp } from '../browser.mjs';

/** The built app in a fresh profile; closing it fails on any CSP violation. */
let session;
useApp((s) => (session = s), 'your-data-');

/** Every record in every Hearth database, and every cache, straight from the browser. */
function whatIsStored(page) {
  return page.evaluate(async () => {
    const databases = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of db.objectStoreNames) {
        const count = await new Promise((resolve) => {
          const r = db.transaction(store).objectStore(store).count();
          r.onsuccess = () => resolve(r.result);
        });
        databases[`${name}/${store}`] = count;
      }
      db.close();
    }
    return { databases, caches: await caches.keys() };
  });
}

test('shows the policy and the requests, counts what is stored, and deletes everything', { timeout: 600_000 }, async () => {
  const { app, page, foreign } = session;
  const byId = (id) => page.getByTestId(id);
  await page.goto(`${app.origin}/?datasetId=circles&backend=cpu`);
  await appReady(page);
  await byId('load-circles').click();
  await page.locator('[data-testid="dataset-circles"].in-use').waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated');

  // The footer's link opens the panel, brings it into view and moves the focus into it.
  await byId('your-data-link').click();
  const panel = byId('your-data');
  await panel.locator(':scope > details[open]').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'your-data-summary');
  const place = await byId('your-data-summary').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, height: window.innerHeight, scrollY: window.scrollY };
  });
  assert.ok(place.top >= -1 && place.bottom <= place.height + 1, `the panel is scrolled into view: ${JSON.stringify(place)}`);
  assert.equal(await byId('csp-summary').getAttribute('data-self-only'), 'true');
  assert.match(await byId('csp-summary').textContent(), new RegExp(`This page may connect to ${app.origin} only`));
  assert.match(await byId('csp-directives').textContent(), /connect-src 'self'/);

  const requests = byId('request-count');
  const total = Number(await requests.getAttribute('data-total'));
  assert.ok(total >= 5, `the page, its script, style, workers and manifest were counted (${total})`);
  assert.equal(await requests.getAttribute('data-foreign'), '0');
  assert.match(await requests.textContent(), new RegExp(`made ${total} requests; all to ${app.origin}, none to another site`));
  assert.deepEqual(foreign, [], 'the browser saw no request to another origin either');

  // Counted from storage: Circles is one dataset record and its shards, the app is in one cache.
  await panel.locator('[data-testid="stored"][data-ready="true"]').waitFor();
  assert.equal(await panel.locator('[data-store="datasets"]').getAttribute('data-records'), '1');
  assert.ok(Number(await panel.locator('[data-store="shards"]').getAttribute('data-records')) >= 2);
  assert.equal(await panel.getByTestId('cache-row').count(), 1);
  const before = await whatIsStored(page);
  assert.equal(before.databases['hearth/datasets'], 1);
  assert.equal(before.caches.length, 1);

  await byId('wipe-start').click();
  await byId('wipe-confirm').click();
  await page.locator('[data-testid="wipe"][data-state="done"]').waitFor();
  assert.equal(await byId('wipe-message').textContent(), 'Everything Hearth stored on this device was deleted.');
  await panel.locator('[data-testid="stored"][data-ready="true"]').waitFor();
  assert.equal(await panel.getByTestId('cache-row').count(), 0);
  assert.equal(await byId('dataset-circles').count(), 0, 'the library no longer lists Circles');

  // The browser agrees: no cache, no service worker, and no record in any database; the
  // worker still answering this page until it closes does not make its cache again.
  assert.equal(await page.evaluate(() => fetch('/manifest.webmanifest').then((r) => r.status)), 200);
  const after = await whatIsStored(page);
  assert.deepEqual(after.caches, []);
  assert.ok(Object.values(after.databases).every((n) => n === 0), JSON.stringify(after.databases));
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
  assert.equal(await requests.getAttribute('data-foreign'), '0');
});
