/**
 * Identifier systems and code systems used by the sync, exactly as ../shared/spec/ror-ig/NOTES.md gives them
 * ("Identifier systems (FR Core / Annuaire)") and as the ANS nomenclatures name their TRE code systems.
 */
const tre = (id: string) => `https://mos.esante.gouv.fr/NOS/${id}/FHIR/${id.replace('_', '-')}`;

export const SYSTEM = {
  /** idNatSt: `1`+FINESS (never the bare FINESS, see NOTES.md), `3`+SIRET… */
  idNatSt: 'urn:oid:1.2.250.1.71.4.2.2',
  finess: 'https://finess.esante.gouv.fr',
  sirene: 'https://sirene.fr',
  /** idNatPs: `8`+RPPS or `0`+ADELI, the RPPS column "Identification nationale PP". */
  idNatPs: 'urn:oid:1.2.250.1.71.4.2.1',
  rpps: 'https://rpps.esante.gouv.fr',
  identifierType: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203',
} as const;

export const TRE = {
  categorieEtablissement: tre('TRE_R66-CategorieEtablissement'),
  agregatCategorie: tre('TRE_R65-AgregatCategorieEtablissement'),
  statutJuridique: tre('TRE_R72-FinessStatutJuridique'),
  sph: tre('TRE_R73-ESPIC'),
  mft: tre('TRE_R74-ModeFixationTarifaire'),
  commune: tre('TRE_R13-CommuneOM'),
  canal: tre('TRE_R200-CanalCommunication'),
  confidentialite: tre('TRE_R283-NiveauConfidentialite'),
  profession: tre('TRE_G15-ProfessionSante'),
  categorieProfessionnelle: tre('TRE_R09-CategorieProfessionnelle'),
  typeSavoirFaire: tre('TRE_R04-TypeSavoirFaire'),
  savoirFaire: tre('TRE_R38-SpecialiteOrdinale'),
  modeExercice: tre('TRE_R23-ModeExercice'),
  secteurActivite: tre('TRE_R02-SecteurActivite'),
  fonction: tre('TRE_R21-Fonction'),
  genreActivite: tre('TRE_R22-GenreActivite'),
  civiliteExercice: tre('TRE_R11-CiviliteExercice'),
  civilite: tre('TRE_R81-Civilite'),
} as const;

const ROR_SD = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/';
export const EXT = {
  creationDate: `${ROR_SD}ror-meta-creation-date`,
  communeCog: `${ROR_SD}ror-commune-cog`,
  telecomChannel: `${ROR_SD}ror-telecom-communication-channel`,
  telecomConfidentiality: `${ROR_SD}ror-telecom-confidentiality-level`,
  unitExerciseMode: `${ROR_SD}ror-practitionerrole-unit-exercise-mode`,
  inseeCode: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code',
  /** Opening date of an establishment (FINESS dateouv): Organization has no element for it. */
  openingDate: 'https://ror-fhir-server.example.org/fhir/StructureDefinition/finess-opening-date',
  /**
   * Marks the repeating elements (telecom, address) the sync wrote, so it replaces only those and keeps the ones an
   * establishment or an analyst added (see README "Sync: who owns what").
   */
  syncManaged: 'https://ror-fhir-server.example.org/fhir/StructureDefinition/sync-managed',
} as const;

/** meta.tag telling which sync source manages a resource. */
export const SYNC_TAG_SYSTEM = 'https://ror-fhir-server.example.org/fhir/CodeSystem/sync-source';
/** PractitionerRole business identifier: `<idNatPs>-<structure technical id>` (one role per person and site). */
export const ROLE_IDENTIFIER_SYSTEM = 'https://ror-fhir-server.example.org/fhir/sid/rpps-activite';
