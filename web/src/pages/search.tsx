/**
 * Search of the offer (`/ui/recherche`), for analysts and coordinators: a search box with type-ahead, facets
 * (activity, care mode, department, category — counted by the server —, free beds now, fresh figures), the results
 * with their free beds and the age of the figure, a page at a time, and a map of the results (loaded after the
 * list, with Leaflet, in its own chunk). The whole query lives in the URL (lib/offer-query.ts): a search can be
 * shared, and the dashboard links to filtered searches.
 */
import type { ComponentType } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { getJson } from '../lib/api';
import { formatAge, formatNumber } from '../lib/format';
import { availabilityOf, AVAILABILITY_STYLE, describeFreeBeds } from '../lib/offer-availability';
import { activeFilterCount, apiUrl, describeInterpretation, FACET_LABELS, FACETS, searchUrl, stateFromQuery, toggleFilter, withoutFilters, type Facet, type SearchState } from '../lib/offer-query';
import { departmentLabel } from '../lib/offer-territory';
import { useSession, type SessionUser } from '../lib/session';
import type { MapPoint } from '../map/offer-map';
import { SearchCombobox, type Suggestion } from './search-combobox';

const PAGE_SIZE = 20;

interface FacetValue {
  code: string;
  label: string;
  count: number;
}

export interface SearchResult {
  healthcareService: { id: string; name: string };
  organization: { id: string; name: string; finess?: string; department?: string };
  location?: { id: string; commune?: string; communeName?: string; position?: { lat: number; lon: number } };
  distanceKm?: number;
  freeBeds?: { total: number; female: number; male: number; undetermined: number };
  installedBeds: number;
  capacityUpdatedAt?: string;
  stale?: boolean;
  labels: { activity: FacetValue[]; careMode: FacetValue[]; category: FacetValue[] };
}

interface SearchAnswer {
  total: number;
  results: SearchResult[];
  facets: Partial<Record<Facet, FacetValue[]>>;
  next?: string;
  interpretation?: unknown;
}

/** Whether the caller sees bed availability (access profile 0, and the public, see installed beds only). */
function seesAvailability(user: SessionUser | undefined): boolean {
  if (!user) return false;
  return user.role === 'analyst' || user.role === 'admin' || user.accessProfile >= 1;
}

function facetLabel(facet: Facet, v: FacetValue): string {
  return facet === 'department' ? departmentLabel(v.code) : v.label;
}

function Facets({ state, facets, go }: { state: SearchState; facets: SearchAnswer['facets']; go(s: SearchState): void }) {
  return (
    <>
      {FACETS.map((facet) => {
        const values = [...(facets[facet] ?? [])];
        // A chosen value stays listed (and can be unchecked) even when nothing matches it any more.
        for (const code of state.filters[facet]) if (!values.some((v) => v.code === code)) values.push({ code, label: code, count: 0 });
        if (!values.length) return null;
        return (
          <fieldset key={facet} class="facet">
            <legend>{FACET_LABELS[facet]}</legend>
            {values.map((v) => {
              const id = `facette-${facet}-${v.code}`;
              return (
                <div key={v.code} class="check">
                  <input id={id} type="checkbox" checked={state.filters[facet].includes(v.code)} onChange={() => go(toggleFilter(state, facet, v.code))} />
                  <label for={id}>
                    {facetLabel(facet, v)} <span class="count">({v.count})</span>
                  </label>
                </div>
              );
            })}
          </fieldset>
        );
      })}
    </>
  );
}

function ResultItem({ r, availability }: { r: SearchResult; availability: boolean }) {
  const a = availabilityOf(r);
  const style = AVAILABILITY_STYLE[a];
  return (
    <li class="result">
      <h3>
        <a href={`/ui/unites/${encodeURIComponent(r.healthcareService.id)}`}>{r.healthcareService.name}</a>
      </h3>
      <p class="result-org">
        <a href={`/ui/etablissements/${encodeURIComponent(r.organization.id)}`}>{r.organization.name}</a>
        {r.location?.communeName && <> — {r.location.communeName}</>}
        {r.organization.department && <> ({departmentLabel(r.organization.department)})</>}
        {r.distanceKm !== undefined && <> — à {formatNumber(r.distanceKm)} km</>}
      </p>
      <p class="result-beds">
        {availability && <span class={`badge ${style.badge}`}>{style.label}</span>}{' '}
        {availability && <strong>{describeFreeBeds(r.freeBeds)}</strong>}
        {availability && ' · '}
        {formatNumber(r.installedBeds)} installé{r.installedBeds > 1 ? 's' : ''}
        {availability && (
          <>
            {' · '}
            <span class={r.stale ? 'stale' : undefined}>
              mis à jour {formatAge(r.capacityUpdatedAt)}
              {r.stale && r.capacityUpdatedAt ? ' (périmé)' : ''}
            </span>
          </>
        )}
      </p>
      {r.labels.activity.length > 0 && <p class="result-labels">{r.labels.activity.map((l) => l.label).join(' · ')}</p>}
    </li>
  );
}

export default function SearchPage() {
  const { url, route } = useLocation();
  const { user, loading: sessionLoading } = useSession();
  const availability = seesAvailability(user);
  const queryString = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const state = useMemo(() => stateFromQuery(queryString), [queryString]);
  const [text, setText] = useState(state.q);
  const [answer, setAnswer] = useState<SearchAnswer | undefined>();
  const [results, setResults] = useState<SearchResult[]>([]);
  const [error, setError] = useState<Error | undefined>();
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [MapView, setMapView] = useState<ComponentType<{ points: MapPoint[] }> | undefined>();

  useEffect(() => setText(state.q), [state.q]);

  useEffect(() => {
    if (sessionLoading) return;
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    getJson<SearchAnswer>(apiUrl(state, { limit: PAGE_SIZE, availability }), controller.signal).then(
      (a) => {
        setAnswer(a);
        setResults(a.results);
        setLoading(false);
      },
      (e: Error) => {
        if (controller.signal.aborted) return;
        setError(e);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [queryString, availability, sessionLoading]);

  // The map and Leaflet come after the list: the page is usable before they arrive.
  useEffect(() => {
    let live = true;
    import('../map/offer-map').then((m) => live && setMapView(() => m.OfferMap));
    return () => {
      live = false;
    };
  }, []);

  const go = (next: SearchState) => route(searchUrl(next));

  const more = async () => {
    if (!answer?.next) return;
    setLoadingMore(true);
    try {
      const a = await getJson<SearchAnswer>(apiUrl(state, { limit: PAGE_SIZE, availability, cursor: answer.next }));
      setAnswer({ ...answer, next: a.next });
      setResults((rs) => [...rs, ...a.results]);
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  const choose = (s: Suggestion) => {
    if (s.kind === 'unit') route(`/ui/unites/${encodeURIComponent(s.id)}`);
    else if (s.kind === 'establishment') route(`/ui/etablissements/${encodeURIComponent(s.id)}`);
    else go({ ...state, q: '', near: s.id, radius: 20, sort: 'distance' });
  };

  const points: MapPoint[] = useMemo(
    () =>
      results
        .filter((r) => r.location?.position)
        .map((r) => ({
          id: r.healthcareService.id,
          name: r.healthcareService.name,
          organization: r.organization.name,
          lat: r.location!.position!.lat,
          lon: r.location!.position!.lon,
          availability: availability ? availabilityOf(r) : 'unknown',
          details: [
            ...(availability ? [describeFreeBeds(r.freeBeds), `Mis à jour ${formatAge(r.capacityUpdatedAt)}`] : []),
            `${formatNumber(r.installedBeds)} lits ou places installés`,
          ],
        })),
    [results, availability],
  );

  const interpretation = describeInterpretation(answer?.interpretation);
  const filters = activeFilterCount(state);

  return (
    <div class="search-page">
      <PageTitle title="Recherche">Rechercher dans l’offre de soins</PageTitle>
      <form
        role="search"
        class="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          go({ ...state, q: text });
        }}
      >
        <SearchCombobox value={text} onInput={setText} onChoose={choose} />
        <button type="submit">Rechercher</button>
      </form>

      <div class="search-layout">
        <aside class="search-filters" aria-labelledby="filtres-titre">
          <h2 id="filtres-titre">Filtres</h2>
          {availability && (
            <fieldset class="facet">
              <legend>Disponibilité</legend>
              <div class="check">
                <input id="filtre-disponible" type="checkbox" checked={state.available} onChange={() => go({ ...state, available: !state.available })} />
                <label for="filtre-disponible">Lits disponibles maintenant</label>
              </div>
              <div class="check">
                <input id="filtre-frais" type="checkbox" checked={state.fresh} onChange={() => go({ ...state, fresh: !state.fresh })} />
                <label for="filtre-frais">Données à jour uniquement</label>
              </div>
            </fieldset>
          )}
          {answer && <Facets state={state} facets={answer.facets} go={go} />}
          {filters > 0 && (
            <button type="button" class="secondary" onClick={() => go(withoutFilters(state))}>
              Effacer les filtres ({filters})
            </button>
          )}
        </aside>

        <section class="search-results" aria-labelledby="resultats-titre">
          <div class="results-head">
            <h2 id="resultats-titre">Résultats</h2>
            <label class="sort">
              Trier par{' '}
              <select value={state.sort ?? 'relevance'} onChange={(e) => go({ ...state, sort: (e.target as HTMLSelectElement).value as SearchState['sort'] })}>
                <option value="relevance">pertinence</option>
                {availability && <option value="freeBeds">lits disponibles</option>}
                {state.near && <option value="distance">distance</option>}
              </select>
            </label>
          </div>
          <p role="status" class="results-count">
            {loading ? 'Recherche…' : answer ? `${formatNumber(answer.total)} unité${answer.total > 1 ? 's' : ''} trouvée${answer.total > 1 ? 's' : ''}` : ''}
          </p>
          {interpretation && <p class="interpretation">Filtres compris : {interpretation}</p>}
          {error && <ErrorNotice error={error} />}
          {!availability && !sessionLoading && (
            <Notice>Votre profil d’accès montre les lits installés ; la disponibilité est réservée aux professionnels connectés.</Notice>
          )}
          {MapView ? <MapView points={points} /> : <Loading what="Chargement de la carte" />}
          {answer && !loading && results.length === 0 && <p>Aucune unité ne correspond. Essayez d’autres mots ou retirez des filtres.</p>}
          <ol class="results">
            {results.map((r) => (
              <ResultItem key={r.healthcareService.id} r={r} availability={availability} />
            ))}
          </ol>
          {answer?.next && (
            <button type="button" onClick={more} disabled={loadingMore}>
              {loadingMore ? 'Chargement…' : `Afficher plus de résultats (${results.length} sur ${formatNumber(answer.total)})`}
            </button>
          )}
        </section>
      </div>
    </div>
  );
}
