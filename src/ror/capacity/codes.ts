/**
 * The vocabulary of the ROR bed-capacity extension `ror-location-supported-capacity` (ROR IG 0.7.0).
 *
 * Each coded sub-extension is bound (required) to a ROR value set (JDV_J187…J195) drawing all its codes from one ANS
 * code system (TRE_R329…R337). Entries are written with the TRE system; the JDV URL is a value set, never a system.
 *
 * The code lists below are data copied from the value sets the profile binds, as committed in
 * `fhir-profiles/terminology/ValueSet-JDV_J187-NatureCapacite-ROR.json` … `ValueSet-JDV_J195-AffectationTemporaire-ROR.json`
 * (test/unit/ror-capacity/codes.test.ts checks they still agree). Two differences with other sources, on purpose:
 * - capacityType: the IG 0.7.0 nomenclature bundle lists a TRE_R329 code 03 "Logement", but neither the ANS
 *   TRE_R329 nor JDV_J187 has it: refused here, like the profile validator does;
 * - genderCapacityAvailable: JDV_J190 (ANS) includes 03 "Indifférencié"; the IG bundle's copy leaves it out: accepted.
 */

export const SUPPORTED_CAPACITY_URL = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
/** The RORLocation profile: a Location claiming it gets the full entry checks (required sub-extensions, types). */
export const ROR_LOCATION_PROFILE = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location';

/** Sub-extensions with a coded (CodeableConcept) value, in the StructureDefinition's order. */
export const CODED_FIELDS = [
  'capacityType',
  'capacityStatus',
  'temporalityCapacity',
  'capacitySourceType',
  'genderCapacityAvailable',
  'capacityClosingType',
  'additionalBedType',
  'crisisType',
  'temporaryAssignement',
] as const;
export type CodedField = (typeof CODED_FIELDS)[number];

/** All sub-extensions, in the StructureDefinition's order (entries are written in this order). */
export const SUB_EXTENSIONS = [
  'capacityType',
  'capacityStatus',
  'temporalityCapacity',
  'nbCapacity',
  'capacitySourceType',
  'genderCapacityAvailable',
  'capacityUpdateDate',
  'capacityClosingType',
  'additionalBedType',
  'crisisType',
  'temporaryAssignement',
] as const;
export type SubExtension = (typeof SUB_EXTENSIONS)[number];

export interface CodeList {
  /** TRE code system URL (what `coding.system` must be). */
  system: string;
  /** JDV value set URL the profile binds the sub-extension to. */
  valueSet: string;
  /** Short human name of the nomenclature, for messages. */
  label: string;
  /** code → French display. */
  codes: Readonly<Record<string, string>>;
}

const mos = (kind: 'TRE' | 'JDV', name: string) => `https://mos.esante.gouv.fr/NOS/${kind}_${name}/FHIR/${kind}-${name}`;

export const CODE_LISTS: Readonly<Record<CodedField, CodeList>> = {
  capacityType: {
    system: mos('TRE', 'R329-NatureCapacite'),
    valueSet: mos('JDV', 'J187-NatureCapacite-ROR'),
    label: 'TRE_R329 NatureCapacite',
    codes: { '01': 'Lit', '02': 'Place' },
  },
  capacityStatus: {
    system: mos('TRE', 'R330-TypeStatutCapacite'),
    valueSet: mos('JDV', 'J188-TypeStatutCapacite-ROR'),
    label: 'TRE_R330 TypeStatutCapacite',
    codes: { '01': 'Installé', '02': 'Disponible', '03': 'Occupé', '04': 'Réservé', '05': 'Fermé', '06': 'Supplémentaire' },
  },
  temporalityCapacity: {
    system: mos('TRE', 'R331-TemporaliteCapacite'),
    valueSet: mos('JDV', 'J189-TemporaliteCapacite-ROR'),
    label: 'TRE_R331 TemporaliteCapacite',
    codes: {
      '01': 'Courant',
      '02': 'Prévisionnel 1 heure',
      '03': 'Prévisionnel 24 heures',
      '04': 'Prévisionnel 48 heures',
      '05': 'Prévisionnel 7 jours',
    },
  },
  capacitySourceType: {
    system: mos('TRE', 'R335-TypeSourceCapacite'),
    valueSet: mos('JDV', 'J193-TypeSourceCapacite-ROR'),
    label: 'TRE_R335 TypeSourceCapacite',
    codes: {
      '01': 'Saisie manuelle',
      '02': 'Bed management',
      '03': 'Gestion administrative du malade (GAM)',
      '04': 'Dossier patient informatisé (DPI)',
    },
  },
  genderCapacityAvailable: {
    system: mos('TRE', 'R332-GenreCapacite'),
    valueSet: mos('JDV', 'J190-GenreCapacite-ROR'),
    label: 'TRE_R332 GenreCapacite',
    codes: { '01': 'Femme', '02': 'Homme', '03': 'Indifférencié', '04': 'Indéterminé' },
  },
  capacityClosingType: {
    system: mos('TRE', 'R333-TypeFermetureCapacite'),
    valueSet: mos('JDV', 'J191-TypeFermetureCapacite-ROR'),
    label: 'TRE_R333 TypeFermetureCapacite',
    codes: { '01': 'Réactivable', '02': 'Non réactivable', '03': 'Indéterminé' },
  },
  additionalBedType: {
    system: mos('TRE', 'R334-TypeLitSupplementaire'),
    valueSet: mos('JDV', 'J192-TypeLitSupplementaire-ROR'),
    label: 'TRE_R334 TypeLitSupplementaire',
    codes: { '01': 'Mobilisé', '02': 'Mobilisable sans ressources humaines', '03': 'Mobilisable avec ressources humaines' },
  },
  crisisType: {
    system: mos('TRE', 'R336-TypeCrise'),
    valueSet: mos('JDV', 'J194-TypeCrise-ROR'),
    label: 'TRE_R336 TypeCrise',
    codes: { '01': 'PMIE 1', '02': 'Situation sanitaire Exceptionnelle (SSE) (Plan blanc)' },
  },
  temporaryAssignement: {
    system: mos('TRE', 'R337-AffectationTemporaire'),
    valueSet: mos('JDV', 'J195-AffectationTemporaire-ROR'),
    label: 'TRE_R337 AffectationTemporaire',
    codes: { '01': 'Aucune', '02': 'Covid+', '03': 'Covid-' },
  },
};

/**
 * Defaults for the sub-extensions the IG requires (1..1) when an entry is written by $set-capacity or the CSV import
 * and the caller does not give them: the data was typed by a person (01 Saisie manuelle), and the beds are not
 * assigned to a particular population (01 Aucune).
 */
export const DEFAULT_CODES: Partial<Record<CodedField, string>> = {
  capacitySourceType: '01',
  temporaryAssignement: '01',
};

/** The field whose code system (or value set) is this URL, if any. */
export function fieldOfSystem(system: string): { field: CodedField; isValueSet: boolean } | undefined {
  const url = system.replace(/\/+$/, '');
  for (const field of CODED_FIELDS) {
    if (CODE_LISTS[field].system === url) return { field, isValueSet: false };
    if (CODE_LISTS[field].valueSet === url) return { field, isValueSet: true };
  }
  return undefined;
}

/**
 * Normalizes a code typed by a person: trimmed, and a one-digit number padded to two digits (spreadsheets turn
 * "01" into 1). Returns the code as given otherwise.
 */
export function normalizeCode(raw: string): string {
  const code = raw.trim();
  return /^\d$/.test(code) ? `0${code}` : code;
}

/** The display of a code in its list, or undefined when the code is not in it. */
export function displayOf(field: CodedField, code: string): string | undefined {
  const codes = CODE_LISTS[field].codes;
  return Object.prototype.hasOwnProperty.call(codes, code) ? codes[code] : undefined;
}

/** "01 (Lit), 02 (Place)" — for messages. */
export function describeCodes(field: CodedField): string {
  return Object.entries(CODE_LISTS[field].codes)
    .map(([c, d]) => `${c} (${d})`)
    .join(', ');
}
