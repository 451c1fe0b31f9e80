/**
 * French formats for what the pages show: dates and times (`7 déc. 2026 à 14:05`), the age of a figure ("il y a
 * 3 h"), numbers. Pure functions of their inputs (and `now`), so they are tested without a browser.
 */

const DATE_TIME = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
const DATE = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' });
const NUMBER = new Intl.NumberFormat('fr-FR');
const PERCENT = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 });

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : DATE_TIME.format(d);
}

export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : DATE.format(d);
}

export function formatNumber(n: number | undefined): string {
  return n === undefined || Number.isNaN(n) ? '—' : NUMBER.format(n);
}

export function formatPercent(share: number | undefined): string {
  return share === undefined || Number.isNaN(share) ? '—' : PERCENT.format(share);
}

/** How old a figure is, in words: "à l’instant", "il y a 5 min", "il y a 3 h", "il y a 2 j", "jamais". */
export function formatAge(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return 'jamais';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return 'jamais';
  const minutes = Math.max(0, Math.floor((now - t) / 60_000));
  if (minutes < 1) return 'à l’instant';
  if (minutes < 60) return `il y a ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `il y a ${hours} h`;
  return `il y a ${Math.floor(hours / 24)} j`;
}

/** Stale: older than `staleHours` (the server's ROR_CAPACITY_STALE_HOURS), or never entered. */
export function isStale(iso: string | undefined, staleHours: number, now: number = Date.now()): boolean {
  if (!iso) return true;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) || now - t > staleHours * 3_600_000;
}
