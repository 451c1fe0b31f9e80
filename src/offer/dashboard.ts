/**
 * `GET /offer/dashboard`: the figures of the web application's dashboard, for analysts and coordinators — free and
 * installed beds by department and by activity, the units whose capacity is stale (older than
 * ROR_CAPACITY_STALE_HOURS) and those never updated, with the lists behind those figures.
 *
 * Computed from the offer index (the OfferIndex port), under the same visibility as `/offer/search`
 * (src/security/visibility.ts): sensitive units are left out of every figure for callers who may not see them
 * (the index leaves them out), and a caller of access profile 0 gets installed capacity only — no free beds, no
 * staleness, no list of units by update date.
 *
 * The port has no aggregation: the figures are summed over every visible unit, read through `search` a page of
 * 100 at a time. Fine for a region (a few thousand units); an aggregation in the port would serve a country.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { badRequest } from '../errors';
import { ANONYMOUS, type Actor } from '../kernel/actor';
import { visibilityOf } from '../security/visibility';
import type { OfferDocument, OfferIndex } from '../store/offer-index';
import type { Dashboard, DashboardFigures, DashboardUnit } from './dashboard-types';

export type { Dashboard, DashboardFigures, DashboardUnit } from './dashboard-types';

export interface DashboardRouterDeps {
  index: OfferIndex;
  /** Capacity entered longer ago than this is stale (ROR_CAPACITY_STALE_HOURS). */
  staleHours: number;
  /** The access profile of callers without credential (ROR_PUBLIC_ACCESS_PROFILE). */
  publicProfile: number;
  now?: () => number;
}

/** Units listed under "stale" and "never updated" at most (the counts are always whole). */
export const MAX_LISTED = 500;
const PAGE = 100;


export function dashboardRouter(deps: DashboardRouterDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  router.get('/offer/dashboard', (req: Request, res: Response, next: NextFunction) => {
    const q = req.originalUrl.indexOf('?');
    const params = new URLSearchParams(q < 0 ? '' : req.originalUrl.slice(q + 1));
    const unknown = [...new Set(params.keys())][0];
    if (unknown !== undefined) return next(badRequest(`unknown parameter '${unknown}': the dashboard takes no parameter`, [unknown]));
    const vis = visibilityOf((res.locals.actor as Actor | undefined) ?? ANONYMOUS, deps.publicProfile);
    computeDashboard(deps.index, { hideSensitive: !vis.sensitiveUnits, availability: vis.availability, staleHours: deps.staleHours, now: now() }).then((body) => {
      const json = JSON.stringify(body);
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Length', Buffer.byteLength(json));
      res.end(json);
    }, next);
  });
  return router;
}

/** Every visible active unit of the index, a page at a time. */
async function* allUnits(index: OfferIndex, hideSensitive: boolean): AsyncGenerator<OfferDocument> {
  let cursor: string | undefined;
  do {
    const page = await index.search({ hideSensitive, sort: 'relevance', limit: PAGE, facets: [], ...(cursor ? { cursor } : {}) });
    for (const hit of page.hits) yield hit.document;
    cursor = page.next;
  } while (cursor);
}

export async function computeDashboard(
  index: OfferIndex,
  options: { hideSensitive: boolean; availability: boolean; staleHours: number; now: number },
): Promise<Dashboard> {
  const { availability, staleHours, now } = options;
  const empty = (): DashboardFigures => (availability ? { units: 0, installedBeds: 0, freeBeds: 0, unitsWithFreeBeds: 0, staleUnits: 0, neverUpdatedUnits: 0 } : { units: 0, installedBeds: 0 });
  const totals = empty();
  const departments = new Map<string, DashboardFigures & { code: string }>();
  const activities = new Map<string, DashboardFigures & { code: string; label: string }>();
  const stale: DashboardUnit[] = [];
  const never: DashboardUnit[] = [];

  for await (const d of allUnits(index, options.hideSensitive)) {
    const updated = d.capacity.updatedAt === undefined ? undefined : Date.parse(d.capacity.updatedAt);
    const isNever = updated === undefined || Number.isNaN(updated);
    const isStale = isNever || now - updated > staleHours * 3_600_000;
    const groups: DashboardFigures[] = [totals];
    if (d.organization.department) {
      const code = d.organization.department;
      if (!departments.has(code)) departments.set(code, { code, ...empty() });
      groups.push(departments.get(code)!);
    }
    for (const a of new Map(d.activities.map((a) => [a.code, a])).values()) {
      if (!activities.has(a.code)) activities.set(a.code, { code: a.code, label: a.label, ...empty() });
      groups.push(activities.get(a.code)!);
    }
    for (const g of groups) {
      g.units++;
      g.installedBeds += d.capacity.installed;
      if (!availability) continue;
      g.freeBeds! += d.capacity.free.total;
      if (d.capacity.free.total > 0) g.unitsWithFreeBeds!++;
      if (isStale) g.staleUnits!++;
      if (isNever) g.neverUpdatedUnits!++;
    }
    if (availability && isStale) {
      const unit: DashboardUnit = {
        id: d.id,
        name: d.name,
        organization: { id: d.organization.id, name: d.organization.name },
        ...(d.organization.department ? { department: d.organization.department } : {}),
        ...(isNever ? {} : { capacityUpdatedAt: d.capacity.updatedAt }),
      };
      (isNever ? never : stale).push(unit);
    }
  }

  const byName = (a: DashboardUnit, b: DashboardUnit) => a.organization.name.localeCompare(b.organization.name, 'fr') || a.name.localeCompare(b.name, 'fr');
  const list = (units: DashboardUnit[]) => ({ units: units.slice(0, MAX_LISTED), truncated: units.length > MAX_LISTED });
  return {
    generatedAt: new Date(now).toISOString(),
    staleHours,
    availability,
    totals: availability ? { ...totals, staleShare: totals.units ? totals.staleUnits! / totals.units : 0 } : totals,
    byDepartment: [...departments.values()].sort((a, b) => a.code.localeCompare(b.code)),
    byActivity: [...activities.values()].sort((a, b) => b.units - a.units || a.label.localeCompare(b.label, 'fr')),
    ...(availability
      ? {
          staleUnits: list(stale.sort((a, b) => a.capacityUpdatedAt!.localeCompare(b.capacityUpdatedAt!) || byName(a, b))),
          neverUpdatedUnits: list(never.sort(byName)),
        }
      : {}),
  };
}
