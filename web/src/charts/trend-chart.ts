/**
 * Trend lines of the dashboard's quality indicators (Chart.js: the line controller, its elements and linear scales
 * only), time on a linear axis in French dates (no date adapter to ship). Loaded on demand by the dashboard; the
 * page shows the same figures in a table.
 */
import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { formatDateTime } from '../lib/format';
import type { TrendLine } from '../lib/tasks-indicators';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const COLOURS = ['#0063cb', '#18753c', '#b34000', '#6a6af4', '#ce0500'];

export function drawTrend(canvas: HTMLCanvasElement, lines: TrendLine[], unit: 'share' | 'count'): () => void {
  // A single calculation (or a few close together) gets half a day each side, not an axis spanning years.
  const times = lines.flatMap((l) => l.points.map((p) => p.t));
  const span = times.length ? Math.max(...times) - Math.min(...times) : 0;
  const pad = span < 3_600_000 ? 12 * 3_600_000 : 0;
  const range = times.length && pad ? { min: Math.min(...times) - pad, max: Math.max(...times) + pad } : {};
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: lines.map((l, i) => ({
        label: l.label,
        data: l.points.map((p) => ({ x: p.t, y: p.value })),
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        pointRadius: 3,
        borderWidth: 2,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: 'linear', ...range, ticks: { maxTicksLimit: 4, callback: (v) => formatDateTime(new Date(Number(v)).toISOString()) } },
        y: unit === 'share' ? { type: 'linear', min: 0, max: 100, title: { display: true, text: '%' } } : { type: 'linear', beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { title: (items) => formatDateTime(new Date(Number(items[0]?.parsed.x)).toISOString()) } },
      },
    },
  });
  return () => chart.destroy();
}
