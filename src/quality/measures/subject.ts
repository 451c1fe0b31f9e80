/**
 * The subject of an indicator: a region (TRE_R30 code, as the ROR tags resources), a department (INSEE code) or an
 * establishment (an Organization). `$evaluate-measure` takes it as `subject=` in one of these forms:
 * - `Organization/[id]` — an establishment (an EJ covers its ETs too);
 * - `region/84`, or the token `https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM|84`;
 * - `department/01` (also `departement/01`), or the token `<DEPARTMENT_SYSTEM>|01`.
 * A MeasureReport names its subject by identifier (system|code), with the Organization's reference and FINESS
 * number for an establishment, so reports are found again with `subject:identifier=system|code`.
 */
import type { MeasureReport, Organization } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../errors';
import { DEPARTMENT_CODE, regionOfDepartment } from '../../offer/territory';
import { OFFER_SYSTEMS } from '../../offer/document';
import type { StoreReader } from '../../store/store';
import { SYSTEM } from '../../sync/fhir-systems';

export const REGION_SYSTEM = OFFER_SYSTEMS.region;
export const DEPARTMENT_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_G09-DepartementOM/FHIR/TRE-G09-DepartementOM';
export const FINESS_SYSTEM = SYSTEM.finess;
const REGION_CODE = /^(0[1-6]|1[1]|2[478]|3[2]|4[4]|5[23]|7[56]|8[4]|9[34]|97[578]|98\d)$/;

export type Subject =
  | { kind: 'region'; code: string; display?: string }
  | { kind: 'department'; code: string; display?: string }
  | { kind: 'establishment'; id: string; finess?: string; display?: string };

/** Parses a `subject` parameter (without reading anything). */
export function parseSubject(raw: string): Subject {
  const value = raw.trim();
  const [head, tail] = value.includes('|') ? splitLast(value, '|') : splitFirst(value, '/');
  if (head === 'Organization' && tail && /^[A-Za-z0-9\-.]{1,64}$/.test(tail)) return { kind: 'establishment', id: tail };
  if ((head === 'region' || head === REGION_SYSTEM) && tail && REGION_CODE.test(tail)) return { kind: 'region', code: tail };
  if ((head === 'department' || head === 'departement' || head === DEPARTMENT_SYSTEM) && tail && DEPARTMENT_CODE.test(tail)) return { kind: 'department', code: tail };
  throw badRequest(
    `subject '${raw}' is not understood: give Organization/[id] (an establishment), region/[TRE_R30 code] (e.g. region/84) or department/[INSEE code] (e.g. department/01)`,
    ['subject'],
  );
}

function splitFirst(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
function splitLast(s: string, sep: string): [string, string | undefined] {
  const i = s.lastIndexOf(sep);
  return [s.slice(0, i), s.slice(i + 1)];
}

/** The subject completed from the store (an establishment's FINESS number and name; 404 when it does not exist). */
export async function resolveSubject(subject: Subject, reader: StoreReader, label?: (system: string, code: string) => string | undefined): Promise<Subject> {
  switch (subject.kind) {
    case 'establishment': {
      const v = await reader.read('Organization', subject.id);
      if (!v || v.deleted) throw notFound(`subject Organization/${subject.id} does not exist`);
      const org = JSON.parse(v.json) as Organization;
      const finess = org.identifier?.find((i) => i.system === FINESS_SYSTEM && i.value)?.value;
      return { ...subject, ...(finess ? { finess } : {}), ...(org.name ? { display: org.name } : {}) };
    }
    case 'region':
      return { ...subject, display: label?.(REGION_SYSTEM, subject.code) ?? `Région ${subject.code}` };
    case 'department':
      return { ...subject, display: `Département ${subject.code}` };
  }
}

/** The subject as a MeasureReport names it. */
export function subjectReference(subject: Subject): NonNullable<MeasureReport['subject']> {
  switch (subject.kind) {
    case 'establishment':
      return {
        reference: `Organization/${subject.id}`,
        ...(subject.finess ? { identifier: { system: FINESS_SYSTEM, value: subject.finess } } : {}),
        ...(subject.display ? { display: subject.display } : {}),
      };
    case 'region':
      return { identifier: { system: REGION_SYSTEM, value: subject.code }, ...(subject.display ? { display: subject.display } : {}) };
    case 'department':
      return { identifier: { system: DEPARTMENT_SYSTEM, value: subject.code }, ...(subject.display ? { display: subject.display } : {}) };
  }
}

/** The short form of a subject (`region/84`, `department/01`, `Organization/x`), for logs, CSV and the CLI. */
export function subjectKey(subject: Subject): string {
  return subject.kind === 'establishment' ? `Organization/${subject.id}` : `${subject.kind}/${subject.code}`;
}

/** The search value that finds the reports of a subject: `subject:identifier=<this>` (or `subject=` for an Organization). */
export function subjectSearch(subject: Subject): [string, string] {
  switch (subject.kind) {
    case 'establishment':
      return ['subject', `Organization/${subject.id}`];
    case 'region':
      return ['subject:identifier', `${REGION_SYSTEM}|${subject.code}`];
    case 'department':
      return ['subject:identifier', `${DEPARTMENT_SYSTEM}|${subject.code}`];
  }
}

/** The departments of a region (INSEE COG 2024), for the nightly run. */
export function departmentsOf(region: string): string[] {
  const out: string[] = [];
  for (const d of allDepartments()) if (regionOfDepartment(d) === region) out.push(d);
  return out;
}

function allDepartments(): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 95; i++) if (i !== 20) out.push(String(i).padStart(2, '0'));
  out.push('2A', '2B');
  for (let i = 971; i <= 989; i++) out.push(String(i));
  return out.filter((d) => DEPARTMENT_CODE.test(d));
}
