// Runs inside the benchmark page. Exposes window.hearthBench for test/bench/run.mjs:
// one call trains the MLP preset through the app's own worker and streaming pipeline,
// another through a bare model.fit, and both report per-epoch seconds.
import type { BackendName } from '../../src/lib/config';
import { installBuiltin } from '../../src/lib/data/builtin';
import { DB_NAME, openHearthDb } from '../../src/lib/storage/db';
import { getDataset } from '../../src/lib/storage/datasets';
import { TrainingClient, trainingWorker } from '../../src/worker/client';
import { ImportClient, importWorker } from '../../src/worker/importClient';
import type { WorkerEvent } from '../../src/lib/protocol';
import type { BareRequest, BareResult } from './messages';
import { etaRun } from './etaRun';
import { imageImport } from './imageImport';
import { ask, makeCsv, storedCount, watchFrames } from './importRun';
import { encryptionRound } from './encryptionRun';
import { mnistConfig, type MnistJob } from './mnistConfig';
import { feedbackLoop } from './feedbackLoop';
import { stepCases } from './stepCases';
import { speedupVariants } from './stepTiming';

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
function appRun(
  job: Job & Pick<MnistJob, 'validationSplit' | 'augment' | 'model' | 'seed'> & { skipEvaluation?: boolean },
): Promise<{ backend: string; epochSeconds: number[]; trainAcc: number[]; accuracy: number | null; trainSeconds: number; modelId: string | null }> {
  const client = new TrainingClient(trainingWorker(DB_NAME));
  const runId = crypto.randomUUID();
  const epochSeconds: number[] = [];
  const trainAcc: number[] = [];
  let backend = '';
  let accuracy: number | null = null;
  let modelId: string | null = null;
  const started = performance.now();
  let trainSeconds = 0;
  return new Promise((resolve, reject) => {
    client.subscribe((ev: WorkerEvent) => {
      if (ev.runId !== runId) return;
      if (ev.type === 'backend') backend = ev.backend;
      if (ev.type === 'epoch') {
        epochSeconds.push(ev.log.seconds);
        trainAcc.push(ev.log.acc);
      }
      if (ev.type === 'evaluating' && trainSeconds === 0) {
        trainSeconds = (performance.now() - started) / 1000;
        // A Stop during evaluation saves the model unevaluated: for a run whose scores are measured afterwards.
        if (job.skipEvaluation) client.request({ type: 'stop', runId });
      }
      if (ev.type === 'evaluation') accuracy = 'accuracy' in ev.result ? ev.result.accuracy : null;
      if (ev.type === 'saved') modelId = ev.model.id;
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === 'done') {
        client.terminate();
        resolve({ backend, epochSeconds, trainAcc, accuracy, trainSeconds, modelId });
      }
    });
    client.request({
      type: 'train',
      runId,
      config: mnistConfig(job),
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

/**
 * Imports a generated CSV through the import worker, as the UI does (preview, then
 * import), while counting the page's longest gap between animation frames.
 */
async function csvImport(rows: number, cols: number): Promise<{ bytes: number; previewSeconds: number; importSeconds: number; longestFrameMs: number; stored: number }> {
  const file = makeCsv(rows, cols);
  const client = new ImportClient(importWorker(DB_NAME));
  const frames = watchFrames();
  try {
    const t0 = performance.now();
    const preview = await ask(client, { type: 'inspect-csv', jobId: 'preview', file }, 'csv-preview');
    const t1 = performance.now();
    if (preview.type !== 'csv-preview') throw new Error('no preview');
    const features = preview.preview.columns.map((c) => c.name).filter((n) => n !== 'label');
    const done = await ask(
      client,
      {
        type: 'import',
        jobId: 'import',
        source: { kind: 'csv', file, options: { name: file.name, label: 'label', features, task: 'classification', missing: 'fill', seed: 1 } },
      },
      'imported',
    );
    const t2 = performance.now();
    return { bytes: file.size, previewSeconds: (t1 - t0) / 1000, importSeconds: (t2 - t1) / 1000, longestFrameMs: frames.stop(), stored: storedCount(done) };
  } finally {
    frames.stop();
    client.terminate();
  }
}

/** About `bytes` of CSV as a Blob built in parts (no one string that large): 6 numeric columns and a 3-class label. */
function makeLargeCsv(bytes: number): File {
  const parts: string[] = ['a,b,c,d,e,f,label\n'];
  let size = parts[0].length;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let r = 0;
  while (size < bytes) {
    const lines: string[] = [];
    for (let k = 0; k < 20_000; k++, r++) {
      const label = r % 3;
      lines.push(`${(label + rand()).toFixed(12)},${(label + rand()).toFixed(12)},${(label + rand()).toFixed(12)},${rand().toFixed(12)},${rand().toFixed(12)},${(label * rand()).toFixed(12)},class${label}\n`);
    }
    const part = lines.join('');
    parts.push(part);
    size += part.length;
  }
  return new File(parts, `large-${Math.round(bytes / 1e6)}MB.csv`, { type: 'text/csv' });
}

/** A large CSV through the import worker (preview, then import); errors are reported, not thrown, so the figure records them. */
async function largeCsvImport(bytes: number): Promise<{ bytes: number; rows?: number; previewSeconds?: number; importSeconds?: number; stored?: number; longestFrameMs: number; error?: string }> {
  const file = makeLargeCsv(bytes);
  const client = new ImportClient(importWorker(DB_NAME));
  const frames = watchFrames();
  const out: Awaited<ReturnType<typeof largeCsvImport>> = { bytes: file.size, longestFrameMs: 0 };
  try {
    const t0 = performance.now();
    const preview = await ask(client, { type: 'inspect-csv', jobId: 'large-preview', file }, 'csv-preview');
    out.previewSeconds = (performance.now() - t0) / 1000;
    if (preview.type !== 'csv-preview') throw new Error('no preview');
    out.rows = preview.preview.rowCount;
    const features = preview.preview.columns.map((c) => c.name).filter((n) => n !== 'label');
    const t1 = performance.now();
    const done = await ask(
      client,
      { type: 'import', jobId: 'large-import', source: { kind: 'csv', file, options: { name: file.name, label: 'label', features, task: 'classification', missing: 'fill', seed: 1 } } },
      'imported',
    );
    out.importSeconds = (performance.now() - t1) / 1000;
    out.stored = storedCount(done);
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
  } finally {
    out.longestFrameMs = frames.stop();
    client.terminate();
  }
  return out;
}

declare global {
  interface Window {
    hearthBench: {
      ensureMnist: typeof ensureMnist;
      appRun: typeof appRun;
      bareRun: typeof bareRun;
      csvImport: typeof csvImport;
      largeCsvImport: typeof largeCsvImport;
      etaRun: typeof etaRun;
      imageImport: typeof imageImport;
      encryptionRound: typeof encryptionRound;
      feedbackLoop: typeof feedbackLoop;
      measureExport: typeof measureExport;
      stepCases: typeof stepCases;
      speedupVariants: typeof speedupVariants;
    };
  }
}

/** Each export precision of a saved model: the .zip's size and the test accuracy of its weights, as the app's worker measures them. */
function measureExport(modelId: string, backend: BackendName, testLimit = 0): Promise<{ scheme: string; bytes: number; accuracy: number | null; seconds: number }[]> {
  const client = new TrainingClient(trainingWorker(DB_NAME));
  const runId = crypto.randomUUID();
  const figures: { scheme: string; bytes: number; accuracy: number | null; seconds: number }[] = [];
  let since = performance.now();
  return new Promise((resolve, reject) => {
    client.subscribe((ev: WorkerEvent) => {
      // The worker measures on the backend it holds; once the probe has set the model's own, measure.
      if (ev.runId === `${runId}-probe` && ev.type === 'backend') client.request({ type: 'measure-export', runId, modelId, testLimit });
      if (ev.runId === `${runId}-probe` && ev.type === 'error') reject(new Error(ev.message));
      if (ev.runId !== runId) return;
      if (ev.type === 'export-figure') {
        const e = ev.figure.evaluation;
        figures.push({ scheme: ev.figure.scheme, bytes: ev.figure.bytes, accuracy: e && e.task !== 'regression' ? e.accuracy : null, seconds: (performance.now() - since) / 1000 });
        since = performance.now();
      }
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === 'model-job-done') {
        client.terminate();
        resolve(figures);
      }
    });
    client.request({ type: 'probe', runId: `${runId}-probe`, backend });
  });
}

window.hearthBench = { ensureMnist, appRun, bareRun, csvImport, largeCsvImport, etaRun, imageImport, feedbackLoop, measureExport, encryptionRound, stepCases, speedupVariants };
document.getElementById('log')!.textContent = 'ready';
