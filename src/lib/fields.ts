/**
 * Kinds of experiment field. Each field of the config is one entry built from one
 * of these: its label, default, how untrusted input becomes a value, what range
 * it must be in, its compact URL text, and how the settings form edits it. The
 * restore gate, the URL, the form and its drafts all read that one entry, so a
 * new field is one edit (TensorFlow Playground's state table, extended to values
 * with structure: a layer list, a schedule, an augmentation setting).
 */

/** How the settings form edits a field; absent for fields edited elsewhere (the dataset, the layer list). */
export type FormInput =
  /** A text box holding a draft, so a half-typed "0." is not overwritten. */
  | { kind: 'number'; integer: boolean; hint?: string }
  | { kind: 'choice'; options: readonly { value: string; label: string }[] }
  | { kind: 'toggle' }
  /** A learning-rate schedule: its kind, its parameters and a curve. */
  | { kind: 'schedule' };

/** The config as a field's `shownIf` sees it: the fields it depends on, read loosely (fields.ts knows no config type). */
export type ConfigView = Readonly<Record<string, unknown>>;

export interface Field<T> {
  label: string;
  default: T;
  /** Untrusted input (a stored record, a worker message, text from a URL or a form) to a value, or undefined. */
  parse(raw: unknown): T | undefined;
  /** Why a parsed value cannot be used ("must be between 1 and 4096"), or undefined. */
  check?(value: T): string | undefined;
  /** The compact, readable form of the value in a URL; parse(toText(v)) gives v back. */
  toText(value: T): string;
  equals(a: T, b: T): boolean;
  input?: FormInput;
  /** One line under the form control. */
  help?: string;
  /** False when the field does not apply to this config (Adam's betas under SGD): the form leaves it out. */
  shownIf?: (config: ConfigView) => boolean;
}

const sameJson = <T>(a: T, b: T) => a === b || JSON.stringify(a) === JSON.stringify(b);

export function toNumber(raw: unknown): number | undefined {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function numberField(o: {
  label: string;
  default: number;
  integer?: boolean;
  min: number;
  max: number;
  /** The minimum itself is not allowed ("must be above 0"). */
  aboveMin?: boolean;
  hint?: string;
  help?: string;
  shownIf?: (config: ConfigView) => boolean;
}): Field<number> {
  const integer = o.integer ?? false;
  return {
    label: o.label,
    default: o.default,
    parse: (raw) => {
      const n = toNumber(raw);
      return n !== undefined && (!integer || Number.isInteger(n)) ? n : undefined;
    },
    check: (v) => {
      if (o.aboveMin ? v <= o.min || v > o.max : v < o.min || v > o.max) {
        return o.aboveMin ? `must be above ${o.min} and at most ${o.max}` : `must be between ${o.min} and ${o.max}`;
      }
      return undefined;
    },
    toText: (v) => String(v),
    equals: (a, b) => a === b,
    input: { kind: 'number', integer, hint: o.hint },
    help: o.help,
    shownIf: o.shownIf,
  };
}

export function choiceField<T extends string>(o: {
  label: string;
  default: T;
  options: readonly (readonly [T, string])[];
  help?: string;
  /** False for a choice made elsewhere on the page (the model preset), not in the settings form. */
  inForm?: boolean;
}): Field<T> {
  const values = o.options.map(([v]) => v);
  return {
    label: o.label,
    default: o.default,
    parse: (raw) => (values.includes(raw as T) ? (raw as T) : undefined),
    toText: (v) => v,
    equals: (a, b) => a === b,
    input: o.inForm === false ? undefined : { kind: 'choice', options: o.options.map(([value, label]) => ({ value, label })) },
    help: o.help,
  };
}

export function toggleField(o: { label: string; default: boolean; help?: string; shownIf?: (config: ConfigView) => boolean }): Field<boolean> {
  return {
    label: o.label,
    default: o.default,
    parse: (raw) => (raw === true || raw === 'true' || raw === '1' ? true : raw === false || raw === 'false' || raw === '0' ? false : undefined),
    toText: (v) => (v ? '1' : '0'),
    equals: (a, b) => a === b,
    input: { kind: 'toggle' },
    help: o.help,
    shownIf: o.shownIf,
  };
}

/** A text field the form does not show (the dataset id is chosen in the library). */
export function idField(o: { label: string; default: string; pattern: RegExp }): Field<string> {
  return {
    label: o.label,
    default: o.default,
    parse: (raw) => (typeof raw === 'string' && o.pattern.test(raw) ? raw : undefined),
    toText: (v) => v,
    equals: (a, b) => a === b,
  };
}

/**
 * A value with structure. `parse` takes both the stored form (plain JSON) and the
 * URL text `toText` writes, so one function restores it from anywhere.
 */
export function structuredField<T>(o: {
  label: string;
  default: T;
  fromJson: (raw: unknown) => T | undefined;
  fromText: (text: string) => T | undefined;
  toText: (value: T) => string;
  check?: (value: T) => string | undefined;
  help?: string;
  /** How the settings form edits it; absent when it is edited elsewhere. */
  input?: FormInput;
}): Field<T> {
  return {
    label: o.label,
    default: o.default,
    parse: (raw) => (typeof raw === 'string' ? o.fromText(raw) : o.fromJson(raw)),
    check: o.check,
    toText: o.toText,
    equals: sameJson,
    input: o.input,
    help: o.help,
  };
}

export type ValueOf<F> = F extends Field<infer T> ? T : never;

/** Free text a person wrote (a title, a few lines of instructions), trimmed, up to `maxLength` characters. */
export function textField(o: { label: string; default: string; maxLength: number }): Field<string> {
  return {
    label: o.label,
    default: o.default,
    parse: (raw) => (typeof raw === 'string' ? raw.trim() : undefined),
    check: (v) => (v.length > o.maxLength ? `must be at most ${o.maxLength} characters` : undefined),
    toText: (v) => v,
    equals: (a, b) => a === b,
  };
}
