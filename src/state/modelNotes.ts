/**
 * What the page says about a saved model beyond its score: marks for the list
 * ("stopped", "not evaluated", "one class") and the warning for a classifier
 * that answers one class for nearly everything. Derived from the stored record,
 * so models saved before these notes existed get them too.
 */
import { predictionCollapse } from '../lib/metrics/collapse';
import type { EarlyStop, Evaluation, SavedModelMeta } from '../lib/types';
import { fieldOf, type ExperimentConfig } from '../lib/config';
import { SCHEDULE_KINDS } from '../lib/schedule';

export interface ModelMark {
  id: 'stopped' | 'early-stopped' | 'not-evaluated' | 'one-class' | 'imported';
  label: string;
  /** The longer explanation, for a tooltip. */
  title: string;
}

/** "Early-stopped at epoch 28, best epoch 16 restored." */
export function earlyStopText(e: EarlyStop): string {
  return `Early-stopped at epoch ${e.epoch}, best epoch ${e.bestEpoch} ${e.restored ? 'restored' : 'kept'}.`;
}

export function modelMarks(m: Pick<SavedModelMeta, 'history' | 'config' | 'evaluation' | 'classes' | 'earlyStop' | 'imported'>): ModelMark[] {
  const marks: ModelMark[] = [];
  if (m.imported) {
    // Trained elsewhere: it has no epochs here, which is no sign of a stopped run.
    const precision = m.imported.weights === 'uint8' ? '8-bit' : m.imported.weights;
    marks.push({ id: 'imported', label: `imported · ${precision}`, title: `Imported from ${m.imported.fileName} with ${precision} weights, stored here as float32.` });
  }
  // Only complete epochs are logged, so a run stopped early has fewer than it asked for.
  const epochs = m.history.length;
  if (m.earlyStop) {
    marks.push({
      id: 'early-stopped',
      label: `early-stopped · best ${m.earlyStop.bestEpoch}`,
      title: `${earlyStopText(m.earlyStop)} No lower validation loss for ${m.config.patience} epochs; ${m.config.epochs} were asked for.`,
    });
  } else if (epochs < m.config.epochs && !m.imported) {
    marks.push({ id: 'stopped', label: 'stopped', title: `Training was stopped after ${epochs} of ${m.config.epochs} epochs.` });
  }
  if (!m.evaluation) {
    marks.push({ id: 'not-evaluated', label: 'not evaluated', title: 'Not scored on the test set: the evaluation was stopped, or the dataset has no test split.' });
  } else if (collapseWarning(m.evaluation, m.classes)) {
    marks.push({ id: 'one-class', label: 'one class', title: 'Predicts one class for nearly every test sample.' });
  }
  return marks;
}

/** The settings that tell two models of one dataset apart: "Adam · learning rate 0.001 · batch 128 · 5 epochs". */
export function settingsSummary(config: ExperimentConfig): string {
  const optimizer = fieldOf('optimizer').input;
  const name = optimizer?.kind === 'choice' ? (optimizer.options.find((o) => o.value === config.optimizer)?.label ?? config.optimizer) : config.optimizer;
  const parts = [name, `learning rate ${config.learningRate}`, `batch ${config.batchSize}`, `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`];
  if (config.trainLimit > 0) parts.push(`${config.trainLimit} samples`);
  if (config.schedule.kind !== 'constant') parts.push(`${SCHEDULE_KINDS.find((k) => k.kind === config.schedule.kind)?.label.toLowerCase()} schedule`);
  if (config.patience > 0) parts.push(`early stopping after ${config.patience}`);
  return parts.join(' · ');
}

/** "MLP on MNIST", or "MLP on MNIST (3)" when that name is taken, so saved models never look alike. */
export function uniqueName(base: string, taken: readonly string[]): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  let n = 2;
  while (names.has(`${base} (${n})`)) n += 1;
  return `${base} (${n})`;
}

/** A sentence for a classifier that predicts one class for (nearly) every test sample; null otherwise. */
export function collapseWarning(result: Evaluation, classes: readonly string[]): string | null {
  if (result.task === 'regression') return null;
  const collapse = predictionCollapse(result.confusion, result.numClasses);
  if (!collapse) return null;
  const name = classes[collapse.predicted] ?? String(collapse.predicted);
  const share = collapse.share === 1 ? 'every one' : `${Math.floor(collapse.share * 100)}%`;
  return (
    `The model predicts “${name}” for ${share} of the test samples, though they belong to ${collapse.classesPresent} classes: ` +
    'it has collapsed to one class, and its accuracy only reflects how common that class is. ' +
    'Training went wrong: try a lower learning rate, or the Adam optimizer.'
  );
}
