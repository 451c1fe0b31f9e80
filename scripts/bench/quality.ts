/**
 * `npm run bench:quality [-- --scale 0.02] [--writes 2000] [--write]` — what the data-quality rules cost
 * (README "Data quality"):
 * 1. on a write: Location updates through the kernel (a capacity count changed), on a kernel with the rules (the
 *    `quality:` notifier) and one without, alternated in rounds (A/B) on the same store; the inline write latency of
 *    each, and the background work per write (the drain judging it and keeping its tasks), as ratios to the write
 *    without the rules;
 * 2. on the nightly sync: synthetic national-shaped extracts (scripts/generate-extracts.ts) at `--scale`, a full
 *    import then a nightly run with 1% of the records changed, each followed by the drain of what it queued; the
 *    nightly's time with its drain, extrapolated linearly to scale 1 (what the nightly run changes grows with the
 *    extract).
 * Prints Markdown; `--write` replaces the "## Data quality rules" section of BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pino from 'pino';
import type { Location, Resource } from '@medplum/fhirtypes';
import { composeKernel } from '../../src/main';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { runSync } from '../../src/sync/run';
import { QualityWorker, type QualityConfig } from '../../src/quality/tasks';
import type { Actor } from '../../src/kernel/actor';

const ADMIN: Actor = { kind: 'admin', name: 'bench' };
const logger = pino({ level: 'silent' });
const quality: QualityConfig = { sweepMinutes: 0, enabled: true, staleHours: 24, now: () => new Date() };
const CAP = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
const tre = (n: string) => `https://mos.esante.gouv.fr/NOS/TRE_${n}/FHIR/TRE-${n}`;
const cc = (url: string, n: string, code: string) => ({ url, valueCodeableConcept: { coding: [{ system: tre(n), code }] } });
const capacity = (status: string, nb: number) => ({
  url: CAP,
  extension: [
    cc('capacityType', 'R329-NatureCapacite', '01'),
    cc('capacityStatus', 'R330-TypeStatutCapacite', status),
    cc('temporalityCapacity', 'R331-TemporaliteCapacite', '01'),
    { url: 'nbCapacity', valueInteger: nb },
    cc('capacitySourceType', 'R335-TypeSourceCapacite', '01'),
    cc('genderCapacityAvailable', 'R332-GenreCapacite', '03'),
    cc('temporaryAssignement', 'R337-AffectationTemporaire', '01'),
  ],
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (ns: bigint) => Number(ns) / 1e6;
/** Resources the national nightly of BENCHMARKS.md "## Sync" writes (1% of the records changed). */
const NATIONAL_NIGHTLY_CHANGES = 17_251;

async function writeCost(writes: number): Promise<{ without: number; withRules: number; drainPerWrite: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-q-'));
  const withRules = composeKernel({ quality, logger });
  const without = composeKernel({ quality, logger, qualityRules: false });
  const store = new SqliteStore({ dataDir: dir }, withRules.kernel.indexer);
  const worker = new QualityWorker({ store, kernel: withRules.kernel, config: quality, logger });
  const units = 200;
  await withRules.kernel.transaction(store, ADMIN, async (tx) => {
    for (let i = 0; i < units; i++) {
      await tx.put({ resourceType: 'Organization', id: `o${i}`, name: `Établissement ${i}`, active: true, identifier: [{ system: 'https://finess.esante.gouv.fr', value: String(10000000 + i).padStart(9, '0') }] } as Resource & { id: string });
      await tx.put({ resourceType: 'Location', id: `l${i}`, name: `Zone ${i}`, status: 'active', managingOrganization: { reference: `Organization/o${i}` }, position: { latitude: 45, longitude: 5 }, address: { city: 'Lyon' }, extension: [capacity('01', 20), capacity('02', 5)] } as Resource & { id: string });
      await tx.put({ resourceType: 'HealthcareService', id: `h${i}`, name: `Unité ${i}`, active: true, providedBy: { reference: `Organization/o${i}` }, location: [{ reference: `Location/l${i}` }] } as Resource & { id: string });
    }
  });
  await worker.drain();
  const samples = { with: [] as number[], without: [] as number[] };
  let drainMs = 0;
  let drained = 0;
  let n = 0;
  const round = 100;
  for (let r = 0; n < writes; r++) {
    const useRules = r % 2 === 0;
    const kernel = useRules ? withRules.kernel : without.kernel;
    for (let k = 0; k < round; k++, n++) {
      const id = `l${n % units}`;
      const t0 = process.hrtime.bigint();
      await kernel.transaction(store, ADMIN, async (tx) => {
        const current = await tx.read('Location', id);
        const loc = JSON.parse(current!.json) as Location;
        loc.extension = [capacity('01', 20), capacity('02', n % 15)];
        await tx.store(loc, { id, current });
      });
      (useRules ? samples.with : samples.without).push(ms(process.hrtime.bigint() - t0));
    }
    if (useRules) {
      const t0 = process.hrtime.bigint();
      const d = await worker.drain();
      drainMs += ms(process.hrtime.bigint() - t0);
      drained += d.messages;
    }
  }
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { without: median(samples.without), withRules: median(samples.with), drainPerWrite: drainMs / Math.max(1, drained) };
}

const FILES = (dir: string) => ({
  finessEj: path.join(dir, 'etalab-cs1100501-stock-20260512-0339.csv'),
  finess: path.join(dir, 'etalab-cs1100507-stock-20260512-0339.csv'),
  rpps: path.join(dir, 'PS_LibreAcces_Personne_activite_202610080000.txt'),
});

async function syncCost(scale: number) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-qsync-'));
  const gen = (out: string, change: number) =>
    execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'generate-extracts.ts'), '--out', out, '--scale', String(scale), '--change', String(change)], { stdio: ['ignore', 'ignore', 'inherit'] });
  gen(path.join(work, 'base'), 0);
  gen(path.join(work, 'nightly'), 0.01);
  const { kernel } = composeKernel({ quality, logger });
  const store = new SqliteStore({ dataDir: path.join(work, 'data') }, kernel.indexer);
  const worker = new QualityWorker({ store, kernel, config: quality, logger, batch: 500 });
  const timed = async <T>(fn: () => Promise<T>) => {
    const t0 = Date.now();
    const out = await fn();
    return { out, ms: Date.now() - t0 };
  };
  const full = await timed(() => store.bulkLoad(() => runSync({ store, kernel, sources: FILES(path.join(work, 'base')), trigger: 'cli', validateOnThread: true })));
  const fullDrain = await timed(() => worker.drain());
  const nightly = await timed(() => runSync({ store, kernel, sources: FILES(path.join(work, 'nightly')), trigger: 'cli', validateOnThread: true }));
  const nightlyDrain = await timed(() => worker.drain());
  const openTasks = (await store.search({ resourceTypes: ['Task'], where: [{ kind: 'token', code: 'status', values: [{ code: 'ready' }] }], sort: [], count: 0, total: 'accurate' })).total;
  await store.close();
  fs.rmSync(work, { recursive: true, force: true });
  return { full, fullDrain, nightly, nightlyDrain, openTasks };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const scale = Number(opt('--scale') ?? 0.02);
  const writes = Number(opt('--writes') ?? 2000);
  const w = await writeCost(writes);
  console.error(`write: ${JSON.stringify(w)}`);
  const s = await syncCost(scale);
  console.error(`sync: ${JSON.stringify({ ...s, full: { ms: s.full.ms, totals: s.full.out.totals }, nightly: { ms: s.nightly.ms, totals: s.nightly.out.totals } })}`);
  const x = (v: number) => `${v.toFixed(2)}×`;
  const sec = (v: number) => `${(v / 1000).toFixed(1)} s`;
  const md = [
    '## Data quality rules',
    '',
    `\`npm run bench:quality -- --scale ${scale} --writes ${writes}\` (scripts/bench/quality.ts), ${os.cpus().length} CPUs, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '**On a write** (a Location\'s capacity updated through the kernel, 200 units with their bed zones; rounds of 100 writes',
    'alternated with and without the `quality:` notifier, same store; medians):',
    '',
    '| | ms | ratio to the write without the rules |',
    '| --- | --- | --- |',
    `| write without the rules | ${w.without.toFixed(3)} | 1.00× |`,
    `| write with the rules (inline: one outbox message) | ${w.withRules.toFixed(3)} | ${x(w.withRules / w.without)} |`,
    `| background drain per write (rules + task writes, mean) | ${w.drainPerWrite.toFixed(3)} | ${x(w.drainPerWrite / w.without)} |`,
    `| total work per write | ${(w.withRules + w.drainPerWrite).toFixed(3)} | ${x((w.withRules + w.drainPerWrite) / w.without)} |`,
    '',
    `**On the sync** (synthetic extracts at scale ${scale}, the sync with the \`quality:\` notifier, then the drain of what it queued):`,
    '',
    '| phase | resources written | sync run | drain of the quality queue | drain per message |',
    '| --- | --- | --- | --- | --- |',
    `| full import (bulk load) | ${s.full.out.totals.created + s.full.out.totals.updated} | ${sec(s.full.ms)} | ${sec(s.fullDrain.ms)} (${s.fullDrain.out.messages} messages) | ${(s.fullDrain.ms / Math.max(1, s.fullDrain.out.messages)).toFixed(2)} ms |`,
    `| nightly (1% changed) | ${s.nightly.out.totals.created + s.nightly.out.totals.updated + s.nightly.out.totals.deactivated} | ${sec(s.nightly.ms)} | ${sec(s.nightlyDrain.ms)} (${s.nightlyDrain.out.messages} messages) | ${(s.nightlyDrain.ms / Math.max(1, s.nightlyDrain.out.messages)).toFixed(2)} ms |`,
    '',
    `National nightly, extrapolated: the drain's cost is per message, so ${NATIONAL_NIGHTLY_CHANGES.toLocaleString('en')} changed resources (the national nightly of "## Sync") × ${(s.nightlyDrain.ms / Math.max(1, s.nightlyDrain.out.messages)).toFixed(2)} ms ≈ **${sec((NATIONAL_NIGHTLY_CHANGES * s.nightlyDrain.ms) / Math.max(1, s.nightlyDrain.out.messages))}** of background work after the run; the run itself pays one outbox row per written resource. The sync run's own time is not extrapolated from this scale (its fixed costs dominate small extracts): see "## Sync".`,
    '',
    `Open tasks after the nightly: ${s.openTasks}.`,
    '',
  ].join('\n');
  console.log(md);
  if (argv.includes('--write')) {
    const file = path.join(__dirname, '..', '..', 'BENCHMARKS.md');
    const text = fs.readFileSync(file, 'utf8');
    const start = text.indexOf('## Data quality rules');
    const next = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
    const out = start < 0 ? `${text.trimEnd()}\n\n${md}` : `${text.slice(0, start)}${md}${next < 0 ? '' : text.slice(next + 1)}`;
    fs.writeFileSync(file, out);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
