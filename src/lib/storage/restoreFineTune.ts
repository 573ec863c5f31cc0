/**
 * The restore gate for a fine-tune's report, kept on its run record and its
 * saved model. It is a record to read, not to act on: a report that does not
 * read as one is dropped, and the run or model is listed without it.
 */
import type { FineTuneReport, FineTuneScore, FineTuneScores } from '../types';
import { displayString, isFiniteNumber, type Raw } from './restore';

const object = (raw: unknown): Raw | null => (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Raw) : null);

function score(raw: unknown): FineTuneScore | null {
  const s = object(raw);
  if (!s || (s.metric !== 'accuracy' && s.metric !== 'mae') || !isFiniteNumber(s.value) || !Number.isInteger(s.samples) || (s.samples as number) < 0) return null;
  return { metric: s.metric, value: s.value, samples: s.samples as number };
}

function scores(raw: unknown): FineTuneScores | null {
  const s = object(raw);
  return s ? { original: score(s.original), fresh: score(s.fresh) } : null;
}

const label = (raw: unknown) => (typeof raw === 'string' && raw ? displayString(raw, '') : null);

export function restoreFineTune(raw: unknown): FineTuneReport | undefined {
  const r = object(raw);
  const before = scores(r?.before);
  if (!r || typeof r.parentId !== 'string' || !r.parentId || !before) return undefined;
  return {
    parentId: r.parentId.slice(0, 200),
    parentName: displayString(r.parentName, r.parentId),
    originalLabel: label(r.originalLabel),
    freshLabel: label(r.freshLabel),
    newHead: r.newHead === true,
    before,
    after: scores(r.after),
  };
}
