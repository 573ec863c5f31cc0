// What the app promises about stored data, checked in Chromium for real: two tabs
// never destroy each other's loads and each hears of the other's changes, a record
// that cannot be read is named and left out, and a full disk is named as one and
// costs nothing already stored.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertNoCspViolations, launchBrowser, launchOnSmallDisk, loadBuiltin, serveApp, watchCsp } from '../browser.mjs';

let app, browser;

before(async () => {
  app = await serveApp();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh profile (its own IndexedDB) that tabs can share; closing it fails on any CSP violation. */
async function newProfile() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(0); // waits are for the app's states, bounded by each test's timeout
  const violations = await watchCsp(context);
  const close = async () => {
    await context.close();
    assertNoCspViolations(violations);
  };
  const open = async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    await page.goto(app.origin);
    await page.locator('[data-testid="import"]').waitFor();
    return page;
  };
  return { context, open, close };
}

/** Waits until the page has listed what is stored. */
async function libraryListed(page) {
  await page.locator('[data-testid="datasets"][data-ready="true"]').waitFor();
}

/** A CSV of `rows` rows of `cols` numbers and a two-class label, generated deterministically. */
function bigCsv(rows, cols) {
  const header = [...Array.from({ length: cols }, (_, c) => `f${c}`), 'label'].join(',');
  const lines = [header];
  let v = 12345;
  for (let r = 0; r < rows; r++) {
    const cells = [];
    for (let c = 0; c < cols; c++) {
      v = (v * 1103515245 + 12345) % 2147483648;
      cells.push(((v / 2147483648) * 10 - 5).toFixed(4));
    }
    cells.push(r % 2 ? 'yes' : 'no');
    lines.push(cells.join(','));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

/**
 * Runs fn(db, arg) in the page against Hearth's database and returns its result.
 * Sent as source text: the page's CSP allows no code from strings, but code that
 * the test evaluates through the DevTools protocol is the test's own.
 */
function inDb(page, fn, arg) {
  const openAndRun = (run, arg) =>
    new Promise((resolve, reject) => {
      const open = indexedDB.open('hearth');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        Promise.resolve(run(open.result, arg)).then(resolve, reject).finally(() => open.result.close());
      };
    });
  return page.evaluate(`(${openAndRun})(${fn}, ${JSON.stringify(arg)})`);
}

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

test('a full disk is named as one, and what was stored before stays', { timeout: 300_000 }, async () => {
  const disk = await launchOnSmallDisk({ sizeMb: 160 });
  disk.context.setDefaultTimeout(0);
  const violations = await watchCsp(disk.context);
  try {
    const page = await disk.context.newPage();
    const byId = (id) => page.getByTestId(id);
    await page.goto(app.origin);
    await loadBuiltin(page, 'iris');
    const before = await storedShards(page);

    // MNIST needs about 55 MB; leave 4.
    disk.fill(4_000_000);
    await loadBuiltin(page, 'mnist', 'pressed');
    const banner = byId('error');
    await banner.waitFor();
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
    assert.equal(await byId('error').count(), 0);
    assertNoCspViolations(violations);
  } finally {
    await disk.close();
  }
});

test('a load in progress in one tab survives another tab starting, and each tab hears the other', { timeout: 600_000 }, async () => {
  const { open, close } = await newProfile();
  const tabA = await open();
  await libraryListed(tabA);

  // A load that is still being written (it holds its lock) and the leftovers of one that died.
  const shard = (datasetId, index) => ({ datasetId, split: 'train', index, count: 1, x: new Uint8Array(4), y: new Uint8Array(1) });
  const putShards = (db, records) =>
    new Promise((resolve, reject) => {
      const tx = db.transaction('shards', 'readwrite');
      for (const r of records) tx.objectStore('shards').put(r);
      tx.oncomplete = () => resolve(records.length);
      tx.onerror = () => reject(tx.error);
    });
  await inDb(tabA, putShards, [shard('alive', 0), shard('alive', 1), shard('dead', 0)]);
  await tabA.evaluate(() => {
    navigator.locks.request('hearth:load:alive', () => new Promise((release) => (window.releaseAlive = release)));
  });

  const tabB = await open();
  await libraryListed(tabB);
  assert.deepEqual(await storedShards(tabB), { alive: 2 }, "the other tab's cleanup took only the dead load's shards");
  await tabA.evaluate(() => window.releaseAlive());
  await tabB.reload();
  await libraryListed(tabB);
  assert.deepEqual(await storedShards(tabB), {}, 'once no one holds its lock, a load without a record is a leftover');

  // A real import of ~36 MB in tab A, while tab B keeps reloading (and cleaning up at each start).
  await tabA.getByTestId('import-file').setInputFiles({ name: 'wide.csv', mimeType: 'text/csv', buffer: bigCsv(150_000, 30) });
  await tabA.getByTestId('csv-preview').waitFor();
  await tabA.getByTestId('import-start').click();
  let reloads = 0;
  let storingSeen = false;
  while ((await tabA.getByTestId('import-report').count()) === 0 && (await tabA.getByTestId('error').count()) === 0) {
    storingSeen ||= (await tabA.locator('[data-testid="import-progress"][data-phase="store"]').count()) > 0;
    await tabB.reload();
    await libraryListed(tabB);
    reloads++;
  }
  assert.equal(await tabA.getByTestId('error').count(), 0, 'the import succeeded');
  assert.ok(reloads >= 2, `tab B started ${reloads} times during the import`);
  const meta = await inDb(tabA, (db) => new Promise((resolve) => {
    const r = db.transaction('datasets').objectStore('datasets').getAll();
    r.onsuccess = () => resolve(r.result.find((d) => d.name === 'wide'));
  }));
  const expected = meta.splits.train.shards + meta.splits.test.shards + (meta.splits.val?.shards ?? 0);
  assert.equal((await storedShards(tabA))[meta.id], expected, `every shard of the import is stored (storing seen: ${storingSeen})`);

  // Tab B, not reloaded again, learns of what tab A adds and deletes.
  const cardInB = tabB.getByTestId(`dataset-${meta.id}`);
  await cardInB.waitFor();
  await tabA.getByTestId(`delete-${meta.id}`).click();
  await tabA.getByTestId('confirm-delete').click();
  await cardInB.waitFor({ state: 'detached' });
  await loadBuiltin(tabA, 'iris', 'pressed');
  await tabB.getByTestId('dataset-iris').waitFor();
  await close();
});

test('a stored record that cannot be read is named and left out, and the rest works', { timeout: 300_000 }, async () => {
  const { open, close } = await newProfile();
  const page = await open();
  await loadBuiltin(page, 'iris');

  // A copy of Iris's record claiming 200,000 classes, and a saved-model record with no input shape.
  await inDb(page, (db) => new Promise((resolve, reject) => {
    const tx = db.transaction(['datasets', 'models'], 'readwrite');
    const get = tx.objectStore('datasets').get('iris');
    get.onsuccess = () => {
      const classes = Array.from({ length: 200_000 }, (_, i) => `class ${i}`);
      tx.objectStore('datasets').put({ ...get.result, id: 'iris-copy', name: 'Iris copy', classes, createdAt: Date.now() });
      tx.objectStore('models').put({ id: 'odd-model', name: 'Odd model', createdAt: 1 });
    };
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  }));
  await page.reload();
  await libraryListed(page);

  const problems = page.getByTestId('stored-problem');
  await problems.first().waitFor();
  assert.deepEqual(await problems.evaluateAll((els) => els.map((e) => [e.dataset.id, e.querySelector('p').textContent])), [
    ['iris-copy', 'The stored dataset "Iris copy" cannot be opened: it has 200,000 class names; a classifier has 1 to 256. Delete it and load it again.'],
    ['odd-model', 'The saved model "Odd model" cannot be opened: its input shape undefined is not three whole numbers from 1 to 4096. Delete it and train it again.'],
  ]);
  await page.getByTestId('dataset-iris').waitFor();
  assert.equal(await page.locator('article.dataset').count(), 1);
  await page.locator('[data-testid="train"]:enabled').waitFor(); // Train works with the readable dataset

  // Deleting the bad records from the page removes them for good.
  for (const id of ['iris-copy', 'odd-model']) {
    const row = page.locator(`[data-testid="stored-problem"][data-id="${id}"]`);
    await row.getByTestId('stored-problem-delete').click();
    await row.getByTestId('stored-problem-confirm').click();
    await row.waitFor({ state: 'detached' });
  }
  await page.reload();
  await libraryListed(page);
  assert.equal(await page.getByTestId('stored-problem').count(), 0);
  assert.equal(await page.locator('article.dataset').count(), 1);
  await close();
});

test('the Content-Security-Policy is in force on the page and its workers', { timeout: 120_000 }, async () => {
  const context = await browser.newContext();
  context.setDefaultTimeout(0);
  const violations = await watchCsp(context);
  const page = await context.newPage();
  const worker = page.waitForEvent('worker', { predicate: (w) => /training/.test(w.url()) });
  const response = await page.goto(app.origin);
  const policy = response.headers()['content-security-policy'];
  assert.match(policy, /script-src 'self'(;|$)/);
  assert.match(policy, /connect-src 'self'(;|$)/);
  assert.equal(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'), policy);
  const workerResponse = await fetch((await worker).url());
  assert.equal(workerResponse.headers.get('content-security-policy'), policy, 'workers are served under the same policy');

  // What the policy is for: no script smuggled into the page runs, nothing connects to another origin.
  const attempts = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.injectedRan = true';
    document.head.append(script);
    const fetched = await fetch('https://example.com/').then(() => 'sent', (err) => err.name);
    return { injectedRan: window.injectedRan === true, fetched };
  });
  assert.deepEqual(attempts, { injectedRan: false, fetched: 'TypeError' });
  // Violation events are delivered as tasks of their own, after the attempts return.
  while (violations.length < 2) await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
  // Reported once per policy in force: the header's and the meta tag's, which are the same.
  assert.deepEqual([...new Set(violations.map((v) => v.directive))].sort(), ['connect-src', 'script-src-elem']);
  await context.close();
});
