/**
 * The choices for one CSV import, made against the worker's preview: label,
 * features, type overrides, task and what to do about missing values. The
 * label is never a feature; changing it re-infers the task.
 */
import type { CsvImportOptions, CsvPreview } from '../lib/import/protocol';
import { inferTask, type ColumnInfo, type ColumnType, type TaskKind } from '../lib/import/columns';

/** More classes than this from a numeric label is usually a quantity picked as a class by mistake. */
const MANY_CLASSES = 50;

export class CsvDraft {
  readonly preview: CsvPreview;
  label = $state('');
  features = $state<string[]>([]);
  /** Only the columns whose type was changed by hand. */
  types = $state<Record<string, ColumnType>>({});
  task = $state<TaskKind>('classification');
  missing = $state<'drop' | 'fill'>('fill');

  labelColumn = $derived<ColumnInfo | undefined>(this.columnNamed(this.label));
  canRegress = $derived(this.labelColumn?.type === 'numeric');
  /** Missing cells in the chosen feature columns, per column, for the note next to the choice. */
  featureMissing = $derived(
    this.columns().filter((c) => this.features.includes(c.name) && c.missing > 0).map((c) => ({ name: c.name, missing: c.missing })),
  );
  /** Rows that lack a feature value: at least the worst column's count, at most the sum. */
  affectedRows = $derived.by(() => {
    const counts = this.featureMissing.map((c) => c.missing);
    return { min: Math.max(0, ...counts), max: Math.min(this.rowCount(), counts.reduce((a, b) => a + b, 0)) };
  });
  warning = $derived.by(() => {
    const col = this.labelColumn;
    if (!col) return null;
    if (this.task === 'classification' && col.distinct > MANY_CLASSES) {
      return `"${col.name}" has ${col.distinct} different values, so classification would have ${col.distinct} classes. Regression may fit better.`;
    }
    if (this.task === 'classification' && col.distinct < 2) return `"${col.name}" has only one value; a classifier needs at least two classes.`;
    if (this.features.length === 0) return 'Choose at least one feature column.';
    return null;
  });

  constructor(preview: CsvPreview) {
    this.preview = preview;
    this.setLabel(preview.suggestedLabel);
    this.task = preview.suggestedTask;
  }

  setLabel(label: string): void {
    const previous = this.label;
    this.label = label;
    // Every other column is a feature; the old label goes back among them.
    const keep = new Set(this.features);
    if (previous) keep.add(previous);
    if (!previous) for (const c of this.preview.columns) keep.add(c.name);
    keep.delete(label);
    this.features = this.preview.columns.map((c) => c.name).filter((n) => keep.has(n));
    const col = this.columnNamed(label);
    if (col) this.task = inferTask(col);
  }

  toggleFeature(name: string, on: boolean): void {
    if (name === this.label) return;
    const set = new Set(this.features);
    if (on) set.add(name);
    else set.delete(name);
    this.features = this.preview.columns.map((c) => c.name).filter((n) => set.has(n));
  }

  typeOf(name: string): ColumnType {
    return this.types[name] ?? this.columnNamed(name)?.type ?? 'categorical';
  }

  setType(name: string, type: ColumnType): void {
    const next = { ...this.types };
    if (this.columnNamed(name)?.type === type) delete next[name];
    else next[name] = type;
    this.types = next;
  }

  setTask(task: TaskKind): void {
    if (task === 'regression' && !this.canRegress) return;
    this.task = task;
  }

  options(name: string, seed: number): CsvImportOptions {
    const types: Record<string, ColumnType> = {};
    for (const [k, v] of Object.entries(this.types)) if (this.features.includes(k)) types[k] = v;
    return {
      name: name.trim() || this.preview.fileName,
      label: this.label,
      features: [...this.features],
      task: this.task,
      missing: this.missing,
      types: Object.keys(types).length ? types : undefined,
      seed,
    };
  }

  private rowCount(): number {
    return this.preview.rowCount;
  }

  private columns(): ColumnInfo[] {
    return this.preview.columns;
  }

  private columnNamed(name: string): ColumnInfo | undefined {
    return this.columns().find((c) => c.name === name);
  }
}
