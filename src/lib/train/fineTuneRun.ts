/**
 * The fine-tune part of a run: which saved model it starts from, what the
 * before/after table measures, and the replay source. A fine-tune measures two
 * things, before training and after it:
 *
 * - the original test split: the test split of the dataset the saved model was
 *   trained on, while the model still answers in its classes (not after a new head);
 * - the new data: for a newer version of that dataset (same classes and test split,
 *   more training samples, which a version appends), the training samples it added;
 *   for another dataset, its test split; for the same dataset, nothing.
 */
import type { ExperimentConfig } from '../config';
import type { DatasetMeta, Evaluation, FineTuneScore, FineTuneScores, SavedModelMeta, SplitName } from '../types';
import type { HearthDb } from '../storage/db';
import { getDataset } from '../storage/datasets';
import { getModelMeta } from '../storage/models';
import { freezeProblem } from '../model/finetune';
import type { LayerSpec } from '../model/layers';
import { InputError } from './errors';

/** A range of one split of one dataset. */
export interface SampleRange {
  dataset: DatasetMeta;
  split: SplitName;
  start: number;
  end: number;
  label: string;
  /** A dataset whose test split holds these same samples: a newer version keeps its parent's test split. */
  sameAs?: string;
}

export interface FineTunePlan {
  parent: SavedModelMeta;
  /** The dataset the parent was trained on, when it is still stored and fits (replay needs it). */
  original: DatasetMeta | null;
  originalTest: SampleRange | null;
  fresh: SampleRange | null;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const sameClasses = (a: DatasetMeta, b: DatasetMeta) => a.classes.length === b.classes.length && a.classes.every((c, i) => c === b.classes[i]);
const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;

/** Where the new data of a fine-tune on `dataset` is, given the dataset the model was trained on. */
export function freshRange(original: DatasetMeta | null, dataset: DatasetMeta): SampleRange | null {
  if (original?.id === dataset.id) return null;
  const train = dataset.splits.train.count;
  // A newer version of the original (its family shares the test split) puts the samples it added first.
  const sameFamily = !!original && !!dataset.version && dataset.version.rootId === (original.version?.rootId ?? original.id);
  if (original && sameFamily && sameClasses(original, dataset) && train > original.splits.train.count) {
    const added = train - original.splits.train.count;
    return { dataset, split: 'train', start: 0, end: added, label: `${plural(added, 'sample')} added to ${dataset.name}` };
  }
  const test = dataset.splits.test.count;
  return test > 0 ? { dataset, split: 'test', start: 0, end: test, label: `${dataset.name} · test split` } : null;
}

/** Checks a fine-tune's settings against the saved model and the dataset, and says what it will measure. */
export async function planFineTune(db: HearthDb, config: ExperimentConfig, dataset: DatasetMeta, layers: readonly LayerSpec[]): Promise<FineTunePlan> {
  const parent = await getModelMeta(db, config.from);
  if (!parent) {
    throw new InputError('The saved model these settings fine-tune is no longer stored (it was deleted, perhaps in another tab). Pick another model to fine-tune.');
  }
  if (!sameShape(parent.inputShape, dataset.shape)) {
    throw new InputError(
      `"${parent.name}" takes ${parent.inputShape.join('×')} inputs, but ${dataset.name} has ${dataset.shape.join('×')}: fine-tune it on a dataset with the same input shape.`,
    );
  }
  const frozen = freezeProblem(config.freeze, layers);
  if (frozen) throw new InputError(frozen);
  const stored = await getDataset(db, parent.datasetId);
  const original = stored && sameShape(stored.shape, dataset.shape) && stored.task === dataset.task ? stored : null;
  if (config.replay > 0) {
    if (!original) throw new InputError(`"${parent.name}" was trained on ${parent.datasetName}, which is no longer stored, so it cannot be replayed. Set the replay to 0, or load that dataset again.`);
    if (!sameClasses(original, dataset)) {
      throw new InputError(`${original.name} and ${dataset.name} have different classes, so the original data cannot be replayed. Set the replay to 0.`);
    }
  }
  // The original test split means something only while the model answers in the original's classes.
  const head = layers[layers.length - 1];
  const outputs = head?.type === 'dense' ? head.units : 0;
  const keepsClasses = original !== null && (original.task === 'regression' || outputs === original.classes.length || (outputs === 1 && original.classes.length === 2));
  const fresh = freshRange(original, dataset);
  const originalTest: SampleRange | null =
    original && keepsClasses && original.splits.test.count > 0
      ? { dataset: original, split: 'test', start: 0, end: original.splits.test.count, label: `${original.name} · test split`, ...(fresh?.split === 'train' ? { sameAs: dataset.id } : {}) }
      : null;
  return { parent, original, originalTest, fresh };
}

export function scoreOf(e: Evaluation): FineTuneScore {
  return e.task === 'regression' ? { metric: 'mae', value: e.mae, samples: e.samples } : { metric: 'accuracy', value: e.accuracy, samples: e.samples };
}

/**
 * Measures the model on the plan's two ranges. `known` is the run's own evaluation
 * on the test split of `datasetId`, reused instead of measuring it again (also for a
 * version's parent, whose test split is the same).
 */
export async function measure(
  plan: FineTunePlan,
  evaluateOn: (range: SampleRange) => Promise<Evaluation | null>,
  known: { datasetId: string; evaluation: Evaluation } | null = null,
): Promise<FineTuneScores> {
  const one = async (range: SampleRange | null): Promise<FineTuneScore | null> => {
    if (!range) return null;
    if (known && range.split === 'test' && (range.dataset.id === known.datasetId || range.sameAs === known.datasetId)) return scoreOf(known.evaluation);
    const e = await evaluateOn(range);
    return e ? scoreOf(e) : null;
  };
  return { original: await one(plan.originalTest), fresh: await one(plan.fresh) };
}
