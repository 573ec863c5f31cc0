// The baseline: the same preset trained by a bare model.fit on the same samples,
// held in memory as float32 tensors. No streaming, no progress reporting.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/lib/train/backend';
import { buildModel } from '../../src/lib/model/build';
import { openHearthDb } from '../../src/lib/storage/db';
import { getDataset, readShard } from '../../src/lib/storage/datasets';
import type { BareRequest, BareResult } from './messages';

self.onmessage = async (e: MessageEvent<BareRequest>) => {
  const { backend, samples, epochs, batchSize, seed } = e.data;
  try {
    const chosen = await selectBackend(backend);
    const db = await openHearthDb();
    const meta = await getDataset(db, 'mnist');
    if (!meta) throw new Error('MNIST is not stored');
    const pixels = meta.shape[0] * meta.shape[1] * meta.shape[2];
    const x = new Float32Array(samples * pixels);
    const labels = new Int32Array(samples);
    for (let shard = 0, filled = 0; filled < samples; shard++) {
      const s = await readShard(db, 'mnist', 'train', shard);
      const take = Math.min(s.count, samples - filled);
      for (let i = 0; i < take * pixels; i++) x[filled * pixels + i] = s.x[i] / 255;
      labels.set(s.y.subarray(0, take), filled);
      filled += take;
    }
    const xs = tf.tensor(x, [samples, ...meta.shape]);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), meta.classes.length);
    const model = buildModel('mlp', meta.shape, meta.classes.length, seed);
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const epochSeconds: number[] = [];
    let t0 = 0;
    await model.fit(xs, ys, {
      batchSize,
      epochs,
      shuffle: true,
      verbose: 0,
      callbacks: {
        onEpochBegin: async () => void (t0 = performance.now()),
        onEpochEnd: async () => void epochSeconds.push((performance.now() - t0) / 1000),
      },
    });
    tf.dispose([xs, ys]);
    model.dispose();
    const result: BareResult = { ok: true, backend: chosen.backend, epochSeconds };
    postMessage(result);
  } catch (err) {
    postMessage({ ok: false, error: String((err as Error)?.message ?? err) } satisfies BareResult);
  }
};
