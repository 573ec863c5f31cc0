/**
 * Whether a model can train on a dataset, and if not, why and at which layer.
 * The page shows the same message the worker refuses a run with, so both call
 * modelProblem: a config from a URL is never trusted to have been checked.
 */
import type { ExperimentConfig } from '../config';
import type { Task } from '../types';
import { LAYER_NAMES, type LayerSpec } from './layers';
import { LOSS_NAMES, resolveLoss, type LossChoice } from './loss';
import { inferShapes, sumParams, type LayerRow, type StackProblem } from './shapes';
import { estimateMemory, type MemoryEstimate } from './memory';
import { layerSpecs, presetProblem, type PresetTarget } from './spec';

export interface StackTarget {
  shape: readonly [number, number, number];
  task: Task;
  /** 0 for regression. */
  numClasses: number;
}

/** Head rules: what the last layer must be for the task, then whether the loss fits it. */
function headProblem(head: LayerSpec, index: number, loss: LossChoice, t: StackTarget): StackProblem | null {
  const at = (message: string) => ({ index, message });
  if (head.type !== 'dense') {
    return at(`The last layer is the model's output, so it must be Dense; this one is ${LAYER_NAMES[head.type]}.`);
  }
  const { units, activation } = head;
  if (t.task === 'regression') {
    if (activation !== 'linear') return at(`A regression head predicts any number, so its activation must be linear, not ${activation}.`);
    if (units !== 1) return at(`A regression head has 1 unit, the predicted value; this one has ${units}.`);
  } else if (activation === 'sigmoid') {
    if (t.numClasses > 2) return at(`A sigmoid head answers yes or no, so it fits two classes; this dataset has ${t.numClasses}. Use softmax with ${t.numClasses} units.`);
    if (units !== 1) return at(`A sigmoid head for two classes has 1 unit (the probability of the second class); this one has ${units}.`);
  } else if (activation === 'softmax') {
    if (units !== t.numClasses) return at(`A softmax head needs one unit per class: ${t.numClasses} for this dataset, not ${units}.`);
  } else {
    const two = t.numClasses === 2 ? ', or sigmoid with 1 unit' : '';
    return at(`A classifier's head gives class probabilities, so its activation must be softmax (${t.numClasses} units${two}), not ${activation}.`);
  }

  const chosen = resolveLoss(loss, head, t.task);
  const name = LOSS_NAMES[chosen];
  if (t.task === 'regression') {
    return chosen === 'mse' || chosen === 'mae' ? null : { index: null, message: `${name} is for classes; this dataset is a regression. Choose mean squared or mean absolute error.` };
  }
  if (chosen === 'mse' || chosen === 'mae') {
    return { index: null, message: `${name} is a regression loss; this dataset has ${t.numClasses} classes. Choose a cross-entropy loss.` };
  }
  if (chosen === 'binary-crossentropy' && activation !== 'sigmoid') {
    return at(`Binary cross-entropy needs a sigmoid head with 1 unit; this head is ${activation}. Choose categorical cross-entropy, or make the head sigmoid.`);
  }
  if (chosen === 'categorical-crossentropy' && activation !== 'softmax') {
    return at(`Categorical cross-entropy needs a softmax head; a sigmoid head goes with binary cross-entropy.`);
  }
  return null;
}

/** Why this stack cannot train on data of this shape and task, or null when it can. */
export function stackProblem(layers: readonly LayerSpec[], loss: LossChoice, t: StackTarget): StackProblem | null {
  if (t.task === 'classification' && t.numClasses < 2) {
    return { index: null, message: `A classifier needs at least 2 classes; this dataset has ${t.numClasses}.` };
  }
  if (layers.length === 0) return { index: null, message: 'The model has no layers: add at least a Dense output layer.' };
  const { problem } = inferShapes(layers, [...t.shape]);
  if (problem) return problem;
  const last = layers.length - 1;
  return headProblem(layers[last], last, loss, t);
}

/** A dataset as modelProblem needs it. */
export type ModelTarget = PresetTarget & { name: string; classes: readonly string[] };

export const targetOf = (meta: ModelTarget): StackTarget => ({
  shape: meta.shape,
  task: meta.task,
  numClasses: meta.task === 'regression' ? 0 : meta.classes.length,
});

/**
 * The layers a config trains: its own list, or, when the list is empty (a preset
 * as chosen, an old link or record), the preset's layers sized for the dataset.
 */
export function modelLayers(config: Pick<ExperimentConfig, 'model' | 'layers'>, meta: ModelTarget): LayerSpec[] {
  if (config.layers.length > 0) return config.layers.map((l) => ({ ...l }));
  const t = targetOf(meta);
  return layerSpecs(config.model, [...meta.shape], t.numClasses, t.task);
}

export function modelProblem(config: Pick<ExperimentConfig, 'model' | 'layers' | 'loss'>, meta: ModelTarget): StackProblem | null {
  if (config.layers.length === 0) {
    const preset = presetProblem(config.model, meta);
    if (preset) return { index: null, message: preset };
  }
  const t = targetOf(meta);
  // Checked before the preset is expanded: layerSpecs refuses a classifier of fewer than 2 classes.
  const early = stackProblem([{ type: 'flatten' }], config.loss, t);
  if (early?.index === null) return early;
  return stackProblem(modelLayers(config, meta), config.loss, t);
}

/** The problem as one sentence naming the layer: "Layer 4 (Dense): …". */
export function describeProblem(p: StackProblem, layers: readonly LayerSpec[]): string {
  return p.index === null ? p.message : `Layer ${p.index + 1} (${LAYER_NAMES[layers[p.index].type]}): ${p.message}`;
}

export interface ModelSummary {
  layers: LayerSpec[];
  /** One per layer up to the first whose shape fails (see inferShapes). */
  rows: LayerRow[];
  problem: StackProblem | null;
  params: number;
  memory: MemoryEstimate | null;
}

/** What the editor shows: the layers trained, their shapes and weights, the first problem, and the memory a step needs. */
export function modelSummary(
  config: Pick<ExperimentConfig, 'model' | 'layers' | 'loss' | 'batchSize' | 'optimizer'>,
  meta: ModelTarget,
): ModelSummary {
  let layers: LayerSpec[];
  try {
    layers = modelLayers(config, meta);
  } catch {
    layers = [];
  }
  const { rows } = inferShapes(layers, [...meta.shape]);
  const problem = modelProblem(config, meta);
  return {
    layers,
    rows,
    problem,
    params: sumParams(rows),
    memory: problem ? null : estimateMemory(rows, [...meta.shape], config.batchSize, config.optimizer),
  };
}
