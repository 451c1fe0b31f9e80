/**
 * RPPS lines of one person → a Practitioner and one PractitionerRole per activity site (issue 5 "Mapping").
 * The file has one line per person × site × savoir-faire: lines of one person and site merge into one role, and the
 * person's qualifications are the union over all lines.
 */
import type { CodeableConcept, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { EXT, ROLE_IDENTIFIER_SYSTEM, SYSTEM, TRE } from '../fhir-systems';
import { cc, compact, prune, telecom, typedIdentifier } from '../map-common';
import type { ItemKey, SyncItem, SyncLink } from '../types';
import type { RppsLine } from './columns';

export interface PersonLines {
  idNat: string;
  lines: { lineNo: number; line: RppsLine }[];
}

const GENDER: Record<string, Practitioner['gender']> = { M: 'male', MME: 'female', MLLE: 'female' };

function distinct(list: (CodeableConcept | undefined)[]): CodeableConcept[] {
  const seen = new Set<string>();
  const out: CodeableConcept[] = [];
  for (const c of list) {
    if (!c) continue;
    const k = `${c.coding?.[0]?.system}|${c.coding?.[0]?.code}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(c);
    }
  }
  return out;
}

/** The site of an activity: the structure's technical id, else its FINESS or SIRET; undefined for no activity. */
export function siteKey(l: RppsLine): string | undefined {
  return l.structureId ?? (l.finessSite && `F${l.finessSite}`) ?? (l.siret && `S${l.siret}`);
}

/** The items mapPerson returns (kind, key, link targets), without mapping: one practitioner, one role per site. */
export function personKeys(p: PersonLines): ItemKey[] {
  const keys: ItemKey[] = [{ kind: 'rpps-practitioner', key: p.idNat }];
  const firstOfSite = new Map<string, RppsLine>();
  for (const x of p.lines) {
    const site = siteKey(x.line);
    if (site && !firstOfSite.has(site)) firstOfSite.set(site, x.line);
  }
  for (const [site, l] of firstOfSite) {
    const links: { kind: ItemKey['kind']; key: string }[] = [{ kind: 'rpps-practitioner', key: p.idNat }];
    if (l.finessSite) links.push({ kind: 'finess-et', key: l.finessSite });
    keys.push({ kind: 'rpps-role', key: `${p.idNat}-${site}`, links });
  }
  return keys;
}

export function mapPerson(p: PersonLines): SyncItem[] {
  const first = p.lines[0].line;
  const all = p.lines.map((x) => x.line);
  const practitioner: Practitioner = {
    resourceType: 'Practitioner',
    identifier: compact([
      typedIdentifier(SYSTEM.idNatPs, p.idNat, 'IDNPS'),
      first.typeId === '8' && typedIdentifier(SYSTEM.rpps, first.id!, 'RPPS'),
    ]),
    active: true,
    name: [
      {
        use: 'official',
        family: first.nom,
        given: first.prenom ? [first.prenom] : undefined,
        prefix: compact([first.civExCode ?? first.civCode]),
      },
    ],
    gender: first.civCode ? GENDER[first.civCode] : undefined,
    qualification: distinct([
      cc(TRE.profession, first.professionCode, first.professionLabel),
      cc(TRE.categorieProfessionnelle, first.categorieCode, first.categorieLabel),
      ...all.map((l) => cc(TRE.savoirFaire, l.sfCode, l.sfLabel)),
    ]).map((code) => ({ code })),
  };
  const items: SyncItem[] = [
    {
      kind: 'rpps-practitioner',
      key: p.idNat,
      resource: prune(practitioner),
      match: { system: SYSTEM.idNatPs, value: p.idNat },
      line: p.lines[0].lineNo,
    },
  ];
  const sites = new Map<string, { lineNo: number; line: RppsLine }[]>();
  for (const x of p.lines) {
    const site = siteKey(x.line);
    if (!site) continue;
    sites.set(site, [...(sites.get(site) ?? []), x]);
  }
  for (const [site, lines] of sites) items.push(mapRole(p.idNat, site, lines));
  return items;
}

function mapRole(idNat: string, site: string, lines: { lineNo: number; line: RppsLine }[]): SyncItem {
  const l = lines[0].line;
  const key = `${idNat}-${site}`;
  const links: SyncLink[] = [
    { element: 'practitioner', kind: 'rpps-practitioner', key: idNat, identifier: { system: SYSTEM.idNatPs, value: idNat } },
  ];
  const role: PractitionerRole = {
    resourceType: 'PractitionerRole',
    extension: l.modeCode ? [{ url: EXT.unitExerciseMode, valueCodeableConcept: cc(TRE.modeExercice, l.modeCode, l.modeLabel) }] : undefined,
    identifier: [{ system: ROLE_IDENTIFIER_SYSTEM, value: key }],
    active: true,
    code: distinct([
      cc(TRE.profession, l.professionCode, l.professionLabel),
      cc(TRE.fonction, l.roleCode, l.roleLabel),
      cc(TRE.genreActivite, l.genreCode, l.genreLabel),
      cc(TRE.secteurActivite, l.secteurCode, l.secteurLabel),
    ]),
    specialty: distinct(lines.flatMap(({ line }) => [cc(TRE.typeSavoirFaire, line.typeSfCode, line.typeSfLabel), cc(TRE.savoirFaire, line.sfCode, line.sfLabel)])),
    telecom: compact([telecom('phone', l.tel), telecom('phone', l.tel2), telecom('fax', l.fax), telecom('email', l.email)]),
  };
  const display = l.enseigne ?? l.raisonSociale;
  if (l.finessSite) {
    role.organization = display ? { display } : undefined;
    links.push({ element: 'organization', kind: 'finess-et', key: l.finessSite, identifier: { system: SYSTEM.finess, value: l.finessSite } });
  } else if (display || l.siret) {
    role.organization = { display, identifier: l.siret ? { system: SYSTEM.sirene, value: l.siret } : undefined };
  }
  return {
    kind: 'rpps-role',
    key,
    resource: prune(role),
    match: { system: ROLE_IDENTIFIER_SYSTEM, value: key },
    links,
    line: lines[0].lineNo,
  };
}
