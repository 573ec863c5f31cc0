// The line charts' shared options: made afresh for each chart, since chart.js mutates what it is given.
import { describe, expect, it } from 'vitest';
import { lineChartOptions } from '../../src/ui/common/chartBase';

describe('lineChartOptions', () => {
  it('gives each chart its own objects, down to the axes and the legend', () => {
    const a = lineChartOptions({ beginAtZero: true });
    const b = lineChartOptions({ beginAtZero: true });
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(a.scales!.x).not.toBe(b.scales!.x);
    expect(a.plugins!.legend).not.toBe(b.plugins!.legend);
    // Recolouring one chart's axis (as the live chart does on a theme change) leaves the other alone.
    a.scales!.x!.ticks = { ...a.scales!.x!.ticks, color: 'red' };
    expect(b.scales!.x!.ticks).toEqual({ maxTicksLimit: 6 });
  });

  it('puts the given y axis on a linear scale, and adds plugins beside the legend', () => {
    const label = () => 'x';
    const o = lineChartOptions({ min: 0, max: 1, title: { display: true, text: 'Accuracy' } }, { tooltip: { callbacks: { label } } });
    expect(o.scales!.y).toEqual({ type: 'linear', min: 0, max: 1, title: { display: true, text: 'Accuracy' } });
    expect(o.scales!.x).toMatchObject({ type: 'linear', title: { display: true, text: 'Samples seen' } });
    expect(o.plugins!.tooltip!.callbacks!.label).toBe(label);
    expect(o.plugins!.legend!.labels).toMatchObject({ boxWidth: 8, font: { size: 11 } });
    expect(o).toMatchObject({ animation: false, parsing: false, normalized: true, maintainAspectRatio: false });
  });
});
