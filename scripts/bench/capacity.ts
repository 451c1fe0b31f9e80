/**
 * `npm run bench:capacity` — bed-availability updates at regional scale while orientation searches run, against the
 * real server (src/main.ts, which registers the capacity features) in a child process; results in the
 * `## Capacity` section of BENCHMARKS.md.
 *
 * Setup: E establishments (default 200), each with one Location holding three capacity entries (installed beds,
 * free female beds, free male beds) and one HealthcareService at that Location.
 *
 * Load, for D seconds (default 60): every establishment updates its capacity once a second, alternately from two
 * clients, as an establishment with a person and a bed-management tool would; each reads the Location, then writes
 * with If-Match on the version it read:
 * - "form" client: `GET`, 300 ms to submit, `POST /Location/{id}/$set-capacity` (free female beds);
 * - "software" client: `GET`, `PUT /Location/{id}` of the modified resource (free male beds): the read-modify-write
 *   that loses updates when a server ignores versions.
 * A 412 (the other client wrote in between) makes the client re-read the Location and retry (at most 10 times).
 * Meanwhile S orientation clients (default 4) search in a closed loop with the IG's orientation query on Locations
 * (`capacity-type`, `capacity-status`, `gender-capacity-available`, `temporality-capacity`, `nb-capacity=gt0`).
 *
 * Every request carries a bootstrap token made for the run (ROR_BOOTSTRAP_TOKEN, an administrator).
 *
 * Lost-update check at the end: every acknowledged write is a version (versions = 1 + acknowledged writes for each
 * Location) and each Location's free female / male counts are the values of the last acknowledged write of each
 * client.
 *
 * Flags: --duration=S --establishments=N --searchers=N --quick (10 s, 50 establishments; does not rewrite
 * BENCHMARKS.md unless --write) --no-write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './lib/child';
import { bearer, newBootstrapToken } from './lib/credentials';
import { describeMachine, machineFacts } from './lib/machine';
import { fmt, table, writeSection } from './lib/markdown';
import { parseBenchOptions } from './lib/options';
import { percentiles } from './lib/stats';

const ROOT = path.resolve(__dirname, '..', '..');
const CAP = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
const TRE = (n: string) => `https://mos.esante.gouv.fr/NOS/TRE_${n}/FHIR/TRE-${n}`;
/**
 * Every request carries the run's bootstrap token (an administrator): writes need a credential, and bed availability
 * (what the clients read back and the orientation searches filter on) is not shown to anonymous callers.
 */
const TOKEN = newBootstrapToken();
const READ_HEADERS = { accept: 'application/fhir+json', ...bearer(TOKEN) };
const JSON_HEADERS = { 'content-type': 'application/fhir+json', ...READ_HEADERS };
const MAX_RETRIES = 10;
/** Time a person takes between opening the form and submitting it. */
const THINK_MS = 300;

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const cc = (system: string, code: string) => ({ coding: [{ system: TRE(system), code }] });

function entry(status: string, gender: string | undefined, nb: number) {
  const ext: { url: string; [k: string]: unknown }[] = [
    { url: 'capacityType', valueCodeableConcept: cc('R329-NatureCapacite', '01') },
    { url: 'capacityStatus', valueCodeableConcept: cc('R330-TypeStatutCapacite', status) },
    { url: 'temporalityCapacity', valueCodeableConcept: cc('R331-TemporaliteCapacite', '01') },
    { url: 'nbCapacity', valueInteger: nb },
    { url: 'capacitySourceType', valueCodeableConcept: cc('R335-TypeSourceCapacite', '02') },
  ];
  if (gender) ext.push({ url: 'genderCapacityAvailable', valueCodeableConcept: cc('R332-GenreCapacite', gender) });
  ext.push({ url: 'temporaryAssignement', valueCodeableConcept: cc('R337-AffectationTemporaire', '01') });
  return { url: CAP, extension: ext };
}

const locationId = (i: number) => `bench-loc-${i}`;
function location(i: number) {
  return {
    resourceType: 'Location',
    id: locationId(i),
    status: 'active',
    name: `Unité ${i}`,
    extension: [entry('01', undefined, 30), entry('02', '01', i % 4), entry('02', '02', (i + 1) % 4)],
  };
}
function service(i: number) {
  return { resourceType: 'HealthcareService', id: `bench-hs-${i}`, active: true, name: `SSR ${i}`, location: [{ reference: `Location/${locationId(i)}` }] };
}

interface Samples {
  latencies: number[];
  ok: number;
  failures: number;
  conflicts: number;
}
const samples = (): Samples => ({ latencies: [], ok: 0, failures: 0, conflicts: 0 });

const nbOf = (loc: any, gender: string): number | undefined =>
  loc.extension
    ?.filter((e: any) => e.url === CAP)
    .find((e: any) => e.extension.some((s: any) => s.url === 'capacityStatus' && s.valueCodeableConcept.coding[0].code === '02') &&
      e.extension.some((s: any) => s.url === 'genderCapacityAvailable' && s.valueCodeableConcept.coding[0].code === gender))
    ?.extension.find((s: any) => s.url === 'nbCapacity')?.valueInteger;

async function main(): Promise<void> {
  const base = parseBenchOptions();
  const quick = base.quick;
  const durationS = Number(flag('duration') ?? (quick ? 10 : 60));
  const establishments = Number(flag('establishments') ?? (quick ? 50 : 200));
  const searchers = Number(flag('searchers') ?? 4);
  const write = base.write;
  const facts = machineFacts();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-capacity-'));
  const server = await startServer({
    name: 'fhir-capacity',
    script: path.join(__dirname, '..', '..', 'src', 'main.ts'),
    env: { ROR_DATA_DIR: dataDir, ROR_DEMO_DATA: 'false', ROR_BOOTSTRAP_TOKEN: TOKEN, ROR_RATE_LIMIT_PER_MINUTE: '0' },
    readyPath: '/readyz',
  });
  const url = (p: string) => server.origin + p;
  try {
    // Setup, a transaction per 50 establishments.
    for (let from = 0; from < establishments; from += 50) {
      const entry = [];
      for (let i = from; i < Math.min(establishments, from + 50); i++) {
        entry.push({ resource: location(i), request: { method: 'PUT', url: `Location/${locationId(i)}` } });
        entry.push({ resource: service(i), request: { method: 'PUT', url: `HealthcareService/bench-hs-${i}` } });
      }
      const res = await fetch(url('/'), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }) });
      if (!res.ok) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }

    const updates = samples();
    const attempts = samples(); // every write request, 412s included
    const searches = samples();
    const acked = new Map<string, { female?: number; male?: number; writes: number }>();
    const deadline = Date.now() + durationS * 1000;
    let missedTicks = 0;

    async function readLocation(id: string): Promise<{ etag: string; body: any }> {
      const res = await fetch(url(`/Location/${id}`), { headers: READ_HEADERS });
      return { etag: res.headers.get('etag') ?? '', body: await res.json() };
    }

    /** One client of one establishment: `kind` decides the interaction; its writes alternate with the other's. */
    async function client(i: number, kind: 'form' | 'software'): Promise<void> {
      const id = locationId(i);
      const state = acked.get(id) ?? { writes: 0 };
      acked.set(id, state);
      let etag = '';
      let body: any;
      // Values 10..59: never an initial value (0..3), and each write of a client changes its entry, so each
      // acknowledged write is a new version (an unchanged PUT would be a no-op, FHIR allows it).
      let counter = 0;
      const start = Date.now() + ((i * 997) % 1000) + (kind === 'software' ? 1000 : 0);
      for (let tick = 0; ; tick++) {
        let due = start + tick * 2000;
        if (Date.now() > due + 2000) {
          // Saturated: the updates this client could not start in time are skipped, not queued.
          const behind = Math.floor((Date.now() - due) / 2000);
          missedTicks += behind;
          tick += behind;
          due = start + tick * 2000;
        }
        if (due >= deadline || Date.now() >= deadline) return;
        await sleep(due - Date.now());
        const value = 10 + (counter = (counter + 1) % 50);
        const t0 = performance.now();
        // Both clients read before they write (a form shows the current values; a tool merges into the current
        // resource), then write with If-Match on what they read; a person takes a moment to submit.
        ({ etag, body } = await readLocation(id));
        const think = kind === 'form' ? THINK_MS : 0;
        await sleep(think);
        let done = false;
        for (let attempt = 0; attempt <= MAX_RETRIES && !done; attempt++) {
          const a0 = performance.now();
          let res: Response;
          if (kind === 'form') {
            const parameter = [
              { name: 'capacityType', valueCode: '01' },
              { name: 'capacityStatus', valueCode: '02' },
              { name: 'temporalityCapacity', valueCode: '01' },
              { name: 'genderCapacityAvailable', valueCode: '01' },
              { name: 'nbCapacity', valueInteger: value },
            ];
            res = await fetch(url(`/Location/${id}/$set-capacity`), {
              method: 'POST',
              headers: { ...JSON_HEADERS, 'if-match': etag },
              body: JSON.stringify({ resourceType: 'Parameters', parameter }),
            });
          } else {
            const next = structuredClone(body);
            for (const e of next.extension) {
              if (e.url !== CAP) continue;
              const male = e.extension.some((s: any) => s.url === 'genderCapacityAvailable' && s.valueCodeableConcept.coding[0].code === '02');
              if (male) {
                e.extension.find((s: any) => s.url === 'nbCapacity').valueInteger = value;
                e.extension = e.extension.filter((s: any) => s.url !== 'capacityUpdateDate'); // the server dates it
              }
            }
            delete next.meta;
            res = await fetch(url(`/Location/${id}`), { method: 'PUT', headers: { ...JSON_HEADERS, 'if-match': etag }, body: JSON.stringify(next) });
          }
          attempts.latencies.push(performance.now() - a0);
          if (res.status === 200) {
            attempts.ok++;
            etag = res.headers.get('etag') ?? '';
            body = await res.json();
            done = true;
            state.writes++;
            if (kind === 'form') state.female = value;
            else state.male = value;
          } else if (res.status === 412) {
            attempts.conflicts++;
            await res.arrayBuffer();
            ({ etag, body } = await readLocation(id));
          } else {
            attempts.failures++;
            console.error(`${kind} ${id}: ${res.status} ${(await res.text()).slice(0, 300)}`);
            break;
          }
        }
        if (done) {
          updates.ok++;
          updates.latencies.push(performance.now() - t0 - think);
        } else updates.failures++;
      }
    }

    const ORIENTATION =
      '/Location?capacity-type=' + encodeURIComponent(`${TRE('R329-NatureCapacite')}|01`) +
      '&capacity-status=' + encodeURIComponent(`${TRE('R330-TypeStatutCapacite')}|02`) +
      '&gender-capacity-available=' + encodeURIComponent(`${TRE('R332-GenreCapacite')}|01`) +
      '&temporality-capacity=' + encodeURIComponent(`${TRE('R331-TemporaliteCapacite')}|01`) +
      '&nb-capacity=gt0&_count=50';
    async function searcher(): Promise<void> {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        const res = await fetch(url(ORIENTATION), { headers: READ_HEADERS });
        const body = (await res.json()) as any;
        if (res.status === 200 && body.resourceType === 'Bundle') {
          searches.ok++;
          searches.latencies.push(performance.now() - t0);
        } else {
          searches.failures++;
          if (searches.failures < 5) console.error(`search: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        }
      }
    }

    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: establishments }, (_, i) => client(i, 'form')),
      ...Array.from({ length: establishments }, (_, i) => client(i, 'software')),
      ...Array.from({ length: searchers }, () => searcher()),
    ]);
    const elapsedS = (Date.now() - started) / 1000;
    console.error(`load ran ${elapsedS.toFixed(1)} s`);

    // Lost-update check.
    let lost = 0;
    for (let i = 0; i < establishments; i++) {
      const id = locationId(i);
      const state = acked.get(id)!;
      const { body } = await readLocation(id);
      const versions = Number(body.meta.versionId);
      const female = nbOf(body, '01');
      const male = nbOf(body, '02');
      const expectedFemale = state.female ?? i % 4;
      const expectedMale = state.male ?? (i + 1) % 4;
      if (versions !== 1 + state.writes || female !== expectedFemale || male !== expectedMale) {
        lost++;
        if (lost <= 5) console.error(`${id}: versions ${versions} (expected ${1 + state.writes}), female ${female}/${expectedFemale}, male ${male}/${expectedMale}`);
      }
    }

    const [u50, u95, u99] = percentiles(updates.latencies, [50, 95, 99]);
    const [a50, a95, a99] = percentiles(attempts.latencies, [50, 95, 99]);
    const [s50, s95, s99] = percentiles(searches.latencies, [50, 95, 99]);
    const rows = [
      ['capacity update, end to end (412 retries included)', fmt.int(updates.ok / elapsedS), fmt.ms(u50), fmt.ms(u95), fmt.ms(u99), fmt.int(updates.ok), fmt.int(updates.failures)],
      ['… each write request (`$set-capacity` or `PUT`, If-Match)', fmt.int(attempts.latencies.length / elapsedS), fmt.ms(a50), fmt.ms(a95), fmt.ms(a99), fmt.int(attempts.ok), fmt.int(attempts.failures)],
      ['orientation search (Location, 5 capacity criteria)', fmt.int(searches.ok / elapsedS), fmt.ms(s50), fmt.ms(s95), fmt.ms(s99), fmt.int(searches.ok), fmt.int(searches.failures)],
    ];
    const offered = establishments; // updates per second asked for
    const report = [
      '## Capacity',
      '',
      `_Generated by \`npm run bench:capacity\`; ${describeMachine(facts)}_`,
      '',
      `${establishments} establishments each update their bed capacity once a second for ${durationS} s (${offered} updates/s offered), alternately ` +
        `from a form client (\`GET\`, ${THINK_MS} ms to submit, \`POST /Location/{id}/$set-capacity\`) and a software client (\`GET\`, then \`PUT /Location/{id}\` of the modified resource), ` +
        `both with If-Match on the version read; a 412 makes the client re-read and retry. End-to-end update latency counts the reads and retries, not the ${THINK_MS} ms. ${searchers} orientation clients search in a closed loop meanwhile. Latencies in milliseconds, from every request of the run (one run, no warm-up).`,
      '',
      table(['measure', 'per s', 'p50', 'p95', 'p99', 'ok', 'failed'], rows),
      '',
      table(
        ['check', 'result'],
        [
          ['412 conflicts (retried)', fmt.int(attempts.conflicts)],
          ['updates skipped: due while the client was still busy with an earlier one (server saturated)', fmt.int(missedTicks)],
          ['lost updates (Locations whose versions or values differ from the acknowledged writes)', `${lost} of ${establishments}`],
        ],
      ),
      '',
      `1-minute load average at the end: ${os.loadavg()[0].toFixed(2)} (the bench client and the server account for about 2).`,
      '',
      '- Each Location has three capacity entries; the form client sets the free female beds, the software client the free male beds, each to a counter value, so the final values and the number of versions show whether an acknowledged write was lost.',
      '- Every request carries a bootstrap token made for the run (`ROR_BOOTSTRAP_TOKEN`, an administrator): writes need a credential and anonymous callers do not see bed availability.',
      '- Writes are durable (SQLite WAL, `synchronous = FULL`); every update runs the Location write hook (capacityUpdateDate, entry checks), validation, and the search index update in one transaction.',
      `- Quick run: \`npm run bench:capacity -- --quick\` (10 s, 50 establishments, no file written). Full: \`npm run bench:capacity\` (flags \`--duration=S --establishments=N --searchers=N\`).`,
    ].join('\n');
    console.log(report);
    if (lost) process.exitCode = 1;
    if (write) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'Capacity', report);
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
