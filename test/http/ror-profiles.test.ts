/**
 * ROR profiles over HTTP: writes of resources claiming a ROR profile, $validate, the IG's capacity PATCH scenarios
 * (corrected, test/fixtures/ror/README.md), and the CapabilityStatement.
 */
import request from 'supertest';
import { FHIR_JSON, post, put, testServer, type TestServer } from '../helpers/app';
import { CAPACITY, COMMUNE_COG, fixture, locationWithCapacity, ROR_LOCATION, ROR_SD, subExtension } from '../unit/ror/helpers';

let server: TestServer;

beforeAll(() => {
  server = testServer();
});
afterAll(() => server.close());

function patch(path: string, body: unknown) {
  return request(server.app).patch(path).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
}

function errorPaths(body: any): string[] {
  return (body.issue ?? []).filter((i: any) => i.severity === 'error').map((i: any) => i.expression?.[0]);
}

describe('writes of resources claiming a ROR profile', () => {
  it('creates a conforming RORLocation with capacity', async () => {
    const res = await post(server.app, '/Location', locationWithCapacity());
    expect(res.status).toBe(201);
    expect(res.body.meta.profile).toEqual([ROR_LOCATION]);
  });

  it('answers 422 with the element path for a capacity entry without capacityType', async () => {
    const loc = locationWithCapacity();
    loc.extension[2].extension = loc.extension[2].extension.filter((e: any) => e.url !== 'capacityType');
    const res = await post(server.app, '/Location', loc);
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(errorPaths(res.body)).toEqual(["Location.extension[2].extension('capacityType')"]);
  });

  it('answers 422 on update too (wrong capacity status code, no commune)', async () => {
    const loc = locationWithCapacity();
    loc.id = 'ror-loc-update';
    expect((await put(server.app, '/Location/ror-loc-update', loc)).status).toBe(201);
    subExtension(loc.extension[2], 'capacityStatus').valueCodeableConcept.coding[0].code = '99';
    loc.extension.splice(0, 1);
    const res = await put(server.app, '/Location/ror-loc-update', loc);
    expect(res.status).toBe(422);
    expect(errorPaths(res.body).sort()).toEqual([
      `Location.extension('${COMMUNE_COG}')`,
      'Location.extension[1].extension[1].value.ofType(CodeableConcept)',
    ]);
  });

  it('names the missing extension when a profile requires one and the resource has no extension at all', async () => {
    const loc = locationWithCapacity();
    delete (loc as { extension?: unknown }).extension;
    const res = await post(server.app, '/Location', loc);
    expect(res.status).toBe(422);
    const commune = res.body.issue.find((i: { expression?: string[] }) => i.expression?.[0] === `Location.extension('${COMMUNE_COG}')`);
    expect(commune?.diagnostics).toBe(`Extension ${COMMUNE_COG} is required (1..1) and missing`);
    expect(res.body.issue.map((i: { diagnostics?: string }) => i.diagnostics)).not.toContain('Missing required element (minimum cardinality not met)');
  });

  it('does not hold a resource without meta.profile to the ROR rules', async () => {
    const loc = locationWithCapacity();
    delete loc.meta.profile;
    loc.extension.splice(0, 1);
    expect((await post(server.app, '/Location', loc)).status).toBe(201);
  });

  it('still answers 400 for a base R4 failure of a resource claiming a profile', async () => {
    const loc = locationWithCapacity();
    loc.status = 'open';
    loc.extension.splice(0, 1);
    const res = await post(server.app, '/Location', loc);
    expect(res.status).toBe(400);
  });
});

describe('$validate', () => {
  it('checks the profiles claimed in meta.profile', async () => {
    const loc = locationWithCapacity();
    subExtension(loc.extension[1], 'nbCapacity').valueString = '24';
    delete subExtension(loc.extension[1], 'nbCapacity').valueInteger;
    const res = await post(server.app, '/Location/$validate', loc);
    expect(res.status).toBe(200);
    expect(errorPaths(res.body)).toEqual(['Location.extension[1].extension[3].value.ofType(string)']);
  });

  it('checks ?profile= for a resource that claims none', async () => {
    const loc = locationWithCapacity();
    delete loc.meta.profile;
    loc.extension.splice(0, 1);
    const plain = await post(server.app, '/Location/$validate', loc);
    expect(plain.body.issue).toEqual([expect.objectContaining({ severity: 'information' })]);
    const res = await post(server.app, `/Location/$validate?profile=${encodeURIComponent(ROR_LOCATION)}`, loc);
    expect(res.status).toBe(200);
    expect(errorPaths(res.body)).toEqual([`Location.extension('${COMMUNE_COG}')`]);
  });

  it('takes the profile from a Parameters body', async () => {
    const loc = locationWithCapacity();
    delete loc.meta.profile;
    loc.extension.splice(0, 1);
    const body = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: loc },
        { name: 'profile', valueUri: ROR_LOCATION },
      ],
    };
    const res = await post(server.app, '/Location/$validate', body);
    expect(errorPaths(res.body)).toEqual([`Location.extension('${COMMUNE_COG}')`]);
  });

  it('reports a successful validation of a conforming resource', async () => {
    const res = await post(server.app, '/Location/$validate', locationWithCapacity());
    expect(res.body.issue).toEqual([expect.objectContaining({ severity: 'information', diagnostics: 'validation successful' })]);
  });
});

describe('the IG capacity update scenarios (PATCH, corrected)', () => {
  beforeAll(async () => {
    expect((await put(server.app, '/Location/ror-loc-ssr-1', fixture('Location-ror-base.json'))).status).toBe(201);
  });

  it('scenario 2 adds a capacity entry that conforms to the profile', async () => {
    const res = await patch('/Location/ror-loc-ssr-1', fixture('PATCH-Location-add-supported-capacity.scenario2.fixed.parameters.json'));
    expect(res.status).toBe(200);
    const entries = res.body.extension.filter((e: any) => e.url === CAPACITY);
    expect(entries).toHaveLength(1);
    expect(subExtension(entries[0], 'nbCapacity')).toEqual({ url: 'nbCapacity', valueInteger: 2 });
  });

  it('scenario 3 sets the Covid+ entry to zero', async () => {
    const res = await patch('/Location/ror-loc-ssr-1', fixture('PATCH-Location-zero-capacity.scenario3.fixed.parameters.json'));
    expect(res.status).toBe(200);
    const entry = res.body.extension.find((e: any) => e.url === CAPACITY);
    expect(subExtension(entry, 'nbCapacity')).toEqual({ url: 'nbCapacity', valueInteger: 0 });
  });

  it('a patch producing a non-conforming capacity entry is refused with 422', async () => {
    const body = fixture('PATCH-Location-add-supported-capacity.scenario2.fixed.parameters.json');
    const value = body.parameter[0].part.find((p: any) => p.name === 'value');
    value.part = value.part.filter((p: any) => !(p.name === 'extension' && p.part[0].valueUri === 'capacitySourceType'));
    const res = await patch('/Location/ror-loc-ssr-1', body);
    expect(res.status).toBe(422);
    expect(errorPaths(res.body)).toEqual(["Location.extension[2].extension('capacitySourceType')"]);
  });

  it.each([
    ['PATCH-Location-XXX-add-supported-capacity.scenario2.as-published.json'],
    ['PATCH-Location-XXX-zero-capacity.scenario3.as-published.json'],
  ])('the snippet as published (%s) is refused', async (name) => {
    const res = await patch('/Location/ror-loc-ssr-1', fixture(name));
    expect(res.status).toBe(400);
  });
});

describe('CapabilityStatement', () => {
  it('declares the ROR profiles, the ROR server statement and the ROR SearchParameters', async () => {
    const res = await request(server.app).get('/metadata');
    expect(res.status).toBe(200);
    expect(res.body.instantiates).toEqual([
      'https://interop.esante.gouv.fr/ig/fhir/ror/CapabilityStatement/ror-serveur',
      'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data',
    ]);
    const byType = new Map<string, any>(res.body.rest[0].resource.map((r: any) => [r.type, r]));
    for (const [type, id] of [
      ['Location', 'ror-location'],
      ['HealthcareService', 'ror-healthcareservice'],
      ['Organization', 'ror-organization'],
      ['Practitioner', 'ror-practitioner'],
      ['PractitionerRole', 'ror-practitionerrole'],
      ['Task', 'ror-task'],
    ]) {
      expect(byType.get(type).supportedProfile).toEqual([`${ROR_SD}/${id}`]);
    }
    const location = new Map<string, any>(byType.get('Location').searchParam.map((p: any) => [p.name, p]));
    expect(location.get('capacity-status')).toMatchObject({
      type: 'token',
      definition: 'https://interop.esante.gouv.fr/ig/fhir/ror/SearchParameter/ror-sp-capacity-status',
    });
    expect(location.get('nb-capacity')).toMatchObject({ type: 'number' });
    const organization = byType.get('Organization').searchParam.map((p: any) => p.name);
    expect(organization).toContain('price-amount-value');
  });
});
