/**
 * The messages between an embedded Hearth and the page that shows it, version 1.
 * Events go to the host page (window.parent, to its origin only); commands come
 * from it. Both are plain objects with a `source`, a `version` and a `type`; the
 * README lists them. A host should check `source` and `version` first:
 *
 *   { source: 'hearth', version: 1, embed: 'q1', type: 'epoch', runId: 'run-…',
 *     epoch: 3, epochs: 10, loss: 0.21, accuracy: 0.93, valLoss: 0.25, valAccuracy: 0.91 }
 *   { source: 'hearth-host', version: 1, type: 'set', field: 'epochs', value: 20 }
 *
 * A later version adds fields or types; a change that breaks a reader gets a new version.
 */
import { parseField, type ConfigKey, type ExperimentConfig } from '../config';

export const EVENT_SOURCE = 'hearth';
export const COMMAND_SOURCE = 'hearth-host';
export const EMBED_PROTOCOL_VERSION = 1;

export type RunOutcome = 'finished' | 'stopped' | 'diverged' | 'failed' | 'not-saved';

export type EmbedEventBody =
  /** The embed's dataset is stored and it can train; `unlocked`: the fields a 'set' command may change. */
  | { type: 'ready'; datasetId: string; unlocked: string[] }
  | { type: 'run-started'; runId: string; datasetId: string; epochs: number; config: ExperimentConfig }
  /** accuracy: training accuracy (for regression, the mean absolute error); val*: null without validation. */
  | { type: 'epoch'; runId: string; epoch: number; epochs: number; loss: number; accuracy: number; valLoss: number | null; valAccuracy: number | null }
  /** testAccuracy: on the test split, 0–1; null for regression, or when the evaluation did not run. */
  | { type: 'run-finished'; runId: string; outcome: RunOutcome; epochs: number; testAccuracy: number | null }
  /** A command from the host that could not be obeyed, and why. */
  | { type: 'refused'; command: string; reason: string }
  /** The embed's content height in CSS pixels, so the host can size the iframe and nothing scrolls inside it. */
  | { type: 'size'; height: number };

export type EmbedEvent = { source: typeof EVENT_SOURCE; version: typeof EMBED_PROTOCOL_VERSION; embed: string } & EmbedEventBody;
export type EmbedEventType = EmbedEventBody['type'];

export type EmbedCommand = { type: 'start' } | { type: 'stop' } | { type: 'set'; field: ConfigKey; value: unknown };

export function embedEvent(embed: string, body: EmbedEventBody): EmbedEvent {
  return { source: EVENT_SOURCE, version: EMBED_PROTOCOL_VERSION, embed, ...body };
}

type Kind = 'string' | 'number' | 'number|null' | 'string[]' | 'object' | 'outcome';
const OUTCOMES: readonly string[] = ['finished', 'stopped', 'diverged', 'failed', 'not-saved'] satisfies RunOutcome[];

/** Every event type's fields beyond source, version, embed and type: the schema the README documents. */
export const EVENT_SCHEMA: Record<EmbedEventType, Record<string, Kind>> = {
  ready: { datasetId: 'string', unlocked: 'string[]' },
  'run-started': { runId: 'string', datasetId: 'string', epochs: 'number', config: 'object' },
  epoch: { runId: 'string', epoch: 'number', epochs: 'number', loss: 'number', accuracy: 'number', valLoss: 'number|null', valAccuracy: 'number|null' },
  'run-finished': { runId: 'string', outcome: 'outcome', epochs: 'number', testAccuracy: 'number|null' },
  refused: { command: 'string', reason: 'string' },
  size: { height: 'number' },
};

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'number|null':
      return v === null || (typeof v === 'number' && Number.isFinite(v));
    case 'string[]':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'outcome':
      return OUTCOMES.includes(v as string);
  }
}

/** Why `raw` is not a version-1 event, or null when it is one: what a host (or a test) checks a message with. */
export function eventProblem(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object') return 'not an object';
  const ev = raw as Record<string, unknown>;
  if (ev.source !== EVENT_SOURCE) return `source is not "${EVENT_SOURCE}"`;
  if (ev.version !== EMBED_PROTOCOL_VERSION) return `version ${String(ev.version)} is not ${EMBED_PROTOCOL_VERSION}`;
  if (typeof ev.embed !== 'string') return 'embed is not a string';
  const schema = typeof ev.type === 'string' && Object.hasOwn(EVENT_SCHEMA, ev.type) ? EVENT_SCHEMA[ev.type as EmbedEventType] : null;
  if (!schema) return `unknown type "${String(ev.type)}"`;
  for (const [field, kind] of Object.entries(schema)) if (!fits(kind, ev[field])) return `${String(ev.type)}: ${field} is not ${kind}`;
  const extra = Object.keys(ev).filter((k) => !['source', 'version', 'embed', 'type'].includes(k) && !(k in schema));
  return extra.length ? `${String(ev.type)}: unexpected ${extra.join(', ')}` : null;
}

/**
 * A host's message as a command. null: not a command at all (another script's
 * message), ignored without a word; a problem: a command this embed refuses,
 * answered with a 'refused' event.
 */
export function parseCommand(raw: unknown, editable: readonly ConfigKey[]): { command: EmbedCommand } | { problem: string } | null {
  if (raw === null || typeof raw !== 'object' || (raw as { source?: unknown }).source !== COMMAND_SOURCE) return null;
  const msg = raw as Record<string, unknown>;
  if (msg.version !== EMBED_PROTOCOL_VERSION) {
    return { problem: `version ${String(msg.version)} is not understood; this embed speaks version ${EMBED_PROTOCOL_VERSION}` };
  }
  if (msg.type === 'start' || msg.type === 'stop') return { command: { type: msg.type } };
  if (msg.type !== 'set') return { problem: `unknown command "${String(msg.type)}" (start, stop or set)` };
  const field = msg.field as ConfigKey;
  if (typeof field !== 'string' || !editable.includes(field)) {
    return { problem: `${String(field)} is locked in this embed${editable.length ? ` (unlocked: ${editable.join(', ')})` : ''}` };
  }
  const parsed = parseField(field, msg.value);
  return 'problem' in parsed ? { problem: parsed.problem } : { command: { type: 'set', field, value: parsed.value } };
}
