/**
 * Messages between the page and the import worker. Files cross postMessage by
 * reference (a File is a handle, not its bytes), so sending one is cheap.
 */
import type { DatasetMeta } from '../types';
import type { PythonExportJob } from '../export/python/job';
import type { ColumnInfo, ColumnType, TaskKind } from './columns';
import type { EncodingChoice, TextEncodingName } from './textFile';

export type { ColumnInfo, ColumnType, EncodingChoice, TaskKind, TextEncodingName };

export interface CsvPreview {
  fileName: string;
  columns: ColumnInfo[];
  /** The first data rows (PREVIEW_ROWS), as text. */
  rows: string[][];
  rowCount: number;
  suggestedLabel: string;
  suggestedTask: TaskKind;
  /** How the bytes were read; detected unless chosen in the form. */
  encoding: { name: TextEncodingName; detected: boolean };
  /** Numbers were written with a decimal comma (1,5) and are read as 1.5. */
  decimalComma: boolean;
  /** Things read in a way people should know of, each naming the file, line and column. */
  warnings: string[];
}

export interface CsvImportOptions {
  name: string;
  label: string;
  features: string[];
  task: TaskKind;
  missing: 'drop' | 'fill';
  types?: Record<string, ColumnType>;
  /** Columns marked as saying who a row is about: never stored, never the label or a feature. */
  identifiers?: string[];
  seed: number;
  /** The encoding the preview was read with; absent = detect. */
  encoding?: EncodingChoice;
}

export interface ImageImportOptions {
  name: string;
  /** Side of the stored square images, 8–224 (default 64). */
  size: number;
  channels: 1 | 3;
  seed: number;
}

export type ImportSource =
  | { kind: 'csv'; file: File; options: CsvImportOptions }
  | { kind: 'image-zip'; file: File; options: ImageImportOptions }
  /** path like "cats/1.jpg", relative to the chosen folder. */
  | { kind: 'image-folder'; files: { path: string; file: File }[]; options: ImageImportOptions }
  /** Images and labels IDX files; train and test told apart by name (train*, t10k* or test*). Without test files: 80/10/10. */
  | { kind: 'idx'; files: File[]; name: string }
  /** data_batch_N.bin (train) and test_batch.bin (test); without test_batch: 80/10/10. */
  | { kind: 'cifar10'; files: File[]; name: string };

export type ImportPhase = 'read' | 'decode' | 'store';

export interface SkippedItem {
  path: string;
  reason: string;
}

export type ImportRequest =
  | { type: 'inspect-csv'; jobId: string; file: File; encoding?: EncodingChoice }
  | { type: 'import'; jobId: string; source: ImportSource }
  | { type: 'cancel'; jobId: string }
  /** "Export for Python": made here, off the page's thread (lib/export/python/job.ts). */
  | { type: 'python-export'; jobId: string; job: PythonExportJob };

export type ImportEvent =
  | { type: 'csv-preview'; jobId: string; preview: CsvPreview }
  | { type: 'progress'; jobId: string; phase: ImportPhase; fraction: number; detail?: string }
  | { type: 'imported'; jobId: string; dataset: DatasetMeta; skipped: SkippedItem[]; droppedRows: number }
  | { type: 'error'; jobId: string; message: string }
  /** The Python export's zip; its buffer is transferred. */
  | { type: 'python-export'; jobId: string; fileName: string; data: Uint8Array<ArrayBuffer> };

export const DEFAULT_IMAGE_SIZE = 64;
