/**
 * The decision-boundary map of a model with two inputs, as TensorFlow
 * Playground draws it: the model's class probabilities on a coarse grid over
 * the input plane, drawn behind the points. One predict call on size² points
 * (1,600 for a 40 × 40 grid) costs about as much as a few validation batches,
 * and the worker sends a grid at most every 250 ms and only while predicting
 * maps takes under a tenth of the time, so the map follows training at a
 * bounded cost. No tfjs here: the page reads these
 * types and helpers too; boundaryReporter.ts predicts.
 *
 * Coordinates are the model's inputs (standardised features). Cell (row, col)
 * is centred on x = x0 + (col + ½)·(x1 − x0)/size, y = y1 − (row + ½)·(y1 − y0)/size:
 * row 0 is the top of the plane, as a canvas draws it.
 */

export interface PlaneExtent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface BoundaryGrid {
  size: number;
  numClasses: number;
  extent: PlaneExtent;
  /** size² predicted classes, row-major. */
  predicted: Uint8Array;
  /** size² × numClasses probabilities, row-major; a 1-unit sigmoid head is stored as [1 − p, p]. */
  probs: Float32Array;
}

/** The grid's buffers, to transfer rather than copy across postMessage. */
export const boundaryBuffers = (g: BoundaryGrid): ArrayBuffer[] =>
  [g.predicted.buffer, g.probs.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);

/** Cells per side: coarse enough to predict in a few milliseconds, fine enough to show a spiral's arms. */
export const BOUNDARY_SIZE = 40;
/** At most one map per this many milliseconds while training; the last epoch's is always sent. */
export const BOUNDARY_EVERY_MS = 250;

/** Whether a dataset's samples are points of a plane a map can be drawn over. */
export const isPlane = (shape: readonly number[], task: string) => task === 'classification' && shape[0] * shape[1] * shape[2] === 2;

/** The square-ish box around the points (pairs x, y) with a margin of `margin` × the larger side on every edge. */
export function planeExtent(points: ArrayLike<number>, margin = 0.1): PlaneExtent {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i + 1 < points.length; i += 2) {
    const [x, y] = [points[i], points[i + 1]];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  }
  if (x0 > x1) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  const pad = Math.max(x1 - x0, y1 - y0, 1e-3) * margin;
  return { x0: x0 - pad, x1: x1 + pad, y0: y0 - pad, y1: y1 + pad };
}

/** The size² cell centres as (x, y) pairs, row 0 at the top. */
export function gridPoints(extent: PlaneExtent, size: number): Float32Array {
  const out = new Float32Array(size * size * 2);
  const dx = (extent.x1 - extent.x0) / size;
  const dy = (extent.y1 - extent.y0) / size;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      out[2 * (r * size + c)] = extent.x0 + (c + 0.5) * dx;
      out[2 * (r * size + c) + 1] = extent.y1 - (r + 0.5) * dy;
    }
  }
  return out;
}

/**
 * When to send a map: at most one per `everyMs`, and never so often that
 * predicting maps takes more than `share` of the time (a slow backend predicts
 * fewer), except the one told it is the last, which is always sent.
 */
export class BoundaryThrottle {
  private last = -Infinity;
  private cost = 0;
  private readonly everyMs: number;
  private readonly share: number;
  private readonly now: () => number;

  constructor(everyMs = BOUNDARY_EVERY_MS, now: () => number = () => performance.now(), share = 0.1) {
    this.everyMs = everyMs;
    this.now = now;
    this.share = share;
  }

  /** The wait between maps: everyMs, or longer when a map costs more than its share of it. */
  interval(): number {
    return Math.max(this.everyMs, this.cost / this.share);
  }

  due(last: boolean): boolean {
    const t = this.now();
    if (!last && t - this.last < this.interval()) return false;
    this.last = t;
    return true;
  }

  /** How long the map just sent took to predict, in milliseconds. */
  took(ms: number): void {
    this.cost = ms;
  }
}
