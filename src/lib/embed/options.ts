/**
 * An embed's options: plain data chosen by the author in "Share / Embed" and
 * carried, compactly, in the embed's URL beside the share link's config. Each
 * is a field of the same kinds as the config's (fields.ts), read by one table:
 *
 *   ?share=1&datasetId=circles&…&embed=q1&panels=run_eval&unlock=learningRate_epochs
 *    &title=Circles&note=Reach%2095%25&origin=https%3A%2F%2Fcourse.example.org
 *
 * `embed` (its id) turns the page into an embed; it also names the embed's own
 * database, so several embeds on one page never share their storage. Every
 * config field not in `unlock` keeps the link's value.
 */
import { CONFIG_KEYS, fieldOf, type ConfigKey } from '../config';
import { idField, structuredField, textField } from '../fields';
import { readParams, writeParams, type ValuesOf } from '../share/params';
import { shareParams } from '../share/link';
import type { ExperimentConfig } from '../config';
import type { DatasetMeta } from '../types';

/** The panels an author may show, in the order they appear. */
export const EMBED_PANELS = [
  ['run', 'Training (Train, Stop, live curves)'],
  ['eval', 'Evaluation (test accuracy, confusion matrix)'],
  ['tryit', 'Try it (draw or type a sample)'],
  ['models', 'Saved models'],
  ['runs', 'Runs'],
] as const;
export type EmbedPanel = (typeof EMBED_PANELS)[number][0];
const PANEL_IDS: readonly string[] = EMBED_PANELS.map(([id]) => id);

/** Fields a student may be given: those of the settings form, augmentation, and `layers` (the model designer, with its preset and loss). */
export const UNLOCKABLE: readonly ConfigKey[] = CONFIG_KEYS.filter((key) => key === 'layers' || key === 'augment' || fieldOf(key).input !== undefined);

/** The config fields an unlocked list lets the student (or the host page) change. */
export function editableFields(unlocked: readonly ConfigKey[]): ConfigKey[] {
  return unlocked.flatMap((key) => (key === 'layers' ? (['model', 'layers', 'loss'] as ConfigKey[]) : [key]));
}

/** "https://course.example.org" or "http://localhost:8080": a scheme, a host and maybe a port, nothing else. */
export function originFromText(text: string): string | undefined {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text ? text : undefined;
  } catch {
    return undefined;
  }
}

function listField<T extends string>(o: { label: string; default: T[]; allowed: readonly string[]; what: string }) {
  const fromList = (parts: unknown[]) => (parts.every((p) => typeof p === 'string' && p !== '') ? [...new Set(parts as string[])] as T[] : undefined);
  return structuredField<T[]>({
    label: o.label,
    default: o.default,
    fromJson: (raw) => (Array.isArray(raw) ? fromList(raw) : undefined),
    fromText: (text) => (text === '' ? [] : fromList(text.split('_'))),
    toText: (v) => v.join('_'),
    check: (v) => {
      const unknown = v.filter((p) => !o.allowed.includes(p));
      return unknown.length ? `cannot include ${unknown.map((p) => `“${p}”`).join(', ')} (${o.what}: ${o.allowed.join(', ')})` : undefined;
    },
  });
}

export const EMBED_FIELDS = {
  /** Letters, digits and dashes: it is part of the embed's database name. */
  embed: idField({ label: 'Embed id', default: '', pattern: /^[a-z0-9][a-z0-9-]{0,39}$/i }),
  panels: listField<EmbedPanel>({ label: 'Panels', default: ['run', 'eval'], allowed: PANEL_IDS, what: 'one of' }),
  unlock: listField<ConfigKey>({ label: 'Unlocked fields', default: [], allowed: UNLOCKABLE, what: 'fields that can be unlocked' }),
  title: textField({ label: 'Title', default: '', maxLength: 120 }),
  /** The author's instructions, a few lines shown under the title. */
  note: textField({ label: 'Instructions', default: '', maxLength: 600 }),
  /** The origin of the page allowed to embed it: the one that gets its events and whose commands it takes. */
  origin: structuredField<string | null>({
    label: 'Host origin',
    default: null,
    fromJson: (raw) => (raw === null ? null : typeof raw === 'string' ? originFromText(raw) : undefined),
    fromText: originFromText,
    toText: (v) => v ?? '',
  }),
};

export type EmbedOptions = ValuesOf<typeof EMBED_FIELDS>;

/** An embed's options from its URL, with a line per value that could not be used; null for a page that is no embed. */
export function readEmbed(search: string): { options: EmbedOptions; problems: string[] } | null {
  const params = new URLSearchParams(search);
  if (!params.has('embed')) return null;
  const { values, problems } = readParams(EMBED_FIELDS, params);
  // Without a usable id the embed still works, on storage of its own kept apart from the app's.
  return { options: { ...values, embed: values.embed || 'embed' }, problems };
}

/** The database an embed keeps its data in: its own, apart from the app's and from other embeds'. */
export function embedDbName(id: string): string {
  return `hearth-embed-${id}`;
}

/** The embed's URL: the share link's query (the whole experiment) with the embed's options. */
export function embedUrl(appUrl: string, config: ExperimentConfig, dataset: Pick<DatasetMeta, 'id' | 'name' | 'shape' | 'classes'> | null, options: EmbedOptions): string {
  const params = writeParams(EMBED_FIELDS, options, shareParams(config, dataset));
  // The id is written even when empty-looking options leave it at its default: it is what makes the page an embed.
  params.set('embed', options.embed);
  return `${appUrl}?${params}`;
}

const escapeAttr = (s: string) => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

/** The `<iframe>` a course page pastes: full width up to 800 px, a height the host may change as the embed reports its size. */
export function embedSnippet(src: string, title: string, height = 720): string {
  return `<iframe src="${escapeAttr(src)}" title="${escapeAttr(title || 'Hearth experiment')}" width="100%" height="${height}" style="max-width: 800px; border: 0" loading="lazy"></iframe>`;
}

/** A fresh embed id: short, random, letters and digits. */
export function newEmbedId(random: () => number = Math.random): string {
  return Array.from({ length: 8 }, () => 'abcdefghijkmnpqrstuvwxyz23456789'[Math.floor(random() * 32)]).join('');
}
