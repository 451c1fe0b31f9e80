/**
 * TEST DOUBLE: an in-memory OfferIndex for the tests of the offer domain (documents, freshness, HTTP API), so they
 * do not depend on the embedded SQLite adapter written beside them. Plain filtering over the documents, a naive
 * text match (every word of the query, accents and case folded, found in the document's text; the last one as a
 * prefix when `prefix` is set), facets counted over every match, a cursor that is an offset. It implements none of
 * the French analysis (stemming, elisions, stop words) nor any index structure: never use it outside tests.
 */
import type { OfferDocument, OfferFacet, OfferHit, OfferIndex, OfferQuery, OfferResult, OfferSuggestion } from '../../../src/store/offer-index';
import { distanceKm as greatCircleKm } from '../../../src/indexing/geo';

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const words = (s: string) => fold(s).split(/[^a-z0-9]+/).filter(Boolean);

export class MemoryOfferIndex implements OfferIndex {
  readonly docs = new Map<string, OfferDocument>();
  /** Every `apply` call, for tests that check what the indexer sent. */
  readonly applied: { put: string[]; remove: string[] }[] = [];

  async apply(changes: { put: OfferDocument[]; remove: string[] }): Promise<void> {
    for (const id of changes.remove) this.docs.delete(id);
    for (const doc of changes.put) this.docs.set(doc.id, structuredClone(doc));
    this.applied.push({ put: changes.put.map((d) => d.id), remove: [...changes.remove] });
  }

  async search(q: OfferQuery): Promise<OfferResult> {
    const hits: OfferHit[] = [];
    const terms = q.text ? words(q.text) : [];
    for (const d of this.docs.values()) {
      if ((!d.active && !q.includeInactive) || (q.hideSensitive && d.sensitive)) continue;
      const some = (values: string[] | undefined, have: (string | undefined)[]) => !values || values.some((v) => have.includes(v));
      if (!some(q.activity, d.activities.map((c) => c.code))) continue;
      if (!some(q.careMode, d.careModes.map((c) => c.code))) continue;
      if (!some(q.specialty, d.specialties.map((c) => c.code))) continue;
      if (!some(q.category, [...d.unitCategories.map((c) => c.code), d.organization.category?.code])) continue;
      if (!some(q.department, [d.organization.department])) continue;
      if (!some(q.region, [d.organization.region])) continue;
      if (!some(q.commune, d.locations.map((l) => l.commune))) continue;
      if (q.age !== undefined && ((d.ageRange?.low ?? 0) > q.age || (d.ageRange?.high ?? Infinity) < q.age)) continue;
      if (q.gender && d.capacity.free[q.gender] <= 0) continue;
      if (q.available && d.capacity.free.total <= 0) continue;
      if (q.updatedSince !== undefined && !(d.capacity.updatedAt && Date.parse(d.capacity.updatedAt) >= q.updatedSince)) continue;
      let distanceKm: number | undefined;
      if (q.near) {
        const distances = d.locations.filter((l) => l.position).map((l) => greatCircleKm(q.near!.lat, q.near!.lon, l.position!.lat, l.position!.lon));
        if (!distances.length) continue;
        distanceKm = Math.min(...distances);
        if (distanceKm > q.near.radiusKm) continue;
      }
      let score = 0;
      if (terms.length) {
        const text = words(
          [d.name, ...d.aliases, d.organization.name, ...[...d.activities, ...d.careModes, ...d.specialties, ...d.unitCategories].map((c) => c.label), ...d.locations.map((l) => l.communeName ?? '')].join(' '),
        );
        const found = (t: string, i: number) => (q.prefix && i === terms.length - 1 ? text.some((w) => w.startsWith(t)) : text.includes(t));
        if (!terms.every(found)) continue;
        score = terms.length;
      }
      hits.push({ document: d, score, ...(distanceKm !== undefined ? { distanceKm } : {}) });
    }
    const byId = (a: OfferHit, b: OfferHit) => a.document.id.localeCompare(b.document.id);
    const order: Record<OfferQuery['sort'], (a: OfferHit, b: OfferHit) => number> = {
      relevance: (a, b) => b.score - a.score || byId(a, b),
      distance: (a, b) => (a.distanceKm ?? Infinity) - (b.distanceKm ?? Infinity) || byId(a, b),
      freeBeds: (a, b) => b.document.capacity.free.total - a.document.capacity.free.total || byId(a, b),
    };
    hits.sort(order[q.sort]);
    const offset = q.cursor ? Number(q.cursor) : 0;
    const page = hits.slice(offset, offset + q.limit);
    return {
      total: hits.length,
      hits: page,
      facets: Object.fromEntries(q.facets.map((f) => [f, facet(hits, f)])),
      ...(offset + q.limit < hits.length ? { next: String(offset + q.limit) } : {}),
    };
  }

  async suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]> {
    const prefix = fold(text.trim());
    const out = new Map<string, OfferSuggestion>();
    for (const d of this.docs.values()) {
      if (!d.active || (options.hideSensitive && d.sensitive)) continue;
      const candidates: OfferSuggestion[] = [
        { kind: 'unit', id: d.id, label: d.name },
        { kind: 'establishment', id: d.organization.id, label: d.organization.name },
        ...d.locations.filter((l) => l.commune && l.communeName).map((l) => ({ kind: 'commune' as const, id: l.commune!, label: l.communeName! })),
      ];
      for (const c of candidates) if (fold(c.label).startsWith(prefix)) out.set(`${c.kind}/${c.id}`, c);
    }
    return [...out.values()].sort((a, b) => a.label.localeCompare(b.label)).slice(0, options.limit);
  }

  async clear(): Promise<void> {
    this.docs.clear();
  }

  async count(): Promise<number> {
    return this.docs.size;
  }

  async close(): Promise<void> {}
}

function facet(hits: OfferHit[], f: OfferFacet): { code: string; label: string; count: number }[] {
  const counts = new Map<string, { code: string; label: string; count: number }>();
  const add = (code: string | undefined, label: string | undefined) => {
    if (!code) return;
    const e = counts.get(code) ?? { code, label: label ?? code, count: 0 };
    e.count++;
    counts.set(code, e);
  };
  for (const { document: d } of hits) {
    const codes =
      f === 'activity' ? d.activities : f === 'careMode' ? d.careModes : f === 'specialty' ? d.specialties : f === 'category' ? d.unitCategories : undefined;
    if (codes) new Map(codes.map((c) => [c.code, c.label])).forEach((label, code) => add(code, label));
    else if (f === 'department') add(d.organization.department, d.organization.department);
    else add(d.organization.region, d.organization.region);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}
