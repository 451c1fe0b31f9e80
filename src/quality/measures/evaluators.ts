/**
 * How each indicator is computed: one evaluator per Measure id (definitions/*.json), feeding the populations of
 * its groups (./aggregate.ts) from the facts of the subject (./facts.ts, ./activity-facts.ts). The group and
 * stratifier codes here are those of the definitions; test/quality/measures-definitions.test.ts checks they agree.
 */
import { GroupAccumulator, STRATUM_JOIN, type GroupResult } from './aggregate';
import type { CallFact, TaskFact } from './activity-facts';
import type { OrgFact, UnitFact, ZoneFact } from './facts';
import { occupiedBeds } from './facts';
import { OFFER_SYSTEMS } from '../../offer/document';
import type { Subject } from './subject';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Capacity entered within this long before the reference instant is fresh (the freshness indicator). */
export const FRESH_MS = 24 * HOUR;

/** The facts of one subject, read lazily (an indicator on tasks does not read the bed zones). */
export interface SubjectData {
  subject: Subject;
  /** The period asked for, ms since epoch, [start, end). */
  period: { start: number; end: number };
  /** The instant point-in-time indicators describe: the end of the period, or now when it is later. */
  at: number;
  offer(): Promise<{ establishments: OrgFact[]; units: UnitFact[]; zones: ZoneFact[] }>;
  tasks(): Promise<TaskFact[]>;
  calls(): AsyncIterable<CallFact>;
  label(system: string, code: string): string | undefined;
}

export type Evaluator = (d: SubjectData) => Promise<GroupResult[]>;

/** Units that are active, and the bed zones they name. */
function activeOffer(units: UnitFact[], zones: ZoneFact[]): { units: UnitFact[]; zones: ZoneFact[] } {
  const active = units.filter((u) => u.active);
  const ids = new Set(active.flatMap((u) => u.zones));
  return { units: active, zones: zones.filter((z) => ids.has(z.id)) };
}

const byDepartment = (t: { department?: string }) => ({ departement: t.department });

const completeness: Evaluator = async (d) => {
  const offer = await d.offer();
  const { units, zones } = activeOffer(offer.units, offer.zones);
  const known = new Set(zones.map((z) => z.id));
  const described = new Set(units.map((u) => u.org));
  const establishments = new GroupAccumulator('etablissements-decrits', 'proportion', ['departement']);
  for (const e of offer.establishments) establishments.add({ numerator: described.has(e.id), strata: byDepartment(e) });
  const withZone = new GroupAccumulator('unites-avec-zone', 'proportion', ['departement']);
  for (const u of units) withZone.add({ numerator: u.zones.some((z) => known.has(z)), strata: byDepartment(u) });
  const withCapacity = new GroupAccumulator('zones-avec-capacite', 'proportion', ['departement']);
  for (const z of zones) withCapacity.add({ numerator: z.hasCapacity, strata: byDepartment(z) });
  return [establishments.result(), withZone.result(), withCapacity.result()];
};

const freshness: Evaluator = async (d) => {
  const offer = await d.offer();
  const g = new GroupAccumulator('capacite-a-jour-24h', 'proportion', ['departement']);
  for (const z of activeOffer(offer.units, offer.zones).zones) {
    if (!z.hasCapacity) continue;
    g.add({ numerator: z.updatedAt !== undefined && z.updatedAt >= d.at - FRESH_MS, strata: byDepartment(z) });
  }
  return [g.result()];
};

const capacityAge: Evaluator = async (d) => {
  const offer = await d.offer();
  const g = new GroupAccumulator('age-capacite', 'continuous-variable', ['departement']);
  for (const z of activeOffer(offer.units, offer.zones).zones) {
    if (!z.hasCapacity) continue;
    // An entry dated after the reference instant is as fresh as can be: age 0.
    g.add({ observation: z.updatedAt === undefined ? undefined : Math.max(0, d.at - z.updatedAt) / HOUR, strata: byDepartment(z) });
  }
  return [g.result()];
};

const neverUpdated: Evaluator = async (d) => {
  const offer = await d.offer();
  const { units, zones } = activeOffer(offer.units, offer.zones);
  const updated = new Set(zones.filter((z) => z.updatedAt !== undefined).map((z) => z.id));
  const g = new GroupAccumulator('unites-jamais-mises-a-jour', 'cohort', ['departement']);
  for (const u of units) if (!u.zones.some((z) => updated.has(z))) g.add({ strata: byDepartment(u) });
  return [g.result()];
};

const beds: Evaluator = async (d) => {
  const offer = await d.offer();
  const stratifiers = ['activite', 'departement'];
  const total = new GroupAccumulator('numBeds', 'cohort', stratifiers);
  const occupied = new GroupAccumulator('numBedsOcc', 'cohort', stratifiers);
  const available = new GroupAccumulator('numBedsAvail', 'cohort', stratifiers);
  for (const z of activeOffer(offer.units, offer.zones).zones) {
    const strata = { activite: z.activities, departement: z.department };
    total.add({ weight: z.installed, strata });
    occupied.add({ weight: occupiedBeds(z), strata });
    available.add({ weight: z.available, strata });
    for (const g of [total, occupied, available]) for (const a of z.activities) g.label('activite', a, d.label(OFFER_SYSTEMS.activity, a));
  }
  return [total.result(), occupied.result(), available.result()];
};

const usage: Evaluator = async (d) => {
  const g = new GroupAccumulator('appels-api', 'cohort', ['consommateur', 'jour', 'consommateur-jour']);
  for await (const call of d.calls()) {
    g.add({ strata: { consommateur: call.consumer, jour: call.day, 'consommateur-jour': `${call.consumer}${STRATUM_JOIN}${call.day}` } });
    g.label('consommateur', call.consumer, call.name);
  }
  return [g.result()];
};

export const AGE_BUCKETS: readonly { code: string; label: string; maxDays: number }[] = [
  { code: '0-7j', label: 'moins de 8 jours', maxDays: 8 },
  { code: '8-30j', label: 'de 8 à 30 jours', maxDays: 31 },
  { code: '31j+', label: 'plus de 30 jours', maxDays: Infinity },
];

export function ageBucket(days: number): (typeof AGE_BUCKETS)[number] {
  return AGE_BUCKETS.find((b) => days < b.maxDays)!;
}

const openTasks: Evaluator = async (d) => {
  const g = new GroupAccumulator('taches-ouvertes', 'cohort', ['theme', 'anciennete', 'theme-anciennete']);
  for (const t of await d.tasks()) {
    if (!t.open || (t.authoredOn !== undefined && t.authoredOn > d.at)) continue;
    const bucket = ageBucket(Math.floor(Math.max(0, d.at - (t.authoredOn ?? d.at)) / DAY));
    g.add({ strata: { theme: t.theme, anciennete: bucket.code, 'theme-anciennete': `${t.theme}${STRATUM_JOIN}${bucket.code}` } });
    g.label('theme', t.theme, t.themeLabel);
    g.label('anciennete', bucket.code, bucket.label);
  }
  return [g.result()];
};

const closeDelay: Evaluator = async (d) => {
  const g = new GroupAccumulator('delai-cloture', 'continuous-variable', ['theme']);
  for (const t of await d.tasks()) {
    if (t.closedAt === undefined || t.closedAt < d.period.start || t.closedAt >= d.period.end) continue;
    g.add({ observation: t.authoredOn === undefined ? undefined : Math.max(0, t.closedAt - t.authoredOn) / HOUR, strata: { theme: t.theme } });
    g.label('theme', t.theme, t.themeLabel);
  }
  return [g.result()];
};

/** Measure id → its evaluator. */
export const EVALUATORS: Readonly<Record<string, Evaluator>> = {
  'ror-completude-alimentation': completeness,
  'ror-fraicheur-capacite': freshness,
  'ror-age-capacite': capacityAge,
  'ror-unites-jamais-mises-a-jour': neverUpdated,
  'ror-situation-lits': beds,
  'ror-usage-api': usage,
  'ror-taches-ouvertes': openTasks,
  'ror-delai-cloture-taches': closeDelay,
};

/** Indicators that describe the offer at an instant (their report's period is that instant). */
export const POINT_IN_TIME = new Set(['ror-completude-alimentation', 'ror-fraicheur-capacite', 'ror-age-capacite', 'ror-unites-jamais-mises-a-jour', 'ror-situation-lits', 'ror-taches-ouvertes']);

/** Indicators computed from the audit trail: a whole server's or an establishment's, not a department's. */
export const NOT_BY_DEPARTMENT = new Set(['ror-usage-api']);
