/**
 * history at instance, type and system level: https://hl7.org/fhir/R4/http.html#history
 * Newest first, `_since` (instant), `_count`, and opaque `_cursor` paging links (stable while data changes: a
 * cursor is a position in the append-only history, not an offset). The Bundle is sent as JSON written around the
 * versions' stored JSON (HistoryBundle.toJson), as searchsets are (../search/bundle.ts).
 */
import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import type { StoredVersion, StoreReader } from '../../store/store';
import { InvalidCursorError } from '../../store/errors';
import { badRequest } from '../../errors';
import { assertKnownType, assertValidId } from '../ids';
import { etag } from '../versioning';
import type { Presenter } from '../../kernel/hooks';
import type { ReadView, SerializableResource } from '../context';
import type { Route } from '../route-table';

export interface HistoryInput {
  resourceType?: string;
  id?: string;
  params: [string, string][];
  baseUrl: string;
  presenter: Presenter;
  /** The caller's view: versions it hides are left out (and the total, counted without it, is not given). */
  view?: Pick<ReadView, 'hides' | 'seesAll'>;
}

/** GET /_history, /[type]/_history, /[type]/[id]/_history. */
export const historyRoutes: Route[] = ['_history', ':type/_history', ':type/:id/_history'].map((pattern) => ({
  method: 'GET',
  pattern,
  handler: async (ctx, req, { type, id }, io) => ({
    status: 200,
    serializable: await history(io.reader, { resourceType: type, id, params: req.query, baseUrl: ctx.baseUrl, presenter: ctx.view, view: ctx.view }, ctx.limits),
  }),
}));

const INSTANT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

export async function history(
  reader: StoreReader,
  input: HistoryInput,
  limits: { defaultCount: number; maxCount: number },
): Promise<HistoryBundle> {
  if (input.resourceType) assertKnownType(input.resourceType);
  if (input.id) assertValidId(input.id);
  let count = limits.defaultCount;
  let since: string | undefined;
  let cursor: string | undefined;
  for (const [name, value] of input.params) {
    if (name === '_count') {
      if (!/^[0-9]+$/.test(value)) throw badRequest(`_count must be a whole number, got '${value}'`, ['_count']);
      count = Math.min(Number(value), limits.maxCount);
    } else if (name === '_since') {
      if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
        throw badRequest(`_since must be an instant such as 2026-01-31T12:00:00Z, got '${value}'`, ['_since']);
      }
      since = new Date(value).toISOString();
    } else if (name === '_cursor') {
      cursor = value;
    }
  }
  let page;
  try {
    page = await reader.history({ resourceType: input.resourceType, id: input.id, since, count, cursor });
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badRequest(err.message, ['_cursor']);
    throw err;
  }
  const path = [input.resourceType, input.id, '_history'].filter(Boolean).join('/');
  const selfUrl = linkUrl(input.baseUrl, path, { _since: since, _count: String(count), _cursor: cursor });
  const link: BundleLink[] = [
    { relation: 'self', url: selfUrl },
    { relation: 'first', url: linkUrl(input.baseUrl, path, { _since: since, _count: String(count) }) },
  ];
  if (page.next) {
    link.push({ relation: 'next', url: linkUrl(input.baseUrl, path, { _since: since, _count: String(count), _cursor: page.next }) });
  }
  const view = input.view;
  if (view && !view.seesAll) {
    // A deletion's entry carries no resource, only its id: it is kept.
    const entries = page.entries.filter((v) => !view.hides(v));
    return new HistoryBundle(input.baseUrl, undefined, link, entries, input.presenter);
  }
  return new HistoryBundle(input.baseUrl, page.total, link, page.entries, input.presenter);
}

/** A history Bundle: its object (toResource) or the same bytes written around the stored JSON (toJson). */
export class HistoryBundle implements SerializableResource {
  constructor(
    private readonly baseUrl: string,
    private readonly total: number | undefined,
    private readonly link: BundleLink[],
    private readonly versions: StoredVersion[],
    private readonly presenter: Presenter,
  ) {}

  toResource(): Bundle {
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: this.total,
      link: this.link,
      entry: this.versions.map((v) => historyEntry(this.baseUrl, v, this.presenter)),
    };
  }

  /** Byte for byte JSON.stringify(toResource()): the keys in the same order, each resource's stored JSON copied. */
  toJson(): string {
    const entries = this.versions.map((v) => {
      const { fullUrl, request, response } = historyEntry(this.baseUrl, v);
      const resource = v.deleted ? '' : `"resource":${this.presenter.presentJson(v)},`;
      return `{"fullUrl":${JSON.stringify(fullUrl)},${resource}"request":${JSON.stringify(request)},"response":${JSON.stringify(response)}}`;
    });
    const total = this.total !== undefined ? `,"total":${JSON.stringify(this.total)}` : '';
    return `{"resourceType":"Bundle","type":"history"${total},"link":${JSON.stringify(this.link)},"entry":[${entries.join(',')}]}`;
  }
}

function linkUrl(baseUrl: string, path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const qs = q.toString();
  return `${baseUrl}/${path}${qs ? `?${qs}` : ''}`;
}

/** A version's entry; without a presenter the resource is left out (toJson copies its stored JSON instead). */
function historyEntry(baseUrl: string, v: StoredVersion, presenter?: Presenter): BundleEntry {
  const url = `${v.resourceType}/${v.id}`;
  const entry: BundleEntry = { fullUrl: `${baseUrl}/${url}` };
  if (v.deleted) {
    entry.request = { method: 'DELETE', url };
    entry.response = { status: '204 No Content', etag: etag(v.versionId), lastModified: v.lastUpdated };
  } else {
    if (presenter) entry.resource = presenter.present(JSON.parse(v.json));
    const created = v.versionId === '1';
    entry.request = { method: created ? 'POST' : 'PUT', url: created ? v.resourceType : url };
    entry.response = {
      status: created ? '201 Created' : '200 OK',
      etag: etag(v.versionId),
      lastModified: v.lastUpdated,
      location: `${url}/_history/${v.versionId}`,
    };
  }
  return entry;
}

