import fs from 'node:fs';
import path from 'node:path';
import { expectMergedSamplePerson, ET_EXCERPT, FIXTURES, syncEnv } from './helpers';
import type { SyncEnv } from './helpers';
import { RppsSource } from '../../src/sync/rpps/source';
import { writeZip } from '../../scripts/lib/zip-write';
import type { RawRecord } from '../../src/sync/types';

const HEADER_56 = fs.readFileSync(path.join(FIXTURES, 'rpps', 'PS_LibreAcces_Personne_activite.header-56col-2026-10-08.txt'), 'utf8').trim();
const NAMES = HEADER_56.split('|').slice(0, -1);
const REAL = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'rpps', 'PS_LibreAcces_Personne_activite.partial-real-rows-2026-10-08.json'), 'utf8')).rows as Record<string, string>[];
const LAROCHAIX = { "Type d'identifiant PP": '8', 'Identification nationale PP': '810000013994', ...REAL[0] };
const MEDDAH = { "Type d'identifiant PP": '8', 'Identification nationale PP': '810006122583', ...REAL[1] };

const line = (values: Record<string, string>) => NAMES.map((n) => values[n] ?? '').join('|') + '|';
const file = (rows: Record<string, string>[]) => [HEADER_56, ...rows.map(line)].join('\n') + '\n';

/** A synthetic person (11-digit RPPS id from n) at a cabinet, one line per savoir-faire. */
function person(n: number, site: number, sf: string): Record<string, string> {
  const id = String(10_000_000_000 + n * 7);
  return {
    "Type d'identifiant PP": '8',
    'Identifiant PP': id,
    'Identification nationale PP': `8${id}`,
    "Nom d'exercice": `NOM${n}`,
    "Prénom d'exercice": 'Zoé',
    'Code profession': '10',
    'Code savoir-faire': sf,
    'Identifiant technique de la structure': `R${String(n * 10 + site).padStart(12, '0')}`,
  };
}

/** Deterministic shuffle. */
function shuffled<T>(list: T[], seed = 7): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function records(source: RppsSource): Promise<{ raws: RawRecord[]; rejected: { line: number; reason: string }[]; firstAt?: number }> {
  const raws: RawRecord[] = [];
  const rejected: { line: number; reason: string }[] = [];
  let firstAt: number | undefined;
  for await (const r of source.read()) {
    firstAt ??= source.progress().done;
    if ('raw' in r) raws.push(r.raw);
    else if ('rejected' in r) rejected.push(r.rejected);
  }
  return { raws, rejected, firstAt };
}

describe('RPPS: lines of a person that are not contiguous', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('are merged (the file is sorted by person on disk and read again), with a warning, like the contiguous file', async () => {
    const rows = [
      { ...LAROCHAIX, 'Identifiant technique de la structure': 'R10000000001', 'Code rôle': 'FON-01', 'Libellé rôle': 'Titulaire' },
      { ...MEDDAH, 'Identifiant technique de la structure': 'S81011772100029' },
      { ...LAROCHAIX, 'Identifiant technique de la structure': 'F010000024', 'Numéro FINESS site': '010000024', 'Code mode exercice': 'S' },
      { ...LAROCHAIX, 'Identifiant technique de la structure': 'R10000000001', 'Code savoir-faire': 'CEX01', 'Libellé savoir-faire': 'Compétence X' },
    ];
    await env.run({ finess: ET_EXCERPT });
    const report = await env.run({ rpps: env.file('split.txt', file(rows)) });
    const rpps = report.sources[0];
    expect(rpps.rejections).toEqual([]);
    expect(rpps.warnings).toEqual([{ line: 4, reason: expect.stringMatching(/^the lines of 810000013994 are not contiguous .*sorted by person/) }]);
    expect(rpps.records).toBe(2);
    expect(rpps.counts).toMatchObject({ 'rpps-practitioner': { created: 2 }, 'rpps-role': { created: 3 } });
    await expectMergedSamplePerson(env);
    // The same lines grouped by person: nothing changes (same records, same fingerprints).
    const grouped = await env.run({ rpps: env.file('grouped.txt', file([rows[0], rows[2], rows[3], rows[1]])) });
    expect(grouped.sources[0].warnings).toEqual([]);
    expect(grouped.totals).toMatchObject({ created: 0, updated: 0, deactivated: 0, unchanged: 5 });
    // And the split file again, on a store that has it: the restarted scan starts from the stored state.
    const again = await env.run({ rpps: env.file('split-again.txt', file(rows)) });
    expect(again.sources[0].warnings).toHaveLength(1);
    expect(again.totals).toMatchObject({ created: 0, updated: 0, deactivated: 0, unchanged: 5, rejected: 0 });
  });

  test('a shuffled file sorted in several runs gives each person once, lines in file order, bad lines with their numbers', async () => {
    const rows: Record<string, string>[] = [];
    for (let n = 0; n < 300; n++) for (let k = 0; k <= n % 3; k++) rows.push(person(n, k % 2, `SM${k}`));
    const lines = shuffled(rows).map(line);
    lines.splice(100, 0, 'not|an|rpps|line|');
    const text = [HEADER_56, ...lines].join('\n') + '\n';
    const source = new RppsSource(env.file('shuffled.txt', text), { sortChunkChars: 20_000, tmpDir: env.dir });
    await source.regroup({ line: 2, key: 'x' });
    const { raws, rejected } = await records(source);
    expect(rejected).toEqual([{ line: 102, reason: '5 fields, the header has 57' }]);
    expect(raws).toHaveLength(300);
    expect(new Set(raws.map((r) => r.keys[0].key)).size).toBe(300);
    const byPerson = new Map<string, string[]>();
    lines.forEach((l, i) => {
      const id = l.split('|')[2];
      if (id) byPerson.set(id, [...(byPerson.get(id) ?? []), `${i + 2}:${l}`]);
    });
    for (const r of raws) {
      const expected = byPerson.get(r.keys[0].key)!;
      expect(r.text).toBe(expected.map((e) => e.slice(e.indexOf(':') + 1)).join('\n'));
      expect(r.line).toBe(Number(expected[0].split(':')[0]));
    }
    expect(fs.readdirSync(env.dir).filter((f) => f.startsWith('ror-rpps-sort-'))).toHaveLength(1);
    await source.close();
    expect(fs.readdirSync(env.dir).filter((f) => f.startsWith('ror-rpps-sort-'))).toEqual([]);
  });
});

describe('RPPS zip (PS_LibreAcces_*.zip)', () => {
  let env: SyncEnv;
  beforeEach(() => (env = syncEnv()));
  afterEach(() => env.close());

  test('its Personne_activite entry is streamed: the first person comes before most of the entry is read', async () => {
    const rows: string[] = [];
    for (let n = 0; n < 20_000; n++) rows.push(line(person(n, 0, 'SM53')));
    const text = [HEADER_56, ...rows].join('\n') + '\n';
    const txt = env.file('PS_LibreAcces_Personne_activite_202610080000.txt', text);
    const zip = path.join(env.dir, 'PS_LibreAcces_202610080000.zip');
    await writeZip(zip, 'PS_LibreAcces_Personne_activite_202610080000.txt', txt);
    expect(fs.statSync(zip).size).toBeLessThan(text.length / 4);
    const fromZip = new RppsSource(zip);
    const z = await records(fromZip);
    expect(fromZip.progress().total).toBe(Buffer.byteLength(text));
    expect(z.firstAt).toBeLessThan(fromZip.progress().total / 2);
    const t = await records(new RppsSource(txt));
    expect(z.raws).toHaveLength(20_000);
    expect(z.raws.map((r) => r.text)).toEqual(t.raws.map((r) => r.text));
    // Through the engine, twice (the entry is opened again for each read), with a person whose lines are split: the
    // first scan stops early (the entry's stream is destroyed), the file is sorted and read again.
    const small = [HEADER_56, line(person(1, 0, 'SM53')), ...rows.slice(2, 2_000), line(person(1, 1, 'SM53'))].join('\n') + '\n';
    const smallZip = path.join(env.dir, 'PS_LibreAcces_202610090000.zip');
    await writeZip(smallZip, 'PS_LibreAcces_Personne_activite_202610090000.txt', (async function* () {
      yield small;
    })());
    const report = await env.run({ rpps: smallZip });
    expect(report.sources[0].warnings).toHaveLength(1);
    expect(report.sources[0].counts).toMatchObject({ 'rpps-practitioner': { created: 1_999 }, 'rpps-role': { created: 2_000 } });
    expect((await env.run({ rpps: smallZip })).totals).toMatchObject({ created: 0, updated: 0, unchanged: 3_999 });
  }, 60_000);
});
