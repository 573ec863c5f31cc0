/**
 * One live chart (loss or accuracy) as a Svelte attachment. The chart.js
 * instance is made once per canvas; later data only replaces its datasets'
 * arrays and redraws without animation.
 */
import type { Attachment } from 'svelte/attachments';
import { Chart, type ChartDataset } from 'chart.js';
import type { Run } from '../../state/run.svelte';
import { lineChartOptions, type Point } from '../common/chartBase';

export type Metric = 'loss' | 'acc';

/**
 * The y axis's title. Regression trains on the target standardised with the
 * training split's mean and spread, so its loss has no unit of the target's;
 * the MAE is reported back in the target's own units.
 */
export function axisTitle(metric: Metric, task: 'classification' | 'regression', target: string | null): string {
  if (task === 'classification') return metric === 'acc' ? 'Accuracy' : 'Loss';
  return metric === 'acc' ? `MAE (${target ?? 'target'}, its own units)` : 'Loss (MSE of the standardised target)';
}
function css(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function points(xs: number[], ys: number[]): Point[] {
  const out: Point[] = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = { x: xs[i], y: ys[i] };
  return out;
}

export function liveChart(run: Run, metric: Metric): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const isAcc = metric === 'acc';
    // For regression the 'acc' series hold MAE: unbounded, in the target's units.
    let asPercent = isAcc;
    const fmt = (y: number) => (asPercent ? `${(y * 100).toFixed(1)}%` : y.toFixed(4));

    const datasets: ChartDataset<'line', Point[]>[] = [
      { label: 'Batch', data: [], borderWidth: 1, pointRadius: 0 },
      { label: 'Smoothed', data: [], borderWidth: 2, pointRadius: 0 },
      { label: 'Epoch', data: [], showLine: false, pointRadius: 4 },
      { label: 'Validation', data: [], showLine: false, pointRadius: 4, pointStyle: 'rectRot' },
    ];

    const chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets },
      options: lineChartOptions(
        {
          min: isAcc ? 0 : undefined,
          max: isAcc ? 1 : undefined,
          beginAtZero: !isAcc,
          title: { display: true, text: axisTitle(metric, run.task, run.target) },
          ticks: {
            // Steps of a narrow range carry float noise (3.6000000000000005); four significant digits hide it.
            callback: (v) => (asPercent ? `${Math.round(Number(v) * 100)}%` : String(Number(Number(v).toPrecision(4)))),
          },
        },
        {
          tooltip: {
            callbacks: {
              label: (item) => {
                const y = item.parsed.y ?? 0;
                return `${item.dataset.label}: ${fmt(y)}`;
              },
            },
          },
        },
      ),
    });

    // Colours come from the page's CSS variables, re-read when the colour scheme flips.
    const applyTheme = () => {
      const accent = css('--accent') || '#e8590c';
      const second = css('--chart-2') || '#1c7ed6';
      const third = css('--chart-3') || '#2b8a3e';
      const muted = css('--muted') || '#666';
      const grid = css('--border') || '#ddd';
      const rgb = css('--accent-rgb') || '232, 89, 12';
      datasets[0].borderColor = `rgba(${rgb}, 0.25)`;
      datasets[1].borderColor = accent;
      // Each series its own colour: the smoothed line, the epoch ends and validation must not be confused.
      for (const [ds, colour] of [[datasets[2], third], [datasets[3], second]] as const) {
        ds.borderColor = ds.backgroundColor = colour;
        ds.pointBorderColor = ds.pointBackgroundColor = colour;
      }
      for (const axis of [chart.options.scales?.x, chart.options.scales?.y]) {
        if (!axis) continue;
        axis.grid = { ...axis.grid, color: grid };
        axis.ticks = { ...axis.ticks, color: muted };
        if ('title' in axis && axis.title) axis.title.color = muted;
      }
      const legend = chart.options.plugins?.legend?.labels;
      if (legend) legend.color = muted;
      // A full update, not 'none': that mode reuses element options resolved before the colours were set.
      chart.update();
    };
    applyTheme();
    const scheme = matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', applyTheme);

    $effect(() => {
      const regression = run.task === 'regression';
      const y = chart.options.scales?.y as { min?: number; max?: number; title?: { text?: string } } | undefined;
      if (y?.title) y.title.text = axisTitle(metric, run.task, run.target);
      if (isAcc && asPercent === regression) {
        asPercent = !regression;
        if (y) {
          y.min = asPercent ? 0 : undefined;
          y.max = asPercent ? 1 : undefined;
        }
      }
      const s = run.series;
      const epochs = run.epochPoints;
      datasets[0].data = points(s.x, isAcc ? s.acc : s.loss);
      datasets[1].data = points(s.x, isAcc ? s.accEma : s.lossEma);
      // A line needs two points; until then show the first one as a dot.
      datasets[1].pointRadius = s.x.length < 2 ? 3 : 0;
      datasets[2].data = epochs.map((p) => ({ x: p.x, y: isAcc ? p.log.acc : p.log.loss }));
      datasets[3].data = epochs
        .filter((p) => (isAcc ? p.log.valAcc : p.log.valLoss) !== null)
        .map((p) => ({ x: p.x, y: (isAcc ? p.log.valAcc : p.log.valLoss) as number }));
      chart.update('none');
    });

    return () => {
      scheme.removeEventListener('change', applyTheme);
      chart.destroy();
    };
  };
}
