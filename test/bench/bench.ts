// Runs inside the benchmark page. Exposes window.hearthBench for test/bench/run.mjs:
// one call trains the MLP preset through the app's own worker and streaming pipeline,
// another through a bare model.fit, and both report per-epoch seconds.
import { DEFAULT_CONFIG, type BackendName } from '../../src/lib/config';
import { installBuiltin } from '../../src/lib/data/builtin';
import { openHearthDb } from '../../src/lib/storage/db';
import { getDataset } from '../../src/lib/storage/datasets';
import { TrainingClient } from '../../src/worker/client';
import type { WorkerEvent } from '../../src/lib/protocol';
import type { BareRequest, BareResult } from './messages';

interface Job {
  backend: BackendName;
  samples: number;
  epochs: number;
  batchSize: number;
}

async function ensureMnist(): Promise<void> {
  const db = await openHearthDb();
  if (!(await getDataset(db, 'mnist'))) await installBuiltin(db, 'mnist');
}

/** Trains through the app's worker; evaluation on the test split is part of a run but not timed here. */
function appRun(job: Job & { validationSplit?: number }): Promise<{ backend: string; epochSeconds: number[]; accuracy: number | null; trainSeconds: number }> {
  const client = new TrainingClient();
  const runId = crypto.randomUUID();
  const epochSeconds: number[] = [];
  let backend = '';
  let accuracy: number | null = null;
  const started = performance.now();
  let trainSeconds = 0;
  return new Promise((resolve, reject) => {
    client.subscribe((ev: WorkerEvent) => {
      if (ev.runId !== runId) return;
      if (ev.type === 'backend') backend = ev.backend;
      if (ev.type === 'epoch') epochSeconds.push(ev.log.seconds);
      if (ev.type === 'evaluating' && trainSeconds === 0) trainSeconds = (performance.now() - started) / 1000;
      if (ev.type === 'evaluation') accuracy = 'accuracy' in ev.result ? ev.result.accuracy : null;
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === 'done') {
        client.terminate();
        resolve({ backend, epochSeconds, accuracy, trainSeconds });
      }
    });
    client.request({
      type: 'train',
      runId,
      config: {
        ...DEFAULT_CONFIG,
        datasetId: 'mnist',
        model: 'mlp',
        backend: job.backend,
        trainLimit: job.samples,
        epochs: job.epochs,
        batchSize: job.batchSize,
        validationSplit: job.validationSplit ?? 0,
      },
      modelName: `benchmark (${job.backend})`,
    });
  });
}

function bareRun(job: Job): Promise<{ backend: string; epochSeconds: number[] }> {
  const worker = new Worker(new URL('./bare.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<BareResult>) => {
      worker.terminate();
      if (e.data.ok) resolve(e.data);
      else reject(new Error(e.data.error));
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage({ ...job, seed: 42 } satisfies BareRequest);
  });
}

declare global {
  interface Window {
    hearthBench: { ensureMnist: typeof ensureMnist; appRun: typeof appRun; bareRun: typeof bareRun };
  }
}
window.hearthBench = { ensureMnist, appRun, bareRun };
document.getElementById('log')!.textContent = 'ready';
