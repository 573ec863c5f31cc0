/**
 * The sidecar file an exported model carries, hearth-preprocessing.json: what
 * turns a raw input into the tensor the model was trained on, and its output
 * back into classes or the target's units. Import reads it back, so a model
 * taken out of Hearth and brought in again scales its inputs as in training.
 * The format is documented in README.md ("Exporting and importing models").
 */
import type { ExperimentConfig } from '../config';
import { restoreConfig } from '../config';
import type { DatasetMeta, Evaluation, SavedModelMeta, Task } from '../types';
import { restoreTabular } from '../storage/restoreDataset';
import { BadRecord, asObject, classNames, displayString, sampleShape } from '../storage/restore';
import { restoreEvaluation } from '../storage/restoreModel';
import { EXPORT_SCHEMES, type ExportScheme } from './quantize';

export const PREPROCESSING_FILE = 'hearth-preprocessing.json';
export const PREPROCESSING_FORMAT = 'hearth-preprocessing';
export const PREPROCESSING_VERSION = 1;

/** Image models: a picture is resized to width × height, read in `colour`, and each 0–255 value v fed as v × scale + offset. */
export interface ImagePreprocessing {
  height: number;
  width: number;
  channels: number;
  colour: 'greyscale' | 'rgb' | 'channels';
  scale: number;
  offset: number;
}

export interface HearthPreprocessing {
  format: typeof PREPROCESSING_FORMAT;
  version: typeof PREPROCESSING_VERSION;
  task: Task;
  /** Class names in the order of the model's outputs; empty for regression. */
  classes: string[];
  /** One sample's shape, batch dimension left out; inputs are NHWC, tables [1, 1, features]. */
  inputShape: [number, number, number];
  image: ImagePreprocessing | null;
  /**
   * Tables: the feature columns in input order, each standardised ((v − mean) / std) or
   * one-hot encoded over its categories (fill: the value a missing cell takes), the names
   * of the encoded inputs, and for regression the target's scaling: the model outputs
   * (y − mean) / std.
   */
  table: NonNullable<DatasetMeta['tabular']> | null;
  /** The dataset it was trained on, and the settings and scores of the model, for people and for import. */
  dataset: { id: string; name: string };
  model: { name: string; weights: ExportScheme; config: ExperimentConfig; evaluation: Evaluation | null };
}

/** Pixels are stored as 0–255 and trained on as 0–1 (see DatasetMeta.dtype). */
const PIXEL_SCALE = 1 / 255;

export function buildPreprocessing(meta: Pick<SavedModelMeta, 'name' | 'classes' | 'inputShape' | 'tabular' | 'datasetId' | 'datasetName' | 'config' | 'evaluation'>, weights: ExportScheme): HearthPreprocessing {
  const [height, width, channels] = meta.inputShape;
  const image: ImagePreprocessing | null = meta.tabular
    ? null
    : { height, width, channels, colour: channels === 1 ? 'greyscale' : channels === 3 ? 'rgb' : 'channels', scale: PIXEL_SCALE, offset: 0 };
  return {
    format: PREPROCESSING_FORMAT,
    version: PREPROCESSING_VERSION,
    task: meta.classes.length === 0 ? 'regression' : 'classification',
    classes: meta.classes,
    inputShape: meta.inputShape,
    image,
    table: meta.tabular ?? null,
    dataset: { id: meta.datasetId, name: meta.datasetName },
    model: { name: meta.name, weights, config: meta.config, evaluation: meta.evaluation },
  };
}

/**
 * The sidecar as read from a file, or BadRecord naming what is wrong with it.
 * Its settings and scores are optional: a sidecar written by hand needs only
 * the task, classes, input shape and the image or table part.
 */
export function restorePreprocessing(raw: unknown): HearthPreprocessing {
  const r = asObject(raw, 'the preprocessing file');
  if (r.format !== PREPROCESSING_FORMAT) throw new BadRecord(`it is not a Hearth preprocessing file (its "format" is not "${PREPROCESSING_FORMAT}")`);
  if (r.version !== PREPROCESSING_VERSION) throw new BadRecord(`it is version ${String(r.version)}; this Hearth reads version ${PREPROCESSING_VERSION}`);
  const task: Task = r.task === 'regression' ? 'regression' : 'classification';
  const classes = task === 'regression' ? [] : classNames(r.classes, 'classification');
  const inputShape = sampleShape(r.inputShape, 'input shape');
  const table = r.table === null || r.table === undefined ? null : restoreTabular(r.table, inputShape[2]);
  let image: ImagePreprocessing | null = null;
  if (!table) {
    const i = asObject(r.image, 'its image description');
    const same = i.height === inputShape[0] && i.width === inputShape[1] && i.channels === inputShape[2];
    if (!same) throw new BadRecord('its image size does not match its input shape');
    if (typeof i.scale !== 'number' || !Number.isFinite(i.scale) || typeof i.offset !== 'number' || !Number.isFinite(i.offset)) {
      throw new BadRecord('its pixel scaling is not two numbers');
    }
    image = { height: inputShape[0], width: inputShape[1], channels: inputShape[2], colour: i.colour === 'rgb' || i.colour === 'greyscale' ? i.colour : 'channels', scale: i.scale, offset: i.offset };
  }
  const d = typeof r.dataset === 'object' && r.dataset !== null ? (r.dataset as Record<string, unknown>) : {};
  const m = typeof r.model === 'object' && r.model !== null ? (r.model as Record<string, unknown>) : {};
  let config: ExperimentConfig;
  try {
    config = restoreConfig(m.config ?? {});
  } catch {
    config = restoreConfig({});
  }
  return {
    format: PREPROCESSING_FORMAT,
    version: PREPROCESSING_VERSION,
    task,
    classes,
    inputShape,
    image,
    table,
    dataset: { id: displayString(d.id, ''), name: displayString(d.name, '') },
    model: {
      name: displayString(m.name, ''),
      weights: EXPORT_SCHEMES.includes(m.weights as ExportScheme) ? (m.weights as ExportScheme) : 'float32',
      config,
      evaluation: restoreEvaluation(m.evaluation, classes.length),
    },
  };
}
