/**
 * Declared data that differs from the last national value: an Organization's name, address, category, legal
 * status or telecom that someone changed away from what FINESS says. The national value is the version of the
 * Organization the referential sync last wrote (src/sync/reconcile/national.ts); only the elements the sync owns
 * are compared (src/sync/reconcile/ownership.ts): the name, the addresses and telecoms it marked `sync-managed`,
 * the codings of the category (TRE_R66) and legal status (TRE_R72). What establishments add beside them (their own
 * telecoms, an `alias`) is theirs and never a discrepancy.
 *
 * `nationalPart` / `withNationalPart` are also what `$accept-national` uses to write the national value back.
 */
import type { Address, CodeableConcept, ContactPoint, Organization } from '@medplum/fhirtypes';
import { TRE } from '../../sync/fhir-systems';
import { deepEqual, isSyncManaged } from '../../sync/reconcile/ownership';
import type { Rule } from './types';

/** An element of an Organization the sync owns, and how to read, show and replace it. */
interface NationalElement {
  rule: string;
  label: string;
  path: string;
  /** The sync's part of the element (compared). */
  part(org: Organization): unknown;
  show(part: unknown): string | undefined;
  /** `org` with its sync part of the element replaced by `national`'s (what is not the sync's is kept). */
  replace(org: Organization, national: Organization): Organization;
}

const managed = <T>(items: T[] | undefined): T[] => (items ?? []).filter(isSyncManaged);
const others = <T>(items: T[] | undefined): T[] => (items ?? []).filter((i) => !isSyncManaged(i));
const codings = (system: string) => (org: Organization) => (org.type ?? []).filter((t) => t.coding?.[0]?.system === system);

function replaceList<K extends 'address' | 'telecom'>(key: K, org: Organization, national: Organization, ours: (x: NonNullable<Organization[K]>) => NonNullable<Organization[K]>, theirs: typeof ours): Organization {
  const list = [...ours((national[key] ?? []) as NonNullable<Organization[K]>), ...theirs((org[key] ?? []) as NonNullable<Organization[K]>)];
  const out: Organization = { ...org, [key]: list };
  if (!list.length) delete out[key];
  return out;
}

function replaceType(system: string, org: Organization, national: Organization): Organization {
  const type = [...codings(system)(national), ...(org.type ?? []).filter((t) => t.coding?.[0]?.system !== system)];
  const out: Organization = { ...org, type };
  if (!type.length) delete out.type;
  return out;
}

const showAddress = (a: Address) => [...(a.line ?? []), [a.postalCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ');
const showTelecom = (t: ContactPoint) => `${t.system ?? '?'} ${t.value ?? ''}`.trim();
const showCoding = (c: CodeableConcept) => [c.coding?.[0]?.code, c.coding?.[0]?.display].filter(Boolean).join(' ');
const joined = (values: string[]) => (values.length ? values.join(' | ') : undefined);

export const NATIONAL_ELEMENTS: NationalElement[] = [
  {
    rule: 'org-name-national',
    label: 'La raison sociale',
    path: 'Organization.name',
    part: (o) => o.name,
    show: (p) => (typeof p === 'string' ? p : undefined),
    replace: (o, n) => {
      const out = { ...o, name: n.name };
      if (n.name === undefined) delete out.name;
      return out;
    },
  },
  {
    rule: 'org-address-national',
    label: "L'adresse",
    path: 'Organization.address',
    part: (o) => managed(o.address),
    show: (p) => joined((p as Address[]).map(showAddress)),
    replace: (o, n) => replaceList('address', o, n, managed, others),
  },
  {
    rule: 'org-category-national',
    label: "La catégorie d'établissement",
    path: `Organization.type.where(coding.system='${TRE.categorieEtablissement}')`,
    part: (o) => codings(TRE.categorieEtablissement)(o).map((t) => t.coding?.[0]?.code),
    show: (p) => joined(p as string[]),
    replace: (o, n) => replaceType(TRE.categorieEtablissement, o, n),
  },
  {
    rule: 'org-legal-status-national',
    label: 'Le statut juridique',
    path: `Organization.type.where(coding.system='${TRE.statutJuridique}')`,
    part: (o) => codings(TRE.statutJuridique)(o).map((t) => t.coding?.[0]?.code),
    show: (p) => joined(p as string[]),
    replace: (o, n) => replaceType(TRE.statutJuridique, o, n),
  },
  {
    rule: 'org-telecom-national',
    label: 'Les télécommunications',
    path: 'Organization.telecom',
    part: (o) => managed(o.telecom).map(showTelecom).sort(),
    show: (p) => joined(p as string[]),
    replace: (o, n) => replaceList('telecom', o, n, managed, others),
  },
];

/** Labels of the national codes, for descriptions (the sync writes the FINESS label as the coding's display). */
function describe(el: NationalElement, org: Organization): string | undefined {
  if (el.rule === 'org-category-national') return joined(codings(TRE.categorieEtablissement)(org).map(showCoding));
  if (el.rule === 'org-legal-status-national') return joined(codings(TRE.statutJuridique)(org).map(showCoding));
  return el.show(el.part(org));
}

function nationalRule(el: NationalElement): Rule<Organization> {
  return {
    id: el.rule,
    type: 'Organization',
    theme: '06',
    action: 'COR',
    national: true,
    check: ({ resource, national }) => {
      if (!national) return [];
      const declared = el.part(resource);
      const reference = el.part(national);
      if (deepEqual(declared, reference)) return [];
      const shownDeclared = describe(el, resource);
      const shownNational = describe(el, national);
      return [
        {
          path: el.path,
          declared: shownDeclared,
          proposed: shownNational,
          description: `${el.label} déclaré(e) (${shownDeclared ?? 'absent(e)'}) diffère de la valeur nationale FINESS (${shownNational ?? 'absente'}).`,
        },
      ];
    },
  };
}

export const NATIONAL_RULES: Rule<Organization>[] = NATIONAL_ELEMENTS.map(nationalRule);

/** `declared` with the national value of `rule`'s element written back (for `$accept-national`). */
export function withNationalPart(rule: string, declared: Organization, national: Organization): Organization {
  const el = NATIONAL_ELEMENTS.find((e) => e.rule === rule);
  if (!el) throw new Error(`${rule} is not a national-value rule`);
  return el.replace(declared, national);
}
