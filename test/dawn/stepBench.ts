/**
 * The per-step benchmark on Dawn, as one bundle (test/dawn/harness.ts) that can be
 * copied to a machine with a GPU and no node_modules: the app's own train() (see
 * test/bench/stepRun.ts) at several batch sizes for the MLP and CNN presets, with the
 * speed-up switches on, each off and all off; which kernels a CNN step launches and
 * how long they run; and the seed run (MNIST, 60,000 images × 5 epochs, test accuracy).
 *
 * Every phase runs in its own child process (this same file with --phase), so each
 * starts a fresh WebGPU backend with its switches set first, and a phase that hangs
 * or crawls is killed at its timeout. Progress goes to stderr; the last stdout line
 * is the whole result as JSON (also written to --out).
 *
 *   node stepBench.mjs [--steps] [--kernels] [--seed --data DIR] [options]
 *     --models mlp,cnn  --batches 1,32,128,512  --steps-per-round 50  --rounds 5
 *     --variants all|ends|on (all: all on, each off, all off; ends: all on, all off)  --timeout 300 (seconds per phase)  --out results.json
 *     --kernel-model cnn  --kernel-batch 128  --kernel-steps 5
 *     --data DIR (train-images.idx[.gz], train-labels.idx[.gz], test-…)  --epochs 5
 *     --seed-batch 128  --train-limit N  --test-limit N
 * With none of --steps, --kernels, --seed: the first two, and the seed run when --data is given.
 */
import './gpu';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, hostname } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/lib/train/backend';
import { setSpeedups, speedups, type Speedups } from '../../src/lib/train/speedups';
import { buildModel } from '../../src/lib/model/build';
import { createOptimizer } from '../../src/lib/train/optimizers';
import { train } from '../../src/lib/train/loop';
import { evaluate } from '../../src/lib/train/evaluate';
import { parseIdx } from '../../src/lib/data/idx';
import { memorySource } from '../unit/helpers/memorySource';
import { MNIST_SHAPE, measureSteps, profileSteps, speedupVariants, type StepModel } from '../bench/stepRun';

type Phase =
  | { kind: 'steps'; variant: string; speedups: Speedups; model: StepModel; batchSize: number; steps: number; rounds: number }
  | { kind: 'kernels'; model: StepModel; batchSize: number; steps: number }
  | { kind: 'seed'; data: string; epochs: number; batchSize: number; trainLimit: number; testLimit: number };

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const num = (name: string, fallback: number) => Number(opt(name, String(fallback)));
const log = (line: string) => process.stderr.write(`${line}\n`);

if (flag('phase')) {
  try {
    console.log(JSON.stringify(await runPhase(JSON.parse(opt('phase', '{}')) as Phase)));
    process.exit(0);
  } catch (err) {
    console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
    process.exit(1);
  }
} else {
  await main();
  process.exit(0);
}

async function runPhase(p: Phase): Promise<unknown> {
  // Before the backend starts: a switch applies to backends started after it.
  setSpeedups(p.kind === 'steps' ? p.speedups : undefined);
  const { backend } = await selectBackend('webgpu');
  if (p.kind === 'steps') {
    return { variant: p.variant, ...(await measureSteps(p, (i, ms) => log(`    round ${i === 0 ? 'warm-up' : i}: ${(ms / p.steps).toFixed(2)} ms/step`))) };
  }
  if (p.kind === 'kernels') return profileSteps(p.model, p.batchSize, p.steps);
  return { backend, ...(await seedRun(p)) };
}

function readIdx(dir: string, name: string): { shape: number[]; data: Uint8Array } {
  const plain = join(dir, name);
  const file = existsSync(plain) ? plain : `${plain}.gz`;
  const bytes = readFileSync(file);
  return parseIdx(file.endsWith('.gz') ? gunzipSync(bytes) : bytes, file);
}

function mnistSplit(dir: string, split: 'train' | 'test', limit: number) {
  const images = readIdx(dir, `${split}-images.idx`);
  const labels = readIdx(dir, `${split}-labels.idx`).data;
  const n = Math.min(limit || labels.length, labels.length);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, labels: labels.slice(0, n) };
}

/** The app's train() and evaluate() on MNIST held in memory, shuffled each epoch like the app's own source. */
async function seedRun(p: Extract<Phase, { kind: 'seed' }>) {
  const trainSet = mnistSplit(p.data, 'train', p.trainLimit);
  const testSet = mnistSplit(p.data, 'test', p.testLimit);
  const source = memorySource({ ...trainSet, sampleShape: MNIST_SHAPE, numClasses: 10, batchSize: p.batchSize, shuffleSeed: 42 });
  const test = memorySource({ ...testSet, sampleShape: MNIST_SHAPE, numClasses: 10, batchSize: 256 });
  const model = buildModel('mlp', MNIST_SHAPE, 10, 42);
  const optimizer = createOptimizer('adam', 0.001);
  const epochSeconds: number[] = [];
  const t0 = performance.now();
  const r = await train({
    model,
    optimizer,
    epochs: p.epochs,
    train: source,
    validation: null,
    onEpoch: (l) => {
      epochSeconds.push(l.seconds);
      log(`    epoch ${l.epoch}: ${l.seconds.toFixed(1)} s, loss ${l.loss.toFixed(4)}, accuracy ${(l.acc * 100).toFixed(2)} %`);
    },
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const evaluation = await evaluate(model, test);
  const accuracy = evaluation && evaluation.task !== 'regression' ? evaluation.accuracy : null;
  return {
    trainSamples: source.samples,
    testSamples: test.samples,
    epochs: r.history.length,
    batchSize: p.batchSize,
    trainSeconds,
    epochSeconds,
    msPerStep: (trainSeconds * 1000) / (source.batchesPerEpoch * r.history.length),
    accuracy,
  };
}

function pickVariant(which: string, name: string): boolean {
  if (which === 'all') return true;
  if (which === 'ends') return name === 'all on' || name === 'all off';
  if (which === 'on') return name === 'all on';
  throw new Error(`--variants is all, ends or on; got ${which}.`);
}

/** Runs one phase in a child process; kills it at the timeout. */
function child(p: Phase, timeoutS: number): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [process.argv[1], '--phase', JSON.stringify(p)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutS * 1000);
    proc.stdout.on('data', (d) => (out += d));
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return resolve({ error: `timed out after ${timeoutS} s` });
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        resolve({ error: `exited with ${code} and no result: ${out.slice(-500)}` });
      }
    });
  });
}

async function machineInfo() {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  const info = (adapter?.info ?? {}) as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  let gpu: string | null = null;
  try {
    gpu = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { timeout: 10_000 }).toString().trim();
  } catch {
    gpu = null; // not an NVIDIA machine, or no nvidia-smi
  }
  return {
    host: hostname(),
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    nvidiaSmi: gpu,
    vulkanIcd: process.env.VK_ICD_FILENAMES ?? null,
    adapter: adapter && {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      // Where the adapter says: on GPUAdapterInfo in newer WebGPU, on the adapter in older.
      isFallbackAdapter: info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? null,
      timestampQuery: adapter.features.has('timestamp-query'),
    },
    tfjs: tf.version.tfjs,
  };
}

async function main() {
  const doSteps = flag('steps');
  const doKernels = flag('kernels');
  const doSeed = flag('seed');
  const none = !doSteps && !doKernels && !doSeed;
  const data = opt('data', '');
  const timeoutS = num('timeout', 300);
  const result: Record<string, unknown> = { kind: 'hearth-dawn-step-bench', date: new Date().toISOString(), machine: await machineInfo(), timeoutS };
  log(`machine: ${JSON.stringify(result.machine)}`);
  const settings = {
    models: opt('models', 'mlp,cnn').split(',') as StepModel[],
    batches: opt('batches', '1,32,128,512').split(',').map(Number),
    steps: num('steps-per-round', 50),
    rounds: num('rounds', 5),
    variants: opt('variants', 'all'),
  };
  if (doSteps || none) {
    const variants = speedupVariants().filter((v) => pickVariant(settings.variants, v.name));
    const rows: unknown[] = [];
    result.steps = { ...settings, defaults: { ...speedups }, rows };
    for (const model of settings.models) {
      for (const batchSize of settings.batches) {
        for (const v of variants) {
          log(`steps: ${model}, batch ${batchSize}, ${v.name}: ${settings.rounds} rounds of ${settings.steps} steps after a warm-up round`);
          const r = await child({ kind: 'steps', variant: v.name, speedups: v.speedups, model, batchSize, steps: settings.steps, rounds: settings.rounds }, timeoutS);
          rows.push({ model, batchSize, variant: v.name, ...r });
          log(`  → ${typeof r.msPerStep === 'number' ? `${r.msPerStep.toFixed(2)} ms/step` : r.error}`);
        }
      }
    }
  }
  if (doKernels || none) {
    const p = { kind: 'kernels' as const, model: opt('kernel-model', 'cnn') as StepModel, batchSize: num('kernel-batch', 128), steps: num('kernel-steps', 5) };
    log(`kernels: ${p.model}, batch ${p.batchSize}, ${p.steps} profiled steps`);
    result.kernels = await child(p, timeoutS);
  }
  if (doSeed || (none && data)) {
    if (!data) throw new Error('The seed run needs the MNIST files: --data DIR.');
    const p = { kind: 'seed' as const, data, epochs: num('epochs', 5), batchSize: num('seed-batch', 128), trainLimit: num('train-limit', 0), testLimit: num('test-limit', 0) };
    log(`seed run: MNIST ${p.trainLimit || 'all'} training images × ${p.epochs} epochs, batch ${p.batchSize}`);
    result.seed = await child(p, timeoutS);
  }
  const json = JSON.stringify(result);
  const out = opt('out', '');
  if (out) writeFileSync(out, `${json}\n`);
  console.log(json);
}
