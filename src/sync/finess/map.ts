/**
 * FINESS etalab rows → FHIR (issue 5 "Mapping"; identifier systems from ../shared/spec/ror-ig/NOTES.md).
 * Only the elements the sync owns are produced (see ../reconcile/ownership.ts).
 */
import type { Location, Organization } from '@medplum/fhirtypes';
import { EXT, SYSTEM, TRE } from '../fhir-systems';
import { address, cc, compact, establishmentItems, prune, splitAcheminement, telecom, typedIdentifier } from '../map-common';
import type { SyncItem } from '../types';
import type { EjRow, EtRow, GeoRow } from './etalab';
import { inseeCode } from './validate';
import { projectionOf, toWgs84 } from './reproject';

export interface MappedEt {
  items: SyncItem[];
  /** Problems that do not reject the record (e.g. coordinates that cannot be converted: no position). */
  warnings: string[];
}

function streetLine(numvoie: string, compvoie: string, typvoie: string, voie: string): string {
  return compact([numvoie && `${numvoie}${compvoie ? ` ${compvoie}` : ''}`, typvoie, voie]).join(' ');
}

function etAddress(r: EtRow, managed: boolean) {
  return address(
    {
      lines: [r.compldistrib, streetLine(r.numvoie, r.compvoie, r.typvoie, r.voie), r.lieuditbp],
      ...splitAcheminement(r.ligneacheminement),
      district: r.libdepartement || undefined,
      insee: inseeCode(r.departement, r.commune),
    },
    managed,
  );
}

export function mapEt(r: EtRow, lineNo: number, geo: GeoRow | undefined): MappedEt {
  const warnings: string[] = [];
  const org: Organization = {
    resourceType: 'Organization',
    extension: r.dateouv ? [{ url: EXT.openingDate, valueDate: r.dateouv }] : undefined,
    identifier: compact([
      typedIdentifier(SYSTEM.idNatSt, `1${r.nofinesset}`, 'IDNST'),
      typedIdentifier(SYSTEM.finess, r.nofinesset, 'FINEG'),
      /^[0-9]{14}$/.test(r.siret) && typedIdentifier(SYSTEM.sirene, r.siret, 'SIRET'),
    ]),
    active: true,
    type: compact([
      cc(TRE.categorieEtablissement, r.categetab, r.libcategetab || undefined),
      cc(TRE.agregatCategorie, r.categagretab, r.libcategagretab || undefined),
      cc(TRE.sph, r.codesph, r.libsph || undefined),
      cc(TRE.mft, r.codemft, r.libmft || undefined),
    ]),
    name: r.rs,
    telecom: compact([telecom('phone', r.telephone), telecom('fax', r.telecopie)]),
    address: [etAddress(r, true)],
  };
  const insee = inseeCode(r.departement, r.commune);
  const location: Location = {
    resourceType: 'Location',
    extension: insee ? [{ url: EXT.communeCog, valueCodeableConcept: cc(TRE.commune, insee) }] : undefined,
    identifier: [{ system: SYSTEM.finess, value: r.nofinesset }],
    status: 'active',
    name: r.rs,
    mode: 'instance',
    address: etAddress(r, false),
  };
  if (geo) {
    const x = Number(geo.coordxet);
    const y = Number(geo.coordyet);
    const epsg = projectionOf(geo.sourcecoordet, r.departement);
    if (!geo.coordxet || !geo.coordyet || !Number.isFinite(x) || !Number.isFinite(y)) {
      if (geo.coordxet || geo.coordyet) warnings.push(`coordinates '${geo.coordxet}', '${geo.coordyet}' are not numbers`);
    } else if (!epsg) {
      warnings.push(`unknown projection in sourcecoordet '${geo.sourcecoordet}'`);
    } else {
      const pos = toWgs84(x, y, epsg, r.departement);
      if (typeof pos === 'string') warnings.push(pos);
      else location.position = pos;
    }
  }
  return {
    items: establishmentItems(r.nofinesset, r.nofinessej, org, location, lineNo),
    warnings,
  };
}

export function mapEj(r: EjRow, lineNo: number): SyncItem {
  const org: Organization = {
    resourceType: 'Organization',
    identifier: compact([
      typedIdentifier(SYSTEM.idNatSt, `1${r.nofiness}`, 'IDNST'),
      typedIdentifier(SYSTEM.finess, r.nofiness, 'FINEJ'),
      /^[0-9]{9}$/.test(r.siren) && typedIdentifier(SYSTEM.sirene, r.siren, 'SIREN'),
    ]),
    active: true,
    type: compact([cc(TRE.statutJuridique, r.statutjuridique, r.libstatutjuridique || undefined)]),
    name: r.rs,
    telecom: compact([telecom('phone', r.telephone)]),
    address: [
      address({
        lines: [r.compldistrib, streetLine(r.numvoie, r.compvoie, r.typvoie, r.voie), r.lieuditbp],
        ...splitAcheminement(r.ligneacheminement),
        district: r.libdepartement || undefined,
        insee: inseeCode(r.departement, r.commune),
      }),
    ],
  };
  return {
    kind: 'finess-ej',
    key: r.nofiness,
    resource: prune(org),
    match: { system: SYSTEM.finess, value: r.nofiness },
    line: lineNo,
  };
}
