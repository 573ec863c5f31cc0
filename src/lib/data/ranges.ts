/**
 * Which samples a run trains and validates on. Free of tfjs, so the page can
 * export exactly the samples a run would see.
 */
import type { DatasetMeta, SplitName } from '../types';
import { InputError } from '../train/errors';

/**
 * Training range [0, n); the last round(n × validationSplit) samples of it
 * validate and the rest train, as Keras's validation_split does.
 */
export function splitRange(trainCount: number, trainLimit: number, validationSplit: number): { trainEnd: number; end: number } {
  const end = trainLimit > 0 ? Math.min(trainLimit, trainCount) : trainCount;
  const trainEnd = end - Math.round(end * validationSplit);
  if (trainEnd < 1) {
    throw new InputError(`There are no samples left to train on: ${end} samples with a validation split of ${validationSplit}. Use more training samples.`);
  }
  return { trainEnd, end };
}

/**
 * Where training and validation samples come from. A dataset with a stored
 * 'val' split (fixed at import) validates on all of it and trains on the whole
 * train split; otherwise validation is the end of the train split.
 */
export function trainingRanges(
  dataset: Pick<DatasetMeta, 'splits'>,
  trainLimit: number,
  validationSplit: number,
): { trainEnd: number; val: { split: SplitName; start: number; end: number } | null } {
  const stored = dataset.splits.val;
  if (stored) {
    const trainEnd = trainLimit > 0 ? Math.min(trainLimit, dataset.splits.train.count) : dataset.splits.train.count;
    if (trainEnd < 1) throw new InputError('There are no samples to train on: the training split is empty.');
    return { trainEnd, val: stored.count > 0 ? { split: 'val', start: 0, end: stored.count } : null };
  }
  const { trainEnd, end } = splitRange(dataset.splits.train.count, trainLimit, validationSplit);
  return { trainEnd, val: end > trainEnd ? { split: 'train', start: trainEnd, end } : null };
}
