/**
 * The vocabulary of RORTask (ROR IG profile `ror-task`): anomaly themes (JDV_J241, code system TRE_R350), proposed
 * actions (JDV_J242, TRE_R349), business statuses (JDV_J244, TRE_R352), and the input / output slices' code
 * systems of the IG. The labels are read from the terminology the server validates with
 * (fhir-profiles/terminology, built from fhir-profiles/sources/nomenclatures by scripts/build-profiles.ts), so a
 * task's displays are the nomenclatures' own; a code the rules use that the terminology lacks stops the server at
 * start rather than writing tasks the profile would refuse.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CodeSystem } from '@medplum/fhirtypes';
import { SERVER_CANONICAL_BASE } from '../../canonical';
import { fhirProfilesDir } from '../../project-paths';

const tre = (name: string) => `https://mos.esante.gouv.fr/NOS/TRE_${name}/FHIR/TRE-${name}`;

export const ROR_TASK_PROFILE = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task';
export const THEME_SYSTEM = tre('R350-ThematiqueAnomalie');
export const ACTION_SYSTEM = tre('R349-ActionAnomalie');
export const BUSINESS_STATUS_SYSTEM = tre('R352-StatutMetierAnomalie');
export const REGION_SYSTEM = tre('R30-RegionOM');
export const INPUT_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/input-task-ror-codesystem';
export const OUTPUT_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/output-task-ror-codesystem';
export const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';
/**
 * meta.tag of a task: the FINESS numbers of its owner establishment and of that establishment's legal entity, so
 * an establishment editor's reads are narrowed to its own tasks in one indexed condition (src/security/access.ts).
 */
export const OWNER_TAG_SYSTEM = `${SERVER_CANONICAL_BASE}/CodeSystem/task-owner-finess`;
/** `systemRequester` of the tasks the rules raise. */
export const RULES_REQUESTER = 'ROR - contrôle qualité';

/** The labels of a code system of fhir-profiles/terminology, by code. */
export function terminologyLabels(system: string): Record<string, string> {
  const name = /\/NOS\/([^/]+)\//.exec(system)?.[1];
  const file = path.join(fhirProfilesDir(), 'terminology', `CodeSystem-${name}.json`);
  if (!name || !fs.existsSync(file)) throw new Error(`${system}: no code system in fhir-profiles/terminology (run scripts/build-profiles.ts)`);
  const cs = JSON.parse(fs.readFileSync(file, 'utf8')) as CodeSystem;
  return Object.fromEntries((cs.concept ?? []).filter((c) => c.display).map((c) => [c.code, c.display as string]));
}

/** TRE_R352 StatutMetierAnomalie: every business status, by code. */
export const BUSINESS_STATUS_LABELS: Readonly<Record<string, string>> = terminologyLabels(BUSINESS_STATUS_SYSTEM);
/** TRE_R350 ThematiqueAnomalie. */
export const THEME_CODE_LABELS: Readonly<Record<string, string>> = terminologyLabels(THEME_SYSTEM);
/** TRE_R349 ActionAnomalie. */
export const ACTION_CODE_LABELS: Readonly<Record<string, string>> = terminologyLabels(ACTION_SYSTEM);

/** The labels of `codes` in `labels`; throws naming the codes the terminology lacks. */
export function labelsOf<C extends string>(codes: readonly C[], labels: Readonly<Record<string, string>>, what: string): Record<C, string> {
  const missing = codes.filter((c) => !labels[c]);
  if (missing.length) throw new Error(`${what}: codes ${missing.join(', ')} are not in the terminology`);
  return Object.fromEntries(codes.map((c) => [c, labels[c]])) as Record<C, string>;
}

const status = (code: string) => ({ code, display: labelsOf([code], BUSINESS_STATUS_LABELS, 'TRE_R352')[code] });

/** The business statuses the server writes. */
export const BUSINESS_STATUS = {
  created: status('01'),
  toDo: status('02'),
  cancelled: status('03'),
  sent: status('05'),
  toleratedForGood: status('07'),
  corrected: status('08'),
  refused: status('09'),
} as const;

/** Task.status values of a task still to work. */
export const OPEN_STATUSES: ReadonlySet<string> = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);
