/**
 * The generated regional directory of the search bench: deterministic (the n-th resource is always the same), so
 * queries can be generated without reading the data back. Bump DATA_VERSION when the generator changes: the
 * default data directory carries it, so a stale directory is never reused.
 */
export const DATA_VERSION = 2;
import type { Resource } from '@medplum/fhirtypes';

export const SIZES = {
  Organization: Number(process.env.BENCH_SEARCH_ORGS ?? 100_000),
  Location: Number(process.env.BENCH_SEARCH_LOCATIONS ?? 300_000),
  HealthcareService: Number(process.env.BENCH_SEARCH_SERVICES ?? 300_000),
  Practitioner: Number(process.env.BENCH_SEARCH_PRACTITIONERS ?? 1_000_000),
  PractitionerRole: Number(process.env.BENCH_SEARCH_ROLES ?? 1_000_000),
};

const CITIES = [
  'Lyon', 'Villeurbanne', 'Saint-Étienne', 'Grenoble', 'Annecy', 'Chambéry', 'Valence', 'Bourg-en-Bresse', 'Vienne',
  'Roanne', 'Clermont-Ferrand', 'Montluçon', 'Aurillac', 'Le Puy-en-Velay', 'Vichy', 'Moulins', 'Privas', 'Thonon',
  'Annemasse', 'Écully',
];
const SYLLABLES = ['ba', 'ri', 'mo', 'lé', 'dan', 'ker', 'lu', 'sa', 'vin', 'tor', 'mé', 'gal', 'pi', 'ron', 'chè', 'du'];
const GIVEN = ['Marie', 'Jean', 'Anne', 'Pierre', 'Sophie', 'Luc', 'Élise', 'Paul', 'Chloé', 'Louis', 'Inès', 'Hugo'];

/** Deterministic pseudo-random in [0, 1) from an integer and a salt (murmur3's finalizer: well mixed). */
function rand(n: number, salt = 0): number {
  let x = (n ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 4294967296;
}
const pick = <T>(list: T[], n: number, salt: number) => list[Math.floor(rand(n, salt) * list.length)];

/** 65,536 possible family names of 4 syllables: a family name matches ~15 of 1M practitioners. */
export function familyOf(n: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += SYLLABLES[Math.floor(rand(n, 10 + i) * SYLLABLES.length)];
  return s[0].toUpperCase() + s.slice(1);
}
export const cityOf = (n: number) => pick(CITIES, n, 1);
export const finessOf = (n: number) => String(100000000 + n);
export const rppsOf = (n: number) => String(10000000000 + n);
export const specialtyOf = (n: number) => String(100 + Math.floor(rand(n, 3) * 200));
/** Positions spread over a 4° × 5° region around Lyon (~200,000 km²). */
export const positionOf = (n: number) => ({ latitude: 44 + rand(n, 4) * 4, longitude: 2 + rand(n, 5) * 5 });

export function organization(n: number): Resource & { id: string } {
  return {
    resourceType: 'Organization',
    id: `org-${n}`,
    active: true,
    identifier: [{ system: 'http://finess.sante.gouv.fr', value: finessOf(n) }],
    type: [{ coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement', code: String(100 + (n % 40)) }] }],
    name: `Centre hospitalier ${cityOf(n)} ${n}`,
    address: [{ line: [`${n} rue de la Santé`], city: cityOf(n), postalCode: String(69000 + (n % 900)) }],
  };
}

export function location(n: number): Resource & { id: string } {
  return {
    resourceType: 'Location',
    id: `loc-${n}`,
    status: 'active',
    name: `Site ${n}`,
    address: { city: cityOf(n + 7), postalCode: String(69000 + (n % 900)) },
    position: positionOf(n),
    managingOrganization: { reference: `Organization/org-${n % SIZES.Organization}` },
  };
}

export function healthcareService(n: number): Resource & { id: string } {
  return {
    resourceType: 'HealthcareService',
    id: `hs-${n}`,
    active: true,
    providedBy: { reference: `Organization/org-${n % SIZES.Organization}` },
    location: [{ reference: `Location/loc-${n % SIZES.Location}` }],
    specialty: [{ coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle', code: specialtyOf(n) }] }],
    name: `Unité ${n}`,
  };
}

export function practitioner(n: number): Resource & { id: string } {
  return {
    resourceType: 'Practitioner',
    id: `pra-${n}`,
    active: true,
    identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.1', value: rppsOf(n) }],
    name: [{ family: familyOf(n), given: [pick(GIVEN, n, 6)] }],
  };
}

export function practitionerRole(n: number): Resource & { id: string } {
  return {
    resourceType: 'PractitionerRole',
    id: `pr-${n}`,
    active: true,
    practitioner: { reference: `Practitioner/pra-${n % SIZES.Practitioner}` },
    organization: { reference: `Organization/org-${n % SIZES.Organization}` },
    location: [{ reference: `Location/loc-${n % SIZES.Location}` }],
    code: [{ coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante', code: String(10 + (n % 50)) }] }],
  };
}

export const GENERATORS: Record<keyof typeof SIZES, (n: number) => Resource & { id: string }> = {
  Organization: organization,
  Location: location,
  HealthcareService: healthcareService,
  Practitioner: practitioner,
  PractitionerRole: practitionerRole,
};
