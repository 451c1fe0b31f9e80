/**
 * The logic of the establishments' bed pages, without the DOM (tested with Jest under test/ui/): the units and bed
 * zones of an establishment out of FHIR search bundles, a zone's capacity entries in reading order with French
 * labels (the server's capacity model and codes, imported, not copied), what the person changed compared with the
 * figures loaded, the `$set-capacity` Parameters of a change, a conflict laid out entry by entry, and the zone's
 * freshness.
 */
import type { Bundle, HealthcareService, Location, Organization, Parameters, Resource } from '@medplum/fhirtypes';
import { type CodedField, displayOf } from '../../../src/ror/capacity/codes';
import { capacityEntries, type CapacityRecord, entryKey, KEY_FIELDS, QUALIFIER_FIELDS } from '../../../src/ror/capacity/model';

export { entryKey };
export type { CapacityRecord };

export const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';
export const STALE_TAG = 'stale-capacity';

/** One capacity entry of a zone, as the page shows it. */
export interface EntryView {
  key: string;
  record: CapacityRecord;
  /** "Disponible — Femme" */
  label: string;
  /** "Lit, courant" — the entry's kind and temporality. */
  group: string;
}

export interface Zone {
  id: string;
  name: string;
  /** meta.versionId: the version the figures were read from (If-Match of the writes). */
  version: string;
  entries: EntryView[];
  /** The server says the zone's figures are stale (tag `stale-capacity`, after ROR_CAPACITY_STALE_HOURS). */
  stale: boolean;
  /** The server's words for it ("Capacités non mises à jour depuis plus de 24 h"). */
  staleText?: string;
  /** The most recent capacityUpdateDate of the zone. */
  updatedAt?: string;
}

export interface Unit {
  id: string;
  name: string;
  active: boolean;
  organizationId?: string;
  zones: Zone[];
}

/** French names of the qualifiers, for an entry's label. */
const QUALIFIER_NAMES: Record<(typeof QUALIFIER_FIELDS)[number], string> = {
  capacityClosingType: 'fermeture',
  additionalBedType: 'lit supplémentaire',
  crisisType: 'crise',
  temporaryAssignement: 'affectation',
};

const STATUS_ORDER = ['02', '03', '04', '05', '06', '01'];

function label(field: CodedField, code: string | undefined): string | undefined {
  return code === undefined ? undefined : (displayOf(field, code) ?? code);
}

/** "Disponible — Femme (Covid+, Réactivable)" */
export function entryLabel(record: CapacityRecord): string {
  const main = [label('capacityStatus', record.capacityStatus), label('genderCapacityAvailable', record.genderCapacityAvailable)].filter(Boolean).join(' — ');
  const qualifiers = QUALIFIER_FIELDS.filter((f) => record[f] !== undefined && !(f === 'temporaryAssignement' && record[f] === '01')).map(
    (f) => `${QUALIFIER_NAMES[f]} : ${label(f, record[f])}`,
  );
  return qualifiers.length ? `${main} (${qualifiers.join(', ')})` : main;
}

/** "Lits, courant" / "Places, prévisionnel 24 heures" */
export function entryGroup(record: CapacityRecord): string {
  const type = record.capacityType === '02' ? 'Places' : record.capacityType === '01' ? 'Lits' : (label('capacityType', record.capacityType) ?? 'Capacité');
  const temporality = label('temporalityCapacity', record.temporalityCapacity) ?? 'temporalité non précisée';
  return `${type}, ${temporality.charAt(0).toLowerCase()}${temporality.slice(1)}`;
}

function orderOf(record: CapacityRecord): string {
  const status = STATUS_ORDER.indexOf(record.capacityStatus ?? '');
  return [record.temporalityCapacity ?? '99', record.capacityType ?? '99', String(status < 0 ? 99 : status).padStart(2, '0'), record.genderCapacityAvailable ?? '00', ...QUALIFIER_FIELDS.map((f) => record[f] ?? '')].join('|');
}

/** A zone's entries in reading order: current before forecasts, beds before places, free beds first. */
export function entryViews(location: unknown): EntryView[] {
  return capacityEntries(location)
    .map(({ record }) => ({ key: entryKey(record), record, label: entryLabel(record), group: entryGroup(record) }))
    .sort((a, b) => (orderOf(a.record) < orderOf(b.record) ? -1 : orderOf(a.record) > orderOf(b.record) ? 1 : 0));
}

/** The most recent update date of the entries, or undefined. */
export function latestUpdate(entries: { record: CapacityRecord }[]): string | undefined {
  let best: string | undefined;
  let bestT = -Infinity;
  for (const { record } of entries) {
    const t = record.capacityUpdateDate ? Date.parse(record.capacityUpdateDate) : NaN;
    if (!Number.isNaN(t) && t > bestT) {
      bestT = t;
      best = record.capacityUpdateDate;
    }
  }
  return best;
}

export function zoneOf(location: Location): Zone {
  const tag = location.meta?.tag?.find((t) => t.code === STALE_TAG);
  const entries = entryViews(location);
  return {
    id: location.id!,
    name: location.name ?? `Zone ${location.id}`,
    version: location.meta?.versionId ?? '',
    entries,
    stale: !!tag,
    staleText: tag?.display,
    updatedAt: latestUpdate(entries),
  };
}

const resources = <T extends Resource>(bundle: Bundle | undefined, type: T['resourceType']): T[] =>
  (bundle?.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);

const idOf = (reference: string | undefined) => reference?.split('/').pop();

/** The units (HealthcareService) of a bundle with their included bed zones (Location), by name. */
export function unitsOf(bundle: Bundle | undefined): Unit[] {
  const locations = new Map(resources<Location>(bundle, 'Location').map((l) => [l.id!, l]));
  return resources<HealthcareService>(bundle, 'HealthcareService')
    .map((s) => ({
      id: s.id!,
      name: s.name ?? `Unité ${s.id}`,
      active: s.active !== false,
      organizationId: idOf(s.providedBy?.reference),
      zones: (s.location ?? [])
        .map((r) => locations.get(idOf(r.reference) ?? ''))
        .filter((l): l is Location => !!l)
        .map(zoneOf),
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

/** The organizations of a bundle (matches and includes), EJ first. */
export function organizationsOf(bundle: Bundle | undefined): Organization[] {
  return resources<Organization>(bundle, 'Organization').sort((a, b) => Number(!!a.partOf) - Number(!!b.partOf));
}

export function finessOf(org: Organization): string | undefined {
  return org.identifier?.find((i) => i.system === FINESS_SYSTEM)?.value;
}

/** The FHIR query finding the organizations of FINESS numbers and, for an EJ, its ETs. */
export function organizationsQuery(finess: readonly string[]): string {
  const ids = finess.map((f) => `${FINESS_SYSTEM}|${f}`).join(',');
  return `/Organization?identifier=${encodeURIComponent(ids)}&_revinclude=Organization:partof&_count=100`;
}

/** An edit: the number typed for an entry of a zone. */
export type Edits = Record<string, Record<string, number>>;

export interface Change {
  key: string;
  record: CapacityRecord;
  from: number | undefined;
  to: number;
}

/** What differs between the figures loaded for a zone and the numbers typed (edits equal to the figure are not changes). */
export function changesOf(zone: Zone, edits: Record<string, number> | undefined): Change[] {
  if (!edits) return [];
  const out: Change[] = [];
  for (const entry of zone.entries) {
    const to = edits[entry.key];
    if (to !== undefined && to !== entry.record.nbCapacity) out.push({ key: entry.key, record: entry.record, from: entry.record.nbCapacity, to });
  }
  return out;
}

/** A number typed in a field: a whole number ≥ 0, or an error in French. */
export function readCount(raw: string): { ok: true; value: number } | { ok: false; message: string } {
  const v = raw.trim();
  if (!/^\d+$/.test(v)) return { ok: false, message: 'Saisissez un nombre entier, 0 ou plus.' };
  const n = Number(v);
  if (n > 100_000) return { ok: false, message: 'Ce nombre est trop grand.' };
  return { ok: true, value: n };
}

/** The `$set-capacity` Parameters writing `nb` into the entry `record` (its key fields and qualifiers, so it matches one entry). */
export function setCapacityParameters(record: CapacityRecord, nb: number): Parameters {
  const parameter: NonNullable<Parameters['parameter']> = [];
  for (const field of [...KEY_FIELDS, ...QUALIFIER_FIELDS]) {
    const code = record[field];
    if (code !== undefined) parameter.push({ name: field, valueCode: code });
  }
  parameter.push({ name: 'nbCapacity', valueInteger: nb });
  return { resourceType: 'Parameters', parameter };
}

/** One line of a conflict: the figure loaded, the figure someone else saved since, the figure typed here. */
export interface ConflictLine {
  key: string;
  label: string;
  group: string;
  loaded?: number;
  theirs?: number;
  mine?: number;
  /** Someone else changed this entry since the page was loaded. */
  changedByThem: boolean;
  /** The person changed this entry on the page. */
  changedByMe: boolean;
}

/** The conflict of a zone: every entry either side changed, with the three figures. */
export function conflictLines(loaded: Zone, theirs: Zone, edits: Record<string, number> | undefined): ConflictLine[] {
  const byKey = new Map<string, ConflictLine>();
  const line = (e: EntryView) =>
    byKey.get(e.key) ?? byKey.set(e.key, { key: e.key, label: e.label, group: e.group, changedByThem: false, changedByMe: false }).get(e.key)!;
  for (const e of loaded.entries) line(e).loaded = e.record.nbCapacity;
  for (const e of theirs.entries) line(e).theirs = e.record.nbCapacity;
  for (const l of byKey.values()) {
    const mine = edits?.[l.key];
    l.mine = mine ?? l.loaded;
    l.changedByMe = mine !== undefined && mine !== l.loaded;
    l.changedByThem = l.theirs !== l.loaded;
  }
  return [...byKey.values()].filter((l) => l.changedByMe || l.changedByThem);
}

/**
 * The figures "keep mine" sends against the zone as the server now has it: the entries the person changed on the
 * page (`standBy`: every figure they saw, when they confirmed the figures without changing any).
 */
export function keepMine(loaded: Zone, theirs: Zone, mine: Record<string, number> | undefined, standBy = false): Record<string, number> {
  const loadedFigures = new Map(loaded.entries.map((e) => [e.key, e.record.nbCapacity]));
  const present = new Set(theirs.entries.map((e) => e.key));
  const out: Record<string, number> = {};
  for (const [key, nb] of Object.entries(mine ?? {})) {
    if (present.has(key) && (standBy || nb !== loadedFigures.get(key))) out[key] = nb;
  }
  return out;
}

/** Free beds (or places) now of a zone: the sum of its "disponible / courant" entries; undefined without any. */
export function freeNow(zone: Zone): number | undefined {
  const free = zone.entries.filter((e) => e.record.capacityStatus === '02' && e.record.temporalityCapacity === '01' && e.record.nbCapacity !== undefined);
  return free.length ? free.reduce((n, e) => n + e.record.nbCapacity!, 0) : undefined;
}

/** The data freshness of zones: how many have capacity, how many of those are stale, the oldest latest update. */
export function freshness(zones: Zone[]): { withCapacity: number; stale: number; oldest?: string; newest?: string } {
  const counted = zones.filter((z) => z.entries.length);
  const dates = counted.map((z) => z.updatedAt).filter((d): d is string => !!d).sort((a, b) => Date.parse(a) - Date.parse(b));
  return { withCapacity: counted.length, stale: counted.filter((z) => z.stale).length, oldest: dates[0], newest: dates[dates.length - 1] };
}
