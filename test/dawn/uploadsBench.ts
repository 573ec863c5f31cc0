/**
 * Milliseconds per training step of the MLP preset (784-512-256-128-10, Adam) through
 * the app's own train(), with speedups.pooledUploads on and off, and the uploads of
 * JavaScript values and the GPU buffers created per step. Arguments: batch sizes
 * (default 32,128), steps timed per run (default 8), rounds (default 2, alternating
 * on and off; 0 for none). First, the upload path alone: microseconds per upload
 * of a scalar and of a batch of 128 MNIST images. Prints one JSON line.
 */
import './gpu';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/lib/train/backend';
import { setSpeedups } from '../../src/lib/train/speedups';
import { countUploads, installPooledUploads, type UploadBackend } from '../../src/lib/train/webgpu/uploads';
import { buildModel } from '../../src/lib/model/build';
import { createOptimizer } from '../../src/lib/train/optimizers';
import { train } from '../../src/lib/train/loop';
import { memorySource, mulberry32 } from '../unit/helpers/memorySource';

const [batchArg = '32,128', stepsArg = '8', roundsArg = '2'] = process.argv.slice(2);
const batches = batchArg.split(',').map(Number);
const steps = Number(stepsArg);
const rounds = Number(roundsArg);

await selectBackend('webgpu');
const backend = tf.backend() as unknown as UploadBackend & { device: { createBuffer(d: unknown): unknown } };
// Installed by selectBackend when the switch is on (the default); taken off for the 'off' runs.
let uninstall = installPooledUploads(backend);

// Counts every buffer the device creates, staging buffers included.
let created = 0;
const createBuffer = backend.device.createBuffer.bind(backend.device);
backend.device.createBuffer = (d: unknown) => {
  created++;
  return createBuffer(d);
};

type Run = { pooled: boolean; batch: number; msPerStep: number; uploadsPerStep: number; bytesPerStep: number; buffersPerStep: number; loss: number };

/** One warm-up epoch, then `steps` timed steps in a second epoch. */
async function run(pooled: boolean, batch: number): Promise<Run> {
  uninstall();
  setSpeedups({ pooledUploads: pooled });
  uninstall = installPooledUploads(backend);
  const rand = mulberry32(batch);
  const n = batch * steps;
  const x = Float32Array.from({ length: n * 784 }, () => rand());
  const labels = Uint8Array.from({ length: n }, () => Math.floor(rand() * 10));
  const source = memorySource({ x, labels, sampleShape: [28, 28, 1], numClasses: 10, batchSize: batch });
  const model = buildModel('mlp', [28, 28, 1], 10, 1);
  const optimizer = createOptimizer('adam', 0.001);
  let mark = { uploads: 0, bytes: 0, created: 0 };
  const counter = countUploads(backend);
  const result: Partial<Run> = { pooled, batch };
  try {
    await train({
      model,
      optimizer,
      epochs: 2,
      train: source,
      validation: null,
      onEpoch: (log) => {
        if (log.epoch === 1) {
          mark = { uploads: counter.uploads, bytes: counter.bytes, created };
          return;
        }
        result.msPerStep = (1000 * batch) / log.samplesPerSec;
        result.uploadsPerStep = (counter.uploads - mark.uploads) / steps;
        result.bytesPerStep = (counter.bytes - mark.bytes) / steps;
        result.buffersPerStep = (created - mark.created) / steps;
        result.loss = log.loss;
      },
    });
  } finally {
    counter.stop();
    optimizer.dispose();
    model.dispose();
  }
  return result as Run;
}

type Micro = { pooled: boolean; elements: number; usPerUpload: number; cpuUsPerUpload: number };
const tfjs = backend as unknown as { ensureCommandEncoderReady(): void; submitQueue(): void };

/**
 * The upload path alone: `count` tensors of `elements` values made, uploaded and
 * disposed, with a submit every 15 as tfjs's deferred submits do, until the device is done.
 */
async function micro(pooled: boolean, elements: number, count = 600): Promise<Micro> {
  uninstall();
  setSpeedups({ pooledUploads: pooled });
  uninstall = installPooledUploads(backend);
  const values = Float32Array.from({ length: elements }, (_, i) => i);
  const submit = () => {
    tfjs.ensureCommandEncoderReady();
    tfjs.submitQueue();
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const t = tf.tensor1d(values);
    backend.uploadToGPU(t.dataId);
    t.dispose();
    if (i % 15 === 14) submit();
  }
  submit();
  await (backend as unknown as { queue: { onSubmittedWorkDone(): Promise<void> } }).queue.onSubmittedWorkDone();
  const used = process.cpuUsage(cpu);
  return { pooled, elements, usPerUpload: ((performance.now() - start) * 1000) / count, cpuUsPerUpload: (used.user + used.system) / count };
}

const micros: Micro[] = [];
for (const elements of [1, 128 * 784]) {
  for (const pooled of [true, false, true, false]) micros.push(await micro(pooled, elements));
}

const runs: Run[] = [];
for (let r = 0; r < rounds; r++) {
  for (const batch of batches) {
    for (const pooled of [true, false]) runs.push(await run(pooled, batch));
  }
}
const adapter = await navigator.gpu.requestAdapter();
const info = adapter?.info;
const described = info ? { vendor: info.vendor, architecture: info.architecture, description: info.description, fallback: adapter?.isFallbackAdapter } : null;
console.log(JSON.stringify({ adapter: described, steps, micros, runs }));
process.exit(0);
