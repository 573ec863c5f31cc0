// Hearth embedded in a course page on another origin, through the real UI: the example host page
// (public/embed-example.html) served from a second server hosts two embeds; the host receives their
// events in the documented schema, a command from a third origin is ignored, the host's own commands
// are obeyed, and the two embeds keep to their own storage. Then a share link in the app itself.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, assertNoCspViolations, openApp, watchCsp } from '../browser.mjs';

const PUBLIC = new URL('../../public/', import.meta.url);
const TYPES = { html: 'text/html', js: 'text/javascript', css: 'text/css' };

/** A static server for the host page (and a blank page for the intruder), on every loopback name. */
async function serveHost() {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/intruder.html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>intruder</title>');
    const name = path.slice(1);
    if (!/^embed-example\.(html|js|css)$/.test(name)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[name.split('.').pop()] }).end(readFileSync(new URL(name, PUBLIC)));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  // Same server, two origins: the course page at localhost, the intruder at 127.0.0.1 (and the app on another port).
  return { host: `http://localhost:${port}`, intruder: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Each event's fields beyond source, version, embed and type, as the README documents them (version 1). */
const SCHEMA = {
  ready: { datasetId: 'string', unlocked: 'array' },
  'run-started': { runId: 'string', datasetId: 'string', epochs: 'number', config: 'object' },
  epoch: { runId: 'string', epoch: 'number', epochs: 'number', loss: 'number', accuracy: 'number', valLoss: 'number|null', valAccuracy: 'number|null' },
  'run-finished': { runId: 'string', outcome: 'string', epochs: 'number', testAccuracy: 'number|null' },
  refused: { command: 'string', reason: 'string' },
};

function assertEvent(ev) {
  assert.equal(ev.source, 'hearth');
  assert.equal(ev.version, 1);
  assert.equal(typeof ev.embed, 'string');
  const fields = SCHEMA[ev.type];
  assert.ok(fields, `unknown event type ${ev.type}`);
  assert.deepEqual(Object.keys(ev).sort(), ['embed', 'source', 'type', 'version', ...Object.keys(fields)].sort(), `fields of ${ev.type}`);
  for (const [key, kind] of Object.entries(fields)) {
    const v = ev[key];
    const actual = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    assert.ok(kind.split('|').includes(actual), `${ev.type}.${key} is ${actual}, not ${kind}`);
  }
}

/**
 * A browser whose profile lets pages embedded by another site keep data, as browsers do by default
 * outside private windows. This Chromium blocks third-party cookies, and with them an embed's
 * IndexedDB, unless the profile says otherwise.
 */
async function launchAllowingThirdPartyStorage() {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-embed-'));
  mkdirSync(join(dir, 'Default'));
  writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }));
  const context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(0);
  const violations = await watchCsp(context);
  return {
    context,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
      assertNoCspViolations(violations);
    },
  };
}

let session, app, page, hostServer, browser;
before(async () => {
  session = await openApp();
  ({ app } = session);
  hostServer = await serveHost();
  browser = await launchAllowingThirdPartyStorage();
  page = (await browser.context.pages())[0] ?? (await browser.context.newPage());
  page.on('pageerror', (err) => console.error('page error:', err.message));
});
after(async () => {
  await browser?.close();
  await session?.close();
  await hostServer?.close();
});

const eventsOf = (filter) => page.evaluate((f) => window.hearthEvents.filter((e) => Object.entries(f).every(([k, v]) => e[k] === v)), filter);
const waitForEvent = (filter) =>
  page.waitForFunction((f) => window.hearthEvents?.some((e) => Object.entries(f).every(([k, v]) => e[k] === v)), filter);

test('two embeds on a course page of another origin: events, commands from the host only, storage apart', { timeout: 600_000 }, async () => {
  await page.goto(`${hostServer.host}/embed-example.html?app=${encodeURIComponent(app.origin)}&backend=cpu`);
  const circles = page.frameLocator('#circles');
  const spiral = page.frameLocator('#spiral');

  // Each embed loads its built-in by itself, into its own database.
  await circles.locator('[data-testid="embed"][data-dataset="ready"]').waitFor();
  await spiral.locator('[data-testid="embed"][data-dataset="ready"]').waitFor();
  await waitForEvent({ type: 'ready', embed: 'circles' });
  await waitForEvent({ type: 'ready', embed: 'spiral' });
  const [readyCircles] = await eventsOf({ type: 'ready', embed: 'circles' });
  assertEvent(readyCircles);
  assert.deepEqual(readyCircles, { source: 'hearth', version: 1, embed: 'circles', type: 'ready', datasetId: 'circles', unlocked: ['epochs', 'learningRate'] });

  // The focused view: the author's title and instructions, the unlocked fields only, no library.
  assert.equal(await circles.getByTestId('embed-title').textContent(), 'Circles: inside or outside?');
  assert.match(await circles.getByTestId('embed-note').textContent(), /until the test accuracy passes 95 %/);
  assert.equal(await circles.getByTestId('cfg-epochs').inputValue(), '1');
  assert.equal(await circles.getByTestId('cfg-learningRate').inputValue(), '0.001');
  assert.equal(await circles.getByTestId('cfg-batchSize').count(), 0);
  assert.equal(await circles.getByTestId('datasets').count(), 0);
  assert.equal(await circles.getByTestId('evaluation').count(), 1);
  // At this width (about 490 px) nothing overflows sideways, and the host fitted the frame to the content.
  const frame = page.frame({ url: (u) => u.searchParams?.get('embed') === 'circles' });
  const circlesUrl = frame.url();
  // Another origin indeed: the course page cannot reach into the embed, only message it.
  assert.equal(await page.evaluate(() => document.getElementById('circles').contentDocument), null);
  assert.ok(await frame.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth));
  const frameWidth = await page.locator('#circles').evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(frameWidth >= 400 && frameWidth <= 800, `frame width ${frameWidth}`);

  // A third origin (a frame the course page did not make its host) sends commands: ignored, unanswered.
  await page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    f.id = 'intruder';
    document.body.append(f);
  }, `${hostServer.intruder}/intruder.html`);
  const intruder = await (await page.locator('#intruder').elementHandle()).contentFrame();
  await intruder.waitForLoadState();
  await intruder.evaluate(() => {
    const target = parent.frames[0];
    target.postMessage({ source: 'hearth-host', version: 1, type: 'set', field: 'learningRate', value: 5 }, '*');
    target.postMessage({ source: 'hearth-host', version: 1, type: 'start' }, '*');
  });
  await circles.locator('[data-testid="embed"][data-ignored-commands="2"]').waitFor();
  assert.equal(await circles.getByTestId('run').getAttribute('data-state'), 'idle');
  assert.equal(await circles.getByTestId('cfg-learningRate').inputValue(), '0.001');

  // The host's own commands: a locked field is refused with the reason, the unlocked ones are set, and Train starts.
  await page.evaluate((app) => {
    document.getElementById('circles').contentWindow.postMessage({ source: 'hearth-host', version: 1, type: 'set', field: 'seed', value: 1 }, app);
  }, app.origin);
  await waitForEvent({ type: 'refused', embed: 'circles' });
  const [refused] = await eventsOf({ type: 'refused' });
  assertEvent(refused);
  assert.equal(refused.reason, 'seed is locked in this embed (unlocked: epochs, learningRate)');
  await page.locator('#circles-epochs').fill('4');
  await page.locator('#circles-rate').fill('0.03');
  await page.locator('#circles-set').click();
  await frame.waitForFunction(() => document.querySelector('[data-testid="cfg-epochs"]')?.value === '4' && document.querySelector('[data-testid="cfg-learningRate"]')?.value === '0.03');
  await page.locator('#circles-start').click();
  await waitForEvent({ type: 'run-finished', embed: 'circles' });

  const runEvents = await eventsOf({ embed: 'circles' });
  for (const ev of runEvents) assertEvent(ev);
  const [started] = runEvents.filter((e) => e.type === 'run-started');
  assert.equal(started.epochs, 4);
  assert.equal(started.datasetId, 'circles');
  assert.equal(started.config.learningRate, 0.03);
  assert.equal(started.config.backend, 'cpu');
  const epochs = runEvents.filter((e) => e.type === 'epoch');
  assert.deepEqual(epochs.map((e) => [e.runId, e.epoch, e.epochs]), [1, 2, 3, 4].map((n) => [started.runId, n, 4]));
  assert.ok(epochs.every((e) => e.loss > 0 && e.accuracy >= 0 && e.accuracy <= 1));
  const [finished] = runEvents.filter((e) => e.type === 'run-finished');
  assert.equal(finished.outcome, 'finished');
  assert.equal(finished.epochs, 4);
  assert.ok(finished.testAccuracy >= 0.95, `test accuracy ${finished.testAccuracy}`);
  // The quiz reacted to 95 %.
  await page.locator('#quiz[data-state="passed"]').waitFor();
  assert.equal(await page.locator('#question-2').isVisible(), true);
  // The embed's address was never rewritten with its settings.
  assert.equal(frame.url(), circlesUrl);
  // From 400 to 800 px wide, with its run and evaluation on show, nothing overflows sideways.
  for (const width of [400, 800]) {
    await page.locator('#circles').evaluate((el, w) => (el.parentElement.style.flex = `0 0 ${w}px`), width);
    await frame.waitForFunction((w) => Math.abs(innerWidth - w) <= 2, width);
    // Charts follow a width change a frame or more later (a ResizeObserver), so the page is given until its layout settles.
    const fits = await frame
      .waitForFunction(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth, null, { timeout: 60_000 })
      .then(() => true, () => false);
    if (!fits) {
      const wide = await frame.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > innerWidth + 1)
          .slice(-5)
          .map((el) => `${el.tagName.toLowerCase()}.${el.className} to ${Math.round(el.getBoundingClientRect().right)} px`),
      );
      assert.fail(`content wider than the ${width} px embed: ${wide.join('; ')}`);
    }
  }

  // The other embed was not disturbed: no run, no events beyond its ready, its own database without the model.
  assert.equal(await spiral.getByTestId('run').getAttribute('data-state'), 'idle');
  assert.deepEqual((await eventsOf({ embed: 'spiral' })).map((e) => e.type), ['ready']);
  const spiralFrame = page.frame({ url: (u) => u.searchParams?.get('embed') === 'spiral' });
  const stored = await spiralFrame.evaluate(async () => {
    const count = (name) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['datasets', 'models']);
          const datasets = tx.objectStore('datasets').getAllKeys();
          const models = tx.objectStore('models').count();
          tx.oncomplete = () => (db.close(), resolve({ datasets: datasets.result, models: models.result }));
        };
      });
    return { circles: await count('hearth-embed-circles'), spiral: await count('hearth-embed-spiral') };
  });
  assert.deepEqual(stored, { circles: { datasets: ['circles'], models: 1 }, spiral: { datasets: ['spiral'], models: 0 } });
});

test('a share link loads its built-in by itself and keeps its settings; Share / Embed writes the link and the snippet', { timeout: 300_000 }, async () => {
  const { page } = session;
  // epochs=5 is the table's default, and not Circles' (100): the link's value must stay.
  await page.goto(`${app.origin}/?share=1&datasetId=circles&model=tabular-mlp&epochs=5&learningRate=0.02&batchSize=16&seed=9&backend=cpu`);
  await page.locator('[data-testid="dataset-circles"].in-use').waitFor();
  assert.equal(await page.getByTestId('missing-dataset').count(), 0);
  assert.equal(await page.getByTestId('cfg-epochs').inputValue(), '5');
  assert.equal(await page.getByTestId('cfg-batchSize').inputValue(), '16');
  assert.equal(await page.getByTestId('cfg-learningRate').inputValue(), '0.02');

  await page.getByTestId('share-open').click();
  const dialog = page.getByTestId('share-dialog');
  const link = new URL(await dialog.getByTestId('share-url').inputValue());
  assert.equal(link.origin, app.origin);
  for (const [key, value] of Object.entries({ share: '1', datasetId: 'circles', model: 'tabular-mlp', epochs: '5', learningRate: '0.02', batchSize: '16', seed: '9', backend: 'cpu' })) {
    assert.equal(link.searchParams.get(key), value, key);
  }
  await dialog.getByTestId('embed-title-input').fill('Rings');
  await dialog.getByTestId('embed-origin-input').fill('https://course.example.org');
  await dialog.getByTestId('unlock-epochs').check();
  const snippet = await dialog.getByTestId('embed-snippet').inputValue();
  const src = new URL(snippet.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&'));
  assert.equal(src.searchParams.get('unlock'), 'epochs');
  assert.equal(src.searchParams.get('title'), 'Rings');
  assert.equal(src.searchParams.get('origin'), 'https://course.example.org');
  assert.match(src.searchParams.get('embed'), /^[a-z2-9]{8}$/);
  assert.equal(src.searchParams.get('epochs'), '5');
  assert.match(snippet, /^<iframe src="[^"]+" title="Rings" width="100%"/);

  // A link to a dataset of its author's own says what it needs.
  await page.goto(`${app.origin}/?share=1&datasetId=flowers-x1&dsName=Flowers&dsShape=64x64x3&dsClasses=daisy~rose~tulip`);
  const missing = page.getByTestId('missing-dataset');
  await missing.waitFor();
  assert.equal(await page.getByTestId('dataset-needs').textContent(), 'It needs: “Flowers”, 64×64×3 per sample, 3 classes: daisy, rose, tulip.');
});

test('an embed denied its storage (a private window) says so and links to the experiment in Hearth', { timeout: 300_000 }, async () => {
  const { page } = session; // Playwright's own contexts are private windows: third-party storage is blocked there
  await page.goto(`${hostServer.host}/embed-example.html?app=${encodeURIComponent(app.origin)}&backend=cpu`);
  const blocked = page.frameLocator('#circles').getByTestId('embed-storage-blocked');
  await blocked.waitFor();
  const href = new URL(await blocked.getByRole('link').getAttribute('href'));
  assert.equal(href.origin, app.origin);
  assert.equal(href.searchParams.get('share'), '1');
  assert.equal(href.searchParams.get('datasetId'), 'circles');
  assert.equal(href.searchParams.has('embed'), false);
});
