/**
 * Runs side by side: one row per setting, the value each run used, and whether
 * they differ. Rows come from the config's field table, so a new field shows up
 * here with no edit; fields other code adds later (layers, a loss) are compared
 * as JSON.
 *
 *   settingsTable([a, b]) → [{ key: 'learningRate', label: 'Learning rate', values: ['0.001', '0.01'], differs: true }, …]
 */
import { FIELDS, type ConfigKey, type ExperimentConfig } from '../config';

export interface SettingRow {
  key: string;
  label: string;
  values: string[];
  differs: boolean;
}

function text(key: string, value: unknown): string {
  const field = (FIELDS as Record<string, { toText?: (v: never) => string } | undefined>)[key];
  if (value === undefined) return '—';
  if (field?.toText) return field.toText(value as never);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function settingsTable(configs: readonly ExperimentConfig[]): SettingRow[] {
  const keys: string[] = [];
  for (const c of configs) for (const k of Object.keys(c)) if (!keys.includes(k)) keys.push(k);
  return keys.map((key) => {
    const values = configs.map((c) => text(key, (c as Record<string, unknown>)[key]));
    const label = (FIELDS as Record<string, { label: string } | undefined>)[key as ConfigKey]?.label ?? key;
    return { key, label, values, differs: values.some((v) => v !== values[0]) };
  });
}
