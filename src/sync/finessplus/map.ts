/**
 * FINESS+ JSON (schema finess/finessplus/schema-structures-v1.json) → the same records as the etalab files (same
 * kinds and keys, so switching feeds updates rather than duplicates): `pmej` → legal entity, each `ege` → an
 * establishment and its Location.
 *
 * Coordinates: coordonneeX/Y are projected (Lambert-93 in metropolitan France, UTM overseas) and **swapped in some
 * files** (the ANS sample has X = 6589480, a Lambert-93 northing): they are converted as given, then swapped, and the
 * order that lands inside the department wins; directionLatitude/Longitude (WGS84) are used when neither does.
 */
import type { Location, Organization } from '@medplum/fhirtypes';
import { EXT, SYSTEM, TRE } from '../fhir-systems';
import { address, cc, compact, establishmentItems, prune, telecom, typedIdentifier } from '../map-common';
import type { SyncItem } from '../types';
import { defaultProjection, toWgs84 } from '../finess/reproject';
import type { Position } from '../finess/reproject';
import { isValidDate, isValidFiness } from '../finess/validate';

type Json = any;

const DEPARTMENT_OF_COG: Record<string, string> = { '971': '9A', '972': '9B', '973': '9C', '974': '9D', '975': '9E', '976': '9F', '986': '9J' };

export function departementOf(cog: string | undefined): string | undefined {
  if (!cog || !/^[0-9]{2}|^2[AB]/.test(cog)) return undefined;
  return DEPARTMENT_OF_COG[cog.slice(0, 3)] ?? cog.slice(0, 2);
}

export interface FinessPlusMapped {
  items: SyncItem[];
  warnings: string[];
  /** Set when the legal entity itself is unusable. */
  error?: string;
}

function mainAddress(list: Json[] | undefined): Json | undefined {
  return list?.find((a) => a?.usageAdresse === '03') ?? list?.find((a) => a?.usageAdresse === '02') ?? list?.[0];
}

function fhirAddress(a: Json | undefined) {
  if (!a) return undefined;
  const street = compact([a.numeroVoie && `${a.numeroVoie}${a.complementNumeroVoie ? ` ${a.complementNumeroVoie}` : ''}`, a.typeVoie, a.libelleVoie]).join(' ');
  return address({
    lines: [a.complementDistribution, street, a.lieuDit],
    postalCode: a.codePostal,
    city: a.ligneAcheminement,
    insee: /^[0-9][0-9AB][0-9]{3}$/.test(a.cogCommune ?? '') ? a.cogCommune : undefined,
  });
}

function phones(contacts: Json[] | undefined) {
  return compact(
    (contacts ?? []).flatMap((c) => [telecom('phone', c?.telecom?.telephone), telecom('fax', c?.telecom?.telecopie), telecom('email', c?.telecom?.mail ?? c?.telecom?.email)]),
  );
}

/** Position of a FINESS+ address, checking the X/Y order by range (see the module comment). */
export function positionOf(a: Json | undefined, warnings: string[]): Position | undefined {
  const g = a?.coordonneesGeographique;
  if (!g) return undefined;
  const dep = departementOf(a.cogCommune) ?? '75';
  const x = Number(g.coordonneeX);
  const y = Number(g.coordonneeY);
  if (g.coordonneeX && g.coordonneeY && Number.isFinite(x) && Number.isFinite(y)) {
    const epsg = defaultProjection(dep);
    const asGiven = toWgs84(x, y, epsg, dep);
    if (typeof asGiven !== 'string') return asGiven;
    const swapped = toWgs84(y, x, epsg, dep);
    if (typeof swapped !== 'string') return swapped;
    warnings.push(asGiven);
  }
  const lat = Number(g.directionLatitude);
  const lon = Number(g.directionLongitude);
  if (g.directionLatitude && g.directionLongitude && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    return { latitude: lat, longitude: lon };
  }
  return undefined;
}

export function mapPmej(pm: Json): FinessPlusMapped {
  const warnings: string[] = [];
  const info = pm?.informationsGeneralesPMEJ ?? {};
  const finessEj: string = info.numFinessPm ?? '';
  if (!isValidFiness(finessEj)) return { items: [], warnings, error: `invalid FINESS in numFinessPm: '${finessEj}'` };
  const ej: Organization = {
    resourceType: 'Organization',
    identifier: compact([
      typedIdentifier(SYSTEM.idNatSt, `1${finessEj}`, 'IDNST'),
      typedIdentifier(SYSTEM.finess, finessEj, 'FINEJ'),
      /^[0-9]{9}$/.test(info.siren ?? '') && typedIdentifier(SYSTEM.sirene, info.siren, 'SIREN'),
    ]),
    active: pm.etatObjet !== 'I',
    type: compact([cc(TRE.statutJuridique, info.statutJuridique)]),
    name: info.denominationPm ?? info.denominationLonguePmSmsse,
    telecom: phones(pm.contact),
    address: compact([fhirAddress(mainAddress(pm.adresse))]),
  };
  const items: SyncItem[] = [{ kind: 'finess-ej', key: finessEj, resource: prune(ej), match: { system: SYSTEM.finess, value: finessEj }, line: 0 }];
  for (const ege of pm.ege ?? []) {
    const e = ege?.informationsGeneralesEGE ?? {};
    const finess: string = e.numFinessEge ?? '';
    if (!isValidFiness(finess)) {
      warnings.push(`ege of ${finessEj} skipped: invalid FINESS in numFinessEge '${finess}'`);
      continue;
    }
    const addr = mainAddress(ege.adresse);
    const opening = isValidDate(e.dateOuverture ?? '') ? e.dateOuverture : undefined;
    const org: Organization = {
      resourceType: 'Organization',
      extension: opening ? [{ url: EXT.openingDate, valueDate: opening }] : undefined,
      identifier: compact([
        typedIdentifier(SYSTEM.idNatSt, `1${finess}`, 'IDNST'),
        typedIdentifier(SYSTEM.finess, finess, 'FINEG'),
        /^[0-9]{14}$/.test(e.siret ?? '') && typedIdentifier(SYSTEM.sirene, e.siret, 'SIRET'),
      ]),
      active: ege.etatObjet !== 'I',
      type: compact([
        cc(TRE.categorieEtablissement, ege.categorieentiteGeographiqueExercice),
        cc(TRE.sph, Array.isArray(e.espic) ? e.espic[0] : undefined),
        cc(TRE.mft, ege.modefixationtarifaire),
      ]),
      name: e.nomEgeCourt ?? e.nomEgeLong,
      telecom: phones(ege.contact),
      address: compact([fhirAddress(addr)]),
    };
    const insee = /^[0-9][0-9AB][0-9]{3}$/.test(addr?.cogCommune ?? '') ? addr.cogCommune : undefined;
    const locAddress = fhirAddress(addr);
    if (locAddress) locAddress.extension = locAddress.extension?.filter((x) => x.url !== EXT.syncManaged);
    const location: Location = {
      resourceType: 'Location',
      extension: insee ? [{ url: EXT.communeCog, valueCodeableConcept: cc(TRE.commune, insee) }] : undefined,
      identifier: [{ system: SYSTEM.finess, value: finess }],
      status: ege.etatObjet === 'I' ? 'inactive' : 'active',
      name: org.name,
      mode: 'instance',
      address: locAddress,
      position: positionOf(addr, warnings),
    };
    items.push(...establishmentItems(finess, finessEj, org, location, 0));
  }
  return { items, warnings };
}
