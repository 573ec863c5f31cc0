/**
 * What Hearth's line charts share: chart.js's parts registered once, and the base
 * options, made afresh for each chart. chart.js keeps and mutates the options it is
 * given (the live chart recolours its axes), so two charts must never share one object.
 */
import { Chart, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip, type ChartOptions, type ScaleOptionsByType } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

export type Point = { x: number; y: number };

type LineOptions = ChartOptions<'line'>;
/** chart.js's own options type for a linear axis, every field optional. */
type YScale = Partial<Omit<ScaleOptionsByType<'linear'>, 'title' | 'ticks'>> & {
  title?: Partial<ScaleOptionsByType<'linear'>['title']>;
  ticks?: Partial<ScaleOptionsByType<'linear'>['ticks']>;
};

/** Samples seen on x, the given y axis, a small legend; no animation, data already in {x, y} points. */
export function lineChartOptions(y: YScale, plugins: LineOptions['plugins'] = {}): LineOptions {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: 'nearest', intersect: false },
    scales: {
      x: { type: 'linear', title: { display: true, text: 'Samples seen' }, ticks: { maxTicksLimit: 6 } },
      y: { ...y, type: 'linear' },
    },
    plugins: { legend: { labels: { boxWidth: 8, boxHeight: 8, padding: 8, font: { size: 11 } } }, ...plugins },
  };
}
