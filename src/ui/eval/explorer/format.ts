/** How the explorer words a sample's figures. */
import type { ShownSample } from '../../../state/explorer.svelte';
import type { DecodedCell } from '../../../lib/data/decode';

/** The `k` likeliest classes, likeliest first: "5 87.1% · 3 9.8% · 8 2.0%". */
export function topClasses(probs: number[], classes: string[], k = 3): { name: string; p: number }[] {
  return probs
    .map((p, i) => ({ name: classes[i] ?? String(i), p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, k);
}

/** A decoded value as a person reads it: four significant digits, or the category's name. */
export const cellText = (c: DecodedCell) => (typeof c.value === 'number' ? String(Number(c.value.toPrecision(4))) : c.value);

/** Feature columns shown in a row; a wide table's others are counted, not drawn. */
export const SHOWN_FEATURES = 10;

/** The features of the first sample, which every sample of a dataset shares. */
export const featureColumns = (samples: ShownSample[]) => (samples[0]?.features ?? []).slice(0, SHOWN_FEATURES).map((c) => c.column);
