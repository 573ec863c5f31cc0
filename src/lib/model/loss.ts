/**
 * The losses a model can train with. 'auto' picks by the head and the task:
 * mean squared error for regression, binary cross-entropy for a 1-unit sigmoid
 * head, categorical cross-entropy otherwise. That is what every preset used
 * before the loss could be chosen, so old links and records train as they did.
 */
import type { Task } from '../types';
import type { LayerSpec } from './layers';

export const LOSS_OPTIONS = [
  ['auto', 'Automatic (fits the head)'],
  ['categorical-crossentropy', 'Categorical cross-entropy'],
  ['binary-crossentropy', 'Binary cross-entropy'],
  ['mse', 'Mean squared error'],
  ['mae', 'Mean absolute error'],
] as const;
export type LossChoice = (typeof LOSS_OPTIONS)[number][0];
export type LossId = Exclude<LossChoice, 'auto'>;

export const LOSS_NAMES = Object.fromEntries(LOSS_OPTIONS) as Record<LossChoice, string>;

export const isCrossEntropy = (loss: LossId) => loss === 'categorical-crossentropy' || loss === 'binary-crossentropy';

export function resolveLoss(choice: LossChoice, head: LayerSpec | undefined, task: Task): LossId {
  if (choice !== 'auto') return choice;
  if (task === 'regression') return 'mse';
  return head?.type === 'dense' && head.activation === 'sigmoid' && head.units === 1 ? 'binary-crossentropy' : 'categorical-crossentropy';
}
