/**
 * Reading and writing a table of fields (fields.ts kinds) in a query string, for
 * the parameters a link carries beside the experiment config: what a share link
 * says about its dataset, and an embed's options. Each value is parsed and
 * checked by its field, so a bad one costs only that value and is named.
 */
import type { Field, ValueOf } from '../fields';

export type FieldTable = Record<string, Field<unknown>>;
export type ValuesOf<T extends FieldTable> = { [K in keyof T]: ValueOf<T[K]> };

/** The table's values from a query string: defaults where absent, and one line per value that could not be used. */
export function readParams<T extends FieldTable>(table: T, params: URLSearchParams): { values: ValuesOf<T>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, field] of Object.entries(table) as [string, Field<unknown>][]) {
    values[key] = field.default;
    const text = params.get(key);
    if (text === null) continue;
    const value = field.parse(text);
    const reason = value === undefined ? undefined : field.check?.(value);
    if (value === undefined) problems.push(`${field.label}: "${text}" is not a valid value`);
    else if (reason) problems.push(`${field.label} ${reason}`);
    else values[key] = value;
  }
  return { values: values as ValuesOf<T>, problems };
}

/** Writes the values that differ from their defaults into `params`, in the table's order. */
export function writeParams<T extends FieldTable>(table: T, values: ValuesOf<T>, params: URLSearchParams): URLSearchParams {
  for (const [key, field] of Object.entries(table) as [string, Field<unknown>][]) {
    const value = values[key as keyof T];
    if (!field.equals(value, field.default)) params.set(key, field.toText(value));
  }
  return params;
}
