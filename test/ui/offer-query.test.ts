/** The search page's URL ↔ state (web/src/lib/offer-query.ts) and the server's interpretation in words. */
import { activeFilterCount, apiUrl, describeInterpretation, emptyState, queryOfState, searchUrl, stateFromQuery, toggleFilter, withoutFilters } from '../../web/src/lib/offer-query';

test('a shared URL gives back the same search, filters and all', () => {
  const s = stateFromQuery('?q=soins%20de%20suite&department=01,25&department=973&activity=172&available=true&fresh=true&sort=freeBeds');
  expect(s).toEqual({
    q: 'soins de suite',
    filters: { activity: ['172'], careMode: [], department: ['01', '25', '973'], category: [] },
    available: true,
    fresh: true,
    sort: 'freeBeds',
  });
  expect(stateFromQuery(queryOfState(s))).toEqual(s);
  expect(searchUrl(s)).toBe('/ui/recherche?q=soins+de+suite&activity=172&department=01%2C25%2C973&available=true&fresh=true&sort=freeBeds');
});

test('what it does not know is ignored; a distance sort needs a place', () => {
  expect(stateFromQuery('?colour=blue&available=yes&sort=sideways')).toEqual(emptyState());
  expect(stateFromQuery('?sort=distance').sort).toBeUndefined();
  expect(stateFromQuery('?near=46.2,5.2&radius=20&sort=distance')).toMatchObject({ near: '46.2,5.2', radius: 20, sort: 'distance' });
  expect(searchUrl(emptyState())).toBe('/ui/recherche');
});

test('the API request: page size and cursor; availability criteria left out for a caller who may not use them', () => {
  const s = { ...stateFromQuery('?q=urgences&available=true&fresh=true&sort=freeBeds&department=01') };
  expect(apiUrl(s, { limit: 20, availability: true, cursor: 'abc' })).toBe('/offer/search?q=urgences&department=01&available=true&fresh=true&sort=freeBeds&limit=20&cursor=abc');
  expect(apiUrl(s, { limit: 20, availability: false })).toBe('/offer/search?q=urgences&department=01&limit=20');
});

test('facets toggle on and off; the count of filters; clearing keeps the text', () => {
  let s = toggleFilter(emptyState(), 'department', '01');
  s = toggleFilter(s, 'department', '973');
  expect(s.filters.department).toEqual(['01', '973']);
  s = toggleFilter(s, 'department', '01');
  expect(s.filters.department).toEqual(['973']);
  s = { ...s, q: 'cardio', available: true };
  expect(activeFilterCount(s)).toBe(2);
  expect(withoutFilters(s)).toEqual({ ...emptyState(), q: 'cardio' });
});

test('the interpretation of the query, whatever its shape, in words', () => {
  expect(describeInterpretation(undefined)).toBeUndefined();
  expect(describeInterpretation('femme, disponible')).toBe('femme, disponible');
  expect(describeInterpretation({ summary: 'lits de femme disponibles' })).toBe('lits de femme disponibles');
  expect(describeInterpretation({ filters: [{ label: 'femme' }, { label: 'disponible' }] })).toBe('femme, disponible');
  expect(describeInterpretation({ gender: { code: 'female', label: 'femme' }, available: { label: 'disponible' } })).toBe('femme, disponible');
  expect(describeInterpretation({})).toBeUndefined();
});
