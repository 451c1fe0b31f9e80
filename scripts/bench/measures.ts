/**
 * `npm run bench:measures` — the time to compute every indicator nationally: a generated store of
 * BENCH_MEASURES_UNITS units (default 30,000; the nation is ≈ 300,000) with one bed zone each (capacity dated over
 * the last three days), one establishment per 6 units spread over the departments, a data-quality Task per 10 units
 * and an audit event per 5, written through the kernel's bulk road (tx.prepare + tx.storeBatch, as the sync writes).
 * Then `evaluateAll` (the nightly run) computes the 8 indicators for every region and department met, without
 * storing (dry run) and then storing the reports. Results go to BENCHMARKS.md, section "## Indicators".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { composeKernel } from '../../src/main';
import { systemActor } from '../../src/kernel/actor';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { evaluateAll, installMeasureDefinitions } from '../../src/quality/measures';
import { describeMachine, machineFacts } from './lib/machine';
import { table, writeSection } from './lib/markdown';

const UNITS = Number(process.env.BENCH_MEASURES_UNITS ?? 30_000);
const NATION = 300_000;
const H = 3_600_000;
const DEPTS = [...Array.from({ length: 95 }, (_, i) => String(i + 1).padStart(2, '0')).filter((d) => d !== '20'), '2A', '2B'];
const R211 = 'https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle';
const CAP = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
const tre = (id: string) => `https://mos.esante.gouv.fr/NOS/${id}/FHIR/${id.replace('_', '-')}`;
const cc = (url: string, system: string, code: string) => ({ url, valueCodeableConcept: { coding: [{ system: tre(system), code }] } });

function capacity(status: string, n: number, at: number) {
  return {
    url: CAP,
    extension: [
      cc('capacityType', 'TRE_R329-NatureCapacite', '01'),
      cc('capacityStatus', 'TRE_R330-TypeStatutCapacite', status),
      cc('temporalityCapacity', 'TRE_R331-TemporaliteCapacite', '01'),
      { url: 'nbCapacity', valueInteger: n },
      { url: 'capacityUpdateDate', valueDateTime: new Date(at).toISOString() },
    ],
  };
}

function* generate(now: number): Generator<Resource & { id: string }> {
  const orgs = Math.ceil(UNITS / 6);
  for (let o = 0; o < orgs; o++) {
    const dept = DEPTS[o % DEPTS.length];
    const finess = `${dept.replace('A', '0').replace('B', '0')}${String(o).padStart(7, '0')}`.slice(0, 9);
    yield {
      resourceType: 'Organization',
      id: `o${o}`,
      identifier: [{ system: 'https://finess.esante.gouv.fr', value: finess, type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'FINEG' }] } }],
      name: `Établissement ${o}`,
      active: true,
      address: [{ postalCode: `${dept === '2A' ? '200' : dept === '2B' ? '202' : dept}${String(o % 900).padStart(3, '0')}`.slice(0, 5) }],
    } as Resource & { id: string };
  }
  for (let u = 0; u < UNITS; u++) {
    const installed = 10 + (u % 30);
    const updated = now - ((u * 7919) % 72) * H;
    if (u % 20 !== 0) yield { resourceType: 'Location', id: `l${u}`, status: 'active', extension: [capacity('01', installed, updated), capacity('02', u % 7, updated)] } as Resource & { id: string };
    yield {
      resourceType: 'HealthcareService',
      id: `u${u}`,
      active: true,
      providedBy: { reference: `Organization/o${u % orgs}` },
      specialty: [{ coding: [{ system: R211, code: String(100 + (u % 40)) }] }],
      ...(u % 20 !== 0 ? { location: [{ reference: `Location/l${u}` }] } : {}),
    } as Resource & { id: string };
    if (u % 10 === 0) {
      yield {
        resourceType: 'Task',
        id: `t${u}`,
        status: u % 30 === 0 ? 'completed' : 'requested',
        intent: 'order',
        code: { coding: [{ code: String(1 + (u % 3)).padStart(2, '0') }] },
        owner: { reference: `Organization/o${u % orgs}` },
        authoredOn: new Date(now - (u % 40) * 24 * H).toISOString(),
        ...(u % 30 === 0 ? { executionPeriod: { end: new Date(now - H).toISOString() } } : {}),
      } as Resource & { id: string };
    }
    if (u % 5 === 0) {
      yield {
        resourceType: 'AuditEvent',
        id: `a${u}`,
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
        recorded: new Date(now - (u % 24) * H).toISOString(),
        agent: [{ requestor: true, altId: `client:c${u % 12}`, who: { display: `client:c${u % 12} (consumer)` } }],
        source: { observer: { display: 'ROR FHIR server' } },
      } as Resource & { id: string };
    }
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-measures-'));
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir: dir }, kernel.indexer);
  const now = Date.now();
  try {
    const t0 = Date.now();
    let batch: (Resource & { id: string })[] = [];
    let written = 0;
    const flush = async () => {
      const items = batch;
      batch = [];
      await kernel.transaction(store, systemActor('bench'), async (tx) => {
        const prepared = items.map((r) => ({ resource: tx.prepare(r, undefined) as Resource & { id: string }, current: undefined }));
        await tx.storeBatch(prepared, new Array(prepared.length).fill(undefined));
      });
      written += items.length;
    };
    const load = async () => {
      for (const r of generate(now)) {
        batch.push(r);
        if (batch.length >= 2000) await flush();
      }
      if (batch.length) await flush();
    };
    await (store.bulkLoad ? store.bulkLoad(load) : load());
    const loadMs = Date.now() - t0;
    console.error(`generated ${written} resources (${UNITS} units) in ${(loadMs / 1000).toFixed(1)} s`);
    await installMeasureDefinitions(kernel, store);
    const label = (s: string, c: string) => kernel.terminology.display(s, c);
    const period = { start: now - 24 * H, end: now };
    const dry = await evaluateAll({ store, kernel, label, period, dryRun: true });
    console.error(`computed ${dry.reports.length} reports for ${dry.subjects} subjects in ${(dry.ms / 1000).toFixed(1)} s (not stored)`);
    const stored = await evaluateAll({ store, kernel, label, period });
    console.error(`computed and stored ${stored.reports.length} reports in ${(stored.ms / 1000).toFixed(1)} s`);
    const factor = NATION / UNITS;
    const body = [
      `\`npm run bench:measures\` (scripts/bench/measures.ts), ${new Date().toISOString().slice(0, 10)}, ${describeMachine(machineFacts())}.`,
      '',
      `Generated store: ${UNITS.toLocaleString('en')} units (one bed zone each but 1 in 20, capacity dated over the last 72 h), ${Math.ceil(UNITS / 6).toLocaleString('en')} establishments over ${DEPTS.length} departments, ${Math.ceil(UNITS / 10).toLocaleString('en')} Tasks, ${Math.ceil(UNITS / 5).toLocaleString('en')} AuditEvents (${written.toLocaleString('en')} resources, written through the kernel's bulk road in ${(loadMs / 1000).toFixed(0)} s). The nightly run (\`evaluateAll\`): 8 indicators for every region and department met, facts gathered once.`,
      '',
      table(
        ['run', 'reports', 'subjects', 'time', `extrapolated to ${NATION.toLocaleString('en')} units (× ${factor.toFixed(1)}, linear)`],
        [
          ['all indicators, computed only', String(dry.reports.length), String(dry.subjects), `${(dry.ms / 1000).toFixed(1)} s`, `≈ ${((dry.ms * factor) / 1000).toFixed(0)} s`],
          ['all indicators, computed and stored', String(stored.reports.length), String(stored.subjects), `${(stored.ms / 1000).toFixed(1)} s`, `≈ ${((stored.ms * factor) / 1000).toFixed(0)} s`],
        ],
      ),
      '',
      `The cost is one pass over Organizations, HealthcareServices, Locations, Tasks and the day's AuditEvents (page by page, 1,000 at a time, JSON parsed once), linear in the store's size; the evaluation per subject filters the gathered facts. The extrapolation assumes that linearity (the store's id-ordered pages do not slow down with size in the other benches); it was not run at 300k here.`,
    ].join('\n');
    writeSection(path.join(__dirname, '..', '..', 'BENCHMARKS.md'), 'Indicators', body);
    console.log(body);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
