/**
 * ROR-like Organizations for load: a FINESS geographic entity (EG) attached to its legal entity (EJ), with the
 * identifiers, types, telecom and address a real ROR Organization carries (about 1 KB of JSON). The first ten
 * play the legal entities the others are `partOf`.
 */
import type { Organization } from '@medplum/fhirtypes';

const DEPARTEMENTS = ['75', '69', '13', '33', '59', '31', '44', '67', '2A', '974'];
const CITIES = ['PARIS', 'LYON', 'MARSEILLE', 'BORDEAUX', 'LILLE', 'TOULOUSE', 'NANTES', 'STRASBOURG', 'AJACCIO', 'SAINT-DENIS'];
const CATEGORIES: [string, string][] = [
  ['355', 'Centre Hospitalier (C.H.)'],
  ['109', 'Etablissement de santé privé autorisé en SSR'],
  ['500', 'Etablissement d\'hébergement pour personnes âgées dépendantes'],
  ['128', 'Etablissement de Soins Chirurgicaux'],
];

/** A 9-character FINESS number for entity `n` (département + 7 digits). */
export function finessOf(n: number): string {
  const dep = DEPARTEMENTS[n % DEPARTEMENTS.length];
  const dep2 = dep.length === 3 ? '97' : dep;
  return `${dep2}0${String(n).padStart(6, '0')}`.slice(0, 9);
}

/** A 5-character INSEE commune code in département `dep`. */
function inseeOf(dep: string, n: number): string {
  return dep.length === 3 ? `${dep}${String(n % 24).padStart(2, '0')}` : `${dep}${String(1 + (n % 400)).padStart(3, '0')}`;
}

export function benchOrgId(n: number): string {
  return `bench-org-${String(n).padStart(5, '0')}`;
}

/** The n-th Organization; `id` is set when given (PUT), left out otherwise (POST). */
export function rorOrganization(
  n: number,
  options: { id?: string; phoneSuffix?: number; claimProfile?: boolean } = {},
): Organization {
  const finess = finessOf(n);
  const finessEj = finessOf(n + 500_000);
  const [catCode, catLabel] = CATEGORIES[n % CATEGORIES.length];
  const city = CITIES[n % CITIES.length];
  const dep = DEPARTEMENTS[n % DEPARTEMENTS.length];
  const phone = `0${1 + (n % 5)}${String(((options.phoneSuffix ?? n) * 7919) % 100_000_000).padStart(8, '0')}`;
  return {
    resourceType: 'Organization',
    ...(options.id ? { id: options.id } : {}),
    meta: {
      ...(options.claimProfile === false ? {} : { profile: ['https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-organization'] }),
      tag: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM', code: '11' }],
    },
    identifier: [
      {
        use: 'official',
        type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'IDNST' }] },
        system: 'urn:oid:1.2.250.1.71.4.2.2',
        value: `1${finess}`,
      },
      {
        use: 'official',
        type: { coding: [{ system: 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203', code: 'FINEG' }] },
        system: 'https://finess.esante.gouv.fr',
        value: finess,
      },
    ],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement',
            code: catCode,
            display: catLabel,
          },
        ],
      },
    ],
    name: `CENTRE HOSPITALIER ${city} ${n}`,
    extension: [
      {
        url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-commune-cog',
        valueCodeableConcept: {
          coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM', code: inseeOf(dep, n) }],
        },
      },
    ],
    telecom: [
      {
        extension: [
          {
            url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-telecom-communication-channel',
            valueCodeableConcept: {
              coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R200-CanalCommunication/FHIR/TRE-R200-CanalCommunication', code: '2' }],
            },
          },
          {
            url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-telecom-confidentiality-level',
            valueCodeableConcept: {
              coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R283-NiveauConfidentialite/FHIR/TRE-R283-NiveauConfidentialite', code: '1' }],
            },
          },
        ],
        system: 'phone',
        value: phone,
        use: 'work',
      },
    ],
    address: [
      {
        use: 'work',
        type: 'both',
        line: [`${1 + (n % 120)} RUE DE LA REPUBLIQUE`],
        city,
        postalCode: `${dep.length === 3 ? dep : dep.replace('2A', '20')}${String(n % 1000).padStart(3, '0')}`.slice(0, 5),
        country: 'FR',
      },
    ],
    // EGs 10.. belong to one of the EJs 0..9 (preloaded first, so the reference resolves).
    ...(n >= 10 ? { partOf: { reference: `Organization/${benchOrgId(n % 10)}`, display: `ENTITE JURIDIQUE ${finessEj}` } } : {}),
  };
}
