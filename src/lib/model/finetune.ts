/**
 * Fine-tuning as settings: which saved model a run starts from, which of its
 * layers stay as they are, and what share of each batch replays the data the
 * model first learned. Pure: the worker's side (weights, tfjs) is train/fineTune.ts.
 *
 * Layers are named by number, counted from 1 as the model panel and its messages
 * count them ("Layer 1 (Dense)"). In a URL the frozen layers are joined by "_":
 * `freeze=1_3` keeps layers 1 and 3 as the saved model has them.
 */
import { structuredField, type Field } from '../fields';
import { LAYER_NAMES, type LayerSpec } from './layers';

/** The most layers a freeze list may name; no stack here comes close. */
const MAX_FROZEN = 64;

function freezeFromJson(raw: unknown): number[] | undefined {
  if (!Array.isArray(raw) || raw.length > MAX_FROZEN) return undefined;
  if (!raw.every((n) => Number.isInteger(n) && n >= 1 && n <= 1000)) return undefined;
  return [...new Set(raw as number[])].sort((a, b) => a - b);
}

function freezeFromText(text: string): number[] | undefined {
  if (text === '' || text === 'none') return [];
  const parts = text.split('_');
  if (!parts.every((p) => /^[1-9][0-9]{0,3}$/.test(p))) return undefined;
  return freezeFromJson(parts.map(Number));
}

export const freezeField: Field<number[]> = structuredField<number[]>({
  label: 'Frozen layers',
  default: [],
  fromJson: freezeFromJson,
  fromText: freezeFromText,
  toText: (v) => (v.length ? v.join('_') : 'none'),
  help: 'Layers (counted from 1) whose weights fine-tuning leaves exactly as the saved model has them.',
});

/** Layers that hold weights: the only ones freezing means anything for. */
export function hasWeights(layer: LayerSpec): boolean {
  return layer.type === 'dense' || layer.type === 'conv2d' || layer.type === 'batchNorm';
}

/** Why a freeze list cannot apply to this stack ("Layer 2 (Flatten) has no weights to freeze"), or undefined. */
export function freezeProblem(freeze: readonly number[], layers: readonly LayerSpec[]): string | undefined {
  for (const n of freeze) {
    if (n > layers.length) return `Layer ${n} cannot be frozen: the model has ${layers.length} layers.`;
    if (!hasWeights(layers[n - 1])) return `Layer ${n} (${LAYER_NAMES[layers[n - 1].type]}) has no weights to freeze.`;
  }
  if (freeze.length > 0 && layers.every((l, i) => !hasWeights(l) || freeze.includes(i + 1))) {
    return 'Every layer with weights is frozen, so nothing would train. Leave at least one unfrozen.';
  }
  return undefined;
}

/**
 * The layers a fine-tune trains: the saved model's, with the output layer sized
 * for the new dataset's classes when their count differs (a new head, as in
 * transfer learning). Regression and one-unit sigmoid heads are kept as they are.
 */
export function withHeadFor(layers: readonly LayerSpec[], numClasses: number): LayerSpec[] {
  const out = layers.map((l) => ({ ...l }));
  const head = out[out.length - 1];
  if (head?.type === 'dense' && head.activation === 'softmax' && numClasses >= 2 && head.units !== numClasses) {
    out[out.length - 1] = { ...head, units: numClasses };
  }
  return out;
}
