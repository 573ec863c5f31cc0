import type { Evaluation } from '../types';
import type { ExportScheme } from './quantize';

/** What one precision costs and keeps: the .zip's size and the test score of the model read back from it. */
export interface ExportFigure {
  scheme: ExportScheme;
  /** Bytes of the .zip to download. */
  bytes: number;
  /** Null when the dataset has no test split (or is no longer stored). */
  evaluation: Evaluation | null;
}
