/**
 * The choices for one CSV import, made against the worker's preview: label,
 * features, type overrides, task and what to do about missing values. The
 * label is never a feature; changing it re-infers the task. A column marked as an
 * identifier (a name, an e-mail address, an id) is neither: it is never stored. The
 * columns the preview suggests as identifiers start marked, and a person may unmark them.
 *
 * A table may have thousands of columns, so each column's choice is its own signal
 * (selected[i], types[name]) and the counts are kept as they change: ticking one
 * box re-renders that box and the count, not the whole list.
 */
import type { CsvImportOptions, CsvPreview, EncodingChoice } from '../lib/import/protocol';
import { inferTask, type ColumnInfo, type ColumnType, type TaskKind } from '../lib/import/columns';
import { IDENTIFIER_REASONS } from '../lib/import/identifiers';

export { ENCODING_LABELS } from '../lib/import/textFile';

/** More classes than this from a numeric label is usually a quantity picked as a class by mistake. */
const MANY_CLASSES = 50;

export class CsvDraft {
  readonly preview: CsvPreview;
  private readonly index: Map<string, number>;
  /** Columns that have missing cells: usually few, and fixed by the preview. */
  private withMissing: number[] = [];
  label = $state('');
  /** selected[i]: column i is a feature. */
  selected = $state<boolean[]>([]);
  featureCount = $state(0);
  /** identifier[i]: column i says who a row is about, and is not stored. */
  identifier = $state<boolean[]>([]);
  identifierCount = $state(0);
  /** Only the columns whose type was changed by hand. */
  types = $state<Record<string, ColumnType>>({});
  task = $state<TaskKind>('classification');
  missing = $state<'drop' | 'fill'>('fill');

  labelColumn = $derived<ColumnInfo | undefined>(this.columnNamed(this.label));
  canRegress = $derived(this.labelColumn?.type === 'numeric');
  /** Missing cells in the chosen feature columns, per column, for the note next to the choice. */
  featureMissing = $derived(
    this.withMissing.filter((i) => this.selected[i]).map((i) => ({ name: this.preview.columns[i].name, missing: this.preview.columns[i].missing })),
  );
  /** Rows that lack a feature value: at least the worst column's count, at most the sum. */
  affectedRows = $derived.by(() => {
    const counts = this.featureMissing.map((c) => c.missing);
    return { min: Math.max(0, ...counts), max: Math.min(this.preview.rowCount, counts.reduce((a, b) => a + b, 0)) };
  });
  warning = $derived.by(() => {
    const col = this.labelColumn;
    if (!col) return null;
    if (this.task === 'classification' && col.distinct > MANY_CLASSES) {
      return `"${col.name}" has ${col.distinct} different values, so classification would have ${col.distinct} classes. Regression may fit better.`;
    }
    if (this.task === 'classification' && col.distinct < 2) return `"${col.name}" has only one value; a classifier needs at least two classes.`;
    if (this.featureCount === 0) return 'Choose at least one feature column.';
    return null;
  });

  constructor(preview: CsvPreview) {
    this.preview = preview;
    this.index = new Map(preview.columns.map((c, i) => [c.name, i]));
    this.withMissing = preview.columns.flatMap((c, i) => (c.missing > 0 ? [i] : []));
    this.selected = preview.columns.map(() => true);
    this.featureCount = preview.columns.length;
    this.identifier = preview.columns.map(() => false);
    for (const c of preview.columns) if (c.identifier && c.name !== preview.suggestedLabel) this.setIdentifier(c.name, true);
    this.setLabel(preview.suggestedLabel);
    this.task = preview.suggestedTask;
  }

  /** The chosen feature columns, in file order. */
  get features(): string[] {
    return this.preview.columns.filter((_, i) => this.selected[i]).map((c) => c.name);
  }

  isFeature(name: string): boolean {
    const i = this.index.get(name);
    return i !== undefined && this.selected[i];
  }

  isIdentifier(name: string): boolean {
    const i = this.index.get(name);
    return i !== undefined && this.identifier[i];
  }

  /** Why the preview suggests the column as an identifier, for people; null if it does not. */
  identifierHint(name: string): string | null {
    const reason = this.columnNamed(name)?.identifier;
    return reason ? IDENTIFIER_REASONS[reason] : null;
  }

  /** Marked, a column leaves the features; unmarked, it comes back among them. The label cannot be marked. */
  setIdentifier(name: string, on: boolean): void {
    const i = this.index.get(name);
    if (i === undefined || name === this.label || this.identifier[i] === on) return;
    this.mark(i, on);
    this.select(i, !on);
  }

  /** The columns not stored, in file order: identifiers, and the others that are neither feature nor label. */
  get leftOut(): { identifiers: string[]; unused: string[] } {
    const identifiers: string[] = [];
    const unused: string[] = [];
    this.preview.columns.forEach((c, i) => {
      if (this.identifier[i]) identifiers.push(c.name);
      else if (!this.selected[i] && c.name !== this.label) unused.push(c.name);
    });
    return { identifiers, unused };
  }

  /** An identifier cannot be the label: unmark it first. */
  setLabel(label: string): void {
    if (this.isIdentifier(label)) return;
    // The old label goes back among the features; the new one leaves them.
    const previous = this.index.get(this.label);
    if (previous !== undefined && label !== this.label) this.select(previous, true);
    this.label = label;
    const now = this.index.get(label);
    if (now !== undefined) this.select(now, false);
    const col = this.columnNamed(label);
    if (col) this.task = inferTask(col);
  }

  toggleFeature(name: string, on: boolean): void {
    const i = this.index.get(name);
    if (i === undefined || name === this.label || this.identifier[i]) return;
    this.select(i, on);
  }

  typeOf(name: string): ColumnType {
    return this.types[name] ?? this.columnNamed(name)?.type ?? 'categorical';
  }

  setType(name: string, type: ColumnType): void {
    if (this.columnNamed(name)?.type === type) delete this.types[name];
    else this.types[name] = type;
  }

  setTask(task: TaskKind): void {
    if (task === 'regression' && !this.canRegress) return;
    this.task = task;
  }

  options(name: string, seed: number): CsvImportOptions {
    const types: Record<string, ColumnType> = {};
    for (const [k, v] of Object.entries(this.types)) if (this.isFeature(k)) types[k] = v;
    const { encoding } = this.preview;
    const identifiers = this.identifierCount ? this.preview.columns.filter((_, i) => this.identifier[i]).map((c) => c.name) : [];
    return {
      name: name.trim() || this.preview.fileName,
      label: this.label,
      features: this.features,
      task: this.task,
      missing: this.missing,
      types: Object.keys(types).length ? types : undefined,
      identifiers: identifiers.length ? identifiers : undefined,
      seed,
      // The import reads the file as the preview did (a detected encoding is detected again, and the worker keeps that table).
      encoding: (encoding.detected ? 'auto' : encoding.name) satisfies EncodingChoice,
    };
  }

  private select(i: number, on: boolean): void {
    if (this.selected[i] === on) return;
    this.selected[i] = on;
    this.featureCount += on ? 1 : -1;
  }

  private mark(i: number, on: boolean): void {
    this.identifier[i] = on;
    this.identifierCount += on ? 1 : -1;
  }

  private columnNamed(name: string): ColumnInfo | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.preview.columns[i];
  }
}
