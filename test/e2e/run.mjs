// Runs the browser tests with Node's test runner, after making sure Chromium is there.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ensureChromium } from '../browser.mjs';

ensureChromium();
const dir = new URL('.', import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).map((f) => dir + f);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
