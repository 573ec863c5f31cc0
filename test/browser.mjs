// Starts what a browser test needs: Debian's Chromium (installed on first use when
// running as root), a production build of the app served by `vite preview`, and a
// Chromium with WebGPU enabled. Shared by the end-to-end tests and the benchmark.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Installs Chromium from Debian's packages when it is absent. Never downloads a browser build of its own. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`Chromium was not found at ${CHROMIUM}. Install it (Debian: apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  console.log('Installing Chromium from Debian packages (first run only)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0 || !existsSync(CHROMIUM)) throw new Error('apt-get install chromium failed.');
}

/**
 * Set by the suite's runner once it has built the app, so that each test file serves
 * that build rather than making its own (a build takes 10–30 s on a small machine).
 */
export const PREBUILT_ENV = 'HEARTH_E2E_PREBUILT';

/** A production build of the app, in dist/. */
export const buildApp = () => build({ logLevel: 'warn' });

/** Builds the app (unless the runner already has) and serves it on a free loopback port. */
export async function serveApp({ rebuild = process.env[PREBUILT_ENV] !== '1' } = {}) {
  if (rebuild) await buildApp();
  const server = await preview({ preview: { host: '127.0.0.1', port: 0, strictPort: false }, logLevel: 'warn' });
  const address = server.httpServer.address();
  const origin = `http://127.0.0.1:${address.port}`;
  return { origin, close: () => new Promise((resolve) => server.httpServer.close(resolve)) };
}

export async function launchBrowser() {
  ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Records every request a page (and its workers) makes whose origin is not `origin`. */
export function trackForeignRequests(context, origin) {
  const foreign = [];
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
  return foreign;
}

/**
 * Waits until the page has started: the backend probed, and the datasets and saved
 * models listed. Until then Train may be disabled for no fault of the test.
 */
export async function appReady(page) {
  // A backend that cannot start ends the wait at once, with the app's own message.
  const backend = page.locator('[data-testid="backend"][data-state="ready"], [data-testid="backend"][data-state="failed"]');
  await backend.waitFor();
  if ((await backend.getAttribute('data-state')) === 'failed') {
    const banner = await page.locator('[role="alert"]').allTextContents();
    throw new Error(`No backend could start: ${banner.join(' ').trim()}`);
  }
  await page.locator('[data-testid="datasets"][data-ready="true"]').waitFor();
  await page.locator('[data-testid="models"][data-ready="true"]').waitFor();
}

/**
 * Every record of the named object stores of the page's "hearth" database, read in the
 * page, as `{ store: records }`. Byte buffers come back as Uint8Arrays (an ArrayBuffer
 * would not cross to the test); `float32s` reads one as the stored weights it holds.
 */
export function storedRecords(page, stores) {
  return page.evaluate(async (stores) => {
    const request = (r) => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    const bytes = (v) => {
      if (v instanceof ArrayBuffer) return new Uint8Array(v);
      if (Array.isArray(v)) return v.map(bytes);
      if (v && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bytes(x)]));
      return v;
    };
    const db = await request(indexedDB.open('hearth'));
    const out = {};
    for (const store of stores) out[store] = bytes(await request(db.transaction(store).objectStore(store).getAll()));
    db.close();
    return out;
  }, stores);
}

/** Stored weight bytes (a Uint8Array from `storedRecords`) as an array of their float32 values. */
export const float32s = (bytes) => Array.from(new Float32Array(bytes.slice().buffer));

/**
 * Everything in the page's IndexedDB databases as one text: every key and string, and
 * every stored byte array read as Latin-1 and UTF-8, so a test can search it for a value.
 */
export function storedText(page) {
  return page.evaluate(async () => {
    const out = [];
    const latin1 = new TextDecoder('latin1');
    const utf8 = new TextDecoder('utf-8');
    const walk = (v) => {
      if (typeof v === 'string') out.push(v);
      else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
        const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        out.push(latin1.decode(bytes), utf8.decode(bytes));
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(k), walk(x);
    };
    const request = (r) => new Promise((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))));
    for (const { name } of await indexedDB.databases()) {
      const db = await request(indexedDB.open(name));
      for (const store of db.objectStoreNames) {
        const s = db.transaction(store).objectStore(store);
        walk(await request(s.getAll()));
        walk(await request(s.getAllKeys()));
      }
      db.close();
    }
    return out.join('\n');
  });
}

/**
 * Collects every Content-Security-Policy violation in the context's pages: a test
 * that sees one fails (the policy must never get in the way of the app itself).
 */
export async function watchCsp(context) {
  const violations = [];
  await context.exposeBinding('__hearthCspViolation', ({ page }, v) => violations.push({ page: page?.url(), ...v }));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__hearthCspViolation({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber });
    });
  });
  return violations;
}

/** Throws when watchCsp saw any violation, listing them. */
export function assertNoCspViolations(violations) {
  if (violations.length) throw new Error(`Content-Security-Policy violations: ${JSON.stringify(violations, null, 1)}`);
}

/**
 * One end-to-end session: the built app, Chromium, and a page in a fresh profile that
 * records requests to other origins and CSP violations (closing fails on any), prints
 * page errors and accepts dialogs (a "leave this page?" prompt must not stall a test
 * that navigates mid-run).
 */
export async function openApp() {
  const app = await serveApp();
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const foreign = trackForeignRequests(context, app.origin);
  const cspViolations = await watchCsp(context);
  // Waits are for the app's own states, bounded only by each test's timeout: on a busy
  // machine every step is slower, and a fixed budget per step would fail for that alone.
  context.setDefaultTimeout(0);
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  page.on('dialog', (dialog) => {
    console.error(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.accept();
  });
  const close = async () => {
    await browser.close();
    await app.close();
    assertNoCspViolations(cspViolations);
  };
  return { app, page, foreign, cspViolations, close };
}

/**
 * The hooks of a file of end-to-end tests: the app opened before its tests and handed to
 * `ready` (which may also visit a first page), a failure report after each test that
 * fails (files named with `prefix`), and everything closed after the last test.
 */
export function useApp(ready, prefix = '') {
  let session;
  before(async () => {
    session = await openApp();
    await ready(session);
  });
  afterEach((t) => reportFailure(t, session?.page, prefix));
  after(() => session?.close());
}

/**
 * For a test's afterEach: when it failed, leave a screenshot and what the page said (the
 * run panel's state and text, the error banner), for whoever reads the CI log.
 */
export async function reportFailure(t, page, prefix = '') {
  if (t.passed !== false || !page) return;
  mkdirSync('test-results', { recursive: true });
  const file = `test-results/${prefix}${t.name.replace(/\W+/g, '-').slice(0, 60)}.png`;
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  const text = async (id) => (await page.getByTestId(id).allTextContents().catch(() => [])).join(' | ');
  console.error(`Failed at ${page.url()}; screenshot ${file}`);
  console.error(`run: ${await page.getByTestId('run').getAttribute('data-state').catch(() => '?')} ${await text('run')}`);
  console.error(`error banner: ${await text('error')}`);
}

/**
 * Presses Load on a built-in dataset, unfolding the list of built-ins first (it starts
 * folded once datasets are stored), then waits `until`:
 * - 'pressed': for nothing more;
 * - 'listed': for its card in the library;
 * - 'in-use': until it is the dataset in use (the first one loaded while none fits the
 *   settings is put in use by itself);
 * - 'used': the same, pressing its Use button when loading did not put it in use.
 */
export async function loadBuiltin(page, id, until = 'listed') {
  const list = page.getByTestId('builtins');
  if ((await list.getAttribute('open')) === null) await list.locator('summary').click();
  await page.getByTestId(`load-${id}`).click();
  if (until === 'pressed') return;
  const card = page.getByTestId(`dataset-${id}`);
  await card.waitFor();
  if (until === 'listed') return;
  if (until === 'used' && (await page.getByTestId(`use-${id}`).count())) await page.getByTestId(`use-${id}`).click();
  await card.getByText('In use').waitFor();
}

/**
 * A browser whose profile lives on a small disk of its own (a tmpfs mounted for the
 * test; needs root, as CI runs), so a test can fill that disk for real and see what
 * the browser reports when a write fails. `fill(leave)` leaves about `leave` bytes
 * free; `unfill()` frees the space again.
 */
export async function launchOnSmallDisk({ sizeMb = 160 } = {}) {
  ensureChromium();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-disk-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`This test fills a small disk of its own and needs root to mount one (mount said: ${(mount.stderr || mount.error?.message || '').trim()}).`);
  }
  const filler = join(dir, 'filler');
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1400, height: 1000 },
  });
  const free = () => statfsSync(dir).bavail * statfsSync(dir).bsize;
  return {
    context,
    free,
    fill(leave) {
      const size = free() - leave;
      if (size > 0) execFileSync('fallocate', ['-l', String(size), filler]);
    },
    unfill() {
      rmSync(filler, { force: true });
    },
    async close() {
      await context.close().catch(() => {});
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
