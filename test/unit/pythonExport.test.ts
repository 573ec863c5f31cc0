// The Python export's parts: the .npy/.npz writer, the weight layouts, the dataset's arrays and
// the generated scripts (compiled by Python, their schedule and augmentation maths run against
// Hearth's own).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ExperimentConfig } from '../../src/lib/config';
import { transformMatrix, type Draw } from '../../src/lib/augment/matrix';
import { layersFromText, type LayerSpec } from '../../src/lib/model/layers';
import { learningRateAt, type Schedule } from '../../src/lib/schedule';
import { npyBytes, npzBytes } from '../../src/lib/export/python/npy';
import { channelsFirstOrder, exportProblem, planLayers } from '../../src/lib/export/python/plan';
import { convToTorch, denseToTorch, torchStateDict } from '../../src/lib/export/python/weights';
import { datasetArrays } from '../../src/lib/export/python/dataset';
import { MATRIX_PY, SCHEDULE_PY, py } from '../../src/lib/export/python/experiment';
import { kerasLayer, kerasScript, kerasWeightLines } from '../../src/lib/export/python/keras';
import { torchScript } from '../../src/lib/export/python/torch';
import { describeExperiment, pythonArchiveName, pythonExportZip } from '../../src/lib/export/python/archive';
import { readme } from '../../src/lib/export/python/readme';
import type { DatasetMeta } from '../../src/lib/types';
import { ensurePythonTorch } from './helpers/python';

let python: string;
const tmp = mkdtempSync(join(tmpdir(), 'hearth-pyexport-'));
beforeAll(() => {
  python = ensurePythonTorch();
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const runPython = (code: string) => execFileSync(python, ['-c', code], { encoding: 'utf8' });
const header = (bytes: Uint8Array) => strFromU8(bytes.subarray(10, 10 + (bytes[8] | (bytes[9] << 8))));

describe('npyBytes', () => {
  it('writes the version 1.0 preamble, a header padded to a multiple of 64 bytes, then the values', () => {
    const bytes = npyBytes({ dtype: 'uint8', shape: [2, 3], data: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    // 10 bytes of preamble and a 59-character header: the values start at 128.
    expect(bytes[8] | (bytes[9] << 8)).toBe(118);
    expect(header(bytes)).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }".padEnd(117, ' ') + '\n');
    expect(Array.from(bytes.subarray(128))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writes float32 little-endian, 1-D shapes as (n,) and strings as fixed-width UTF-32', () => {
    const f = npyBytes({ dtype: 'float32', shape: [2], data: Float32Array.of(1, -2.5) });
    expect(header(f)).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2,\), \} *\n$/);
    expect(f.length).toBe(128 + 8);
    expect(Array.from(new Float32Array(f.slice(128).buffer))).toEqual([1, -2.5]);
    const s = npyBytes({ dtype: 'str', shape: [2], data: ['ab', 'été'] });
    expect(header(s)).toContain("'descr': '<U3'");
    expect(Array.from(new Uint32Array(s.slice(128).buffer))).toEqual([97, 98, 0, 0xe9, 0x74, 0xe9]);
    expect(header(npyBytes({ dtype: 'str', shape: [], data: ['{}'] }))).toContain("'shape': ()");
  });

  it('refuses data that does not fill its shape', () => {
    expect(() => npyBytes({ dtype: 'int32', shape: [2, 2], data: Int32Array.of(1, 2, 3) })).toThrow('An array of shape (2, 2) holds 4 values, not 3.');
  });

  it('reads back in NumPy, as a .npz of several arrays', () => {
    const path = join(tmp, 'a.npz');
    writeFileSync(
      path,
      npzBytes({
        x: { dtype: 'uint8', shape: [2, 2, 1], data: Uint8Array.of(0, 255, 7, 9) },
        y: { dtype: 'int32', shape: [3], data: Int32Array.of(-1, 0, 70000) },
        w: { dtype: 'float32', shape: [1, 2], data: Float32Array.of(0.5, 1e-7) },
        names: { dtype: 'str', shape: [2], data: ['T-shirt/top', 'Ünïcode 🙂'] },
        encoding: { dtype: 'str', shape: [], data: ['{"a": 1}'] },
      }, true),
    );
    const out = runPython(
      `import numpy as np, json\nd = np.load(${JSON.stringify(path)})\nprint(json.dumps({k: [str(d[k].dtype), list(d[k].shape), d[k].tolist()] for k in sorted(d.files)}))`,
    );
    expect(JSON.parse(out)).toEqual({
      encoding: ['<U8', [], '{"a": 1}'],
      names: ['<U11', [2], ['T-shirt/top', 'Ünïcode 🙂']],
      w: ['float32', [1, 2], [[0.5, Math.fround(1e-7)]]],
      x: ['uint8', [2, 2, 1], [[[0], [255]], [[7], [9]]]],
      y: ['int32', [3], [-1, 0, 70000]],
    });
  });
});

describe('weight layouts', () => {
  it('orders a flattened 2×2×2 grid channel first', () => {
    expect(Array.from(channelsFirstOrder([2, 2, 2]))).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
    expect(Array.from(channelsFirstOrder([1, 3, 1]))).toEqual([0, 1, 2]);
  });

  it('transposes a Dense kernel, reordering its inputs when asked', () => {
    // kernel [in 3, out 2]: row i is input i.
    const k = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect(Array.from(denseToTorch(k, 3, 2))).toEqual([1, 3, 5, 2, 4, 6]);
    expect(Array.from(denseToTorch(k, 3, 2, Int32Array.of(2, 0, 1)))).toEqual([5, 1, 3, 6, 2, 4]);
  });

  it('turns an HWIO convolution kernel into OIHW', () => {
    // 1×2 kernel, 1 input channel, 2 filters: HWIO values [y][x][i][o].
    const k = Float32Array.of(10, 20, 11, 21);
    expect(Array.from(convToTorch(k, [1, 2, 1, 2]))).toEqual([10, 11, 20, 21]);
  });

  it('finds batch normalisation statistics by name, though tfjs lists them after every trainable weight', () => {
    const plan = planLayers(layersFromText('flatten_bn_dense-2-softmax')!, [1, 2, 1]);
    const specs = [
      ['bn/gamma', [2]],
      ['bn/beta', [2]],
      ['d/kernel', [2, 2]],
      ['d/bias', [2]],
      ['bn/moving_mean', [2]],
      ['bn/moving_variance', [2]],
    ].map(([name, shape]) => ({ name, shape, dtype: 'float32' }));
    const data = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
    const topology = { class_name: 'Sequential', config: { layers: [['Flatten', 'f'], ['BatchNormalization', 'bn'], ['Dense', 'd']].map(([c, name]) => ({ class_name: c, config: { name } })) } };
    const dict = torchStateDict(plan, { modelTopology: topology, weightSpecs: specs, weightData: data.buffer });
    const values = Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
    expect(values).toEqual({
      'bn1.weight': [1, 2],
      'bn1.bias': [3, 4],
      'bn1.running_mean': [11, 12],
      'bn1.running_var': [13, 14],
      'dense2.weight': [5, 7, 6, 8],
      'dense2.bias': [9, 10],
    });
    expect(() => torchStateDict(plan, { modelTopology: topology, weightSpecs: specs.map((s) => ({ ...s, dtype: 'float16' })), weightData: data.buffer })).toThrow(
      'The weight bn/gamma is stored as float16; only float32 weights can be exported.',
    );
    const wrong = { class_name: 'Sequential', config: { layers: [...topology.config.layers.slice(0, 2), { class_name: 'Conv2D', config: { name: 'd' } }] } };
    expect(() => torchStateDict(plan, { modelTopology: wrong, weightSpecs: specs, weightData: data.buffer })).toThrow(
      'Layer 3 of the stored model is Conv2D, but its settings say Dense; it cannot be exported with its weights.',
    );
  });
});

describe('exportProblem', () => {
  it('names a layer the export cannot map, and a stack whose shapes fail', () => {
    const odd = [{ type: 'lstm', units: 4 }, ...layersFromText('dense-2-softmax')!] as unknown as LayerSpec[];
    expect(exportProblem(odd, [1, 1, 4])).toBe(
      'Layer 1 (lstm) has no counterpart in the Python export: it maps Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, BatchNormalization and Dropout to Keras and PyTorch. Replace it with one of those to export this model.',
    );
    expect(exportProblem(layersFromText('dense-2-softmax')!, [4, 4, 1])).toBe('Layer 1 (Dense): Dense needs a flat input, but its input is 4×4×1: add Flatten before it.');
    expect(exportProblem(layersFromText('flatten_dense-2-softmax')!, [4, 4, 1])).toBeUndefined();
  });
});

/** A dataset held in memory: sample i of a split has every value i (plus 100 for test), label i % 3. */
function memoryDataset(counts: { train: number; val?: number; test: number }, shardSize: number, kind: 'image' | 'tabular' = 'image') {
  const shape: [number, number, number] = kind === 'image' ? [2, 2, 1] : [1, 1, 3];
  const len = shape[0] * shape[1] * shape[2];
  const info = (count: number) => ({ count, shardSize, shards: Math.ceil(count / shardSize), classCounts: [0, 0, 0] });
  const meta: DatasetMeta = {
    id: 'm',
    name: 'Memory',
    source: 'test',
    kind,
    task: 'classification',
    shape,
    dtype: kind === 'image' ? 'uint8' : 'float32',
    classes: ['a', 'b', 'c'],
    splits: { train: info(counts.train), test: info(counts.test), ...(counts.val ? { val: info(counts.val) } : {}) },
    ...(kind === 'tabular'
      ? { tabular: { label: 'y', featureNames: ['u', 'v=1', 'v=2'], encoding: [{ column: 'u', kind: 'numeric' as const, mean: 1, std: 2 }, { column: 'v', kind: 'categorical' as const, categories: ['1', '2'], fill: '1' }], target: null } }
      : {}),
    bytes: 0,
    createdAt: 0,
  };
  const reads: string[] = [];
  const readShard = async (split: 'train' | 'val' | 'test', index: number) => {
    reads.push(`${split}${index}`);
    const first = index * shardSize;
    const n = Math.min(shardSize, meta.splits[split]!.count - first);
    const base = split === 'test' ? 100 : split === 'val' ? 50 : 0;
    const values = Array.from({ length: n * len }, (_, k) => base + first + Math.floor(k / len));
    return { count: n, x: kind === 'image' ? Uint8Array.from(values) : Float32Array.from(values), y: Uint8Array.from({ length: n }, (_, k) => (first + k) % 3) };
  };
  return { meta, readShard, reads };
}

describe('datasetArrays', () => {
  it('exports the samples a run would see: training, then validation from the end of the limited training range', async () => {
    const { meta, readShard, reads } = memoryDataset({ train: 10, test: 3 }, 4);
    const a = await datasetArrays(meta, { trainLimit: 9, validationSplit: 0.34 }, readShard);
    // 9 samples, round(3.06) = 3 validate: training is samples 0–5, validation 6–8.
    expect(a.x_train.shape).toEqual([6, 2, 2, 1]);
    expect(Array.from(a.x_train.data as Uint8Array).filter((_, i) => i % 4 === 0)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(a.y_train.data as Int32Array)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(a.y_train.dtype).toBe('int32');
    expect(Array.from(a.x_val.data as Uint8Array).filter((_, i) => i % 4 === 0)).toEqual([6, 7, 8]);
    expect(Array.from(a.x_test.data as Uint8Array).filter((_, i) => i % 4 === 0)).toEqual([100, 101, 102]);
    expect(a.class_names).toEqual({ dtype: 'str', shape: [3], data: ['a', 'b', 'c'] });
    expect(reads).not.toContain('train3'); // sample 9 is beyond the limit: its shard is never read
  });

  it('uses a stored validation split whole, and writes a table as [n, features] with its names and encoding', async () => {
    const { meta, readShard } = memoryDataset({ train: 5, val: 2, test: 2 }, 2, 'tabular');
    const a = await datasetArrays(meta, { trainLimit: 0, validationSplit: 0.5 }, readShard);
    expect(a.x_train.shape).toEqual([5, 3]);
    expect(a.x_train.dtype).toBe('float32');
    expect(Array.from(a.x_val.data as Float32Array)).toEqual([50, 50, 50, 51, 51, 51]);
    expect(a.feature_names.data).toEqual(['u', 'v=1', 'v=2']);
    expect(JSON.parse((a.encoding.data as string[])[0])).toEqual({ label: 'y', columns: meta.tabular!.encoding });
    expect(a.target_scale).toBeUndefined();
  });
});

const image = memoryDataset({ train: 8, test: 4 }, 4).meta;

function experiment(layers: string, config: Partial<ExperimentConfig> = {}, meta: DatasetMeta = { ...image, shape: [6, 5, 3] }) {
  const specs = layersFromText(layers)!;
  return describeExperiment({ title: 'CNN on "Memory"', config: { ...DEFAULT_CONFIG, ...config, layers: specs }, layers: specs, dataset: meta });
}

const CNN = 'conv-4-3-same-relu_maxpool-2_flatten_bn_dense-3-softmax';

describe('the generated scripts', () => {
  it('write each layer for Keras, and load weights.npz back into Keras layout, un-flattening what follows a Flatten', () => {
    const e = experiment(CNN);
    expect(e.plan.map(kerasLayer)).toEqual([
      'layers.Conv2D(4, 3, strides=1, padding="same", activation="relu", name="conv0")',
      'layers.MaxPooling2D(2, strides=2, padding="valid", name="maxpool1")',
      'layers.Flatten(name="flatten2")',
      'layers.BatchNormalization(momentum=0.99, epsilon=0.001, name="bn3")',
      'layers.Dense(3, activation="softmax", name="dense4")',
    ]);
    expect(e.plan.flatMap(kerasWeightLines)).toEqual([
      '    model.get_layer("conv0").set_weights([w["conv0.weight"].transpose(2, 3, 1, 0), w["conv0.bias"]])',
      '    model.get_layer("bn3").set_weights([' +
        ['weight', 'bias', 'running_mean', 'running_var'].map((k) => `w["bn3.${k}"].reshape(4, 3, 2).transpose(1, 2, 0).reshape(-1)`).join(', ') +
        '])',
      '    model.get_layer("dense4").set_weights([w["dense4.weight"].reshape(3, 4, 3, 2).transpose(2, 3, 1, 0).reshape(24, 3), w["dense4.bias"]])',
    ]);
  });

  it('carry the settings as Python constants and the distributed set-ups', () => {
    const e = experiment(CNN, { optimizer: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0.001, learningRate: 0.05, seed: 7, augment: { rotate: 10, shift: 0, shear: 0, zoom: 0.1, flip: true, brightness: 0 } });
    const keras = kerasScript(e);
    const torch = torchScript(e);
    for (const script of [keras, torch]) {
      expect(script).toContain('\nOPTIMIZER = "sgd"\nLEARNING_RATE = 0.05\nMOMENTUM = 0.9  # SGD and RMSprop\nNESTEROV = True  # SGD\n');
      expect(script).toContain('\nSEED = 7\n');
      expect(script).toContain('\nAUGMENT = {"rotate": 10, "shift": 0, "shear": 0, "zoom": 0.1, "flip": True, "brightness": 0}');
      expect(script).toContain('\nINPUT_SHAPE = (6, 5, 3)');
    }
    expect(keras).toContain('optimizer = keras.optimizers.SGD(LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV and MOMENTUM > 0, weight_decay=WEIGHT_DECAY)');
    expect(keras).toContain('    #   return tf.distribute.MultiWorkerMirroredStrategy()\n');
    expect(keras).toContain('loss="sparse_categorical_crossentropy"');
    expect(torch).toContain('        ("conv0", Conv2dSame(3, 4, kernel_size=3, stride=1)),\n        ("conv0_relu", nn.ReLU()),\n        ("maxpool1", nn.MaxPool2d(kernel_size=2, stride=2)),');
    expect(torch).toContain('("bn3", nn.BatchNorm1d(24, eps=0.001, momentum=0.01))');
    expect(torch).toContain('nn.parallel.DistributedDataParallel(model');
    expect(torch).toContain('torch.optim.SGD(params, lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=NESTEROV and MOMENTUM > 0)');
  });

  it('compile in Python with no undefined or unused name, for classifiers, binary heads and regression alike', () => {
    const tabular = memoryDataset({ train: 8, test: 4 }, 4, 'tabular').meta;
    const cases = [
      experiment(CNN, { optimizer: 'rmsprop', schedule: { kind: 'cosine', floor: 0.1 }, patience: 3, augment: { rotate: 5, shift: 0.1, shear: 3, zoom: 0.1, flip: false, brightness: 0.2 } }),
      experiment('flatten_dense-1-sigmoid', {}, { ...tabular, classes: ['no', 'yes'] }),
      experiment('flatten_dense-8-relu_dense-1-linear', { loss: 'mae' }, { ...tabular, task: 'regression', classes: [], tabular: { ...tabular.tabular!, target: { mean: 3, std: 2 } } }),
    ];
    expect(cases.map((e) => e.loss)).toEqual(['categorical-crossentropy', 'binary-crossentropy', 'mae']);
    const files = cases.flatMap((e, i) => [
      [`keras${i}.py`, kerasScript(e)],
      [`torch${i}.py`, torchScript(e)],
    ]);
    for (const [name, text] of files) writeFileSync(join(tmp, name), text);
    execFileSync(python, ['-m', 'py_compile', ...files.map(([name]) => join(tmp, name))]);
    // pyflakes reads each name: a typo in a line the Keras script runs only under TensorFlow is caught here.
    const flakes = spawnSync(python, ['-m', 'pyflakes', ...files.map(([name]) => join(tmp, name))], { encoding: 'utf8' });
    expect(flakes.stdout + flakes.stderr).toBe('');
    expect(files[5][1]).toContain('TARGET_MEAN, TARGET_STD = 3, 2');
    expect(files[4][1]).toContain('metrics=[mae_in_units]');
  });

  it("compute Hearth's learning-rate schedules", () => {
    const history = [1, 0.9, 0.95, 0.97, 0.8, 0.85, 0.86, 0.87].map((valLoss, i) => ({ epoch: i + 1, loss: 2, acc: 0, valLoss, valAcc: 0, seconds: 1, samplesPerSec: 1 }));
    const schedules: Schedule[] = [
      { kind: 'constant' },
      { kind: 'step', every: 3, factor: 0.5 },
      { kind: 'exponential', factor: 0.9 },
      { kind: 'cosine', floor: 0.01 },
      { kind: 'plateau', factor: 0.5, patience: 2 },
    ];
    for (const s of schedules) {
      const code = `import json, math\nLEARNING_RATE = 0.1\nEPOCHS = 9\nSCHEDULE = ${py(s)}\n${SCHEDULE_PY}\nwatched = ${py(history.map((h) => h.valLoss))}\nprint(json.dumps([learning_rate_at(e, list(watched)) for e in range(9)]))`;
      const got = JSON.parse(runPython(code)) as number[];
      const want = Array.from({ length: 9 }, (_, e) => learningRateAt(s, 0.1, e, 9, history));
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    }
  });

  it("compute Hearth's augmentation matrix", () => {
    const d: Draw = { angle: 0.3, tx: 2, ty: -1.5, shear: 0.1, scale: 1.2, flip: true, brightness: 0 };
    const code = `import json, math\ndef f(angle, tx, ty, shear, scale, flip, w, h):\n    cos, sin, k = math.cos(angle), math.sin(angle), math.tan(shear)\n${MATRIX_PY}    return [a0, a1, cx - (a0 * ux + a1 * uy), b0, b1, cy - (b0 * ux + b1 * uy), 0, 0]\nprint(json.dumps(f(0.3, 2, -1.5, 0.1, 1.2, -1.0, 28, 20)))`;
    const got = JSON.parse(runPython(code)) as number[];
    transformMatrix(d, 28, 20).forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });
});

describe('pythonExportZip', () => {
  it('holds both scripts, the data, the weights when there are some, the settings and a README', async () => {
    const { meta, readShard } = memoryDataset({ train: 8, test: 4 }, 4);
    const layers = layersFromText('flatten_dense-3-softmax')!;
    const zip = await pythonExportZip({ title: 'MLP on Memory', config: { ...DEFAULT_CONFIG, layers }, layers, dataset: meta, readShard });
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['README.md', 'data.npz', 'experiment.json', 'train_keras.py', 'train_torch.py']);
    expect(Object.keys(unzipSync(files['data.npz'])).sort()).toEqual(['class_names.npy', 'x_test.npy', 'x_train.npy', 'x_val.npy', 'y_test.npy', 'y_train.npy', 'y_val.npy']);
    // data.npz is np.savez_compressed's format: its entries are deflated (method 8 in each local header).
    const npz = files['data.npz'];
    const methods: number[] = [];
    for (let at = 0; npz[at] === 0x50 && npz[at + 1] === 0x4b && npz[at + 2] === 3 && npz[at + 3] === 4; ) {
      const view = new DataView(npz.buffer, npz.byteOffset + at);
      methods.push(view.getUint16(8, true));
      at += 30 + view.getUint16(26, true) + view.getUint16(28, true) + view.getUint32(18, true);
    }
    expect(methods).toEqual([8, 8, 8, 8, 8, 8, 8]);
    expect(JSON.parse(strFromU8(files['experiment.json'])).layers).toEqual(layers);
    expect(strFromU8(files['README.md'])).toContain('| dense1 | Dense | 4 | 3 |');
    expect(pythonArchiveName('CNN on MNIST · 97.1%')).toBe('cnn-on-mnist-97-1-python.zip');
  });

  it('says in its README when the Training samples limit left samples out', () => {
    expect(readme(experiment(CNN), true)).not.toContain('Training samples');
    expect(readme(experiment(CNN, { trainLimit: 500 }), true)).toContain(
      'only the first 500 training samples are exported (the experiment\'s *Training samples* limit; without a stored validation split, validation is the end of them): set the limit to 0 to export them all.',
    );
  });
});
