/**
 * Counting the populations of one Measure group, overall and per stratum, as items stream by: the evaluators feed
 * items (a unit, a bed zone, a task, an audit event…) and never keep the resources. What an item carries depends on
 * the Measure's scoring (https://hl7.org/fhir/R4/measure.html#scoring):
 * - proportion: every item is in the initial population and the denominator; `numerator` says whether it is in the
 *   numerator; score = numerator / denominator (none when the denominator is 0);
 * - cohort: the item counts `weight` (1 by default; a bed zone counts its beds, as the SANER bed measures do);
 * - continuous-variable: the item has an `observation` (a number, e.g. an age in hours); the score is their median.
 * Strata: an item names its value for each stratifier (`undefined`: counted overall, in no stratum of that one);
 * a stratifier of several components takes the values joined with STRATUM_JOIN.
 */
export type Scoring = 'proportion' | 'cohort' | 'continuous-variable';

export interface Item {
  strata?: Record<string, string | string[] | undefined>;
  numerator?: boolean;
  weight?: number;
  observation?: number;
}

export interface Counts {
  /** initial-population (and denominator for proportions, measure-population for continuous variables). */
  initial: number;
  numerator: number;
  observations: number[];
}

export interface StratumResult {
  value: string;
  label?: string;
  counts: Counts;
}

export interface GroupResult {
  code: string;
  scoring: Scoring;
  counts: Counts;
  stratifiers: { code: string; strata: StratumResult[] }[];
}

export const STRATUM_JOIN = '\u0001';

const empty = (): Counts => ({ initial: 0, numerator: 0, observations: [] });

function addTo(c: Counts, item: Item, scoring: Scoring): void {
  if (scoring === 'cohort') {
    c.initial += item.weight ?? 1;
    return;
  }
  c.initial += 1;
  if (scoring === 'proportion' && item.numerator) c.numerator += 1;
  if (scoring === 'continuous-variable' && item.observation !== undefined && Number.isFinite(item.observation)) c.observations.push(item.observation);
}

export class GroupAccumulator {
  private readonly total = empty();
  private readonly strata = new Map<string, Map<string, Counts>>();
  private readonly labels = new Map<string, Map<string, string>>();

  constructor(
    readonly code: string,
    readonly scoring: Scoring,
    readonly stratifiers: readonly string[],
  ) {
    for (const s of stratifiers) this.strata.set(s, new Map());
  }

  add(item: Item): void {
    addTo(this.total, item, this.scoring);
    for (const [code, map] of this.strata) {
      const raw = item.strata?.[code];
      if (raw === undefined) continue;
      // An item with several values (a unit with two activities) counts once in each of their strata.
      for (const value of new Set(Array.isArray(raw) ? raw : [raw])) {
        let c = map.get(value);
        if (!c) map.set(value, (c = empty()));
        addTo(c, item, this.scoring);
      }
    }
  }

  /** The label of a stratum value (a consumer's name, an activity's French label), shown beside its code. */
  label(stratifier: string, value: string, label: string | undefined): void {
    if (label === undefined || label === value) return;
    let m = this.labels.get(stratifier);
    if (!m) this.labels.set(stratifier, (m = new Map()));
    if (!m.has(value)) m.set(value, label);
  }

  result(): GroupResult {
    return {
      code: this.code,
      scoring: this.scoring,
      counts: this.total,
      stratifiers: [...this.strata].map(([code, map]) => ({
        code,
        strata: [...map]
          .sort(([a], [b]) => a.localeCompare(b, 'fr'))
          .map(([value, counts]) => {
            const label = this.labels.get(code)?.get(value);
            return { value, ...(label ? { label } : {}), counts };
          }),
      })),
    };
  }
}

/** Median of a list of numbers (mean of the two middle ones for an even count); undefined when empty. */
export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The score of counts: a proportion (0..1), a median, or none (cohorts report counts). */
export function scoreOf(counts: Counts, scoring: Scoring): number | undefined {
  if (scoring === 'proportion') return counts.initial > 0 ? counts.numerator / counts.initial : undefined;
  if (scoring === 'continuous-variable') return median(counts.observations);
  return undefined;
}
