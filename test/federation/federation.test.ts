/**
 * Federation between two instances of this server, each with its own store: the source serves its offer (through
 * `$export`, or `_lastUpdated` searches and `_history`), the importer reconciles it with the referential sync's
 * rules. Changes and deletions propagate on the next run, local edits survive, a unit whose establishment exists
 * here (same FINESS) is attached to it, and the truncation guard refuses a run that would withdraw too much.
 */
import type { Resource } from '@medplum/fhirtypes';
import { runFederation, normaliseSource, type FederationSourceReport } from '../../src/federation';
import { derivedId, sourceKey } from '../../src/federation/state';
import { reportOf } from '../../src/sync/report';
import { httpServer, stored, tick, type HttpServer } from './helpers';

const FINESS = 'https://finess.esante.gouv.fr';
const org = (id: string, finess: string, name: string): Resource & { id: string } =>
  ({ resourceType: 'Organization', id, identifier: [{ system: FINESS, value: finess }], name, active: true }) as Resource & { id: string };
const unit = (id: string, org: string, extra: Record<string, unknown> = {}): Resource & { id: string } =>
  ({
    resourceType: 'HealthcareService',
    id,
    identifier: [{ system: 'https://ror.source.example/fhir/sid/offre', value: `OFF-${id}` }],
    name: `Unité ${id}`,
    active: true,
    providedBy: { reference: `Organization/${org}` },
    ...extra,
  }) as Resource & { id: string };

let source: HttpServer;
let importer: HttpServer;
let viaSearch: HttpServer;

const UNITS = Array.from({ length: 20 }, (_, i) => `hs-${i + 1}`);

beforeAll(async () => {
  source = await httpServer();
  importer = await httpServer();
  viaSearch = await httpServer();
  await source.put(org('etab-1', '750000001', 'Hôpital Nord (source)'));
  await source.put(org('etab-2', '750000002', 'Clinique Sud'));
  await source.put({ resourceType: 'Location', id: 'loc-2', name: 'Bâtiment B', status: 'active', managingOrganization: { reference: 'Organization/etab-2' } } as Resource & { id: string });
  await source.put(unit('hs-1', 'etab-1', { location: [{ reference: 'Location/loc-2' }] }));
  for (const id of UNITS.slice(1)) await source.put(unit(id, 'etab-2'));
  // The importer holds the first establishment already, under its own id (its FINESS sync or an analyst made it).
  await importer.put(org('local-etab', '750000001', 'Hôpital Nord'));
});
afterAll(async () => {
  await Promise.all([source?.close(), importer?.close(), viaSearch?.close()]);
});

const fed = (target: HttpServer, extra: Partial<Parameters<typeof runFederation>[0]> = {}) =>
  runFederation({
    store: target.server.store,
    kernel: target.server.kernel,
    source: normaliseSource({ url: source.url, types: ['Organization', 'Location', 'HealthcareService'] }),
    pull: { maxPollWaitMs: 20 },
    // The units are few: two of twenty withdrawn in one run is 10 %.
    maxDeactivationShare: 0.25,
    ...extra,
  });
const only = (r: Awaited<ReturnType<typeof fed>>) => r.sources[0] as FederationSourceReport;

describe('through $export', () => {
  const id = (remote: string) => derivedId(sourceKey(source.url), remote);

  test('a first run imports the offer, references rewritten to this store, the known establishment attached', async () => {
    const report = await fed(importer);
    expect(report.status).toBe('success');
    const s = only(report);
    expect(s.mode).toBe('export');
    expect(s.since).toBeUndefined();
    expect(s.created).toBe(2 + 20); // etab-2, loc-2, 20 units; etab-1 is local
    expect(s.local).toBe(1);
    const hs1 = await stored(importer.server, 'HealthcareService', id('hs-1'));
    expect(hs1.meta.source).toBe(source.url);
    expect(hs1.providedBy.reference).toBe('Organization/local-etab');
    expect(hs1.location[0].reference).toBe(`Location/${id('loc-2')}`);
    const hs2 = await stored(importer.server, 'HealthcareService', id('hs-2'));
    expect(hs2.providedBy.reference).toBe(`Organization/${id('etab-2')}`);
    expect((await stored(importer.server, 'Location', id('loc-2'))).managingOrganization.reference).toBe(`Organization/${id('etab-2')}`);
    // The local establishment is never written: its name is this store's, its version the first.
    const local = await stored(importer.server, 'Organization', 'local-etab');
    expect(local.name).toBe('Hôpital Nord');
    expect(local.meta.versionId).toBe('1');
    expect(await stored(importer.server, 'Organization', id('etab-1'))).toBeUndefined();
    // Searchable by source: the regions' offers stay apart.
    const bySource = await importer.fetch(`/HealthcareService?_source=${encodeURIComponent(source.url)}&_summary=count`);
    expect((await bySource.json()).total).toBe(20);
    // The run is a sync run: an AuditEvent listed by $sync-runs, carrying the report.
    const runs = await (await importer.fetch('/$sync-runs')).json();
    const last = reportOf(runs.entry[0].resource)!;
    expect(last.runId).toBe(report.runId);
    expect(last.sources[0]).toMatchObject({ source: 'federation', file: source.url, created: 22 });
  });

  test('the next run takes only what changed (_since): updates, creations, deletions and deactivations, local edits kept', async () => {
    // A local edit of an imported unit, which the source changes too.
    const hs5 = await stored(importer.server, 'HealthcareService', id('hs-5'));
    await importer.put({ ...hs5, name: 'Nom choisi ici' });
    await tick();
    await source.put(unit('hs-2', 'etab-2', { name: 'Renommée à la source' }));
    await source.put(unit('hs-5', 'etab-2', { name: 'Changée à la source' }));
    await source.put(unit('hs-new', 'etab-1'));
    await source.remove('HealthcareService', 'hs-3');
    await source.put(unit('hs-4', 'etab-2', { active: false }));
    await tick();

    const report = await fed(importer);
    expect(report.status).toBe('success');
    const s = only(report);
    expect(s.mode).toBe('export');
    expect(s.since).toBeDefined();
    expect(s.records).toBe(3); // hs-2, hs-5, hs-new: the delta only
    expect(s).toMatchObject({ created: 1, updated: 1, deactivated: 2, keptLocalEdits: 1 });
    expect((await stored(importer.server, 'HealthcareService', id('hs-2'))).name).toBe('Renommée à la source');
    expect((await stored(importer.server, 'HealthcareService', id('hs-5'))).name).toBe('Nom choisi ici');
    expect((await stored(importer.server, 'HealthcareService', id('hs-new'))).providedBy.reference).toBe('Organization/local-etab');
    expect((await stored(importer.server, 'HealthcareService', id('hs-3'))).active).toBe(false);
    expect((await stored(importer.server, 'HealthcareService', id('hs-4'))).active).toBe(false);

    // Once edited here, the unit is local: later changes at the source leave it alone.
    await source.put(unit('hs-5', 'etab-2', { name: 'Encore changée' }));
    await tick();
    const again = only(await fed(importer));
    expect(again).toMatchObject({ created: 0, updated: 0, deactivated: 0, local: 1 });
    expect((await stored(importer.server, 'HealthcareService', id('hs-5'))).name).toBe('Nom choisi ici');
  });

  test('a unit reactivated at the source is reactivated here; a run with nothing new writes nothing', async () => {
    await source.put(unit('hs-4', 'etab-2', { active: true }));
    await tick();
    expect(only(await fed(importer))).toMatchObject({ updated: 1, created: 0, deactivated: 0 });
    expect((await stored(importer.server, 'HealthcareService', id('hs-4'))).active).toBe(true);
    await tick();
    expect(only(await fed(importer))).toMatchObject({ records: 0, created: 0, updated: 0, deactivated: 0 });
  });
});

describe('through _lastUpdated searches and _history (a source without $export)', () => {
  const id = (remote: string) => derivedId(sourceKey(source.url), remote);

  test('a full pull then a delta converge on the same store as the export path', async () => {
    const first = await fed(viaSearch, { mode: 'search', pull: { pageSize: 7 } });
    expect(first.status).toBe('success');
    expect(only(first).mode).toBe('search');
    // Everything the source holds now, hs-3 (deleted there) excepted; hs-5 as the source has it (no local edit here).
    expect(only(first).created).toBe(3 + 19 + 1 - 0); // etab-1 is not local here: 2 organizations, loc-2, 20 units (hs-new, no hs-3)
    expect(await stored(viaSearch.server, 'HealthcareService', id('hs-3'))).toBeUndefined();
    expect((await stored(viaSearch.server, 'HealthcareService', id('hs-1'))).providedBy.reference).toBe(`Organization/${id('etab-1')}`);

    await tick();
    await source.put(unit('hs-6', 'etab-2', { name: 'Renommée par recherche' }));
    await source.remove('HealthcareService', 'hs-7');
    await source.put(unit('hs-8', 'etab-2', { active: false }));
    await tick();
    const delta = only(await fed(viaSearch, { mode: 'search', pull: { pageSize: 7 } }));
    expect(delta.since).toBeDefined();
    expect(delta).toMatchObject({ mode: 'search', updated: 2, deactivated: 1, created: 0 });
    expect((await stored(viaSearch.server, 'HealthcareService', id('hs-6'))).name).toBe('Renommée par recherche');
    expect((await stored(viaSearch.server, 'HealthcareService', id('hs-7'))).active).toBe(false);
    expect((await stored(viaSearch.server, 'HealthcareService', id('hs-8'))).active).toBe(false);
  });
});

describe('the truncation guard', () => {
  test('refuses a run that would withdraw more than the allowed share, writes nothing, and --force applies it', async () => {
    const id = (remote: string) => derivedId(sourceKey(source.url), remote);
    await tick();
    for (const u of ['hs-9', 'hs-10', 'hs-11', 'hs-12']) await source.remove('HealthcareService', u);
    await tick();
    const refused = await fed(importer, { maxDeactivationShare: 0.1 });
    expect(refused.status).toBe('refused');
    // hs-7 and hs-8 went in the search test's delta, which this importer has not seen yet: 6 of its 19 active units.
    expect(refused.error).toMatch(/6 of 19 HealthcareService resources/);
    for (const u of ['hs-9', 'hs-10', 'hs-11', 'hs-12']) expect((await stored(importer.server, 'HealthcareService', id(u))).active).toBe(true);
    // The refused run did not move `since`: the next run sees the same deletions.
    const forced = await fed(importer, { maxDeactivationShare: 0.1, force: true });
    expect(forced.status).toBe('success');
    expect(only(forced).deactivated).toBe(6);
    expect(only(forced).updated).toBe(1); // hs-6
    for (const u of ['hs-9', 'hs-10', 'hs-11', 'hs-12']) expect((await stored(importer.server, 'HealthcareService', id(u))).active).toBe(false);
  });
});
