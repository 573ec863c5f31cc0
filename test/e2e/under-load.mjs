// The end-to-end suite twice in a row while the unit suite runs over and over beside
// it, so every core is busy: browser tests must wait for the app's own states, and
// this is where a fixed time budget would show itself.
//   npm run test:e2e:under-load
import { spawn } from 'node:child_process';

const run = (cmd, args) => spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let loading = true;
let loadRuns = 0;
async function load() {
  while (loading) {
    const vitest = run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run']);
    vitest.stdout.resume();
    vitest.stderr.resume();
    await new Promise((resolve) => vitest.on('exit', resolve));
    if (loading) loadRuns++;
  }
}
const background = load();

const results = [];
for (let round = 1; round <= 2; round++) {
  const started = Date.now();
  const e2e = spawn(process.execPath, ['test/e2e/run.mjs'], { stdio: 'inherit' });
  const code = await new Promise((resolve) => e2e.on('exit', resolve));
  results.push({ round, code, minutes: ((Date.now() - started) / 60_000).toFixed(1) });
  if (code !== 0) break;
}
loading = false;
await background;
for (const r of results) console.log(`# round ${r.round}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.minutes} min`);
console.log(`# the unit suite ran ${loadRuns} times beside it`);
process.exit(results.length === 2 && results.every((r) => r.code === 0) ? 0 : 1);
