/**
 * The predicted-versus-true scatter of a regression model's test samples, as a
 * Svelte attachment around one chart.js instance. Points on the diagonal are
 * exact; the vertical distance to it is the residual, in the target's units.
 */
import type { Attachment } from 'svelte/attachments';
import { Chart, LineController, LineElement, LinearScale, PointElement, ScatterController, Tooltip } from 'chart.js';
import type { RegressionPredictions } from '../../../lib/metrics/samples';

Chart.register(ScatterController, LineController, LineElement, PointElement, LinearScale, Tooltip);

const css = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

export function residualScatter(p: RegressionPredictions, target: string): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const points = Array.from({ length: p.count }, (_, i) => ({ x: p.truth[i], y: p.predicted[i] }));
    let lo = Infinity;
    let hi = -Infinity;
    for (const q of points) [lo, hi] = [Math.min(lo, q.x, q.y), Math.max(hi, q.x, q.y)];
    const muted = css('--muted', '#666');
    const grid = css('--border', '#ddd');
    const axis = (text: string) => ({
      type: 'linear' as const,
      min: lo,
      max: hi,
      title: { display: true, text, color: muted },
      ticks: { color: muted, maxTicksLimit: 6 },
      grid: { color: grid },
    });
    const chart = new Chart(canvas, {
      type: 'scatter',
      data: {
        datasets: [
          {
            label: 'Test samples',
            data: points,
            pointRadius: p.count > 2000 ? 1 : 2,
            backgroundColor: `rgba(${css('--chart-rgb', '28, 126, 214')}, 0.55)`,
            borderWidth: 0,
          },
          {
            type: 'line',
            label: 'Predicted = true',
            data: [{ x: lo, y: lo }, { x: hi, y: hi }],
            borderColor: css('--accent', '#e8590c'),
            borderWidth: 1,
            borderDash: [4, 4],
            pointRadius: 0,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        scales: { x: axis(`True ${target}`), y: axis(`Predicted ${target}`) },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (item) => `true ${Number(item.parsed.x?.toPrecision(4))}, predicted ${Number(item.parsed.y?.toPrecision(4))}` } },
        },
      },
    });
    return () => chart.destroy();
  };
}
