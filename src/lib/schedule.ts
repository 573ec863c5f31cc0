/**
 * Learning-rate schedules: what rate epoch e (0-based) of an E-epoch run trains
 * at, given the base rate and the epochs already logged. Pure, and a function of
 * the history alone, so a resumed run and the settings form's curve see the same
 * rates as the run itself. The run applies them at epoch boundaries through the
 * loop's afterEpoch hook: none of these needs a per-batch change.
 *
 * URL text: the kind, then `_`-separated parameters named by a prefix, in any
 * order; a missing one takes its default. URLSearchParams leaves `_` and `.`
 * unescaped, so the text reads as it is. Worked example, base rate 0.01, 30 epochs:
 *
 *   schedule=step_every10_x0.5   epochs 1–10 at 0.01, 11–20 at 0.005, 21–30 at 0.0025
 *   schedule=exp_x0.9            epoch e (from 0) at 0.01 × 0.9^e: 0.01, 0.009, 0.0081, …
 *   schedule=cosine_to0.01       half a cosine from 0.01 down towards 0.01 × 0.01 at the end
 *   schedule=plateau_x0.5_wait3  halved whenever 3 epochs pass without a lower validation loss
 *   schedule=constant            0.01 throughout
 */
import type { EpochLog } from './types';

export type Schedule =
  | { kind: 'constant' }
  /** × factor every `every` epochs. */
  | { kind: 'step'; every: number; factor: number }
  /** × factor each epoch. */
  | { kind: 'exponential'; factor: number }
  /** Half a cosine from the base rate down to base × floor over the run. */
  | { kind: 'cosine'; floor: number }
  /** × factor once `patience` epochs pass without a new lowest validation loss (training loss without validation). */
  | { kind: 'plateau'; factor: number; patience: number };

export type ScheduleKind = Schedule['kind'];

export const SCHEDULE_KINDS: readonly { kind: ScheduleKind; label: string; url: string }[] = [
  { kind: 'constant', label: 'Constant', url: 'constant' },
  { kind: 'step', label: 'Step decay', url: 'step' },
  { kind: 'exponential', label: 'Exponential', url: 'exp' },
  { kind: 'cosine', label: 'Cosine', url: 'cosine' },
  { kind: 'plateau', label: 'Reduce on plateau', url: 'plateau' },
];

/** Each parameter once: its URL prefix, default, range and label. */
export const SCHEDULE_PARAMS = {
  every: { prefix: 'every', default: 10, min: 1, max: 1000, integer: true, label: 'Every (epochs)' },
  factor: { prefix: 'x', default: 0.5, min: 0, max: 1, integer: false, label: 'Factor' },
  floor: { prefix: 'to', default: 0.01, min: 0, max: 1, integer: false, label: 'Down to (× rate)' },
  patience: { prefix: 'wait', default: 3, min: 1, max: 1000, integer: true, label: 'Wait (epochs)' },
} as const;
export type ScheduleParam = keyof typeof SCHEDULE_PARAMS;

/** The parameters each kind takes, in URL order. */
export const PARAMS_OF: Record<ScheduleKind, readonly ScheduleParam[]> = {
  constant: [],
  step: ['every', 'factor'],
  exponential: ['factor'],
  cosine: ['floor'],
  plateau: ['factor', 'patience'],
};

/** The default parameters of a kind, e.g. when the form switches kinds. */
export function scheduleOf(kind: ScheduleKind, params: Partial<Record<ScheduleParam, number>> = {}): Schedule {
  const out: Record<string, unknown> = { kind };
  for (const p of PARAMS_OF[kind]) out[p] = params[p] ?? (kind === 'exponential' && p === 'factor' ? 0.95 : SCHEDULE_PARAMS[p].default);
  return out as Schedule;
}

function paramProblem(p: ScheduleParam, v: unknown): string | undefined {
  const spec = SCHEDULE_PARAMS[p];
  if (typeof v !== 'number' || !Number.isFinite(v) || (spec.integer && !Number.isInteger(v))) return `${p} must be ${spec.integer ? 'a whole number' : 'a number'}`;
  // A factor of 0 or 1 would zero the rate or do nothing; a floor of 1 likewise.
  if (spec.integer ? v < spec.min || v > spec.max : v <= spec.min || v > spec.max || (p === 'factor' && v === 1)) {
    return spec.integer ? `${p} must be between ${spec.min} and ${spec.max}` : `${p} must be above ${spec.min} and ${p === 'floor' ? 'at most' : 'below'} ${spec.max}`;
  }
  return undefined;
}

/** Why a schedule cannot be used ("factor must be above 0 and below 1"), or undefined. */
export function scheduleProblem(s: Schedule): string | undefined {
  for (const p of PARAMS_OF[s.kind]) {
    const problem = paramProblem(p, (s as Record<string, unknown>)[p]);
    if (problem) return problem;
  }
  return undefined;
}

/** A stored (plain JSON) schedule, or undefined when it is not one. Missing parameters take their defaults. */
export function scheduleFromJson(raw: unknown): Schedule | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const kind = SCHEDULE_KINDS.find((k) => k.kind === r.kind)?.kind;
  if (!kind) return undefined;
  const params: Partial<Record<ScheduleParam, number>> = {};
  for (const p of PARAMS_OF[kind]) {
    if (r[p] === undefined) continue;
    if (typeof r[p] !== 'number') return undefined;
    params[p] = r[p];
  }
  return scheduleOf(kind, params);
}

/** "step_every10_x0.5" → { kind: 'step', every: 10, factor: 0.5 }; undefined when it does not parse. */
export function scheduleFromText(text: string): Schedule | undefined {
  const [head, ...parts] = text.trim().split('_');
  const kind = SCHEDULE_KINDS.find((k) => k.url === head || k.kind === head)?.kind;
  if (!kind) return undefined;
  const params: Partial<Record<ScheduleParam, number>> = {};
  for (const part of parts) {
    const p = PARAMS_OF[kind].find((name) => part.startsWith(SCHEDULE_PARAMS[name].prefix) && part.length > SCHEDULE_PARAMS[name].prefix.length);
    const value = p ? Number(part.slice(SCHEDULE_PARAMS[p].prefix.length)) : NaN;
    if (!p || !Number.isFinite(value) || params[p] !== undefined) return undefined;
    params[p] = value;
  }
  return scheduleOf(kind, params);
}

export function scheduleToText(s: Schedule): string {
  const head = SCHEDULE_KINDS.find((k) => k.kind === s.kind)!.url;
  return [head, ...PARAMS_OF[s.kind].map((p) => `${SCHEDULE_PARAMS[p].prefix}${(s as unknown as Record<string, number>)[p]}`)].join('_');
}

/** The quantity reduce-on-plateau and early stopping watch: validation loss, or training loss without validation. */
export const watchedLoss = (log: EpochLog): number => log.valLoss ?? log.loss;

/**
 * The learning rate of 0-based `epoch` in a run of `epochs`, after `history`
 * (the logs of the epochs before it; only reduce-on-plateau reads them).
 */
export function learningRateAt(s: Schedule, base: number, epoch: number, epochs: number, history: readonly EpochLog[] = []): number {
  switch (s.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * s.factor ** Math.floor(epoch / s.every);
    case 'exponential':
      return base * s.factor ** epoch;
    case 'cosine': {
      const t = epochs > 1 ? epoch / (epochs - 1) : 0;
      return base * (s.floor + ((1 - s.floor) * (1 + Math.cos(Math.PI * t))) / 2);
    }
    case 'plateau': {
      let rate = base;
      let best = Infinity;
      let waited = 0;
      for (const log of history.slice(0, epoch)) {
        const loss = watchedLoss(log);
        if (loss < best) {
          best = loss;
          waited = 0;
        } else if (++waited >= s.patience) {
          rate *= s.factor;
          waited = 0;
        }
      }
      return rate;
    }
  }
}

/** The rate of every epoch, for drawing; reduce-on-plateau is drawn from `history` if given, else flat. */
export function scheduleCurve(s: Schedule, base: number, epochs: number, history: readonly EpochLog[] = []): number[] {
  return Array.from({ length: epochs }, (_, e) => learningRateAt(s, base, e, epochs, history));
}
