/**
 * Every data-quality rule of the server, by the type of resource it judges (README "Data quality", table of rules).
 * A rule's id is stable: it is the task's `ruleErrorId` and part of the task's identifier.
 */
import type { Resource } from '@medplum/fhirtypes';
import { CAPACITY_INCOHERENT, CAPACITY_NEVER_ENTERED, CAPACITY_STALE, UNIT_NO_BED_ZONE } from './capacity';
import { ROLE_PRACTITIONER_GONE, ROLE_SITE_GONE, UNIT_CLOSED_ESTABLISHMENT } from './links';
import { LOCATION_NO_COMMUNE, LOCATION_NO_POSITION } from './location';
import { NATIONAL_RULES } from './national';
import type { Rule } from './types';

export const RULES: readonly Rule<any>[] = [
  ...NATIONAL_RULES,
  UNIT_CLOSED_ESTABLISHMENT,
  UNIT_NO_BED_ZONE,
  ROLE_SITE_GONE,
  ROLE_PRACTITIONER_GONE,
  LOCATION_NO_POSITION,
  LOCATION_NO_COMMUNE,
  CAPACITY_NEVER_ENTERED,
  CAPACITY_STALE,
  CAPACITY_INCOHERENT,
];

/** The types some rule judges. */
export const JUDGED_TYPES: ReadonlySet<string> = new Set(RULES.map((r) => r.type));

export function rulesFor(type: string): Rule<Resource>[] {
  return RULES.filter((r) => r.type === type);
}

export function ruleById(id: string): Rule<Resource> | undefined {
  return RULES.find((r) => r.id === id);
}

export type { Discrepancy, Rule, RuleInput, Theme, Action } from './types';
export { run, THEME_LABELS, ACTION_LABELS } from './types';
