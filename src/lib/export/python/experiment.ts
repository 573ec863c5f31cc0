/**
 * What both Python scripts share: the experiment as constants, written as
 * Python literals, and Hearth's learning-rate schedules in Python
 * (schedule.ts's learningRateAt, line for line).
 */
import type { ExperimentConfig } from '../../config';
import type { Augment } from '../../augment/spec';
import type { LossId } from '../../model/loss';
import type { Task } from '../../types';
import type { PlannedLayer } from './plan';

export interface PythonExperiment {
  /** The model's or the experiment's name, for the scripts' headers. */
  title: string;
  datasetName: string;
  kind: 'image' | 'tabular';
  task: Task;
  inputShape: [number, number, number];
  classNames: string[];
  plan: PlannedLayer[];
  loss: LossId;
  config: ExperimentConfig;
  /** Images only; null when off. */
  augment: Augment | null;
  /** Regression: how the targets are standardised for training. */
  targetScale: { mean: number; std: number } | null;
}

/** A JSON value as a Python literal: JSON's numbers and strings are valid Python; true, false and null are not. */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${value} has no Python literal here.`);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 1 ? `(${py(value[0])},)` : `(${value.map(py).join(', ')})`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`)
    .join(', ')}}`;
}

/** The experiment's settings as Python constants, the same block at the top of both scripts. */
export function constants(e: PythonExperiment): string {
  const c = e.config;
  const lines = [
    `INPUT_SHAPE = ${py(e.inputShape)}  # height, width, channels of one sample (channels last, as Hearth stores it)`,
    `TASK = ${py(e.task)}`,
    `NUM_CLASSES = ${e.task === 'regression' ? 0 : e.classNames.length}`,
    `LOSS = ${py(e.loss)}`,
    `OPTIMIZER = ${py(c.optimizer)}`,
    `LEARNING_RATE = ${py(c.learningRate)}`,
    `MOMENTUM = ${py(c.momentum)}  # SGD and RMSprop`,
    `NESTEROV = ${py(c.nesterov)}  # SGD`,
    `BETA1, BETA2 = ${py(c.beta1)}, ${py(c.beta2)}  # Adam`,
    `RHO = ${py(c.rho)}  # RMSprop`,
    `EPSILON = ${py(c.epsilon)}  # Adam and RMSprop`,
    `SCHEDULE = ${py(c.schedule)}  # learning rate per epoch, see learning_rate_at`,
    `WEIGHT_DECAY = ${py(c.weightDecay)}  # decoupled (AdamW's): kernels shrink by lr × this after each step; 0 = off`,
    `PATIENCE = ${py(c.patience)}  # early stopping on the validation loss, best weights kept; 0 = off`,
    `BATCH_SIZE = ${py(c.batchSize)}  # in all, across every process`,
    `EPOCHS = ${py(c.epochs)}`,
    `SEED = ${py(c.seed)}`,
    `AUGMENT = ${py(e.augment)}  # random changes to training images; None = off`,
    `TARGET_MEAN, TARGET_STD = ${e.targetScale ? `${py(e.targetScale.mean)}, ${py(e.targetScale.std)}` : '0.0, 1.0'}  # regression targets are learnt as (y - mean) / std`,
  ];
  return lines.join('\n');
}

export const SCHEDULE_PY = `def learning_rate_at(epoch, watched):
    """The learning rate of 0-based epoch \`epoch\`, given the watched losses of the epochs before it."""
    kind = SCHEDULE["kind"]
    if kind == "step":
        return LEARNING_RATE * SCHEDULE["factor"] ** (epoch // SCHEDULE["every"])
    if kind == "exponential":
        return LEARNING_RATE * SCHEDULE["factor"] ** epoch
    if kind == "cosine":
        t = epoch / (EPOCHS - 1) if EPOCHS > 1 else 0.0
        return LEARNING_RATE * (SCHEDULE["floor"] + (1 - SCHEDULE["floor"]) * (1 + math.cos(math.pi * t)) / 2)
    if kind == "plateau":
        rate, best, waited = LEARNING_RATE, math.inf, 0
        for loss in watched[:epoch]:
            if loss < best:
                best, waited = loss, 0
            else:
                waited += 1
                if waited >= SCHEDULE["patience"]:
                    rate, waited = rate * SCHEDULE["factor"], 0
        return rate
    return LEARNING_RATE
`;

/**
 * augment/matrix.ts's transformMatrix in Python, for both scripts' augment():
 * from the draws (angle, shear, scale, flip, tx, ty) and cos, sin, k = tan(shear),
 * the inverse map a0, a1, b0, b1 and the centre-and-shift terms.
 */
export const MATRIX_PY = `    p, q = flip * cos * scale, flip * (cos * k + sin) * scale
    r, s = -sin * scale, (-sin * k + cos) * scale
    det = p * s - q * r
    a0, a1, b0, b1 = s / det, -q / det, -r / det, p / det
    cx, cy = (w - 1) / 2, (h - 1) / 2
    ux, uy = cx + tx, cy + ty
`;

/** The header both scripts start with. */
export function docHeader(e: PythonExperiment, framework: string, usage: string): string {
  return `#!/usr/bin/env python3
"""${e.title.replace(/"""/g, "'''")}: the Hearth experiment in ${framework} (dataset: ${e.datasetName.replace(/"""/g, "'''")}).

The same model, optimizer, learning-rate schedule, early stopping, augmentation,
loss, seed, batch size and epochs as in Hearth, on the splits in data.npz.

${usage}
"""`;
}
