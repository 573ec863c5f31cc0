/** Number and time formatting shared by the panels; numbers are for people, so they round. */

const intFmt = new Intl.NumberFormat('en-US');

export function formatInt(n: number): string {
  return intFmt.format(Math.round(n));
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}

export function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** "2 min 10 s", "45 s", "1 h 3 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatNumber(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toFixed(digits);
}

export function formatDate(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * "28×28×1" for images, "4 features" for tables. One-hot columns widen the
 * model's input, so a table says both: "3 features → 5 inputs".
 */
export function formatShape(meta: { kind: 'image' | 'tabular'; shape: readonly number[]; tabular?: { encoding: unknown[] } }): string {
  if (meta.kind !== 'tabular') return meta.shape.join('×');
  const inputs = meta.shape[meta.shape.length - 1];
  const columns = meta.tabular?.encoding.length ?? inputs;
  const text = `${formatInt(columns)} feature${columns === 1 ? '' : 's'}`;
  return columns === inputs ? text : `${text} → ${formatInt(inputs)} inputs`;
}

/** Regression errors are in the target's own units, whose scale is unknown: keep 3 significant digits. */
export function formatValue(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return n.toExponential(2);
  return Number(n.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}
