// Runs inside the benchmark page: one training run through the app's worker, timing
// what the time-left estimate has to guess. Evaluation is stopped once `evalSamples`
// test images are done: its rate is known by then, and all 10,000 would take minutes.
import type { BackendName, ModelPresetId } from '../../src/lib/config';
import { TrainingClient, trainingWorker } from '../../src/worker/client';
import { DB_NAME } from '../../src/lib/storage/db';
import type { WorkerEvent } from '../../src/lib/protocol';
import { mnistConfig } from './mnistConfig';

export interface EtaJob {
  backend: BackendName;
  model: ModelPresetId;
  samples: number;
  epochs: number;
  batchSize: number;
  validationSplit: number;
  evalSamples: number;
}

export interface EtaResult {
  backend: string;
  /** Seconds per sample: training steps (validation excluded), validation passes, evaluation. */
  perTrained: number;
  perValidated: number | null;
  perEvaluated: number;
  /** Time left as shown at the first report past a quarter of training, and as it turned out. */
  predictedAtQuarter: number;
  actualAtQuarter: number;
  /** Time left as shown when evaluation began, and what evaluating the whole test split takes. */
  predictedAtEvaluation: number;
  actualEvaluation: number;
}

export function etaRun(job: EtaJob): Promise<EtaResult> {
  const client = new TrainingClient(trainingWorker(DB_NAME));
  const runId = crypto.randomUUID();
  let backend = '';
  let trainSamples = 0;
  let valSamples = 0;
  let testSamples = 0;
  let trainSeconds = 0;
  let valSeconds = 0;
  let quarter: { at: number; eta: number } | null = null;
  let evaluation: { at: number; eta: number; stoppedAt?: number; done?: number } | null = null;
  return new Promise((resolve, reject) => {
    client.subscribe((ev: WorkerEvent) => {
      if (ev.runId !== runId) return;
      const now = performance.now();
      if (ev.type === 'backend') backend = ev.backend;
      if (ev.type === 'started') ({ trainSamples, valSamples } = ev);
      if (ev.type === 'batch' && !quarter && ev.samplesSeen >= (trainSamples * job.epochs) / 4) quarter = { at: now, eta: ev.etaSeconds };
      if (ev.type === 'epoch') {
        const trained = trainSamples / ev.log.samplesPerSec;
        trainSeconds += trained;
        valSeconds += ev.log.seconds - trained;
      }
      if (ev.type === 'evaluating') {
        testSamples = ev.total;
        evaluation ??= { at: now, eta: ev.etaSeconds };
        if (ev.done >= job.evalSamples && evaluation.stoppedAt === undefined) {
          evaluation.stoppedAt = now;
          evaluation.done = ev.done;
          client.request({ type: 'stop', runId });
        }
      }
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === 'done') {
        client.terminate();
        if (!quarter || !evaluation?.stoppedAt || !evaluation.done) return reject(new Error('the run ended before it could be timed'));
        const perEvaluated = (evaluation.stoppedAt - evaluation.at) / 1000 / evaluation.done;
        resolve({
          backend,
          perTrained: trainSeconds / (trainSamples * job.epochs),
          perValidated: valSamples > 0 ? valSeconds / (valSamples * job.epochs) : null,
          perEvaluated,
          predictedAtQuarter: quarter.eta,
          actualAtQuarter: (evaluation.at - quarter.at) / 1000 + testSamples * perEvaluated,
          predictedAtEvaluation: evaluation.eta,
          actualEvaluation: testSamples * perEvaluated,
        });
      }
    });
    client.request({
      type: 'train',
      runId,
      config: mnistConfig(job),
      modelName: `time-left benchmark (${job.backend})`,
    });
  });
}
