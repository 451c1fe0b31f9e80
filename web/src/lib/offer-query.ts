/**
 * The search page's state and its URL, both ways: `/ui/recherche?q=…&department=01&available=true` holds the whole
 * query, so a search can be bookmarked, shared, and linked from the dashboard. The same parameters go to
 * `GET /offer/search` (README "Offer search"), which is why the names are the API's. Pure: tested without a browser.
 */

/** The code filters (facets) the page offers, in the API's names. */
export const FACETS = ['activity', 'careMode', 'department', 'category'] as const;
export type Facet = (typeof FACETS)[number];

export const FACET_LABELS: Record<Facet, string> = {
  activity: 'Activité',
  careMode: 'Mode de prise en charge',
  department: 'Département',
  category: 'Catégorie',
};

export interface SearchState {
  q: string;
  filters: Record<Facet, string[]>;
  /** Only units with a free bed now. */
  available: boolean;
  /** Only units whose capacity is fresh (updated within the server's staleness delay). */
  fresh: boolean;
  /** `lat,lon` or an INSEE commune code, with a radius in km. */
  near?: string;
  radius?: number;
  sort?: 'relevance' | 'distance' | 'freeBeds';
}

export function emptyState(): SearchState {
  return { q: '', filters: { activity: [], careMode: [], department: [], category: [] }, available: false, fresh: false };
}

const SORTS = ['relevance', 'distance', 'freeBeds'] as const;

/** Reads a query string (`?q=…&department=01,25&available=true`); what it does not know is ignored. */
export function stateFromQuery(search: string): SearchState {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const state = emptyState();
  state.q = params.get('q') ?? '';
  for (const f of FACETS) {
    state.filters[f] = [...new Set(params.getAll(f).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
  }
  state.available = params.get('available') === 'true';
  state.fresh = params.get('fresh') === 'true';
  const near = params.get('near')?.trim();
  if (near) {
    state.near = near;
    const radius = Number(params.get('radius'));
    if (radius > 0) state.radius = radius;
  }
  const sort = params.get('sort');
  if ((SORTS as readonly string[]).includes(sort ?? '')) state.sort = sort as SearchState['sort'];
  if (state.sort === 'distance' && !state.near) delete state.sort;
  return state;
}

/** The query string of a state (without `?`), in a stable order; empty filters are left out. */
export function queryOfState(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q.trim()) params.set('q', state.q);
  for (const f of FACETS) if (state.filters[f].length) params.set(f, state.filters[f].join(','));
  if (state.available) params.set('available', 'true');
  if (state.fresh) params.set('fresh', 'true');
  if (state.near) {
    params.set('near', state.near);
    if (state.radius) params.set('radius', String(state.radius));
  }
  if (state.sort && state.sort !== 'relevance' && (state.sort !== 'distance' || state.near)) params.set('sort', state.sort);
  return params.toString();
}

/** The page's URL for a state. */
export function searchUrl(state: SearchState): string {
  const q = queryOfState(state);
  return q ? `/ui/recherche?${q}` : '/ui/recherche';
}

/** The API request of a state: `/offer/search?…` with a page size and, for the next page, a cursor. */
export function apiUrl(state: SearchState, options: { limit: number; cursor?: string; availability: boolean }): string {
  // Without access to availability (profile 0), the filters on it would be refused (403): leave them out.
  const s = options.availability ? state : { ...state, available: false, fresh: false, sort: state.sort === 'freeBeds' ? undefined : state.sort };
  const params = new URLSearchParams(queryOfState(s));
  params.set('limit', String(options.limit));
  if (options.cursor) params.set('cursor', options.cursor);
  return `/offer/search?${params}`;
}

/** A state with one facet value added or removed. */
export function toggleFilter(state: SearchState, facet: Facet, code: string): SearchState {
  const values = state.filters[facet];
  const next = values.includes(code) ? values.filter((v) => v !== code) : [...values, code];
  return { ...state, filters: { ...state.filters, [facet]: next } };
}

/** How many filters are on (for "Effacer les filtres (3)"). */
export function activeFilterCount(state: SearchState): number {
  return FACETS.reduce((n, f) => n + state.filters[f].length, 0) + (state.available ? 1 : 0) + (state.fresh ? 1 : 0) + (state.near ? 1 : 0);
}

/** The same search without any filter (the text stays). */
export function withoutFilters(state: SearchState): SearchState {
  return { ...emptyState(), q: state.q };
}

/**
 * The server's reading of the query, when it gives one (`interpretation` in the answer of `/offer/search`; its shape
 * may vary): what it understood, in words, e.g. "femme, disponible". Unknown shapes give nothing.
 */
export function describeInterpretation(interpretation: unknown): string | undefined {
  if (interpretation === undefined || interpretation === null) return undefined;
  if (typeof interpretation === 'string') return interpretation.trim() || undefined;
  const words: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim()) words.push(v.trim());
    else if (typeof v === 'number' || typeof v === 'boolean') words.push(String(v));
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.label === 'string') words.push(o.label);
      else if (typeof o.text === 'string') words.push(o.text);
      else if (typeof o.display === 'string') words.push(o.display);
      else Object.values(o).forEach(add);
    }
  };
  if (typeof interpretation === 'object' && !Array.isArray(interpretation)) {
    const o = interpretation as Record<string, unknown>;
    if (typeof o.summary === 'string') return o.summary.trim() || undefined;
    if (typeof o.text === 'string' && Object.keys(o).length === 1) return o.text.trim() || undefined;
    for (const key of ['filters', 'understood', 'criteria']) if (key in o) add(o[key]);
    if (!words.length) add(o);
  } else add(interpretation);
  const unique = [...new Set(words)];
  return unique.length ? unique.join(', ') : undefined;
}
