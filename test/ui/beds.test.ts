/**
 * The pure logic of the establishments' bed pages (web/src/lib/beds.ts and beds-import.ts): zones out of FHIR
 * bundles, entries in reading order with French labels, what changed, the $set-capacity Parameters (checked by the
 * server's own parser), a conflict laid out entry by entry, freshness, the CSV template (read back by the server's
 * own CSV reader) and the import report in French.
 */
import type { Bundle, Location } from '@medplum/fhirtypes';
import { parseCapacityCsv } from '../../src/ror/capacity/csv-import';
import { parseSetCapacity } from '../../src/ror/capacity/set-capacity';
import {
  changesOf,
  conflictLines,
  entryKey,
  freeNow,
  freshness,
  keepMine,
  organizationsQuery,
  readCount,
  setCapacityParameters,
  unitsOf,
  zoneOf,
} from '../../web/src/lib/beds';
import { capacityTemplate, frenchDiagnostic, importReport } from '../../web/src/lib/beds-import';
import { capacity, locationWithCapacity } from '../helpers/ror';

const installed = (nb: number) => ({
  ...capacity('01', '01', nb),
  extension: capacity('01', '01', nb).extension.filter((e) => e.url !== 'genderCapacityAvailable'),
});

function location(id: string, figures: { female: number; male: number; installed?: number }, extra: Partial<Location> = {}): Location {
  const base = locationWithCapacity(id) as Location;
  return {
    ...base,
    meta: { versionId: '3' },
    extension: [capacity('02', '02', figures.male), ...(figures.installed !== undefined ? [installed(figures.installed)] : []), capacity('02', '01', figures.female)],
    ...extra,
  } as Location;
}

const FEMALE = entryKey({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', genderCapacityAvailable: '01' });
const MALE = entryKey({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', genderCapacityAvailable: '02' });

describe('zones and units', () => {
  test('a zone: entries in reading order with French labels, version, freshness from the server’s tag', () => {
    const z = zoneOf(location('z1', { female: 3, male: 1, installed: 20 }));
    expect(z.version).toBe('3');
    expect(z.entries.map((e) => `${e.label} | ${e.group}`)).toEqual(['Disponible — Femme | Lits, courant', 'Disponible — Homme | Lits, courant', 'Installé | Lits, courant']);
    expect(z.stale).toBe(false);
    expect(freeNow(z)).toBe(4);
    const stale = zoneOf(location('z2', { female: 0, male: 0 }, { meta: { versionId: '1', tag: [{ code: 'stale-capacity', display: 'Capacités non mises à jour depuis plus de 24 h' }] } }));
    expect(stale.stale).toBe(true);
    expect(stale.staleText).toBe('Capacités non mises à jour depuis plus de 24 h');
  });

  test('units with their included zones, by name; qualifiers in the label', () => {
    const closed = capacity('05', '01', 2);
    closed.extension = [...closed.extension.filter((e) => e.url !== 'genderCapacityAvailable'), { url: 'capacityClosingType', valueCoding: { system: 'x', code: '01' } } as any];
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'HealthcareService', id: 'b', name: 'Urgences', providedBy: { reference: 'Organization/et' }, location: [{ reference: 'Location/l2' }] } },
        { resource: { resourceType: 'HealthcareService', id: 'a', name: 'Cardiologie', active: false, location: [{ reference: 'Location/l1' }, { reference: 'Location/missing' }] } },
        { resource: { ...location('l1', { female: 1, male: 1 }), extension: [closed] } },
        { resource: { resourceType: 'Location', id: 'l2', name: 'Box' } },
      ],
    };
    const units = unitsOf(bundle);
    expect(units.map((u) => [u.name, u.active, u.organizationId, u.zones.map((z) => z.id)])).toEqual([
      ['Cardiologie', false, undefined, ['l1']],
      ['Urgences', true, 'et', ['l2']],
    ]);
    expect(units[0].zones[0].entries[0].label).toBe('Fermé (fermeture : Réactivable)');
    expect(units[1].zones[0].entries).toEqual([]);
  });

  test('the organizations query names the FINESS system and brings an EJ’s sites', () => {
    expect(decodeURIComponent(organizationsQuery(['010780054', '010000024']))).toBe(
      '/Organization?identifier=https://finess.esante.gouv.fr|010780054,https://finess.esante.gouv.fr|010000024&_revinclude=Organization:partof&_count=100',
    );
  });

  test('freshness: share of stale zones, oldest and newest update; zones without capacity are not counted', () => {
    const fresh = zoneOf(location('f', { female: 1, male: 1 }));
    const old = { ...zoneOf(location('o', { female: 1, male: 1 })), stale: true, updatedAt: '2026-11-01T00:00:00Z' };
    const empty = zoneOf({ resourceType: 'Location', id: 'e' } as Location);
    expect(freshness([fresh, old, empty])).toEqual({ withCapacity: 2, stale: 1, oldest: '2026-11-01T00:00:00Z', newest: fresh.updatedAt });
  });
});

describe('edits', () => {
  const zone = zoneOf(location('z', { female: 3, male: 1 }));

  test('changes: only numbers that differ from the figure loaded', () => {
    expect(changesOf(zone, { [FEMALE]: 3, [MALE]: 2 }).map((c) => [c.key, c.from, c.to])).toEqual([[MALE, 1, 2]]);
    expect(changesOf(zone, undefined)).toEqual([]);
  });

  test('a typed number: whole and not negative, else a French message', () => {
    expect(readCount(' 12 ')).toEqual({ ok: true, value: 12 });
    expect(readCount('-1')).toEqual({ ok: false, message: 'Saisissez un nombre entier, 0 ou plus.' });
    expect(readCount('2,5').ok).toBe(false);
    expect(readCount('').ok).toBe(false);
  });

  test('the $set-capacity Parameters are what the server’s parser reads back, qualifiers included', () => {
    const record = { ...zone.entries[0].record, capacityClosingType: '01' };
    const parsed = parseSetCapacity(setCapacityParameters(record, 7));
    expect(parsed).toEqual({ capacityType: '01', capacityStatus: '02', temporalityCapacity: '01', genderCapacityAvailable: '01', capacityClosingType: '01', nbCapacity: 7 });
  });
});

describe('conflicts', () => {
  const loaded = zoneOf(location('z', { female: 3, male: 1 }));
  const theirs = zoneOf({ ...location('z', { female: 3, male: 5 }), meta: { versionId: '4' } });

  test('every entry either side changed, with the figure loaded, theirs and mine', () => {
    const lines = conflictLines(loaded, theirs, { [FEMALE]: 4, [MALE]: 1 });
    expect(lines.map((l) => [l.label, l.loaded, l.theirs, l.mine, l.changedByThem, l.changedByMe])).toEqual([
      ['Disponible — Femme', 3, 3, 4, false, true],
      ['Disponible — Homme', 1, 5, 1, true, false],
    ]);
  });

  test('keep mine sends what I changed (not the figures I left alone over theirs); standing by the figures seen sends them all', () => {
    expect(keepMine(loaded, theirs, { [FEMALE]: 4, [MALE]: 1 })).toEqual({ [FEMALE]: 4 });
    expect(keepMine(loaded, theirs, { [FEMALE]: 3, [MALE]: 1 }, true)).toEqual({ [FEMALE]: 3, [MALE]: 1 });
    const gone = zoneOf({ ...location('z', { female: 3, male: 5 }), extension: [capacity('02', '02', 5)] } as Location);
    expect(keepMine(loaded, gone, { [FEMALE]: 4 })).toEqual({});
  });
});

describe('CSV', () => {
  test('the template has one row per entry of every zone, and the server’s CSV reader accepts it', () => {
    const units = unitsOf({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'HealthcareService', id: 'u', name: 'U', location: [{ reference: 'Location/z1' }] } },
        { resource: { resourceType: 'HealthcareService', id: 'v', name: 'V', location: [{ reference: 'Location/z1' }] } },
        { resource: location('z1', { female: 3, male: 1, installed: 20 }) },
      ],
    });
    const csv = capacityTemplate(units);
    expect(csv.split('\r\n')).toEqual([
      'location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;capacityClosingType;additionalBedType;crisisType;temporaryAssignement;nbCapacity',
      'z1;01;02;01;01;;;;;3',
      'z1;01;02;01;02;;;;;1',
      'z1;01;01;01;;;;;;20',
      '',
    ]);
    const rows = parseCapacityCsv(csv);
    expect(rows.map((r) => [r.row, r.location, r.input?.nbCapacity, r.errors])).toEqual([
      [2, 'z1', 3, []],
      [3, 'z1', 1, []],
      [4, 'z1', 20, []],
    ]);
  });

  test('the report of a refused dry run, row by row in French', () => {
    const report = importReport(
      {
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'processing', diagnostics: '2 of 3 rows would fail (dry run: nothing was written…)' },
          { severity: 'information', code: 'informational', diagnostics: 'row 2: valid, not applied because other rows failed', location: ['row 2'] },
          { severity: 'error', code: 'invalid', diagnostics: 'row 3, column nbCapacity: nbCapacity must be 0 or more, got -3', location: ['row 3, column nbCapacity'] },
          { severity: 'error', code: 'not-found', diagnostics: 'row 4, column location: no Location has the id or identifier "x"', location: ['row 4, column location'] },
        ],
      },
      { dryRun: true },
    );
    expect(report.ok).toBe(false);
    expect(report.summary).toBe('2 lignes sur 3 sont en erreur : l’import serait refusé en entier. Corrigez-les, puis envoyez à nouveau tout le fichier.');
    expect(report.rows).toEqual([
      { row: 2, column: undefined, ok: true, message: 'valide, mais non appliquée car d’autres lignes sont en erreur (import tout ou rien)' },
      { row: 3, column: 'nombre (nbCapacity)', ok: false, message: 'le nombre doit être 0 ou plus (reçu : -3)' },
      { row: 4, column: 'zone (location)', ok: false, message: 'aucune zone n’a l’identifiant « x »' },
    ]);
  });

  test('the report of an applied import names the zones; unknown diagnostics are kept, marked', () => {
    const report = importReport(
      {
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'information', code: 'informational', diagnostics: '1 rows applied to 1 Location' },
          { severity: 'information', code: 'informational', diagnostics: 'row 2: Location/z1 Lit / Disponible / Courant / Femme: 6 (was 4), version 9', location: ['row 2'] },
        ],
      },
      { dryRun: false, zoneNames: { z1: 'Cardiologie' } },
    );
    expect(report).toEqual({ ok: true, summary: 'La ligne a été enregistrée.', rows: [{ row: 2, column: undefined, ok: true, message: '« Cardiologie » — Lit / Disponible / Courant / Femme : 6 (avant : 4) — enregistrée' }] });
    expect(frenchDiagnostic('Location/z1 Lit / Disponible / Courant / Femme: 2 (new entry), would be applied')).toBe('z1 — Lit / Disponible / Courant / Femme : 2 (nouvelle capacité) — serait appliquée');
    expect(frenchDiagnostic('something new')).toBe('détail du serveur : something new');
    expect(importReport({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'the CSV file is empty' }] }, { dryRun: true }).summary).toBe(
      'Le fichier n’a pas pu être lu : détail du serveur : the CSV file is empty',
    );
  });
});
