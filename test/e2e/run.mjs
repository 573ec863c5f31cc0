// Runs the browser tests with Node's test runner, after making sure Chromium is there.
// The app is built once here, and every test file serves that build.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { PREBUILT_ENV, buildApp, ensureChromium } from '../browser.mjs';

ensureChromium();
await buildApp();
const dir = new URL('.', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).map((f) => dir + f);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, [PREBUILT_ENV]: '1' },
});
process.exit(r.status ?? 1);
