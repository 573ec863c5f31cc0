// The feedback loop on MNIST, in the benchmark page: a model trained on digits with
// only a few 7s, then fine-tuned on a newer version of its dataset that adds 7s (as
// "add to dataset" would), through the app's own worker. Reports the fine-tune's
// before/after figures and the recall of 7 on the original test split.
import { DEFAULT_CONFIG, type BackendName, type ExperimentConfig } from '../../src/lib/config';
import { DB_NAME, openHearthDb, type HearthDb } from '../../src/lib/storage/db';
import { deleteDataset, getDataset, listDatasets, readShard, writeDataset, type DatasetData } from '../../src/lib/storage/datasets';
import { createVersion } from '../../src/lib/storage/versions';
import { TrainingClient, trainingWorker } from '../../src/worker/client';
import type { WorkerEvent } from '../../src/lib/protocol';
import type { DatasetMeta, EvaluationResult, FineTuneReport } from '../../src/lib/types';
import { layerSpecs } from '../../src/lib/model/spec';

const PIXELS = 28 * 28;
const SHARD = 1000;

/** The first `n` samples of an MNIST split that pass `keep`, and the index after the last one read. */
async function pick(db: HearthDb, split: 'train' | 'test', keep: (label: number) => boolean, n: number, from = 0): Promise<{ x: Uint8Array; y: Uint8Array; next: number }> {
  const x = new Uint8Array(n * PIXELS);
  const y = new Uint8Array(n);
  let got = 0;
  let i = from;
  const size = (await getDataset(db, 'mnist'))!.splits[split].shardSize;
  while (got < n) {
    const shard = await readShard(db, 'mnist', split, Math.floor(i / size));
    for (let k = i % size; k < shard.count && got < n; k++, i++) {
      if (!keep(shard.y[k])) continue;
      x.set(shard.x.subarray(k * PIXELS, (k + 1) * PIXELS), got * PIXELS);
      y[got++] = shard.y[k];
    }
  }
  return { x, y, next: i };
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

function metaOf(id: string, name: string, data: DatasetData): DatasetMeta {
  const split = (y: Uint8Array) => ({
    count: y.length,
    shardSize: SHARD,
    shards: Math.ceil(y.length / SHARD),
    classCounts: Array.from({ length: 10 }, (_, c) => y.filter((v) => v === c).length),
  });
  return {
    id,
    name,
    source: 'Benchmark (MNIST subset)',
    kind: 'image',
    task: 'classification',
    shape: [28, 28, 1],
    dtype: 'uint8',
    classes: Array.from({ length: 10 }, (_, c) => String(c)),
    splits: { train: split(data.train.y as Uint8Array), test: split(data.test.y as Uint8Array) },
    bytes: (data.train.y.length + data.test.y.length) * (PIXELS + 1),
    createdAt: Date.now(),
  };
}

interface RunResult {
  modelId: string;
  evaluation: EvaluationResult;
  fineTune: FineTuneReport | null;
  trainSeconds: number;
}

function train(config: ExperimentConfig, modelName: string): Promise<RunResult> {
  const client = new TrainingClient(trainingWorker(DB_NAME));
  const runId = crypto.randomUUID();
  let evaluation: EvaluationResult | null = null;
  let fineTune: FineTuneReport | null = null;
  let modelId = '';
  let trainSeconds = 0;
  return new Promise((resolve, reject) => {
    client.subscribe((ev: WorkerEvent) => {
      if (ev.runId !== runId) return;
      if (ev.type === 'evaluation' && ev.result.task !== 'regression') evaluation = ev.result;
      if (ev.type === 'fine-tune') fineTune = ev.report;
      if (ev.type === 'saved') {
        modelId = ev.model.id;
        trainSeconds = ev.model.trainSeconds;
      }
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === 'done') {
        client.terminate();
        resolve({ modelId, evaluation: evaluation!, fineTune, trainSeconds });
      }
    });
    client.request({ type: 'train', runId, config, modelName });
  });
}

export interface FeedbackOptions {
  backend: BackendName;
  /** Training images of the first dataset, of which `fewSevens` are 7s. */
  base: number;
  fewSevens: number;
  /** 7s the newer version adds. */
  added: number;
  /** The first images of the MNIST test split that both datasets test on. */
  test: number;
  epochs: number;
  fineTuneEpochs: number;
  /** The fine-tunes to run, each a freeze list. */
  variants: { label: string; freeze: number[] }[];
}

export async function feedbackLoop(o: FeedbackOptions) {
  const db = await openHearthDb();
  // The versions first, then their parent, so every shard they shared goes.
  const earlier = (await listDatasets(db)).filter((d) => d.version?.rootId === 'fb-base').map((d) => d.id);
  for (const id of [...earlier, 'fb-base']) if (await getDataset(db, id)) await deleteDataset(db, id);
  const others = await pick(db, 'train', (l) => l !== 7, o.base - o.fewSevens);
  const few = await pick(db, 'train', (l) => l === 7, o.fewSevens);
  const more = await pick(db, 'train', (l) => l === 7, o.added, few.next);
  const test = await pick(db, 'test', () => true, o.test);
  const base: DatasetData = { train: { x: concat(others.x, few.x), y: concat(others.y, few.y) }, test: { x: test.x, y: test.y } };
  await writeDataset(db, metaOf('fb-base', 'MNIST, few 7s', base), base);
  // A newer version, as "add to dataset" makes it: the added 7s first in training, the test split shared.
  const v2 = await createVersion(db, 'fb-base', { x: more.x, y: more.y }, { locks: null });

  const common = { ...DEFAULT_CONFIG, backend: o.backend, model: 'mlp' as const, batchSize: 32, validationSplit: 0, seed: 42 };
  console.log('feedback: datasets stored; training the first model');
  const parent = await train({ ...common, datasetId: 'fb-base', epochs: o.epochs }, 'MLP on MNIST, few 7s');
  const parentLayers = layerSpecs('mlp', [28, 28, 1], 10, 'classification');
  const variants = [];
  for (const v of o.variants) {
    const child = await train(
      { ...common, datasetId: v2.id, epochs: o.fineTuneEpochs, layers: parentLayers, from: parent.modelId, freeze: v.freeze },
      `Fine-tuned: ${v.label}`,
    );
    console.log(`feedback: fine-tuned (${v.label})`);
    variants.push({ label: v.label, freeze: v.freeze, report: child.fineTune!, sevenRecall: child.evaluation.perClass[7].recall, trainSeconds: child.trainSeconds });
  }
  return {
    parent: { accuracy: parent.evaluation.accuracy, sevenRecall: parent.evaluation.perClass[7].recall, trainSeconds: parent.trainSeconds },
    variants,
  };
}
