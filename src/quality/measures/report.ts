/**
 * A MeasureReport (https://hl7.org/fhir/R4/measurereport.html, type `summary`) from a Measure definition and the
 * results of its evaluator: one group per Measure group (same code), its populations with their counts, the score
 * (a proportion from 0 to 1; a median in hours with its UCUM unit; none for cohorts, whose counts are the result,
 * as in the SANER bed measures), and one stratifier per Measure stratifier with a stratum per value met.
 */
import type { CodeableConcept, MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation, MeasureReportGroupStratifierStratum, Quantity } from '@medplum/fhirtypes';
import { scoreOf, STRATUM_JOIN, type Counts, type GroupResult, type Scoring } from './aggregate';
import type { MeasureDefinition } from './definitions';
import { subjectReference, type Subject } from './subject';

const POPULATION = 'http://terminology.hl7.org/CodeSystem/measure-population';
const UCUM = 'http://unitsofmeasure.org';

function population(code: string, count: number): MeasureReportGroupPopulation {
  return { code: { coding: [{ system: POPULATION, code }] }, count };
}

function populations(counts: Counts, scoring: Scoring): MeasureReportGroupPopulation[] {
  switch (scoring) {
    case 'proportion':
      return [population('initial-population', counts.initial), population('denominator', counts.initial), population('numerator', counts.numerator)];
    case 'continuous-variable':
      return [
        population('initial-population', counts.initial),
        population('measure-population', counts.observations.length),
        population('measure-observation', counts.observations.length),
      ];
    case 'cohort':
      return [population('initial-population', counts.initial)];
  }
}

function score(counts: Counts, scoring: Scoring): Quantity | undefined {
  const s = scoreOf(counts, scoring);
  if (s === undefined) return undefined;
  if (scoring === 'proportion') return { value: Math.round(s * 10_000) / 10_000, unit: '1', system: UCUM, code: '1' };
  return { value: Math.round(s * 100) / 100, unit: 'h', system: UCUM, code: 'h' };
}

function valueOf(value: string, label: string | undefined): CodeableConcept {
  return { coding: [{ code: value, ...(label ? { display: label } : {}) }], text: label ?? value };
}

export interface ReportInput {
  measure: MeasureDefinition;
  subject: Subject;
  /** The period of the report (for point-in-time indicators its end is the reference instant). */
  period: { start: number; end: number };
  /** When it was computed. */
  date: number;
  groups: GroupResult[];
}

export function buildReport({ measure, subject, period, date, groups }: ReportInput): MeasureReport {
  const byCode = new Map(groups.map((g) => [g.code, g]));
  const reportGroups: MeasureReportGroup[] = (measure.group ?? []).map((def) => {
    const code = def.code?.coding?.[0]?.code ?? '';
    const result = byCode.get(code);
    if (!result) throw new Error(`the evaluator of Measure/${measure.id} computed no group '${code}'`);
    const s = score(result.counts, result.scoring);
    const group: MeasureReportGroup = { code: def.code, population: populations(result.counts, result.scoring), ...(s ? { measureScore: s } : {}) };
    const stratifiers = (def.stratifier ?? []).map((sdef) => {
      // A stratifier of components has no code of its own (mea-1): it is named by its components' codes.
      const components = sdef.component ?? [];
      const scode = sdef.code?.coding?.[0]?.code ?? components.map((c) => c.code?.coding?.[0]?.code ?? '').join('-');
      const found = result.stratifiers.find((x) => x.code === scode);
      if (!found) throw new Error(`the evaluator of Measure/${measure.id} computed no stratifier '${scode}' in group '${code}'`);
      const stratum = found.strata.map((st): MeasureReportGroupStratifierStratum => {
        const ss = score(st.counts, result.scoring);
        const common = { population: populations(st.counts, result.scoring), ...(ss ? { measureScore: ss } : {}) };
        if (!components.length) return { value: valueOf(st.value, st.label), ...common };
        const parts = st.value.split(STRATUM_JOIN);
        return { component: components.map((c, i) => ({ code: c.code!, value: valueOf(parts[i] ?? '', labelOfPart(groups, code, c.code?.coding?.[0]?.code, parts[i])) })), ...common };
      });
      // No value met (no call, no task): the stratifier is listed without strata (FHIR forbids empty arrays).
      return { code: sdef.code ? [sdef.code] : components.map((c) => c.code!), ...(stratum.length ? { stratum } : {}) };
    });
    if (stratifiers.length) group.stratifier = stratifiers;
    return group;
  });
  return {
    resourceType: 'MeasureReport',
    status: 'complete',
    type: 'summary',
    measure: measure.url,
    subject: subjectReference(subject),
    date: new Date(date).toISOString(),
    period: { start: new Date(period.start).toISOString(), end: new Date(period.end).toISOString() },
    ...(measure.improvementNotation ? { improvementNotation: measure.improvementNotation } : {}),
    group: reportGroups,
  };
}

/** A component's label is the label its own stratifier gave the same value (a consumer's name, a theme's label). */
function labelOfPart(groups: GroupResult[], group: string, component: string | undefined, value: string | undefined): string | undefined {
  if (!component || value === undefined) return undefined;
  return groups.find((g) => g.code === group)?.stratifiers.find((s) => s.code === component)?.strata.find((st) => st.value === value)?.label;
}
