// npm run bench -- --steps [backends] [batches]: milliseconds per training step of the app's
// train() in Chromium, per backend, model, batch size and speed-up switch (test/bench/stepRun.ts,
// run in step.worker.ts). Slow cases get fewer steps: on this software-only machine a WebGPU step
// costs seconds, so the figures show overheads, not what a GPU does.
import { loadavg } from 'node:os';

const MODELS = ['mlp', 'cnn'];
const CASE_LIMIT_MS = 60_000;

/** Steps per round and timed rounds: in software a WebGPU step costs seconds even at batch 1, so few of each. */
function caseFor(model, batchSize) {
  return { model, batchSize, steps: batchSize === 1 ? 2 : 1, rounds: batchSize === 1 ? 2 : 1 };
}

/**
 * Whether a case is run: on WebGPU, batches of 128 and more (seconds of software compute per
 * step, which buries the per-step overhead the switches address) only with all switches on or off.
 */
function runs(backend, variant, batchSize) {
  return backend !== 'webgpu' || batchSize < 128 || variant === 'all on' || variant === 'all off';
}

export async function stepsFigure(page, writeSection, machine, today, args = []) {
  const backends = (args[0] ?? 'webgpu,webgl,cpu').split(',');
  const batches = (args[1] ?? '1,32,128,512').split(',').map(Number);
  const variants = await page.evaluate(() => window.hearthBench.speedupVariants());
  const rows = [];
  const started = Date.now();
  for (const backend of backends) {
    // The switches change WebGPU code paths only; elsewhere all on and all off show that they change nothing.
    const mine = backend === 'webgpu' ? variants : variants.filter((v) => v.name === 'all on' || v.name === 'all off');
    for (const v of mine) {
      // Smallest batches first: a case cut off at its limit ends the worker, and then only larger ones go unmeasured.
      const cases = batches.filter((b) => runs(backend, v.name, b)).flatMap((b) => MODELS.map((m) => caseFor(m, b)));
      console.log(`${backend}, ${v.name}: ${cases.length} cases…`);
      const out = await page.evaluate(([req, limit]) => window.hearthBench.stepCases(req, limit), [{ backend, speedups: v.speedups, cases }, CASE_LIMIT_MS]);
      for (const r of out) {
        rows.push({ backend, variant: v.name, ...r });
        console.log(`  ${r.model} batch ${r.batchSize}: ${r.error ?? `${r.msPerStep.toFixed(1)} ms/step`}`);
      }
      // Written after every worker, so a run cut short (a busy machine) still leaves its figures.
      write();
    }
  }

  function write() {
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    const cell = (r) => (!r || r.error === 'not run' ? 'not run' : r.error ? `– (${r.error})` : `${r.msPerStep.toFixed(r.msPerStep < 10 ? 1 : 0)}`);
    const names = variants.map((v) => v.name);
    const table = backends
      .flatMap((backend) =>
        MODELS.flatMap((model) =>
          batches.map((b) => {
            const cells = names.map((n) => cell(rows.find((r) => r.backend === backend && r.variant === n && r.model === model && r.batchSize === b)));
            const c = caseFor(model, b);
            return `| ${backend} | ${model.toUpperCase()} | ${b} | ${c.steps} × ${c.rounds + 1} | ${cells.join(' | ')} |`;
          }),
        ),
      )
      .join('\n');
    writeSection('steps', `## Per-step overhead in Chromium (${today})

Milliseconds per training step of the app's own \`train()\` (src/lib/train/loop.ts) in a worker of headless Chromium, fed from memory (a few batches of random 28×28 pixels made up front, cycled), with Adam (learning rate 0.001) on the MLP (784-512-256-128-10) and CNN presets. Each backend and switch setting gets its own worker, the switches set before the backend starts; each case builds a fresh model and optimizer, runs one warm-up round, then timed rounds of a fixed number of steps, each round one \`train()\` epoch ending in its read-back; the figure is the median round's ms/step. "steps × rounds" counts the warm-up round. The switches change WebGPU code paths only, so WebGL and CPU run all on and all off as a check; on WebGPU, batches of 128 and 512 (where seconds of software compute per step bury the per-step overhead the switches address) are run with all on and all off only. A case over ${CASE_LIMIT_MS / 1000} s (the first of a worker, which also starts the backend, ${(2 * CASE_LIMIT_MS) / 1000} s) is cut off and shown with a dash; "not run" also marks what a run cut short did not reach. Run with \`npm run bench -- --steps\` (${minutes} min).

Everything here is software (WebGPU and WebGL on SwiftShader), so a step costs far more than on a GPU; the columns compare settings on the same machine, and even that only roughly, because the other work on the machine changes from one case to the next.

Machine: ${machine}; load average ${loadavg()[0].toFixed(1)} at the end.

| backend | model | batch | steps × rounds | ${names.join(' | ')} |
|---|---|---|---|${names.map(() => '---|').join('')}
${table}
`);
  }
}
