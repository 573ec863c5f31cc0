// npm run bench: trains the MLP preset in headless Chromium on each backend, through
// the app's worker and streaming pipeline and through a bare model.fit on the same
// samples held in memory, and writes the figures to test/bench/RESULTS.md.
//   npm run bench                      throughput on webgpu, webgl, cpu, and the CSV import
//   npm run bench -- --import          only the CSV import (100,000 rows × 20 columns)
//   npm run bench -- --keras [backend] the full Keras figure: 60,000 images, 5 epochs, test accuracy
//   npm run bench -- --eta             what inference costs against training, and how right the time left is
//   npm run bench -- --images [count]  image import: `count` (100,000) small PNGs from a .zip and from a folder
//   npm run bench -- --wide            a 5,000-column CSV in the app's own page: time to preview, longest main-thread task
//   npm run bench -- --large [MB]      a generated CSV of about 600 MB read, parsed and imported through the import worker
//   npm run bench -- --augment [backend] [epochs]  test accuracy on 1,000 MNIST images with and without augmentation
//   npm run bench -- --encryption [backend] [rounds]  storing, importing and training with encryption at rest on and off (3 rounds of each)
//   npm run bench -- --feedback [backend]  the feedback loop: a model trained with few 7s, fine-tuned on a version that adds 7s
//   npm run bench -- --quantise [backend] [mlpSamples] [cnnSamples] [cnnTests]  size and test accuracy of the MLP and CNN at float32, float16, 8-bit
//   npm run bench -- --steps           only the per-step overhead: ms per training step per backend, model, batch and speed-up switch
//   npm run bench -- --dawn …          the per-step benchmark in Node through Dawn, and its folder for a GPU machine (see dawn.mjs)
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer } from 'vite';
import { CHROMIUM, appReady, launchBrowser, serveApp } from '../browser.mjs';
import { stepsFigure } from './steps.mjs';

const args = process.argv.slice(2);
const keras = args.includes('--keras');
const importOnly = args.includes('--import');
const eta = args.includes('--eta');
const wide = args.includes('--wide');
const large = args.includes('--large');
const images = args.includes('--images');
const augment = args.includes('--augment');
const encryption = args.includes('--encryption');
const feedback = args.includes('--feedback');
const quantise = args.includes('--quantise');
const steps = args.includes('--steps');
const BATCH = 128;
const EPOCHS = 3; // the first is warm-up (shader compilation); throughput is over the others
const ROUNDS = 2;
const SAMPLES = { webgpu: 2048, webgl: 4096, cpu: 2048 };

if (args.includes('--dawn')) {
  // Node through Dawn: no browser, no dev server (test/bench/dawn.mjs).
  const { dawnBench } = await import('./dawn.mjs');
  await dawnBench(args, writeSection, `${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, no GPU`);
  process.exit();
}

// No HMR: the dev server would reload the page when a worker first pulls in a dependency
// it had not pre-bundled, killing the run in progress; the entries let it pre-bundle them all.
const server = await createServer({
  server: { host: '127.0.0.1', port: 0, hmr: false },
  optimizeDeps: { entries: ['index.html', 'test/bench/index.html', 'test/bench/*.ts', 'src/worker/*.ts'] },
  logLevel: 'warn',
});
await server.listen();
const origin = `http://127.0.0.1:${server.httpServer.address().port}`;
const browser = await launchBrowser();
const page = await browser.newPage();
page.on('console', (m) => m.type() === 'error' && console.error('page:', m.text()));
await page.goto(`${origin}/test/bench/index.html`);
await page.waitForFunction(() => window.hearthBench !== undefined, null, { timeout: 120_000 });
if (!importOnly && !images && !wide && !large && !encryption && !steps) {
  console.log('Loading MNIST into IndexedDB…');
  await page.evaluate(() => window.hearthBench.ensureMnist());
}

const machine = `${cpus().length} × ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, no GPU; ${browserVersion()} (WebGPU and WebGL on SwiftShader, in software)`;
const today = new Date().toISOString().slice(0, 10);
const afterWarmup = (s) => (s.length > 1 ? s.slice(1) : s);
const rate = (samples, seconds) => samples / (seconds.reduce((a, b) => a + b, 0) / seconds.length);

try {
  if (keras) await kerasFigure(args[args.indexOf('--keras') + 1] ?? 'webgl');
  else if (eta) await timeLeft();
  else if (wide) await wideTable();
  else if (large) await largeFile(Number(args[args.indexOf('--large') + 1]) || 600);
  else if (images) await imageImport(Number(args[args.indexOf('--images') + 1]) || 100_000);
  else if (encryption) await encryptionFigure(args[args.indexOf('--encryption') + 1] ?? 'webgl', Number(args[args.indexOf('--encryption') + 2]) || 3);
  else if (feedback) await feedbackFigure(args[args.indexOf('--feedback') + 1] ?? 'webgl');
  else if (quantise) {
    const at = args.indexOf('--quantise');
    await quantiseFigure(args[at + 1] ?? 'webgl', Number(args[at + 2]) || 10_000, Number(args[at + 3]) || 2_000, Number(args[at + 4]) || 0);
  } else if (steps) {
    const at = args.indexOf('--steps');
    await stepsFigure(page, writeSection, machine, today, args.slice(at + 1, at + 3).filter((a) => !a.startsWith('--')));
  } else if (augment) await augmentFigure(args[args.indexOf('--augment') + 1] ?? 'webgl', Number(args[args.indexOf('--augment') + 2]) || 30);
  else {
    if (!importOnly) {
      await throughput();
      await stepsFigure(page, writeSection, machine, today);
    }
    await csvImport();
  }
} finally {
  await browser.close();
  await server.close();
}

async function throughput() {
  const rows = [];
  for (const backend of ['webgpu', 'webgl', 'cpu']) {
    const job = { backend, samples: SAMPLES[backend], epochs: EPOCHS, batchSize: BATCH };
    try {
      // Alternated and repeated, best of each kept: anything else the machine does then
      // slows one round of one side, not the comparison.
      let bareRate = 0;
      let appRate = 0;
      for (let round = 1; round <= ROUNDS; round++) {
        console.log(`${backend} round ${round}: bare model.fit on ${job.samples} samples…`);
        const bare = await page.evaluate((j) => window.hearthBench.bareRun(j), job);
        bareRate = Math.max(bareRate, rate(job.samples, afterWarmup(bare.epochSeconds)));
        console.log(`${backend} round ${round}: app worker + streaming pipeline…`);
        const app = await page.evaluate((j) => window.hearthBench.appRun(j), job);
        appRate = Math.max(appRate, rate(job.samples, afterWarmup(app.epochSeconds)));
      }
      rows.push({ backend, samples: job.samples, bareRate, appRate, ratio: appRate / bareRate });
      console.log(`${backend}: bare ${bareRate.toFixed(0)} samples/s, app ${appRate.toFixed(0)} samples/s, ratio ${(appRate / bareRate).toFixed(2)}`);
    } catch (err) {
      rows.push({ backend, error: String(err.message ?? err).split('\n')[0] });
      console.log(`${backend}: not measured (${rows.at(-1).error})`);
    }
  }
  const table = rows
    .map((r) =>
      r.error
        ? `| ${r.backend} | – | – | – | not measured: ${r.error} |`
        : `| ${r.backend} | ${r.samples} | ${r.bareRate.toFixed(0)} | ${r.appRate.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
    )
    .join('\n');
  writeSection('throughput', `## Throughput: app pipeline vs bare model.fit (${today})

MLP preset (784-512-256-128-10, Adam), batch ${BATCH}, ${EPOCHS} epochs of the first N MNIST training images; samples/s is the mean over the epochs after the first (warm-up), best of ${ROUNDS} alternated rounds (bare, app, bare, app). "bare" is \`model.fit\` on the same samples held in memory as float32 tensors, in its own worker; "app" is Hearth's worker streaming uint8 shards from IndexedDB. Goal: app ≥ 0.9 × bare.

Machine: ${machine}.

| backend | N | bare samples/s | app samples/s | app / bare |
|---|---|---|---|---|
${table}
`);
}

async function kerasFigure(backend) {
  console.log(`Keras figure on ${backend}: 60,000 images, 5 epochs, batch ${BATCH}, Adam. This takes a while…`);
  const started = Date.now();
  const r = await page.evaluate(
    (j) => window.hearthBench.appRun(j),
    { backend, samples: 0, epochs: 5, batchSize: BATCH, validationSplit: 0 },
  );
  const minutes = (Date.now() - started) / 60_000;
  console.log(`test accuracy ${(r.accuracy * 100).toFixed(2)}% in ${minutes.toFixed(1)} min`);
  writeSection('keras', `## The Keras figure (${today})

MLP preset trained through the app's worker on all 60,000 MNIST training images for 5 epochs, Adam (learning rate 0.001), batch ${BATCH}, then evaluated on the 10,000 test images.

| backend | training time | whole run (incl. evaluation) | epoch seconds | test accuracy |
|---|---|---|---|---|
| ${r.backend} | ${(r.trainSeconds / 60).toFixed(1)} min | ${minutes.toFixed(1)} min | ${r.epochSeconds.map((s) => s.toFixed(0)).join(', ')} | ${(r.accuracy * 100).toFixed(2)}% |

Machine: ${machine}.
`);
  if (r.accuracy < 0.97) process.exitCode = 1;
}

async function timeLeft() {
  const jobs = [
    { backend: 'webgpu', model: 'mlp', samples: 640 },
    { backend: 'webgpu', model: 'cnn', samples: 320 },
    { backend: 'webgl', model: 'mlp', samples: 2560 },
    { backend: 'webgl', model: 'cnn', samples: 1280 },
    { backend: 'cpu', model: 'mlp', samples: 1280 },
    { backend: 'cpu', model: 'cnn', samples: 640 },
  ];
  const rows = [];
  for (const j of jobs) {
    const job = { ...j, epochs: 2, batchSize: 64, validationSplit: 0.1, evalSamples: 2048 };
    console.log(`${job.backend} ${job.model}: ${job.samples} samples, 2 epochs, then ${job.evalSamples} test images…`);
    try {
      const r = await page.evaluate((x) => window.hearthBench.etaRun(x), job);
      rows.push({ ...job, ...r });
      console.log(`  inference/training per sample: validation ${r.perValidated && (r.perValidated / r.perTrained).toFixed(2)}, evaluation ${(r.perEvaluated / r.perTrained).toFixed(2)}`);
    } catch (err) {
      rows.push({ ...job, error: String(err.message ?? err).split('\n')[0] });
      console.log(`  not measured: ${rows.at(-1).error}`);
    }
  }
  const ms = (s) => (s * 1000).toFixed(2);
  const table = rows
    .map((r) =>
      r.error
        ? `| ${r.backend} | ${r.model} | not measured: ${r.error} | | | | | |`
        : `| ${r.backend} | ${r.model} | ${ms(r.perTrained)} | ${ms(r.perValidated)} | ${ms(r.perEvaluated)} | ${(r.perEvaluated / r.perTrained).toFixed(2)} | ` +
          `${r.predictedAtQuarter.toFixed(0)} s / ${r.actualAtQuarter.toFixed(0)} s | ${r.predictedAtEvaluation.toFixed(0)} s / ${r.actualEvaluation.toFixed(0)} s |`,
    )
    .join('\n');
  writeSection('eta', `## Time left: inference against training (${today})

The MLP and CNN presets trained through the app's worker on the first N MNIST training images (batch 64, 2 epochs, validation split 0.1), then evaluated on the test split until 2,048 of its 10,000 images were done (the rate is known by then; the rest is extrapolated). Times are milliseconds per sample: a training step (validation excluded), a validation pass and the evaluation (both in batches of 256). "eval / train" is what \`INFERENCE_SHARE\` in src/lib/train/eta.ts stands for before any inference has been timed. "time left" compares what the run panel showed with what followed: at the first report past a quarter of training (estimated from the training rate alone) and as evaluation began (from the validation passes).

Machine: ${machine}.

| backend | model | train ms | validate ms | evaluate ms | eval / train | time left at ¼: shown / real | at evaluation: shown / real |
|---|---|---|---|---|---|---|---|
${table}
`);
}

async function csvImport() {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    console.log(`CSV import ${i + 1} of 3: 100,000 rows × 20 columns…`);
    runs.push(await page.evaluate(() => window.hearthBench.csvImport(100_000, 20)));
  }
  const row = (r, i) =>
    `| ${i + 1} | ${(r.bytes / 1e6).toFixed(1)} MB | ${r.previewSeconds.toFixed(2)} s | ${r.importSeconds.toFixed(2)} s | ${(r.previewSeconds + r.importSeconds).toFixed(2)} s | ${r.longestFrameMs.toFixed(0)} ms | ${r.stored} |`;
  console.log(runs.map(row).join('\n'));
  writeSection('import', `## CSV import (${today})

A generated CSV of 100,000 rows × 20 columns (18 numeric, 1 categorical, a 3-class label) imported through the import worker as the UI does: preview (parse, detect column types), then import (encode, standardise with training statistics, split 80/10/10, store in IndexedDB). "longest frame" is the page's longest gap between animation frames meanwhile: the page never freezes. Goal: seconds, not minutes.

Machine: ${machine}.

| run | file | preview | import | total | longest frame | rows stored |
|---|---|---|---|---|---|---|
${runs.map(row).join('\n')}
`);
}

/** The page's longest main-thread task (PerformanceObserver 'longtask', over 50 ms) since the last call, in ms; 0 if none. */
async function longestTask(p) {
  return p.evaluate(() => {
    const longest = Math.max(0, ...window.__longTasks);
    window.__longTasks.length = 0;
    return longest;
  });
}

async function wideTable() {
  const COLUMNS = 5000;
  const ROWS = 200;
  const header = [...Array.from({ length: COLUMNS - 1 }, (_, i) => `c${i}`), 'label'].join(',');
  const lines = Array.from({ length: ROWS }, (_, r) => [...Array.from({ length: COLUMNS - 1 }, (_, i) => ((r * 31 + i * 7) % 1000) / 10), r % 3 ? 'b' : 'a'].join(','));
  const buffer = Buffer.from([header, ...lines].join('\n'));
  // Picked from disk, as a person does: a buffer handed to setInputFiles is decoded by a script in the page, a long task of its own.
  const path = join(mkdtempSync(join(tmpdir(), 'hearth-bench-')), 'wide.csv');
  writeFileSync(path, buffer);
  // The production build, as people get it: the dev server's checks would slow the page.
  const app = await serveApp();
  const p = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await p.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
  const runs = [];
  try {
    for (let round = 1; round <= 3; round++) {
      await p.goto(app.origin);
      await appReady(p);
      await longestTask(p);
      console.log(`wide table ${round} of 3: ${COLUMNS} columns × ${ROWS} rows (${(buffer.length / 1e6).toFixed(1)} MB)…`);
      const t0 = Date.now();
      await p.getByTestId('import-file').setInputFiles(path);
      await p.locator(`[data-testid="csv-features"][data-columns="${COLUMNS - 1}"]`).waitFor({ timeout: 300_000 });
      const previewSeconds = (Date.now() - t0) / 1000;
      const previewTask = await longestTask(p);
      // Ten clicks on the boxes in view, each waited for by the count it changes.
      const clickMs = [];
      for (let k = 0; k < 10; k++) {
        const before = Number(await p.getByTestId('csv-features').getAttribute('data-count'));
        const box = p.getByTestId('csv-feature').nth(k % 5);
        const t = Date.now();
        await box.click();
        await p.locator(`[data-testid="csv-features"]:not([data-count="${before}"])`).waitFor();
        clickMs.push(Date.now() - t);
      }
      const clickTask = await longestTask(p);
      // Scrolling the column list to its end and the preview to its last column.
      await p.evaluate(async () => {
        const frame = () => new Promise((r) => requestAnimationFrame(r));
        const list = document.querySelector('[data-testid="csv-features"] .list');
        const table = document.querySelector('[data-testid="csv-preview"]');
        for (let i = 1; i <= 20; i++) {
          list.scrollTop = (list.scrollHeight * i) / 20;
          table.scrollLeft = (table.scrollWidth * i) / 20;
          await frame();
        }
      });
      const scrollTask = await longestTask(p);
      runs.push({ previewSeconds, previewTask, clickMs: Math.max(...clickMs), clickTask, scrollTask });
      console.log(runs.at(-1));
    }
  } finally {
    await p.close();
    await app.close();
    rmSync(path);
  }
  const load = loadavg()[0].toFixed(1);
  const ms = (v) => (v > 0 ? `${v.toFixed(0)} ms` : 'none');
  const row = (r, i) => `| ${i + 1} | ${r.previewSeconds.toFixed(2)} s | ${ms(r.previewTask)} | ${r.clickMs} ms | ${ms(r.clickTask)} | ${ms(r.scrollTask)} |`;
  writeSection('wide', `## A wide CSV: 5,000 columns (${today})

A generated CSV of ${COLUMNS} columns (4,999 numeric, a 2-class label) × ${ROWS} rows (${(buffer.length / 1e6).toFixed(1)} MB) picked in the app's own page (production build). "preview" is from picking the file to the column list being ready; "longest task" is the page's longest main-thread task in that span, from a PerformanceObserver for 'longtask' (which reports tasks over 50 ms; "none" = no task that long). A click is one feature checkbox, timed until the features count changes; the slowest of ten is shown. "scroll" moves the column list and the preview table to their ends in 20 frames. Goal: preview within a few seconds, no task over 100 ms.

Machine: ${machine}; load average ${load} at the end (other work shared the cores, which stretches every task).

| run | preview | longest task (preview) | slowest click | longest task (clicks) | longest task (scroll) |
|---|---|---|---|---|---|
${runs.map(row).join('\n')}
`);
}

async function largeFile(megabytes) {
  console.log(`A generated CSV of about ${megabytes} MB, read and imported through the import worker…`);
  const r = await page.evaluate((mb) => window.hearthBench.largeCsvImport(mb * 1e6), megabytes);
  const load = loadavg()[0].toFixed(1);
  console.log(r);
  const mb = (r.bytes / 1e6).toFixed(0);
  const result = r.error
    ? `| ${mb} MB | ${r.rows ?? '–'} | ${r.previewSeconds?.toFixed(1) ?? '–'} s | – | – | ${r.longestFrameMs.toFixed(0)} ms | ${r.error} |`
    : `| ${mb} MB | ${r.rows.toLocaleString('en')} | ${r.previewSeconds.toFixed(1)} s | ${r.importSeconds.toFixed(1)} s | ${r.stored.toLocaleString('en')} | ${r.longestFrameMs.toFixed(0)} ms | imported |`;
  writeSection('large', `## A large CSV (${today})

A generated CSV of about ${megabytes} MB (6 numeric columns written with 12 decimals, a 3-class label) built in the page as a Blob and imported through the import worker as the UI does: preview (read in 4 MB slices, decoded and parsed as it is read, column types), then import (encode, split, store in IndexedDB). Before, Chromium's \`Blob.text()\` gave an empty string for a file this size and the import said the file was empty. "longest frame" is the page's longest gap between animation frames meanwhile.

Machine: ${machine}; load average ${load} at the end (other work shared the cores).

| file | rows | preview | import | rows stored | longest frame | outcome |
|---|---|---|---|---|---|---|
${result}
`);
}

async function imageImport(count) {
  const runs = [];
  for (const from of ['zip', 'folder']) {
    console.log(`Image import from a ${from}: ${count.toLocaleString('en')} PNGs…`);
    runs.push(await page.evaluate(([n, f]) => window.hearthBench.imageImport(n, f), [count, from]));
    console.log(JSON.stringify(runs.at(-1)));
  }
  const n = (v) => v.toLocaleString('en');
  const row = (r) =>
    `| ${r.from} | ${n(r.images)} | ${(r.bytes / 1e6).toFixed(1)} MB | ${r.postMs.toFixed(0)} ms | ${r.importSeconds.toFixed(1)} s | ${(r.images / r.importSeconds).toFixed(0)} | ${r.longestFrameMs.toFixed(0)} ms | ${n(r.stored)} images, ${r.classes} classes, ${r.skipped} skipped |`;
  writeSection('images', `## Image import: ${n(count)} small PNGs (${today})

${n(count)} PNGs of 28×28 digits (10 classes, one folder each under \`digits/\`, drawn in the page) imported through the import worker as the UI does, at 28×28 greyscale: once as a .zip (entries stored, not deflated) and once as a picked folder's files (one File each). "post" is how long the page was blocked handing the request to the worker (for the folder, every File); "import" runs from then until the dataset is stored (read, decode, resize, split 80/10/10, write to IndexedDB); "longest frame" is the page's longest gap between animation frames meanwhile. Before this, planning an archive or folder of more than about 65,000 images failed with "Maximum call stack size exceeded".

Machine: ${machine}.

| from | images | files | post | import | images/s | longest frame | result |
|---|---|---|---|---|---|---|---|
${runs.map(row).join('\n')}
`);
  if (runs.some((r) => r.stored !== count)) process.exitCode = 1;
}

async function augmentFigure(backend, epochs) {
  const SAMPLES = 1000;
  const SETTING = { rotate: 10, shift: 0.1, shear: 0, zoom: 0.1, flip: false, brightness: 0 };
  const SEEDS = [42, 7];
  const rows = [];
  for (const seed of SEEDS) {
    for (const setting of [null, SETTING]) {
      const job = { backend, model: 'mlp', samples: SAMPLES, epochs, batchSize: 32, validationSplit: 0, seed, augment: setting };
      console.log(`${backend}, seed ${seed}, ${setting ? 'augmented' : 'plain'}: MLP on ${SAMPLES} images, ${epochs} epochs…`);
      const started = Date.now();
      const r = await page.evaluate((j) => window.hearthBench.appRun(j), job);
      rows.push({ seed, augmented: setting !== null, ...r, minutes: (Date.now() - started) / 60_000 });
      console.log(`  test accuracy ${(r.accuracy * 100).toFixed(2)}%, last training accuracy ${(r.trainAcc.at(-1) * 100).toFixed(1)}%, ${rows.at(-1).minutes.toFixed(1)} min`);
    }
  }
  const pct = (v) => `${(v * 100).toFixed(2)}%`;
  const table = rows
    .map((r) => `| ${r.seed} | ${r.augmented ? 'on' : 'off'} | ${pct(r.trainAcc.at(-1))} | **${pct(r.accuracy)}** | ${(r.trainSeconds / 60).toFixed(1)} min |`)
    .join('\n');
  const gains = SEEDS.map((seed) => {
    const [off, on] = [false, true].map((a) => rows.find((r) => r.seed === seed && r.augmented === a).accuracy);
    return `${((on - off) * 100).toFixed(2)} points with seed ${seed}`;
  });
  writeSection('augment', `## Augmentation on 1,000 MNIST images (${today})

The MLP preset (784-512-256-128-10, Adam, learning rate 0.001, batch 32) trained through the app's worker on the first ${SAMPLES} MNIST training images for ${epochs} epochs, without and with augmentation (\`augment=rotate10_shift0.1_zoom0.1\`: up to ±10° of rotation, shifts up to a tenth of the image, zoom 0.9–1.1×), then evaluated on all 10,000 test images. Same model, seed, epochs and samples in each pair; only the setting differs. Run with \`npm run bench -- --augment ${backend} ${epochs}\` on ${backend}, the fastest backend on this software-only machine (on SwiftShader WebGL trains the MLP several times faster than WebGPU: 629 against 81 samples/s in the throughput section). "training accuracy" is the last epoch's, on the (augmented, when on) training batches.

Augmentation changes test accuracy by ${gains.join(', ')}.

Machine: ${machine}.

| seed | augmentation | training accuracy | test accuracy | training time |
|---|---|---|---|---|
${table}
`);
}

async function encryptionFigure(backend, ENC_ROUNDS) {
  // A small training set keeps a round near a minute on a software backend; it also makes reading shards a larger share of an epoch.
  const job = { backend, samples: 1024, epochs: EPOCHS, batchSize: BATCH, csvRows: 50_000 };
  const PROFILE = { shards: 32, samples: 2188 };
  const rounds = { false: [], true: [] };
  const profiles = [];
  const loads = [];
  // Alternated, the order flipped every round (off, on; on, off; off, on): other work on the machine, and
  // anything that drifts over the run, falls on both sides alike; the median and the best of each are kept.
  for (let round = 1; round <= ENC_ROUNDS; round++) {
    for (const encrypted of round % 2 ? [false, true] : [true, false]) {
      console.log(`round ${round}, encryption ${encrypted ? 'on' : 'off'}: load MNIST, import a CSV, train on ${backend}…`);
      await page.evaluate((j) => window.hearthBench.encryptionStart(j), { ...job, encrypted });
      // Each phase's CPU time, every browser process together (the IndexedDB backend, the page, its workers, the GPU
      // process): what encryption costs in work, which other programs on the machine do not stretch as they do the clock.
      const phase = async (name) => {
        const before = browserCpuSeconds();
        const out = await page.evaluate((n) => window.hearthBench[n](), name);
        return { ...out, cpu: browserCpuSeconds() - before };
      };
      const loaded = await phase('encryptionLoad');
      const imported = await phase('encryptionCsv');
      const trained = await phase('encryptionTrain');
      const r = await page.evaluate(() => window.hearthBench.encryptionEnd());
      if (r.sealedShards !== (encrypted ? r.shards : 0)) throw new Error(`${r.sealedShards} of ${r.shards} shards sealed`);
      const figures = {
        load: loaded.loadSeconds,
        store: loaded.storeSeconds,
        csv: imported.csvSeconds,
        train: rate(job.samples, afterWarmup(trained.epochSeconds)),
        loadCpu: loaded.cpu,
        csvCpu: imported.cpu,
        trainCpu: trained.cpu,
        shards: r.shards,
      };
      rounds[encrypted].push(figures);
      loads.push(loadavg()[0]);
      console.log(
        `  load ${figures.load.toFixed(2)} s (store ${figures.store.toFixed(2)} s), CSV ${figures.csv.toFixed(2)} s, training ${figures.train.toFixed(0)} samples/s; ` +
          `CPU: load ${figures.loadCpu.toFixed(2)} s, CSV ${figures.csvCpu.toFixed(2)} s, training ${figures.trainCpu.toFixed(2)} s; load average ${loads.at(-1).toFixed(1)}`,
      );
    }
    console.log(`round ${round}: profile of a sealed write and read, ${PROFILE.shards} shards of ${PROFILE.samples} images…`);
    profiles.push(await page.evaluate((j) => window.hearthBench.encryptionProfile(j), PROFILE));
    // Written after every round, so a run cut short (a busy machine) still leaves its figures.
    writeEncryption(round);
  }

  function writeEncryption(done) {
    const median = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const pick = (side, field, how) => how(rounds[side].map((r) => r[field]));
    const best = (field) => (field === 'train' ? (xs) => Math.max(...xs) : (xs) => Math.min(...xs));
    const fields = ['load', 'store', 'csv', 'train', 'loadCpu', 'csvCpu', 'trainCpu'];
    const summary = (how) => (side) => Object.fromEntries(fields.map((f) => [f, pick(side, f, how(f))]));
    const med = summary(() => median);
    const top = summary(best);
    // Positive: encryption on takes longer (or trains slower) by that share.
    const slower = (onValue, offValue) => `${onValue >= offValue ? '+' : '−'}${(Math.abs(onValue / offValue - 1) * 100).toFixed(1)} %`;
    const row = (label, f) => `| ${label} | ${f.load.toFixed(2)} s | ${f.store.toFixed(2)} s | ${f.csv.toFixed(2)} s | ${f.train.toFixed(0)} |`;
    const against = (label, on, off) => `| ${label} | ${slower(on.load, off.load)} | ${slower(on.store, off.store)} | ${slower(on.csv, off.csv)} | ${slower(off.train, on.train)} |`;
    const each = (side) => rounds[side].map((r) => `${r.load.toFixed(2)} / ${r.store.toFixed(2)} / ${r.csv.toFixed(2)} / ${r.train.toFixed(0)}`).join('; ');
    const cpuRow = (label, f) => `| ${label} | ${f.loadCpu.toFixed(2)} s | ${f.csvCpu.toFixed(2)} s | ${f.trainCpu.toFixed(2)} s |`;
    const cpuAgainst = (on, off) => `| **on against off** | ${slower(on.loadCpu, off.loadCpu)} | ${slower(on.csvCpu, off.csvCpu)} | ${slower(on.trainCpu, off.trainCpu)} |`;
    const steps = Object.keys(profiles[0]);
    const profileRows = steps.map((k) => `| ${k} | ${median(profiles.map((p) => p[k])).toFixed(1)} | ${profiles.map((p) => p[k].toFixed(1)).join(', ')} |`).join('\n');
    writeSection('encryption', `## Encryption at rest: on against off (${today})

Each round starts from an empty database, encrypted or not, and times through the app's own code: loading MNIST as its **Load** button does (read the built-in's files, decode 70,000 images, store ${rounds.true[0]?.shards ?? rounds.false[0].shards} shards, each packed and AES-GCM sealed when on), the store phase of that alone, importing a generated CSV of ${job.csvRows.toLocaleString('en')} rows × 20 columns through the import worker (parse, encode, split, store), and training the MLP preset on ${backend} on the first ${job.samples} images (batch ${BATCH}, ${EPOCHS} epochs; samples/s over the epochs after the first) through the training worker, which reads every shard decrypted and writes a sealed checkpoint and run record each epoch. With encryption on, both workers hold the key as the app hands it to them. ${done} rounds of each, alternated with the order flipped every round (off, on; on, off; …); the median and the best of each side are compared. Run with \`npm run bench -- --encryption ${backend} ${ENC_ROUNDS}\`. Goal: import and training within 10 % of off.

Machine: ${machine}; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} over the rounds (${Math.max(...loads) > 3 ? 'other work shared the two cores, so every figure is stretched, and each one by chance' : 'nothing else ran: that load is the benchmark itself, two cores kept busy by the browser'}).

| | load MNIST | of which: store | CSV import | training samples/s |
|---|---|---|---|---|
${row('off, median', med(false))}
${row('on, median', med(true))}
${against('**on against off, median**', med(true), med(false))}
${row('off, best', top(false))}
${row('on, best', top(true))}
${against('on against off, best', top(true), top(false))}

Each round (load / store / CSV / samples/s): off ${each(false)}; on ${each(true)}.

The same phases in CPU seconds, every browser process together (the page, its workers, the IndexedDB backend, the GPU process), the median of the rounds: the work encryption adds, which the clock shows only stretched by whatever else the machine runs. "training" is the whole run (${EPOCHS} epochs, a sealed checkpoint after each, the evaluation on the 10,000 test images and the saved model).

| | load MNIST | CSV import | training |
|---|---|---|---|
${cpuRow('off', med(false))}
${cpuRow('on', med(true))}
${cpuAgainst(med(true), med(false))}

Where the time of a sealed shard goes (\`encryptionProfile\`, after each round): ${PROFILE.shards} shards of ${PROFILE.samples} MNIST-sized images (${((PROFILE.samples * 785) / 1e6).toFixed(1)} MB each) written one transaction each and read back, with encryption off and on, each step timed alone; milliseconds per shard, the median of the rounds and each round's.

| step | ms per shard | each round |
|---|---|---|
${profileRows}
`);
  }
}

async function quantiseFigure(backend, mlpSamples, cnnSamples, cnnTests) {
  const EPOCHS = 3;
  const rows = [];
  for (const [model, samples, tests] of [['mlp', mlpSamples, 0], ['cnn', cnnSamples, cnnTests]]) {
    // The run's own evaluation is skipped: each precision is evaluated after it, the float32 one included.
    const job = { backend, model, samples, epochs: EPOCHS, batchSize: 32, validationSplit: 0, seed: 42, skipEvaluation: true };
    console.log(`${backend}: ${model} on ${samples} images, ${EPOCHS} epochs…`);
    const trained = await page.evaluate((j) => window.hearthBench.appRun(j), job);
    console.log(`  trained in ${(trained.trainSeconds / 60).toFixed(1)} min; measuring each precision…`);
    const figures = await page.evaluate(([id, b, t]) => window.hearthBench.measureExport(id, b, t), [trained.modelId, backend, tests]);
    for (const f of figures) console.log(`  ${f.scheme}: ${f.bytes} bytes, ${(f.accuracy * 100).toFixed(2)}% (${f.seconds.toFixed(0)} s)`);
    rows.push({ model, samples, tests: tests || 10_000, trainSeconds: trained.trainSeconds, figures });
  }
  const kb = (b) => `${(b / 1024).toFixed(0)} KiB`;
  const pct = (v) => `${(v * 100).toFixed(2)}%`;
  const names = { float32: 'float32', float16: 'float16', uint8: '8-bit (uint8)' };
  const table = rows
    .flatMap((r) => r.figures.map((f) => `| ${r.model === 'mlp' ? 'MLP 784-512-256-128-10' : 'CNN'} | ${r.samples.toLocaleString('en')} | ${r.tests.toLocaleString('en')} | ${names[f.scheme]} | ${kb(f.bytes)} | ${(f.bytes / r.figures[0].bytes).toFixed(2)} | **${pct(f.accuracy)}** | ${f.seconds.toFixed(0)} s |`))
    .join('\n');
  writeSection('quantise', `## Export precision: size and test accuracy (${today})

The MLP and CNN presets trained through the app's worker (Adam, learning rate 0.001, batch 32, ${EPOCHS} epochs, seed 42) on the first N MNIST training images, then exported at each precision by the same worker ("Measure size and accuracy" in the app): "download" is the size of the .zip (model.json, weights, hearth-preprocessing.json), and "test accuracy" is that of the model read back by \`tf.loadLayersModel\` from exactly those weights, on the first M MNIST test images (all 10,000 unless stated). The subsets keep each training to a few minutes on this software-only machine (here ${rows.map((r) => `${(r.trainSeconds / 60).toFixed(1)} min for the ${r.model === 'mlp' ? 'MLP' : 'CNN'}`).join(' and ')}; when its two cores are shared with other test runs, the times are an upper bound); precision is what is compared, not the best accuracy each model can reach. The CNN is the preset: conv 32 3×3 → max-pool 2 → conv 64 3×3 → max-pool 2 → flatten → dense 64 → dense 10. Run with \`npm run bench -- --quantise ${backend} ${mlpSamples} ${cnnSamples} ${cnnTests}\`. "time" is the measurement of that precision (export, load, evaluation).

Machine: ${machine}.

| model | training images (N) | test images (M) | weights | download | size vs float32 | test accuracy | time |
|---|---|---|---|---|---|---|---|
${table}
`);
}

/** CPU seconds (user and system) used so far by every process this one started: the browser's. */
function browserCpuSeconds() {
  const tick = 100; // USER_HZ, the unit of /proc/<pid>/stat's times on Linux
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command's closing parenthesis: state, ppid, …, utime (14th field), stime (15th).
      const rest = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ').at(-1).split(' ');
      procs.push({ pid: Number(name), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // Gone meanwhile.
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (mine.has(p.pid) || !mine.has(p.ppid)) continue;
      mine.add(p.pid);
      grew = true;
    }
  }
  return procs.filter((p) => p.pid !== process.pid && mine.has(p.pid)).reduce((n, p) => n + p.ticks, 0) / tick;
}

function browserVersion() {
  try {
    return execFileSync(CHROMIUM, ['--version']).toString().trim();
  } catch {
    return 'Chromium';
  }
}

/** RESULTS.md keeps one section per kind of run; a new run replaces its own section only. */
async function feedbackFigure(backend) {
  const o = {
    backend,
    base: 1000,
    fewSevens: 3,
    added: 100,
    test: 2000,
    epochs: 8,
    fineTuneEpochs: 3,
    variants: [
      { label: 'all layers train', freeze: [] },
      { label: 'first Dense layer frozen', freeze: [2] },
    ],
  };
  page.on('console', (m) => m.text().startsWith('feedback:') && console.log(`  ${m.text()}`));
  console.log(`Feedback loop on ${backend}: MLP on ${o.base} MNIST images with ${o.fewSevens} 7s, then ${o.variants.length} fine-tunes on a version adding ${o.added} 7s…`);
  const started = Date.now();
  const r = await page.evaluate((opts) => window.hearthBench.feedbackLoop(opts), o);
  const minutes = (Date.now() - started) / 60_000;
  const pct = (s) => (s ? `${(s.value * 100).toFixed(1)}%` : '–');
  const rows = r.variants
    .map((v) => {
      const { before, after } = v.report;
      return `| ${v.label} | ${v.freeze.length ? `\`freeze=${v.freeze.join('_')}\`` : '–'} | ${pct(before.original)} → **${pct(after.original)}** | ${(r.parent.sevenRecall * 100).toFixed(1)}% → **${(v.sevenRecall * 100).toFixed(1)}%** | ${pct(before.fresh)} → **${pct(after.fresh)}** | ${v.trainSeconds.toFixed(0)} s |`;
    })
    .join('\n');
  for (const v of r.variants) console.log(`  ${v.label}: test ${pct(v.report.before.original)} → ${pct(v.report.after.original)}, 7s recall ${(v.sevenRecall * 100).toFixed(1)}%, added ${pct(v.report.before.fresh)} → ${pct(v.report.after.fresh)}`);
  writeSection('feedback', `## Feedback loop: fine-tuning on added samples (${today})

A model that has hardly seen a class, then corrected with more of it. The MLP preset (784-512-256-128-10, Adam, learning rate 0.001, batch 32, seed 42) trained through the app's worker for ${o.epochs} epochs on ${o.base} MNIST training images of which only ${o.fewSevens} are 7s (the first ${o.base - o.fewSevens} non-7 images and the first ${o.fewSevens} 7s); test accuracy ${(r.parent.accuracy * 100).toFixed(1)}% on the first ${o.test.toLocaleString('en-US')} MNIST test images, of whose 7s it finds ${(r.parent.sevenRecall * 100).toFixed(1)}%. A newer version of the dataset adds the next ${o.added} 7s to its training split and keeps the test split, as *add to dataset* does. Each row fine-tunes the saved model on that version for ${o.fineTuneEpochs} epochs (\`from=<model>\`, the same settings otherwise) and reads the fine-tune's own before/after table: accuracy on the original test split (the same ${o.test.toLocaleString('en-US')} images), the recall of 7 on it, and accuracy on the ${o.added} added samples. Run with \`npm run bench -- --feedback ${backend}\` (${minutes.toFixed(1)} minutes in all).

Machine: ${machine}.

| fine-tune | frozen | test accuracy, before → after | 7s found in the test split | the ${o.added} added 7s | training time |
|---|---|---|---|---|---|
${rows}
`);
}

function writeSection(key, body) {
  const file = new URL('./RESULTS.md', import.meta.url);
  const header = '# Benchmark results\n\nWritten by `npm run bench` (see test/bench/run.mjs). Each section is replaced by its own next run.\n';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const start = `<!-- ${key} -->`;
  const end = `<!-- /${key} -->`;
  const block = `${start}\n${body}${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  writeFileSync(file, re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`);
  console.log(`Wrote ${file.pathname}`);
}
