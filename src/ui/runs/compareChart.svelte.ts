/**
 * The compare view's chart: one line per picked run (its stored per-batch
 * curve, against samples seen) for loss or accuracy, as a Svelte attachment.
 * The chart.js instance is made once per canvas; picking runs replaces its
 * datasets and redraws without animation.
 */
import type { Attachment } from 'svelte/attachments';
import { Chart, type ChartDataset } from 'chart.js';
import type { Runs } from '../../state/runs.svelte';
import { lineChartOptions, type Point } from '../common/chartBase';

/** Told apart without relying on one hue: the first is the page's accent. */
const COLOURS = ['#e8590c', '#1c7ed6', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d'];

export function compareChart(runs: Runs, metric: 'loss' | 'acc'): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: lineChartOptions({ beginAtZero: metric === 'loss', title: { display: true, text: metric === 'loss' ? 'Loss' : 'Accuracy / MAE' } }),
    });

    $effect(() => {
      chart.data.datasets = runs.compared.map((r, i): ChartDataset<'line', Point[]> => {
        const ys = metric === 'loss' ? r.curve.loss : r.curve.acc;
        const colour = COLOURS[i % COLOURS.length];
        return {
          label: r.name,
          data: r.curve.x.map((x, j) => ({ x, y: ys[j] })),
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: 1.5,
          pointRadius: 0,
        };
      });
      chart.update('none');
    });

    return () => chart.destroy();
  };
}
