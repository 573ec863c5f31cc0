/**
 * Share links: a URL that reproduces an experiment. It carries every setting
 * that the dataset's fitted defaults could otherwise replace (trainingDefaults),
 * so opening it trains exactly what its author trained, plus `share=1`, which
 * tells the app to load a built-in dataset by itself. For a dataset of the
 * author's own, which no link can carry, it says what is needed:
 *
 *   ?share=1&datasetId=flowers-3k2&…&dsName=Flowers&dsShape=64x64x3&dsClasses=daisy~rose~tulip
 */
import { BUILTIN_DATASETS } from '../data/builtin';
import { configToSearchParams, fieldOf, type ExperimentConfig } from '../config';
import { numberField, structuredField, textField } from '../fields';
import { DEFAULTS_KEYS } from '../trainingDefaults';
import { readParams, writeParams, type ValuesOf } from './params';
import type { DatasetMeta } from '../types';

export const SHARE_VERSION = 1;

type Shape = [number, number, number];

function shapeFromText(text: string): Shape | null | undefined {
  const parts = text.split('x').map(Number);
  return parts.length === 3 && parts.every((n) => Number.isInteger(n) && n >= 1 && n <= 100_000) ? (parts as Shape) : undefined;
}

/** Class names joined by "~" (kept as it is in a URL); inside a name, "%" is written "%25" and "~" "%7E". */
export function classesToText(classes: readonly string[]): string {
  return classes.map((c) => c.replaceAll('%', '%25').replaceAll('~', '%7E')).join('~');
}

export function classesFromText(text: string): string[] {
  if (text === '') return [];
  return text.split('~').map((c) => c.replace(/%(25|7E)/g, (m) => (m === '%25' ? '%' : '~')));
}

const stringList = (raw: unknown) => (Array.isArray(raw) && raw.every((c) => typeof c === 'string') ? (raw as string[]) : undefined);

export const SHARE_FIELDS = {
  /** The share link's version; 0 (absent) for an ordinary page address. */
  share: numberField({ label: 'Share link version', default: 0, integer: true, min: 0, max: SHARE_VERSION }),
  dsName: textField({ label: 'Dataset name', default: '', maxLength: 200 }),
  /** Per-sample shape as stored: "28x28x1" (height × width × channels), "1x1x4" for 4 tabular inputs. */
  dsShape: structuredField<Shape | null>({
    label: 'Dataset shape',
    default: null,
    fromJson: (raw) => (raw === null ? null : Array.isArray(raw) ? shapeFromText(raw.join('x')) : undefined),
    fromText: shapeFromText,
    toText: (v) => (v ? v.join('x') : ''),
  }),
  dsClasses: structuredField<string[]>({
    label: 'Dataset classes',
    default: [],
    fromJson: stringList,
    fromText: classesFromText,
    toText: classesToText,
    check: (v) => (v.length > 1000 ? 'must list at most 1000 classes' : undefined),
  }),
};

export type ShareInfo = ValuesOf<typeof SHARE_FIELDS>;

/** What a link's reader needs to train on a dataset of its author's own. */
export interface DatasetNeeds {
  name: string;
  shape: Shape | null;
  classes: string[];
}

export function isBuiltin(datasetId: string): boolean {
  return BUILTIN_DATASETS.some((b) => b.id === datasetId);
}

/**
 * The query string of a share link: the config (the dataset-fitted settings
 * written even when at the table's defaults), `share`, and for a dataset of the
 * author's own its name, shape and classes.
 */
export function shareParams(config: ExperimentConfig, dataset: Pick<DatasetMeta, 'id' | 'name' | 'shape' | 'classes'> | null): URLSearchParams {
  const params = configToSearchParams(config);
  for (const key of DEFAULTS_KEYS) params.set(key, fieldOf(key).toText(config[key] as never));
  params.set('datasetId', config.datasetId);
  const own = dataset && dataset.id === config.datasetId && !isBuiltin(dataset.id);
  const info: ShareInfo = {
    share: SHARE_VERSION,
    dsName: own ? dataset.name : '',
    dsShape: own ? [...dataset.shape] : null,
    dsClasses: own ? [...dataset.classes] : [],
  };
  return writeParams(SHARE_FIELDS, info, params);
}

/** What a query string says as a share link: whether it is one, and what its dataset needs (null for a built-in, or when not said). */
export function readShare(search: string): { share: boolean; needs: DatasetNeeds | null; problems: string[] } {
  const { values, problems } = readParams(SHARE_FIELDS, new URLSearchParams(search));
  const said = values.dsName !== '' || values.dsShape !== null || values.dsClasses.length > 0;
  return {
    share: values.share > 0,
    needs: said ? { name: values.dsName, shape: values.dsShape, classes: values.dsClasses } : null,
    problems,
  };
}

/** "Flowers, 64×64×3, 3 classes: daisy, rose, tulip" — the dataset a link needs, in words. */
export function describeNeeds(needs: DatasetNeeds, shown = 12): string {
  const parts: string[] = [];
  if (needs.name) parts.push(`“${needs.name}”`);
  if (needs.shape) parts.push(needs.shape[0] === 1 && needs.shape[1] === 1 ? `${needs.shape[2]} inputs per row` : `${needs.shape.join('×')} per sample`);
  if (needs.classes.length) {
    const names = needs.classes.slice(0, shown).join(', ');
    const more = needs.classes.length > shown ? `, … (${needs.classes.length - shown} more)` : '';
    parts.push(`${needs.classes.length} classes: ${names}${more}`);
  }
  return parts.join(', ');
}
