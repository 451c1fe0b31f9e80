/**
 * Progress display for the CLI: a redrawn bar on a terminal, plain lines every few seconds otherwise (logs, CI).
 */
import type { Progress } from './reconcile/engine';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, intervalMs = 5000): { update(p: Progress): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let drawn = false;
  const started = Date.now();
  return {
    update(p) {
      const now = Date.now();
      if (now - last < (tty ? 200 : intervalMs)) return;
      last = now;
      const pct = p.total ? Math.min(100, (100 * (p.done ?? 0)) / p.total) : undefined;
      const secs = ((now - started) / 1000).toFixed(0);
      const what = p.phase === 'scan' ? `${p.records} records read` : p.phase === 'apply' ? `${p.done} resources applied` : `${p.done}/${p.total} deactivated`;
      if (tty) {
        const width = 30;
        const fill = pct === undefined ? 0 : Math.round((pct / 100) * width);
        const bar = pct === undefined ? '' : `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${pct.toFixed(0).padStart(3)}% `;
        stream.write(`\r${p.source} ${p.phase.padEnd(10)} ${bar}${what} ${secs}s\x1b[K`);
        drawn = true;
      } else {
        stream.write(`${p.source} ${p.phase}: ${pct !== undefined ? `${pct.toFixed(0)}%, ` : ''}${what}, ${secs}s\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
