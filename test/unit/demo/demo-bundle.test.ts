/**
 * The demo region bundle (src/demo/data/demo-region.bundle.json): a transaction of conditional creates whose
 * references all stay inside the bundle, whose resources are valid R4, and whose identifiers, codes and bed
 * capacities follow the ROR / FR Core conventions of ../shared/spec/ror-ig/NOTES.md.
 */
import type { BundleEntry, Coding, Extension, Identifier, Resource } from '@medplum/fhirtypes';
import { demoBundle } from '../../../src/demo/load-demo';
import { r4Validator } from '../../helpers/validation';

const bundle = demoBundle();
const entries = bundle.entry ?? [];
/** Resources as plain JSON objects: the checks below walk them freely. */
type Json = Record<string, any>;
const resources = entries.map((e) => e.resource as Json);
const byFullUrl = new Map(entries.map((e) => [e.fullUrl as string, e.resource as Json]));
const ofType = (type: string) => resources.filter((r) => r.resourceType === type);
const target = (ref: { reference?: string } | undefined) => byFullUrl.get(ref?.reference ?? '');

const ROR = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/';
const NOS = (name: string) => `https://mos.esante.gouv.fr/NOS/${name}/FHIR/${name.replace('_', '-')}`;
const FR_CORE_ID_TYPE = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203';
const ID_NAT_ST = 'urn:oid:1.2.250.1.71.4.2.2';
const ID_NAT_PS = 'urn:oid:1.2.250.1.71.4.2.1';
const FINESS = 'https://finess.esante.gouv.fr';
const SIRENE = 'https://sirene.fr';
const INSEE_EXT = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code';
const CAPACITY = ROR + 'ror-location-supported-capacity';

/**
 * Codes (and labels) allowed in the demo, copied from ../shared/nomenclatures: the capacity code systems in full,
 * the larger ones restricted to the codes the demo uses (add a code here, from the nomenclature file, to use it).
 */
const CODES: Record<string, Record<string, string>> = {
  [NOS('TRE_R329-NatureCapacite')]: { '01': 'Lit', '02': 'Place' },
  [NOS('TRE_R330-TypeStatutCapacite')]: { '01': 'Installé', '02': 'Disponible', '03': 'Occupé', '04': 'Réservé', '05': 'Fermé', '06': 'Supplémentaire' },
  [NOS('TRE_R331-TemporaliteCapacite')]: {
    '01': 'Courant',
    '02': 'Prévisionnel 1 heure',
    '03': 'Prévisionnel 24 heures',
    '04': 'Prévisionnel 48 heures',
    '05': 'Prévisionnel 7 jours',
  },
  [NOS('TRE_R332-GenreCapacite')]: { '01': 'Femme', '02': 'Homme', '03': 'Indifférencié', '04': 'Indéterminé' },
  [NOS('TRE_R333-TypeFermetureCapacite')]: { '01': 'Réactivable', '02': 'Non réactivable', '03': 'Indéterminé' },
  [NOS('TRE_R335-TypeSourceCapacite')]: {
    '01': 'Saisie manuelle',
    '02': 'Bed management',
    '03': 'Gestion administrative du malade (GAM)',
    '04': 'Dossier patient informatisé (DPI)',
  },
  [NOS('TRE_R337-AffectationTemporaire')]: { '01': 'Aucune', '02': 'Covid+', '03': 'Covid-' },
  [NOS('TRE_R30-RegionOM')]: { '01': 'Guadeloupe', '03': 'Guyane', '27': 'Bourgogne-Franche-Comté', '84': 'Auvergne-Rhône-Alpes' },
  [NOS('TRE_R283-NiveauConfidentialite')]: { '1': 'Accès libre', '2': 'Accès restreint', '3': 'Accès très restreint' },
  [NOS('TRE_R200-CanalCommunication')]: { '2': 'Téléphone fixe', '3': 'Courrier électronique', '6': 'Télécopie' },
  [NOS('TRE_R66-CategorieEtablissement')]: {
    '355': 'Centre Hospitalier (C.H.)',
    '365': 'Etablissement de Soins Pluridisciplinaire',
    '500': "Etablissement d'hébergement pour personnes âgées dépendantes",
  },
  [NOS('TRE_R72-FinessStatutJuridique')]: { '73': 'Société Anonyme (S.A.)' },
  [NOS('TRE_R73-ESPIC')]: { '0': 'Non concerné', '1': 'Etablissement public de santé' },
  [NOS('TRE_R211-ActiviteOperationnelle')]: {
    '013': 'Cardiologie générale',
    '025': 'Chirurgie orthopédique et traumatologique',
    '033': 'Chirurgie viscérale et digestive',
    '077': 'Maladies infectieuses, parasitaires et tropicales',
    '083': 'Médecine polyvalente',
    '127': 'Réanimation médico-chirurgicale (polyvalente)',
    '157': 'Urgences polyvalentes',
    '172': 'Soins de suite et de réadaptation (SSR) polyvalent',
    '293': 'Accompagnements pour les actes de la vie quotidienne (AVQ)',
    '392': "Hébergement temporaire d'urgence",
    '491': 'Médecine gériatrique aiguë',
  },
  [NOS('TRE_R244-CategorieOrganisation')]: {
    '16': "Unité d'hospitalisation (hors HDJ)",
    '20': 'Urgences',
    '21': 'Accueil ou hébergement pour personnes âgées dépendantes, sans spécificité',
    '100': 'Soins Médicaux et de Réadaptation (SMR) polyvalent',
    '121': 'Unité de réanimation',
    '149': 'Unité hospitalière de cardiologie',
    '150': 'Unité hospitalière de chirurgie orthopédique et traumatologique',
    '156': 'Unité hospitalière de gériatrie',
    '168': 'Unité hospitalière des maladies infectieuses et tropicales (MIT)',
  },
  [NOS('TRE_R227-ChampActivite')]: {
    '01': 'Médecine, Chirurgie, Obstétrique (MCO)',
    '02': 'Soins de Suite et Réadaptation (SSR)',
    '03': 'Psychiatrie (PSY)',
    '04': 'Médico-social (MS)',
    '05': 'Ambulatoire',
  },
  [NOS('TRE_R213-ModePriseEnCharge')]: {
    '09': 'Chirurgie ambulatoire',
    '28': 'Hospitalisation complète (HC)',
    '33': 'Accueil des urgences',
    '46': 'Hébergement (accueil jour et nuit)',
  },
  [NOS('TRE_R239-PublicPrisEnCharge')]: { '01': "Personnes âgées en perte d'autonomie (PA) et aidants" },
  [NOS('TRE_R240-TemporaliteAccueil')]: { '01': 'Temporaire', '02': 'Permanent' },
  [NOS('TRE_R343-FonctionLieu')]: { '001': 'Hébergement' },
  [NOS('TRE_R23-ModeExercice')]: { S: 'Salarié', L: 'Libéral, indépendant, artisan, commerçant', B: 'Bénévole' },
  [NOS('TRE_G15-ProfessionSante')]: { '10': 'Médecin' },
  [NOS('TRE_R38-SpecialiteOrdinale')]: { SM53: 'Spécialiste en Médecine générale (SM)' },
  [NOS('TRE_R04-TypeSavoirFaire')]: { S: 'Spécialité ordinale' },
};
/** Code systems whose content is not in ../shared/nomenclatures (communes: too large; R354: not collected). */
const UNCHECKED_SYSTEMS = new Set([
  NOS('TRE_R13-CommuneOM'),
  'https://mos.esante.gouv.fr/NOS/TRE_R354-TypeIdentifiantRessourceOperationnelle/FHIR/TRE_R354-TypeIdentifiantRessourceOperationnelle',
]);

/** The resource type each reference element of the demo may point to. */
const REFERENCE_TARGETS: Record<string, string> = {
  partOf: 'Organization',
  providedBy: 'Organization',
  managingOrganization: 'Organization',
  organization: 'Organization',
  location: 'Location',
  practitioner: 'Practitioner',
  healthcareService: 'HealthcareService',
};

/** Every `{ reference }` in a resource, with the name of the element holding it. */
function references(node: unknown, key = ''): { key: string; reference: string }[] {
  if (Array.isArray(node)) return node.flatMap((n) => references(n, key));
  if (!node || typeof node !== 'object') return [];
  const obj = node as Record<string, unknown>;
  const own = typeof obj.reference === 'string' ? [{ key, reference: obj.reference }] : [];
  return [...own, ...Object.entries(obj).flatMap(([k, v]) => (k === 'reference' ? [] : references(v, k)))];
}

/** Every Coding (objects with system and code) anywhere in a resource. */
function codings(node: unknown): Coding[] {
  if (Array.isArray(node)) return node.flatMap(codings);
  if (!node || typeof node !== 'object') return [];
  const obj = node as Record<string, unknown>;
  const own = typeof obj.system === 'string' && typeof obj.code === 'string' ? [obj as Coding] : [];
  return [...own, ...Object.values(obj).flatMap(codings)];
}

const ident = (r: { identifier?: Identifier[] }, system: string) => (r.identifier ?? []).filter((i) => i.system === system);
const identType = (i: Identifier) => i.type?.coding?.find((c) => c.system === FR_CORE_ID_TYPE)?.code;
const finessOf = (org: { identifier?: Identifier[] }) => ident(org, FINESS)[0];
const ext = (r: { extension?: Extension[] }, url: string) => (r.extension ?? []).filter((e) => e.url === url);
const sub = (e: Extension, url: string) => (e.extension ?? []).filter((s) => s.url === url);
const regionOf = (r: Json) => (r.meta?.tag as Coding[] | undefined)?.find((t) => t.system === NOS('TRE_R30-RegionOM'))?.code;

describe('demo region bundle', () => {
  test('is a transaction of a few dozen conditional creates with distinct urn:uuid full URLs', () => {
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('transaction');
    expect(entries.length).toBeGreaterThanOrEqual(24);
    expect(entries.length).toBeLessThanOrEqual(60);
    expect(new Set(entries.map((e) => e.fullUrl)).size).toBe(entries.length);
    const types = new Set(resources.map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['HealthcareService', 'Location', 'Organization', 'Practitioner', 'PractitionerRole']);
    for (const e of entries) {
      expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(e.request).toMatchObject({ method: 'POST', url: e.resource?.resourceType });
      expect(e.resource?.id).toBeUndefined();
    }
  });

  test('each conditional create matches on a business identifier the resource carries', () => {
    const seen = new Set<string>();
    for (const e of entries as BundleEntry<Resource & { identifier?: Identifier[] }>[]) {
      const m = /^identifier=([^|&]+)\|([^|&]+)$/.exec(e.request?.ifNoneExist ?? '');
      expect(m).not.toBeNull();
      const [, system, value] = m!;
      expect(e.resource?.identifier).toContainEqual(expect.objectContaining({ system, value }));
      const key = `${e.resource?.resourceType} ${system}|${value}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  test('every reference points to an entry of the bundle, of the type the element expects', () => {
    let count = 0;
    for (const r of resources) {
      for (const { key, reference } of references(r)) {
        count++;
        const resolved = byFullUrl.get(reference);
        expect({ from: `${r.resourceType}.${key}`, reference, found: !!resolved }).toEqual({ from: `${r.resourceType}.${key}`, reference, found: true });
        expect(REFERENCE_TARGETS[key]).toBeDefined();
        expect(`${r.resourceType}.${key} -> ${resolved!.resourceType}`).toBe(`${r.resourceType}.${key} -> ${REFERENCE_TARGETS[key]}`);
      }
    }
    expect(count).toBeGreaterThan(30);
  });

  const label = (r: any) => `${r.resourceType} ${r.name ?? r.identifier?.[0]?.value}`;
  test.each(entries.map((e) => [label(e.resource), e.resource] as const))(
    '%s passes the write validation',
    (_name, resource) => {
      expect(() => r4Validator().validateForWrite(resource, { expectedType: resource?.resourceType })).not.toThrow();
    },
  );

  test('the validation used above does reject a broken resource (so the check is not vacuous)', () => {
    const broken = structuredClone(ofType('Location')[0]);
    broken.status = 'open-all-night';
    expect(() => r4Validator().validateForWrite(broken, { expectedType: 'Location' })).toThrow();
  });

  test('codes come from the ANS code systems, with their labels', () => {
    for (const r of resources) {
      for (const c of codings(r)) {
        if (!c.system!.startsWith('https://mos.esante.gouv.fr/')) continue;
        if (UNCHECKED_SYSTEMS.has(c.system!)) continue;
        const table = CODES[c.system!];
        expect({ system: c.system, known: !!table }).toEqual({ system: c.system, known: true });
        expect({ system: c.system, code: c.code, display: c.display }).toEqual({ system: c.system, code: c.code, display: table[c.code!] });
      }
    }
  });

  test('every resource carries the ROR region tag and creation date', () => {
    for (const r of resources) {
      expect(regionOf(r)).toBeDefined();
      expect(ext(r, ROR + 'ror-meta-creation-date')).toHaveLength(1);
    }
  });
});

describe('organizations: FINESS legal entities (EJ) and establishments (ET)', () => {
  const orgs = ofType('Organization');
  const ejs = orgs.filter((o) => identType(finessOf(o)) === 'FINEJ');
  const ets = orgs.filter((o) => identType(finessOf(o)) === 'FINEG');

  test('about five establishments, each part of its legal entity', () => {
    expect(ets.length).toBeGreaterThanOrEqual(4);
    expect(ejs.length + ets.length).toBe(orgs.length);
    for (const et of ets) expect(identType(finessOf(target(et.partOf)!))).toBe('FINEJ');
    for (const ej of ejs) expect(ej.partOf).toBeUndefined();
    // Every EJ has at least one establishment in the demo.
    for (const ej of ejs) expect(ets.some((et) => target(et.partOf) === ej)).toBe(true);
  });

  test('identifier systems: idNatSt = 1 + FINESS, bare FINESS, SIREN/SIRET under sirene.fr', () => {
    for (const o of orgs) {
      const [finess, ...moreFiness] = ident(o, FINESS);
      expect(moreFiness).toEqual([]);
      expect(finess.value).toMatch(/^(\d{2}|2A|2B)\d{7}$/);
      const idNatSt = ident(o, ID_NAT_ST);
      expect(idNatSt).toHaveLength(1);
      expect(idNatSt[0].value).toBe('1' + finess.value);
      expect(identType(idNatSt[0])).toBe('IDNST');
      for (const s of ident(o, SIRENE)) {
        expect(['SIREN', 'SIRET']).toContain(identType(s));
        expect(s.value).toMatch(identType(s) === 'SIREN' ? /^\d{9}$/ : /^\d{14}$/);
      }
    }
    for (const ej of ejs) expect(ident(ej, SIRENE).every((s) => identType(s) === 'SIREN')).toBe(true);
    for (const et of ets) expect(ident(et, SIRENE).every((s) => identType(s) === 'SIRET')).toBe(true);
  });

  test('an establishment SIRET starts with the SIREN of its legal entity', () => {
    for (const et of ets) {
      const siret = ident(et, SIRENE)[0]?.value;
      const siren = ident(target(et.partOf)!, SIRENE)[0]?.value;
      if (siret && siren) expect(siret.slice(0, 9)).toBe(siren);
    }
  });

  test('establishments are typed with their FINESS catégorie (TRE_R66)', () => {
    for (const et of ets) {
      const categories = (et.type ?? []).flatMap((t: any) => t.coding ?? []).filter((c: Coding) => c.system === NOS('TRE_R66-CategorieEtablissement'));
      expect(categories).toHaveLength(1);
    }
  });

  test('the FINESS lines chosen are there: CH de Fleyriat, part of the CH de Bourg-en-Bresse', () => {
    const fleyriat = ets.find((o) => finessOf(o).value === '010000024')!;
    expect(fleyriat).toMatchObject({ name: 'CH DE FLEYRIAT', address: [{ city: 'VIRIAT', postalCode: '01440' }] });
    expect(ident(fleyriat, SIRENE)[0].value).toBe('26010004500012');
    expect(finessOf(target(fleyriat.partOf)!).value).toBe('010780054');
  });
});

describe('addresses and positions', () => {
  const placed = [...ofType('Organization'), ...ofType('Location')];
  const addressesOf = (r: any) => (r.resourceType === 'Location' ? [r.address] : r.address ?? []);
  const inseeOf = (a: any) => a.extension?.find((e: Extension) => e.url === INSEE_EXT)?.valueCoding?.code as string | undefined;

  test('addresses give city, postal code and the INSEE commune code, consistent with each other', () => {
    for (const r of placed) {
      for (const a of addressesOf(r)) {
        expect(a.city).toBeTruthy();
        expect(a.postalCode).toMatch(/^\d{5}$/);
        const insee = inseeOf(a);
        expect(insee).toMatch(/^(\d{5}|2[AB]\d{3})$/);
        // Same département: 2 digits in metropolitan France, 3 overseas (97x).
        const dep = insee!.startsWith('97') ? 3 : 2;
        expect(a.postalCode.slice(0, dep)).toBe(insee!.slice(0, dep));
      }
    }
  });

  test('locations carry ror-commune-cog equal to their address INSEE code, and a WGS84 position in the right territory', () => {
    for (const loc of ofType('Location')) {
      const cog = ext(loc, ROR + 'ror-commune-cog');
      expect(cog).toHaveLength(1);
      const insee = inseeOf(loc.address);
      expect(cog[0].valueCodeableConcept?.coding?.[0]).toMatchObject({ system: NOS('TRE_R13-CommuneOM'), code: insee });
      const { latitude, longitude } = loc.position;
      if (insee!.startsWith('973')) {
        // Guyane
        expect(latitude).toBeGreaterThan(2);
        expect(latitude).toBeLessThan(6);
        expect(longitude).toBeGreaterThan(-55);
        expect(longitude).toBeLessThan(-51);
      } else {
        // Metropolitan France
        expect(latitude).toBeGreaterThan(41);
        expect(latitude).toBeLessThan(51.2);
        expect(longitude).toBeGreaterThan(-5.2);
        expect(longitude).toBeLessThan(9.6);
      }
    }
  });
});

describe('units (HealthcareService) and their locations', () => {
  const services = ofType('HealthcareService');

  test('two or three units per establishment, each provided by an ET and held in a Location it manages', () => {
    const perEt = new Map<unknown, number>();
    for (const hs of services) {
      const et = target(hs.providedBy)!;
      expect(identType(finessOf(et))).toBe('FINEG');
      perEt.set(et, (perEt.get(et) ?? 0) + 1);
      expect(hs.identifier).toHaveLength(1);
      expect(hs.location).toHaveLength(1);
      const loc = target(hs.location[0])!;
      expect(target(loc.managingOrganization)).toBe(et);
      expect(regionOf(hs)).toBe(regionOf(et));
      expect(regionOf(loc)).toBe(regionOf(et));
    }
    for (const n of perEt.values()) {
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(3);
    }
    expect(perEt.size).toBe(ofType('Organization').filter((o) => identType(finessOf(o)) === 'FINEG').length);
  });

  test('each unit has one activité opérationnelle (TRE_R211), a champ d’activité and a mode de prise en charge', () => {
    for (const hs of services) {
      expect(hs.specialty).toHaveLength(1);
      expect(hs.specialty[0].coding[0].system).toBe(NOS('TRE_R211-ActiviteOperationnelle'));
      expect(hs.type[0].coding[0].system).toBe(NOS('TRE_R227-ChampActivite'));
      const careModes = hs.characteristic.flatMap((c: any) => c.coding).filter((c: Coding) => c.system === NOS('TRE_R213-ModePriseEnCharge'));
      expect(careModes).toHaveLength(1);
      expect(ext(hs, ROR + 'ror-healthcareservice-sensitive-unit')).toEqual([expect.objectContaining({ valueBoolean: false })]);
      const [patient] = ext(hs, ROR + 'ror-healthcareservice-patient-type');
      const range = sub(patient, 'ageRange')[0].valueRange!;
      expect(range.low!.value!).toBeLessThan(range.high!.value!);
    }
  });
});

describe('bed capacity (ror-location-supported-capacity)', () => {
  const locations = ofType('Location');
  const capacities = locations.flatMap((l) => ext(l, CAPACITY).map((c) => ({ loc: l, c })));
  const code = (c: Extension, url: string) => sub(c, url)[0]?.valueCodeableConcept?.coding?.[0];
  const REQUIRED: [string, string][] = [
    ['capacityType', 'TRE_R329-NatureCapacite'],
    ['capacityStatus', 'TRE_R330-TypeStatutCapacite'],
    ['temporalityCapacity', 'TRE_R331-TemporaliteCapacite'],
    ['capacitySourceType', 'TRE_R335-TypeSourceCapacite'],
    ['temporaryAssignement', 'TRE_R337-AffectationTemporaire'],
  ];

  test('most units have capacity entries, with installed and available beds', () => {
    expect(locations.filter((l) => ext(l, CAPACITY).length).length).toBeGreaterThanOrEqual(8);
    expect(capacities.some(({ c }) => code(c, 'capacityStatus')?.code === '01')).toBe(true);
    expect(capacities.some(({ c }) => code(c, 'capacityStatus')?.code === '02' && code(c, 'genderCapacityAvailable')?.code === '01')).toBe(true);
  });

  test('every entry has the required sub-extensions once, coded in the TRE systems (CodeableConcept values)', () => {
    for (const { c } of capacities) {
      for (const [url, system] of REQUIRED) {
        expect(sub(c, url)).toHaveLength(1);
        expect(code(c, url)?.system).toBe(NOS(system));
        expect(CODES[NOS(system)][code(c, url)!.code!]).toBeDefined();
      }
      const nb = sub(c, 'nbCapacity');
      expect(nb).toHaveLength(1);
      expect(Number.isInteger(nb[0].valueInteger)).toBe(true);
      expect(nb[0].valueInteger).toBeGreaterThanOrEqual(0);
      const date = sub(c, 'capacityUpdateDate');
      expect(date).toHaveLength(1);
      expect(date[0].valueDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
      expect(sub(c, 'genderCapacityAvailable').length).toBeLessThanOrEqual(1);
      const gender = code(c, 'genderCapacityAvailable');
      if (gender) expect(gender.system).toBe(NOS('TRE_R332-GenreCapacite'));
      const known = new Set([...REQUIRED.map(([u]) => u), 'nbCapacity', 'capacityUpdateDate', 'genderCapacityAvailable', 'capacityClosingType']);
      for (const s of c.extension ?? []) expect(known).toContain(s.url);
    }
  });

  test('per location, available beds now do not exceed installed beds', () => {
    for (const loc of locations) {
      const entries = ext(loc, CAPACITY);
      if (!entries.length) continue;
      const count = (status: string) =>
        entries
          .filter((c) => code(c, 'capacityStatus')?.code === status && code(c, 'temporalityCapacity')?.code === '01')
          .reduce((sum, c) => sum + (sub(c, 'nbCapacity')[0].valueInteger ?? 0), 0);
      expect(count('01')).toBeGreaterThan(0);
      expect(count('02') + count('05')).toBeLessThanOrEqual(count('01'));
    }
  });
});

describe('professionals (RPPS)', () => {
  test('practitioners are identified by idNatPs = 8 + RPPS, and only by it', () => {
    const practitioners = ofType('Practitioner');
    expect(practitioners.length).toBeGreaterThanOrEqual(2);
    for (const p of practitioners) {
      expect(p.identifier).toHaveLength(1);
      expect(p.identifier[0]).toMatchObject({ system: ID_NAT_PS, type: { coding: [{ system: FR_CORE_ID_TYPE, code: 'IDNPS' }] } });
      expect(p.identifier[0].value).toMatch(/^8\d{11}$/);
    }
    expect(practitioners.map((p) => p.identifier[0].value)).toContain('810100271385');
  });

  test('practitioner roles link a practitioner to a unit, its establishment and its location', () => {
    const roles = ofType('PractitionerRole');
    expect(roles.length).toBeGreaterThanOrEqual(1);
    for (const role of roles) {
      expect(target(role.practitioner)?.resourceType).toBe('Practitioner');
      expect(role.healthcareService).toHaveLength(1);
      const hs = target(role.healthcareService[0])!;
      expect(target(role.organization)).toBe(target(hs.providedBy));
      expect(role.location.map((l: any) => l.reference)).toEqual(hs.location.map((l: any) => l.reference));
      expect(ext(role, ROR + 'ror-practitionerrole-unit-exercise-mode')).toHaveLength(1);
    }
  });
});
