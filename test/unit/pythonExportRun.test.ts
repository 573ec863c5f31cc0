// The PyTorch export, run for real: a small exported dataset trains for one epoch, and the
// exported Hearth weights, loaded into the PyTorch model, predict what tfjs predicts on the
// test split (same class for every sample, probabilities within 1e-4). The CNN is not square
// and has three channels, so a Flatten or kernel layout slip changes its outputs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/lib/config';
import { mulberry32 } from '../../src/lib/data/rng';
import { buildLayers } from '../../src/lib/model/build';
import { layersFromText } from '../../src/lib/model/layers';
import { serializeModel } from '../../src/lib/storage/modelIO';
import { pythonExportFiles } from '../../src/lib/export/python/archive';
import { kerasWeightLoader } from '../../src/lib/export/python/keras';
import { planLayers } from '../../src/lib/export/python/plan';
import type { DatasetMeta, SplitName } from '../../src/lib/types';
import { ensurePythonTorch } from './helpers/python';
import { readNpy } from './helpers/npy';

let python: string;
const dirs: string[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
  python = ensurePythonTorch();
}, 600_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Fixture {
  meta: DatasetMeta;
  shards: Record<SplitName, { x: Uint8Array | Float32Array; y: Uint8Array | Float32Array }[]>;
}

const SHARD = 16;

/** A small dataset of random samples, stored in shards of 16 so the export reads across shards. No classes: a regression of targets around 7. */
function fixture(kind: 'image' | 'tabular', shape: [number, number, number], counts: Record<'train' | 'test', number>, classes: string[]): Fixture {
  const regression = classes.length === 0;
  const rand = mulberry32(7);
  const len = shape[0] * shape[1] * shape[2];
  const shards = { train: [], test: [], val: [] } as Fixture['shards'];
  const splits = {} as DatasetMeta['splits'];
  for (const split of ['train', 'test'] as const) {
    const count = counts[split];
    for (let start = 0; start < count; start += SHARD) {
      const n = Math.min(SHARD, count - start);
      const x = kind === 'image' ? Uint8Array.from({ length: n * len }, () => Math.floor(rand() * 256)) : Float32Array.from({ length: n * len }, () => rand() * 4 - 2);
      const y = regression ? Float32Array.from({ length: n }, () => 7 + rand() * 6 - 3) : Uint8Array.from({ length: n }, () => Math.floor(rand() * classes.length));
      shards[split].push({ x, y });
    }
    splits[split] = { count, shardSize: SHARD, shards: shards[split].length, classCounts: classes.map(() => 0) };
  }
  const features = Array.from({ length: len }, (_, i) => `f${i}`);
  const meta: DatasetMeta = {
    id: 'tiny',
    name: 'Tiny',
    source: 'test',
    kind,
    task: regression ? 'regression' : 'classification',
    shape,
    dtype: kind === 'image' ? 'uint8' : 'float32',
    classes,
    splits,
    ...(kind === 'tabular'
      ? { tabular: { label: 'kind', featureNames: features, encoding: features.map((column) => ({ column, kind: 'numeric' as const, mean: 0, std: 1 })), target: regression ? { mean: 7, std: 1.7 } : null } }
      : {}),
    bytes: 0,
    createdAt: 0,
  };
  return { meta, shards };
}

/** Every weight random (seeded), biases and batch-normalisation statistics included, so each one matters to the outputs. */
function randomiseWeights(model: tf.LayersModel): void {
  model.setWeights(
    model.weights.map((w, i) =>
      /moving_variance$/.test(w.originalName) ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', i) : tf.randomUniform(w.shape as number[], -0.5, 0.5, 'float32', i + 100),
    ),
  );
}

function testInputs(f: Fixture): tf.Tensor {
  const x = f.shards.test.flatMap((s) => Array.from(s.x));
  const scaled = f.meta.dtype === 'uint8' ? x.map((v) => v / 255) : x;
  return tf.tensor(scaled, [f.meta.splits.test.count, ...f.meta.shape]);
}

async function exportAndRun(f: Fixture, layersText: string, config: Partial<ExperimentConfig>) {
  const layers = layersFromText(layersText)!;
  const model = buildLayers(layers, f.meta.shape, 3);
  randomiseWeights(model);
  const expected = (model.predict(testInputs(f)) as tf.Tensor).arraySync() as number[][];
  // Each layer's weights as Keras holds them (kernel, bias; gamma, beta, moving mean, moving variance), by export name.
  const plan = planLayers(layers, f.meta.shape);
  const kerasWeights = Object.fromEntries(
    plan.filter((l) => model.layers[l.index].getWeights().length).map((l) => [l.name, model.layers[l.index].getWeights().map((w) => ({ shape: w.shape, data: Array.from(w.dataSync()) }))]),
  );
  const files = await pythonExportFiles({
    title: 'Tiny model',
    config: { ...DEFAULT_CONFIG, ...config, layers },
    layers,
    dataset: f.meta,
    readShard: async (split, index) => {
      const s = f.shards[split][index];
      return { ...s, count: s.y.length };
    },
    weights: await serializeModel(model),
  });
  model.dispose();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-py-'));
  dirs.push(dir);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  // One thread each: the unit suite runs test files side by side.
  const run = (...args: string[]) =>
    execFileSync(python, [join(dir, 'train_torch.py'), ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const trained = run('--epochs', '1', '--out', join(dir, 'model.pt'));
  run('--weights', join(dir, 'weights.npz'), '--epochs', '0', '--predictions', join(dir, 'outputs.npy'));
  const outputs = readNpy(readFileSync(join(dir, 'outputs.npy')));
  return { expected, outputs, trained, dir, kerasWeights, plan };
}

/**
 * What train_keras.py's load_hearth_weights hands each Keras layer from weights.npz, run
 * with numpy alone: a stand-in model records every set_weights call.
 */
function kerasLoaded(dir: string, plan: ReturnType<typeof planLayers>) {
  const code = `import json, numpy as np
got = {}
class Layer:
    def __init__(self, name):
        self.name = name
    def set_weights(self, ws):
        got[self.name] = [{"shape": list(a.shape), "data": a.astype(np.float64).ravel().tolist()} for a in ws]
class Model:
    def get_layer(self, name):
        return Layer(name)
${kerasWeightLoader(plan)}
load_hearth_weights(Model(), ${JSON.stringify(join(dir, 'weights.npz'))})
print(json.dumps(got))`;
  return JSON.parse(execFileSync(python, ['-c', code], { encoding: 'utf8' }));
}

const argmax = (row: ArrayLike<number>) => Array.from(row).reduce((best, v, i, a) => (v > a[best] ? i : best), 0);

function expectSamePredictions(expected: number[][], outputs: { shape: number[]; data: Float32Array }) {
  const k = expected[0].length;
  expect(outputs.shape).toEqual([expected.length, k]);
  let worst = 0;
  expected.forEach((row, i) => {
    const got = outputs.data.subarray(i * k, (i + 1) * k);
    expect(argmax(got)).toBe(argmax(row));
    row.forEach((p, j) => (worst = Math.max(worst, Math.abs(p - got[j]))));
  });
  expect(worst).toBeLessThan(1e-4);
}

describe('the PyTorch export, run with torch', () => {
  it('trains an MLP on a table for one epoch; its exported weights reproduce its predictions in PyTorch and load back for Keras', { timeout: 420_000 }, async () => {
    const f = fixture('tabular', [1, 1, 6], { train: 40, test: 24 }, ['a', 'b', 'c']);
    const { expected, outputs, trained, dir, kerasWeights, plan } = await exportAndRun(f, 'flatten_bn_dense-16-relu_dropout-0.25_dense-8-tanh_dense-3-softmax', {
      optimizer: 'adam',
      schedule: { kind: 'plateau', factor: 0.5, patience: 1 },
      batchSize: 8,
      validationSplit: 0.25,
      epochs: 3,
    });
    expect(trained).toMatch(/^30 training samples, 1 process\(es\) on cpu$/m);
    expect(trained).toMatch(/^epoch 1\/1 {2}loss \d+\.\d{4} {2}accuracy \d\.\d{4} {2}val_loss \d+\.\d{4}/m);
    expect(trained).toMatch(/^test loss \d+\.\d{4} {2}test accuracy \d\.\d{4}$/m);
    expectSamePredictions(expected, outputs);
    expect(kerasLoaded(dir, plan)).toEqual(kerasWeights);
  });

  it('trains a regression across two processes under torchrun (DistributedDataParallel on gloo), and reproduces its outputs', { timeout: 480_000 }, async () => {
    const f = fixture('tabular', [1, 1, 5], { train: 40, test: 12 }, []);
    const { expected, outputs, trained, dir } = await exportAndRun(f, 'flatten_dense-12-relu_dense-1-linear', {
      loss: 'mae',
      optimizer: 'sgd',
      momentum: 0.5,
      weightDecay: 0.01,
      schedule: { kind: 'exponential', factor: 0.9 },
      batchSize: 8,
      validationSplit: 0.25,
    });
    expect(trained).toMatch(/^epoch 1\/1 {2}loss \d+\.\d{4} {2}mae \d+\.\d{4} {2}val_loss \d+\.\d{4} {2}val_mae \d+\.\d{4}/m);
    expect(trained).toMatch(/^test loss \d+\.\d{4} {2}test mae \d+\.\d{4}$/m);
    expectSamePredictions(expected, outputs);
    // --redirects/--tee: Debian 12's torch 1.13 under Python 3.11 cannot start torchrun without them.
    const out = execFileSync(
      python,
      ['-m', 'torch.distributed.run', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', join(dir, 'train_torch.py'), '--epochs', '2', '--out', join(dir, 'ddp.pt')],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } },
    );
    expect(out).toMatch(/30 training samples, 2 process\(es\) on cpu/);
    expect(out).toMatch(/epoch 2\/2 {2}loss \d+\.\d{4} {2}mae \d+\.\d{4}/);
    expect(out).toMatch(/saved .*ddp\.pt/);
  });

  it('trains a CNN on 9×7×3 images for one epoch; its exported weights reproduce its predictions (the Flatten order holds) and load back for Keras', { timeout: 420_000 }, async () => {
    const f = fixture('image', [9, 7, 3], { train: 36, test: 20 }, ['x', 'y', 'z']);
    const { expected, outputs, trained, dir, kerasWeights, plan } = await exportAndRun(
      f,
      'conv-4-3-s2-same-relu_bn_maxpool-2-s1-same_conv-5-2-tanh_avgpool-3-s2-same_flatten_bn_dropout-0.2_dense-6-relu_dense-3-softmax',
      {
        optimizer: 'sgd',
        momentum: 0.9,
        nesterov: true,
        weightDecay: 0.01,
        patience: 2,
        schedule: { kind: 'step', every: 1, factor: 0.5 },
        augment: { rotate: 10, shift: 0.1, shear: 5, zoom: 0.1, flip: true, brightness: 0.1 },
        batchSize: 8,
        validationSplit: 0.2,
      },
    );
    expect(trained).toMatch(/^29 training samples/m);
    expect(trained).toMatch(/^test loss \d+\.\d{4} {2}test accuracy \d\.\d{4}$/m);
    expectSamePredictions(expected, outputs);
    // train_keras.py undoes every layout change: each Keras layer gets back exactly the weights tfjs holds.
    expect(Object.keys(kerasWeights)).toEqual(['conv0', 'bn1', 'conv3', 'bn6', 'dense8', 'dense9']);
    expect(kerasLoaded(dir, plan)).toEqual(kerasWeights);
  });
});
