/**
 * The capacity-history chart of the unit page: a step line per capacity entry (Chart.js, only the line controller,
 * its elements and the linear scales are registered: tree-shaken), time on a linear axis in French dates (no date
 * adapter to ship). Loaded on demand by the unit page; the page shows the same figures in a table.
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { formatDateTime } from '../lib/format';
import type { HistorySeries } from '../lib/offer-history';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const COLOURS: Record<string, string> = { '01': '#3a3a3a', '02': '#18753c', '03': '#0063cb', '04': '#6a6af4', '05': '#ce0500', '06': '#b34000' };
const FALLBACK = ['#18753c', '#0063cb', '#ce0500', '#b34000', '#6a6af4', '#3a3a3a'];

export function drawHistory(canvas: HTMLCanvasElement, series: HistorySeries[]): () => void {
  const used = new Set<string>();
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: series.map((s, i) => {
        let colour = (s.statusCode && COLOURS[s.statusCode]) || FALLBACK[i % FALLBACK.length];
        if (used.has(colour)) colour = FALLBACK[i % FALLBACK.length];
        used.add(colour);
        return {
          label: s.label,
          data: s.points.map((p) => ({ x: p.t, y: p.value })),
          borderColor: colour,
          backgroundColor: colour,
          stepped: 'before' as const,
          spanGaps: false,
          pointRadius: 3,
          borderWidth: 2,
        };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: 'linear', ticks: { maxTicksLimit: 6, callback: (v) => formatDateTime(new Date(Number(v)).toISOString()) } },
        y: { type: 'linear', beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Lits ou places' } },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { title: (items) => formatDateTime(new Date(Number(items[0]?.parsed.x)).toISOString()) } },
      },
    },
  });
  return () => chart.destroy();
}
