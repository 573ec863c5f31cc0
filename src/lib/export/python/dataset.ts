/**
 * A dataset's splits as the arrays of data.npz, exactly the samples a run with
 * these settings trains, validates and is tested on:
 *
 *   x_train, y_train, x_val, y_val, x_test, y_test, class_names
 *   images: x uint8 pixels [n, height, width, channels] (channels last, 0–255)
 *   tables: x float32 [n, features], already scaled and one-hot encoded as Hearth
 *           stores them, plus feature_names, encoding (JSON of each column's
 *           scaling or categories) and, for regression, target_scale [mean, std]
 *   y: int32 class indices, or float32 targets in their own units for regression
 */
import type { ExperimentConfig } from '../../config';
import type { ShardData } from '../../data/shardSource';
import { trainingRanges } from '../../data/ranges';
import type { DatasetMeta, SplitName } from '../../types';
import type { NpyArray } from './npy';
import { splitPieces } from '../../storage/pieces';

export type ReadShard = (split: SplitName, index: number) => Promise<ShardData>;

/** Samples [start, end) of a stored split, copied out of its shards. */
async function readRange(meta: DatasetMeta, split: SplitName, start: number, end: number, read: ReadShard): Promise<{ x: Uint8Array | Float32Array; y: Uint8Array | Float32Array }> {
  const info = meta.splits[split];
  const sampleLen = meta.shape[0] * meta.shape[1] * meta.shape[2];
  const n = Math.max(0, end - start);
  const x = meta.dtype === 'float32' ? new Float32Array(n * sampleLen) : new Uint8Array(n * sampleLen);
  const y = meta.task === 'regression' ? new Float32Array(n) : new Uint8Array(n);
  if (!info || n === 0) return { x, y };
  // A dataset version lists its shards with their sizes (its added ones first); others hold shardSize each.
  let base = 0;
  for (const [index, piece] of splitPieces(meta, split).entries()) {
    const size = piece.count;
    if (base >= end) break;
    if (base + size <= start) {
      base += size;
      continue;
    }
    const shard = await read(split, index);
    const from = Math.max(start, base) - base;
    const to = Math.min(end, base + size) - base;
    if (shard.count !== size || shard.x.length !== shard.count * sampleLen || shard.y.length !== shard.count) {
      throw new Error(`Shard ${index} of the ${split} split of "${meta.name}" is damaged: it does not hold the samples its listing says. Delete the dataset and load it again.`);
    }
    x.set(shard.x.subarray(from * sampleLen, to * sampleLen), (base + from - start) * sampleLen);
    y.set(shard.y.subarray(from, to), base + from - start);
    base += size;
  }
  return { x, y };
}

function xArray(meta: DatasetMeta, x: Uint8Array | Float32Array): NpyArray {
  const sampleLen = meta.shape[0] * meta.shape[1] * meta.shape[2];
  const n = x.length / sampleLen;
  if (meta.kind === 'tabular') return { dtype: 'float32', shape: [n, sampleLen], data: Float32Array.from(x) };
  return x instanceof Uint8Array ? { dtype: 'uint8', shape: [n, ...meta.shape], data: x } : { dtype: 'float32', shape: [n, ...meta.shape], data: x };
}

const yArray = (y: Uint8Array | Float32Array): NpyArray =>
  y instanceof Float32Array ? { dtype: 'float32', shape: [y.length], data: y } : { dtype: 'int32', shape: [y.length], data: Int32Array.from(y) };

export async function datasetArrays(meta: DatasetMeta, config: Pick<ExperimentConfig, 'trainLimit' | 'validationSplit'>, read: ReadShard): Promise<Record<string, NpyArray>> {
  const { trainEnd, val } = trainingRanges(meta, config.trainLimit, config.validationSplit);
  const parts: Record<'train' | 'val' | 'test', [SplitName, number, number]> = {
    train: ['train', 0, trainEnd],
    val: val ? [val.split, val.start, val.end] : ['train', 0, 0],
    test: ['test', 0, meta.splits.test.count],
  };
  const out: Record<string, NpyArray> = {};
  for (const [name, [split, start, end]] of Object.entries(parts)) {
    const { x, y } = await readRange(meta, split, start, end, read);
    out[`x_${name}`] = xArray(meta, x);
    out[`y_${name}`] = yArray(y);
  }
  out.class_names = { dtype: 'str', shape: [meta.classes.length], data: meta.classes };
  if (meta.tabular) {
    out.feature_names = { dtype: 'str', shape: [meta.tabular.featureNames.length], data: meta.tabular.featureNames };
    out.encoding = { dtype: 'str', shape: [], data: [JSON.stringify({ label: meta.tabular.label, columns: meta.tabular.encoding })] };
    if (meta.tabular.target) out.target_scale = { dtype: 'float32', shape: [2], data: Float32Array.of(meta.tabular.target.mean, meta.tabular.target.std) };
  }
  return out;
}
