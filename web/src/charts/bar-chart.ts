/**
 * Horizontal bar charts of the dashboard (Chart.js: only the bar controller, its element and the scales it needs
 * are registered). A click on a bar follows the link of that bar (the list behind the figure); the page shows the
 * same figures, with those links, in a table.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface Bars {
  labels: string[];
  datasets: { label: string; values: number[]; colour: string }[];
  /** The link of each bar (by label index). */
  links: string[];
}

export function drawBars(canvas: HTMLCanvasElement, bars: Bars, follow: (href: string) => void): () => void {
  const chart = new Chart(canvas, {
    type: 'bar',
    data: { labels: bars.labels, datasets: bars.datasets.map((d) => ({ label: d.label, data: d.values, backgroundColor: d.colour })) },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
      onClick: (_e, elements) => {
        const i = elements[0]?.index;
        if (i !== undefined && bars.links[i]) follow(bars.links[i]);
      },
    },
  });
  return () => chart.destroy();
}
