/**
 * The dashboard's figures and the lists behind them: each figure links to the search that lists its units (the
 * search page reads its whole query from the URL, see ./offer-query.ts), or to the list the dashboard itself shows.
 * Types of `GET /offer/dashboard`: the server's own (src/offer/dashboard-types.ts). Pure: tested without a browser.
 */
import type { DashboardFigures } from '../../../src/offer/dashboard-types';
import { emptyState, searchUrl, type SearchState } from './offer-query';

export type { Dashboard, DashboardFigures, DashboardUnit } from '../../../src/offer/dashboard-types';

export interface Group {
  department?: string;
  activity?: string;
}

function stateOf(group: Group, extra: Partial<SearchState> = {}): SearchState {
  const s = emptyState();
  if (group.department) s.filters.department = [group.department];
  if (group.activity) s.filters.activity = [group.activity];
  return { ...s, ...extra };
}

/** The search listing the units of a group (a department, an activity, or all). */
export function unitsLink(group: Group = {}): string {
  return searchUrl(stateOf(group));
}

/** The search listing the units of a group that have a free bed now, most free beds first. */
export function freeBedsLink(group: Group = {}): string {
  return searchUrl(stateOf(group, { available: true, sort: 'freeBeds' }));
}

/** The search listing the units of a group whose capacity is fresh. */
export function freshLink(group: Group = {}): string {
  return searchUrl(stateOf(group, { fresh: true }));
}

/** Anchors of the lists shown on the dashboard itself. */
export const STALE_LIST_ID = 'unites-perimees';
export const NEVER_LIST_ID = 'unites-jamais-mises-a-jour';

/** The share of a part, 0 when there is no whole (never NaN on a chart). */
export function share(part: number | undefined, whole: number): number {
  return whole > 0 && part !== undefined ? part / whole : 0;
}

/** Rows of a bar chart: the groups with the most free beds first, at most `max`, the rest summed. */
export function topGroups<T extends DashboardFigures & { code: string }>(groups: T[], by: (g: T) => number, max: number): T[] {
  return [...groups].sort((a, b) => by(b) - by(a) || a.code.localeCompare(b.code)).slice(0, max);
}
