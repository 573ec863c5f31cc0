/** The one error type every importer throws for bad input, plus the number formats its messages use. */

export class ImportError extends Error {
  override name = 'ImportError';
  /** The file the problem is in, as the person named it. */
  readonly fileName: string;
  /** Line of a text file, counted as a person counts them (the first line is 1). */
  readonly line?: number;
  /** Record of a binary file, counted from 1. */
  readonly record?: number;

  constructor(fileName: string, message: string, where: { line?: number; record?: number } = {}) {
    super(message);
    this.fileName = fileName;
    if (where.line !== undefined) this.line = where.line;
    if (where.record !== undefined) this.record = where.record;
  }
}

/** 3073 -> "3,073", without depending on the runtime's locale data. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Decimal units, one decimal place: 3.2 GB, 1.1 GB, 640 bytes. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
