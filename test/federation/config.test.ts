/**
 * ROR_FEDERATION_SOURCES: a JSON array or a list of URLs, off when unset; bad values fail with the variable named.
 * And the CapabilityStatement check that picks $export or searches.
 */
import { loadFederationConfig, normaliseSource, DEFAULT_TYPES } from '../../src/federation';
import { offersExport } from '../../src/federation/pull';
import { rewriteReference } from '../../src/federation/transform';

test('off by default', () => {
  expect(loadFederationConfig({}).sources).toEqual([]);
  expect(loadFederationConfig({ ROR_FEDERATION_SOURCES: '  ' }).sources).toEqual([]);
});

test('a list of base URLs: default types (targets first) and cron', () => {
  const c = loadFederationConfig({ ROR_FEDERATION_SOURCES: 'https://ror-ara.example/fhir/, https://ror-national.example/fhir', ROR_FEDERATION_CRON: '0 4 * * *' });
  expect(c.sources.map((s) => s.url)).toEqual(['https://ror-ara.example/fhir', 'https://ror-national.example/fhir']);
  expect(c.sources[0]).toMatchObject({ types: DEFAULT_TYPES, cron: '0 4 * * *' });
  expect(c.maxDeactivationShare).toBe(0.05);
});

test('a JSON array with credentials, types in dependency order, the sync guard shared', () => {
  const c = loadFederationConfig({
    ROR_FEDERATION_SOURCES: JSON.stringify([
      { url: 'https://a.example/fhir', token: 'T', types: ['HealthcareService', 'Organization'], cron: '5 1 * * *' },
      { url: 'https://b.example/fhir', clientId: 'ror-84', clientSecret: 's', tokenUrl: 'https://b.example/auth/token' },
    ]),
    ROR_SYNC_MAX_DEACTIVATION: '0.1',
  });
  expect(c.sources[0]).toEqual({ url: 'https://a.example/fhir', token: 'T', types: ['Organization', 'HealthcareService'], cron: '5 1 * * *' });
  expect(c.sources[1]).toMatchObject({ clientId: 'ror-84', clientSecret: 's', tokenUrl: 'https://b.example/auth/token' });
  expect(c.maxDeactivationShare).toBe(0.1);
});

test.each([
  ['[{"url": "ftp://x"}]', /must be http/],
  ['[{"token": "x"}]', /needs a url/],
  ['[{"url": "https://a", "types": ["not a type"]}]', /types must be FHIR resource types/],
  ['[{"url": "https://a", "cron": "every night"}]', /cron/],
  ['[{"url": "https://a", "clientId": "x"}]', /clientId and clientSecret go together/],
  ['[{"url": "https://a", "token": "t", "clientId": "x", "clientSecret": "y"}]', /not both/],
  ['[{"url": "https://a"}, {"url": "https://a/"}]', /listed twice/],
  ['[{"url": ', /ROR_FEDERATION_SOURCES/],
  ['not a url', /not a URL/],
])('%s is refused', (value, message) => {
  expect(() => loadFederationConfig({ ROR_FEDERATION_SOURCES: value })).toThrow(message);
  expect(() => loadFederationConfig({ ROR_FEDERATION_SOURCES: value })).toThrow(/ROR_FEDERATION_SOURCES/);
});

test('$export is used when the CapabilityStatement names it at system level', () => {
  expect(offersExport({ resourceType: 'CapabilityStatement', rest: [{ mode: 'server', operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }] }] } as any)).toBe(true);
  expect(offersExport({ resourceType: 'CapabilityStatement', rest: [{ mode: 'server', operation: [{ name: 'sync-runs', definition: 'x' }] }] } as any)).toBe(false);
  expect(offersExport({ resourceType: 'CapabilityStatement' } as any)).toBe(false);
});

test('references: known ones to their id here, unknown ones to the source, others untouched', () => {
  const base = 'https://a.example/fhir';
  const known = (type: string, id: string) => (type === 'Organization' && id === 'o1' ? 'local-o1' : undefined);
  expect(rewriteReference('Organization/o1', base, known)).toBe('Organization/local-o1');
  expect(rewriteReference(`${base}/Organization/o1`, base, known)).toBe('Organization/local-o1');
  expect(rewriteReference('Organization/o1/_history/3', base, known)).toBe('Organization/local-o1');
  expect(rewriteReference('Practitioner/p9', base, known)).toBe(`${base}/Practitioner/p9`);
  expect(rewriteReference('#contained', base, known)).toBe('#contained');
  expect(rewriteReference('https://elsewhere.example/fhir/Organization/o1', base, known)).toBe('https://elsewhere.example/fhir/Organization/o1');
  expect(rewriteReference('urn:uuid:1234', base, known)).toBe('urn:uuid:1234');
  expect(normaliseSource({ url: 'https://a.example/fhir///' }).url).toBe(base);
});
