import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Location, Organization } from '@medplum/fhirtypes';
import { ET_EXCERPT, FIXTURES, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';

const SAMPLE = fs.readFileSync(path.join(FIXTURES, 'finess', 'sample-finess-structures-journalier-20260309.EXCERPT.json'));

describe('FINESS+ JSON', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('the ANS sample (gzipped): legal entities, establishments, closed ones inactive, swapped X/Y detected', async () => {
    const file = env.file('finess-structures-journalier-20260309.json.gz', zlib.gzipSync(SAMPLE));
    const report = await env.run({ finessPlus: file });
    expect(report.sources[0].rejections).toEqual([]);
    expect(report.sources[0].counts).toMatchObject({ 'finess-ej': { created: 2 }, 'finess-et': { created: 1 }, 'finess-et-location': { created: 1 } });
    const [closed] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010000016');
    expect(closed.active).toBe(false);
    const [ej] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010000156');
    expect(ej.identifier?.map((i) => i.value)).toEqual(['1010000156', '010000156', '772201489']);
    const [et] = await env.find<Organization>('Organization', 'identifier=https://finess.esante.gouv.fr|010780195');
    expect(et.partOf?.reference).toBe(`Organization/${ej.id}`);
    expect(et.type?.[0].coding?.[0].code).toBe('365');
    const [loc] = await env.find<Location>('Location', 'identifier=https://finess.esante.gouv.fr|010780195');
    // coordonneeX 6570414.61 / coordonneeY 873766.07 are a Lambert-93 northing/easting: swapped, then converted.
    expect(loc.position!.latitude).toBeCloseTo(46.211257, 4);
    expect(loc.position!.longitude).toBeCloseTo(5.254203, 4);
    expect(loc.extension?.[0].valueCodeableConcept?.coding?.[0].code).toBe('01053');
    // A daily file is a delta: running it again alone deactivates nothing, and changes nothing.
    const again = await env.run({ finessPlus: file });
    expect(again.totals).toMatchObject({ created: 0, updated: 0, deactivated: 0 });
  });
});

describe('URL sources', () => {
  let env: SyncEnv;
  let server: http.Server;
  let base: string;
  const body = fs.readFileSync(ET_EXCERPT);
  const sha = createHash('sha256').update(body).digest('hex');
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/etalab.csv') res.end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('downloaded, size and checksum checked', async () => {
    const report = await env.run({ finess: `${base}/etalab.csv#sha256=${sha}&size=${body.length}` });
    expect(report.status).toBe('success');
    expect(report.totals.created).toBe(28);
  });

  test('a checksum mismatch fails the source before anything is written', async () => {
    const report = await env.run({ finess: `${base}/etalab.csv#sha256=${'0'.repeat(64)}` });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/SHA-256 .* expected 0000/);
    expect(await env.store.read('Organization', 'finess-et-010000024')).toBeUndefined();
  });

  test('HTTP errors are reported', async () => {
    const report = await env.run({ finess: `${base}/missing.csv` });
    expect(report.error).toMatch(/HTTP 404/);
  });
});
