/**
 * The per-batch chart series: raw values plus a bias-corrected exponential
 * moving average, against samples seen. Past MAX_POINTS every other point is
 * dropped, so a long run costs a bounded amount of memory and drawing time.
 *
 * The average's memory is measured in samples, not points: batch events are
 * throttled by time, so a short run has few points and a fixed per-point
 * factor (0.9) would make the smoothed line lag far behind the raw one.
 */

export const MAX_POINTS = 3000;
/** The smoothing window is this fraction of the run's samples. */
const WINDOW_FRACTION = 1 / 40;

export interface BatchSeries {
  x: number[];
  loss: number[];
  acc: number[];
  lossEma: number[];
  accEma: number[];
  /** Running EMA state; dividing by `weight` removes the bias towards the zero start. */
  ema: { loss: number; acc: number; weight: number };
}

export function emptySeries(): BatchSeries {
  return { x: [], loss: [], acc: [], lossEma: [], accEma: [], ema: { loss: 0, acc: 0, weight: 0 } };
}

const thin = (a: number[]) => a.filter((_, i) => i % 2 === 0);

/**
 * Returns a new series (the old one is left untouched, so it can be held in
 * $state.raw). totalSamples is what the whole run will train on.
 */
export function appendPoint(s: BatchSeries, x: number, loss: number, acc: number, totalSamples: number): BatchSeries {
  const prevX = s.x.length ? s.x[s.x.length - 1] : 0;
  const tau = Math.max(1, totalSamples * WINDOW_FRACTION);
  const alpha = 1 - Math.exp(-Math.max(0, x - prevX) / tau);
  const emaLoss = (1 - alpha) * s.ema.loss + alpha * loss;
  const emaAcc = (1 - alpha) * s.ema.acc + alpha * acc;
  const weight = (1 - alpha) * s.ema.weight + alpha;
  let next: BatchSeries = {
    x: [...s.x, x],
    loss: [...s.loss, loss],
    acc: [...s.acc, acc],
    lossEma: [...s.lossEma, weight > 0 ? emaLoss / weight : loss],
    accEma: [...s.accEma, weight > 0 ? emaAcc / weight : acc],
    ema: { loss: emaLoss, acc: emaAcc, weight },
  };
  if (next.x.length > MAX_POINTS) {
    next = {
      x: thin(next.x),
      loss: thin(next.loss),
      acc: thin(next.acc),
      lossEma: thin(next.lossEma),
      accEma: thin(next.accEma),
      ema: next.ema,
    };
  }
  return next;
}
