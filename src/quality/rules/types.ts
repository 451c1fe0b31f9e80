/**
 * What a data-quality rule is and what it finds (README "Data quality"). A rule is a small pure function over the
 * resource it judges and the few resources and facts it needs (the establishment a unit belongs to, the national
 * value the referential sync last wrote, the clock…), gathered beforehand by the task engine
 * (src/quality/tasks/engine.ts). It returns discrepancies; the engine turns each into a RORTask.
 *
 * Themes are the ROR's anomaly themes (JDV_J241 / TRE_R350), actions the proposed actions (JDV_J242 / TRE_R349).
 */
import type { Location, Organization, Practitioner, Resource } from '@medplum/fhirtypes';
import { ACTION_CODE_LABELS, labelsOf, THEME_CODE_LABELS } from '../tasks/codes';

/** TRE_R350 ThematiqueAnomalie: 01 Complétude, 02 Exhaustivité, 03 Cohérence, 04 Récence, 05 Structuration, 06 Exactitude. */
export type Theme = '01' | '02' | '03' | '04' | '05' | '06';
/** TRE_R349 ActionAnomalie: AJO Ajout, COR Correction, SUP Suppression. */
export type Action = 'AJO' | 'COR' | 'SUP';

export interface Discrepancy {
  /** The rule's id (`ruleErrorId` of the task). */
  rule: string;
  /** The resource in error (the task's `focus`). */
  resource: { type: string; id: string };
  /** FHIRPath of the element in error (`pathElementError`). */
  path: string;
  /** The value as declared (`errorValue`); undefined when the element is missing. */
  declared?: string;
  /** The national or proposed value (`proposedValue`), when there is one. */
  proposed?: string;
  theme: Theme;
  action: Action;
  /** What is wrong, in French, for the people who work the queue. */
  description: string;
}

/** What the engine gathers before running the rules of a resource (each rule reads only what it needs). */
export interface RuleInput<T extends Resource = Resource> {
  resource: T & { id: string };
  /** The version the referential sync last wrote (Organizations), when it recorded one. */
  national?: Organization;
  /** HealthcareService: its `providedBy`; PractitionerRole: its `organization` (null: named but not found). */
  organization?: Organization | null;
  /** PractitionerRole: its practitioner (null: named but not found). */
  practitioner?: Practitioner | null;
  /** Location: how many units (HealthcareService.location) point to it: more than 0 makes it a bed zone. */
  units?: number;
  /** HealthcareService: its bed zones (Locations it points to that exist). */
  locations?: Location[];
  now: Date;
  /** Capacity older than this many hours is stale (ROR_CAPACITY_STALE_HOURS). */
  staleHours: number;
}

export interface Rule<T extends Resource = Resource> {
  id: string;
  /** The type of resource it judges. */
  type: T['resourceType'];
  theme: Theme;
  action: Action;
  /** Whether `$accept-national` can write the sync's value back for this rule. */
  national?: boolean;
  check(input: RuleInput<T>): Omit<Discrepancy, 'rule' | 'resource' | 'theme' | 'action'>[];
}

/** Labels of the themes and actions, from the terminology (TRE_R350, TRE_R349: src/quality/tasks/codes.ts). */
export const THEME_LABELS: Record<Theme, string> = labelsOf(['01', '02', '03', '04', '05', '06'], THEME_CODE_LABELS, 'TRE_R350');

export const ACTION_LABELS: Record<Action, string> = labelsOf(['AJO', 'COR', 'SUP'], ACTION_CODE_LABELS, 'TRE_R349');

/** Runs a rule: its findings, each completed with the rule's id, theme, action and the resource. */
export function run<T extends Resource>(rule: Rule<T>, input: RuleInput<T>): Discrepancy[] {
  return rule.check(input).map((d) => ({
    ...d,
    rule: rule.id,
    resource: { type: input.resource.resourceType, id: input.resource.id },
    theme: rule.theme,
    action: rule.action,
  }));
}
