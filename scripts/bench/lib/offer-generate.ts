/**
 * A seeded generator of offer documents (src/store/offer-index.ts) for the offer search relevance set and bench:
 * establishments of the usual kinds (CH, CHU, clinics, SMR/SSR centres, psychiatric hospitals, EHPAD, HAD) with
 * realistic names, placed around real French towns, each with the units such establishments have, coded with the
 * ANS nomenclatures of fhir-profiles/terminology (activities TRE_R211, care modes TRE_R213, unit categories TRE_R244,
 * fields TRE_R227, publics TRE_R239, establishment categories TRE_R66) and their French labels read from there.
 *
 * Documents are generated directly, not FHIR resources through the kernel: 300,000 units through the store would
 * take far longer than the bench itself, and the relevance set measures the analyser and the ranking, which only
 * see documents. The same seed gives the same documents.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OfferCode, OfferDocument } from '../../../src/store/offer-index';
import { OFFER_SYSTEMS } from '../../../src/offer/document';
import { regionOfDepartment } from '../../../src/offer/territory';
import { seededRandom } from '../../lib/seeded-random';

export { seededRandom };

const TERMINOLOGY = path.resolve(__dirname, '..', '..', '..', 'fhir-profiles', 'terminology');

/** code → label of a ROR value set (JDV) of fhir-profiles/terminology. */
function valueSet(file: string): Map<string, string> {
  const vs = JSON.parse(fs.readFileSync(path.join(TERMINOLOGY, `ValueSet-${file}-ROR.json`), 'utf8')) as {
    compose: { include: { concept?: { code: string; display: string }[] }[] };
  };
  return new Map(vs.compose.include.flatMap((i) => i.concept ?? []).map((c) => [c.code, c.display]));
}

let nomenclatures: Record<'activity' | 'careMode' | 'unitCategory' | 'field' | 'public' | 'category' | 'specialty', Map<string, string>> | undefined;
function labels() {
  nomenclatures ??= {
    activity: valueSet('JDV_J17-ActiviteOperationnelle'),
    careMode: valueSet('JDV_J19-ModePriseEnCharge'),
    unitCategory: valueSet('JDV_J238-TypeOffre'),
    field: valueSet('JDV_J20-ChampActivite'),
    public: valueSet('JDV_J29-PublicPrisEnCharge'),
    category: valueSet('JDV_J55-CategorieEG'),
    specialty: valueSet('JDV_J35-SpecialisationDePriseEnCharge'),
  };
  return nomenclatures;
}

const SYSTEM_OF = {
  activity: OFFER_SYSTEMS.activity,
  careMode: OFFER_SYSTEMS.careMode,
  unitCategory: OFFER_SYSTEMS.unitCategory,
  field: OFFER_SYSTEMS.activityField,
  public: OFFER_SYSTEMS.patientType,
  category: OFFER_SYSTEMS.establishmentCategory,
  specialty: OFFER_SYSTEMS.specialty,
} as const;

function code(kind: keyof typeof SYSTEM_OF, c: string): OfferCode {
  const label = labels()[kind].get(c);
  if (!label) throw new Error(`no ${kind} code ${c} in the nomenclatures`);
  return { system: SYSTEM_OF[kind], code: c, label };
}

/** Real towns (INSEE code, name, department, position to about a km): where establishments are placed. */
export const TOWNS: readonly { insee: string; name: string; dep: string; lat: number; lon: number }[] = [
  // Auvergne-Rhône-Alpes (84) and Bourgogne-Franche-Comté (27): the generated region of the relevance set.
  { insee: '01053', name: 'Bourg-en-Bresse', dep: '01', lat: 46.205, lon: 5.2255 },
  { insee: '01283', name: 'Oyonnax', dep: '01', lat: 46.2561, lon: 5.6556 },
  { insee: '01004', name: 'Ambérieu-en-Bugey', dep: '01', lat: 45.9583, lon: 5.3597 },
  { insee: '01034', name: 'Belley', dep: '01', lat: 45.7592, lon: 5.6881 },
  { insee: '01173', name: 'Gex', dep: '01', lat: 46.3333, lon: 6.0578 },
  { insee: '69123', name: 'Lyon', dep: '69', lat: 45.764, lon: 4.8357 },
  { insee: '69264', name: 'Villefranche-sur-Saône', dep: '69', lat: 45.9897, lon: 4.7189 },
  { insee: '38185', name: 'Grenoble', dep: '38', lat: 45.1885, lon: 5.7245 },
  { insee: '38544', name: 'Vienne', dep: '38', lat: 45.5253, lon: 4.8747 },
  { insee: '42218', name: 'Saint-Étienne', dep: '42', lat: 45.4397, lon: 4.3872 },
  { insee: '42187', name: 'Roanne', dep: '42', lat: 46.0342, lon: 4.0722 },
  { insee: '74010', name: 'Annecy', dep: '74', lat: 45.8992, lon: 6.1294 },
  { insee: '74281', name: 'Thonon-les-Bains', dep: '74', lat: 46.3705, lon: 6.4797 },
  { insee: '73065', name: 'Chambéry', dep: '73', lat: 45.5646, lon: 5.9178 },
  { insee: '26362', name: 'Valence', dep: '26', lat: 44.9334, lon: 4.8924 },
  { insee: '07186', name: 'Privas', dep: '07', lat: 44.7353, lon: 4.5992 },
  { insee: '63113', name: 'Clermont-Ferrand', dep: '63', lat: 45.7772, lon: 3.087 },
  { insee: '03185', name: 'Montluçon', dep: '03', lat: 46.3401, lon: 2.6036 },
  { insee: '03190', name: 'Moulins', dep: '03', lat: 46.5646, lon: 3.3326 },
  { insee: '15014', name: 'Aurillac', dep: '15', lat: 44.9264, lon: 2.4397 },
  { insee: '43157', name: 'Le Puy-en-Velay', dep: '43', lat: 45.0434, lon: 3.885 },
  { insee: '25056', name: 'Besançon', dep: '25', lat: 47.2378, lon: 6.0241 },
  { insee: '25462', name: 'Pontarlier', dep: '25', lat: 46.9035, lon: 6.3547 },
  { insee: '25388', name: 'Montbéliard', dep: '25', lat: 47.5097, lon: 6.7983 },
  { insee: '21231', name: 'Dijon', dep: '21', lat: 47.322, lon: 5.0415 },
  { insee: '21054', name: 'Beaune', dep: '21', lat: 47.0259, lon: 4.84 },
  { insee: '39300', name: 'Lons-le-Saunier', dep: '39', lat: 46.6747, lon: 5.5547 },
  { insee: '39198', name: 'Dole', dep: '39', lat: 47.0922, lon: 5.4897 },
  { insee: '71270', name: 'Mâcon', dep: '71', lat: 46.3069, lon: 4.8287 },
  { insee: '71076', name: 'Chalon-sur-Saône', dep: '71', lat: 46.7806, lon: 4.8539 },
  { insee: '58194', name: 'Nevers', dep: '58', lat: 46.9908, lon: 3.159 },
  { insee: '89024', name: 'Auxerre', dep: '89', lat: 47.7986, lon: 3.5733 },
  { insee: '70550', name: 'Vesoul', dep: '70', lat: 47.6197, lon: 6.1544 },
  { insee: '90010', name: 'Belfort', dep: '90', lat: 47.6397, lon: 6.8638 },
  // The rest of France, for the national-scale bench.
  { insee: '75056', name: 'Paris', dep: '75', lat: 48.8566, lon: 2.3522 },
  { insee: '92012', name: 'Boulogne-Billancourt', dep: '92', lat: 48.8397, lon: 2.2399 },
  { insee: '93066', name: 'Saint-Denis', dep: '93', lat: 48.9362, lon: 2.3574 },
  { insee: '94028', name: 'Créteil', dep: '94', lat: 48.7904, lon: 2.4556 },
  { insee: '78646', name: 'Versailles', dep: '78', lat: 48.8049, lon: 2.1204 },
  { insee: '91228', name: 'Évry-Courcouronnes', dep: '91', lat: 48.6294, lon: 2.4406 },
  { insee: '95500', name: 'Pontoise', dep: '95', lat: 49.0507, lon: 2.1008 },
  { insee: '77288', name: 'Meaux', dep: '77', lat: 48.9601, lon: 2.8788 },
  { insee: '13055', name: 'Marseille', dep: '13', lat: 43.2965, lon: 5.3698 },
  { insee: '13001', name: 'Aix-en-Provence', dep: '13', lat: 43.5297, lon: 5.4474 },
  { insee: '06088', name: 'Nice', dep: '06', lat: 43.7102, lon: 7.262 },
  { insee: '83137', name: 'Toulon', dep: '83', lat: 43.1242, lon: 5.928 },
  { insee: '84007', name: 'Avignon', dep: '84', lat: 43.9493, lon: 4.8055 },
  { insee: '05061', name: 'Gap', dep: '05', lat: 44.5594, lon: 6.0786 },
  { insee: '31555', name: 'Toulouse', dep: '31', lat: 43.6047, lon: 1.4442 },
  { insee: '34172', name: 'Montpellier', dep: '34', lat: 43.6108, lon: 3.8767 },
  { insee: '30189', name: 'Nîmes', dep: '30', lat: 43.8367, lon: 4.3601 },
  { insee: '66136', name: 'Perpignan', dep: '66', lat: 42.6887, lon: 2.8948 },
  { insee: '65440', name: 'Tarbes', dep: '65', lat: 43.2328, lon: 0.0781 },
  { insee: '12202', name: 'Rodez', dep: '12', lat: 44.3506, lon: 2.575 },
  { insee: '81004', name: 'Albi', dep: '81', lat: 43.9289, lon: 2.1464 },
  { insee: '33063', name: 'Bordeaux', dep: '33', lat: 44.8378, lon: -0.5792 },
  { insee: '64445', name: 'Pau', dep: '64', lat: 43.2951, lon: -0.3708 },
  { insee: '64102', name: 'Bayonne', dep: '64', lat: 43.4929, lon: -1.4748 },
  { insee: '87085', name: 'Limoges', dep: '87', lat: 45.8336, lon: 1.2611 },
  { insee: '86194', name: 'Poitiers', dep: '86', lat: 46.5802, lon: 0.3404 },
  { insee: '17300', name: 'La Rochelle', dep: '17', lat: 46.1603, lon: -1.1511 },
  { insee: '24322', name: 'Périgueux', dep: '24', lat: 45.1841, lon: 0.7218 },
  { insee: '44109', name: 'Nantes', dep: '44', lat: 47.2184, lon: -1.5536 },
  { insee: '49007', name: 'Angers', dep: '49', lat: 47.4784, lon: -0.5632 },
  { insee: '72181', name: 'Le Mans', dep: '72', lat: 48.0061, lon: 0.1996 },
  { insee: '85191', name: 'La Roche-sur-Yon', dep: '85', lat: 46.6705, lon: -1.426 },
  { insee: '35238', name: 'Rennes', dep: '35', lat: 48.1173, lon: -1.6778 },
  { insee: '29019', name: 'Brest', dep: '29', lat: 48.3904, lon: -4.4861 },
  { insee: '56121', name: 'Lorient', dep: '56', lat: 47.7486, lon: -3.3702 },
  { insee: '22278', name: 'Saint-Brieuc', dep: '22', lat: 48.5136, lon: -2.7653 },
  { insee: '14118', name: 'Caen', dep: '14', lat: 49.1829, lon: -0.3707 },
  { insee: '76540', name: 'Rouen', dep: '76', lat: 49.4432, lon: 1.0999 },
  { insee: '76351', name: 'Le Havre', dep: '76', lat: 49.4944, lon: 0.1079 },
  { insee: '50129', name: 'Cherbourg-en-Cotentin', dep: '50', lat: 49.6337, lon: -1.6222 },
  { insee: '59350', name: 'Lille', dep: '59', lat: 50.6292, lon: 3.0573 },
  { insee: '62041', name: 'Arras', dep: '62', lat: 50.291, lon: 2.7775 },
  { insee: '80021', name: 'Amiens', dep: '80', lat: 49.8941, lon: 2.2958 },
  { insee: '02691', name: 'Saint-Quentin', dep: '02', lat: 49.8465, lon: 3.2876 },
  { insee: '60057', name: 'Beauvais', dep: '60', lat: 49.4295, lon: 2.0807 },
  { insee: '67482', name: 'Strasbourg', dep: '67', lat: 48.5734, lon: 7.7521 },
  { insee: '68224', name: 'Mulhouse', dep: '68', lat: 47.7508, lon: 7.3359 },
  { insee: '57463', name: 'Metz', dep: '57', lat: 49.1193, lon: 6.1757 },
  { insee: '54395', name: 'Nancy', dep: '54', lat: 48.6921, lon: 6.1844 },
  { insee: '51454', name: 'Reims', dep: '51', lat: 49.2583, lon: 4.0317 },
  { insee: '10387', name: 'Troyes', dep: '10', lat: 48.2973, lon: 4.0744 },
  { insee: '88160', name: 'Épinal', dep: '88', lat: 48.1724, lon: 6.4496 },
  { insee: '45234', name: 'Orléans', dep: '45', lat: 47.9029, lon: 1.9093 },
  { insee: '37261', name: 'Tours', dep: '37', lat: 47.3941, lon: 0.6848 },
  { insee: '18033', name: 'Bourges', dep: '18', lat: 47.081, lon: 2.3988 },
  { insee: '28085', name: 'Chartres', dep: '28', lat: 48.4439, lon: 1.489 },
  { insee: '2A004', name: 'Ajaccio', dep: '2A', lat: 41.9192, lon: 8.7386 },
  { insee: '2B033', name: 'Bastia', dep: '2B', lat: 42.6977, lon: 9.4508 },
  { insee: '97411', name: 'Saint-Denis', dep: '974', lat: -20.8823, lon: 55.4504 },
  { insee: '97105', name: 'Basse-Terre', dep: '971', lat: 15.9985, lon: -61.7255 },
  { insee: '97209', name: 'Fort-de-France', dep: '972', lat: 14.6161, lon: -61.0588 },
  { insee: '97302', name: 'Cayenne', dep: '973', lat: 4.9372, lon: -52.326 },
];

/** A unit an establishment of some kind has: its name(s) and codes. */
interface UnitTemplate {
  names: string[];
  activities: string[];
  careModes: string[];
  unitCategory?: string;
  field: string;
  publics?: string[];
  specialties?: string[];
  age: [number | undefined, number | undefined];
  /** Chance an establishment of the kind has this unit. */
  p: number;
  sensitive?: number;
}

const ADULT: [number, number] = [18, 120];
const ALL_AGES: [number, number] = [0, 120];
const CHILD: [number, number] = [0, 17];
const ELDER: [number, number] = [75, 120];

const MCO_UNITS: UnitTemplate[] = [
  { names: ['Urgences', 'Service des urgences', 'Urgences adultes'], activities: ['157'], careModes: ['33'], unitCategory: '20', field: '01', age: ALL_AGES, p: 0.9 },
  { names: ['Urgences pédiatriques', 'Urgences enfants'], activities: ['249'], careModes: ['33'], unitCategory: '20', field: '01', age: CHILD, p: 0.35 },
  { names: ['Médecine polyvalente', 'Médecine interne et polyvalente', 'Unité de médecine'], activities: ['083'], careModes: ['28'], unitCategory: '16', field: '01', age: ADULT, p: 0.9 },
  { names: ['Cardiologie', 'Cardiologie - hospitalisation complète', 'Service de cardiologie'], activities: ['013'], careModes: ['28'], unitCategory: '149', field: '01', age: ADULT, p: 0.7 },
  { names: ['Soins intensifs de cardiologie (USIC)', 'USIC'], activities: ['354'], careModes: ['28'], unitCategory: '149', field: '01', age: ADULT, p: 0.3 },
  { names: ['Pneumologie', 'Service de pneumologie'], activities: ['114'], careModes: ['28'], unitCategory: '163', field: '01', age: ADULT, p: 0.6 },
  { names: ['Neurologie', 'Unité neurovasculaire', 'Neurologie - UNV'], activities: ['097', '098'], careModes: ['28'], unitCategory: '161', field: '01', age: ADULT, p: 0.5 },
  { names: ['Médecine gériatrique aiguë', 'Court séjour gériatrique', 'Gériatrie aiguë'], activities: ['491', '050'], careModes: ['28'], unitCategory: '156', field: '01', publics: ['01'], age: ELDER, p: 0.7 },
  { names: ['Pédiatrie', 'Service de pédiatrie', 'Médecine pédiatrique'], activities: ['088'], careModes: ['28'], unitCategory: '162', field: '01', age: CHILD, p: 0.5 },
  { names: ['Néonatologie'], activities: ['094'], careModes: ['28'], unitCategory: '162', field: '01', age: [0, 1], p: 0.3 },
  { names: ['Maternité', 'Obstétrique', 'Gynécologie-obstétrique'], activities: ['100', '053'], careModes: ['28'], unitCategory: '157', field: '01', age: [12, 55], p: 0.55 },
  { names: ['Réanimation polyvalente', 'Réanimation médico-chirurgicale', 'Service de réanimation'], activities: ['127'], careModes: ['28'], unitCategory: '121', field: '01', age: ADULT, p: 0.45 },
  { names: ['Unité de soins palliatifs', 'Soins palliatifs (USP)'], activities: ['170'], careModes: ['28'], unitCategory: '175', field: '01', age: ADULT, p: 0.3 },
  { names: ['Chirurgie orthopédique et traumatologique', 'Orthopédie-traumatologie'], activities: ['025'], careModes: ['28'], unitCategory: '150', field: '01', age: ADULT, p: 0.7 },
  { names: ['Chirurgie viscérale et digestive', 'Chirurgie digestive'], activities: ['033'], careModes: ['28'], unitCategory: '153', field: '01', age: ADULT, p: 0.6 },
  { names: ['Chirurgie ambulatoire', 'Unité de chirurgie ambulatoire (UCA)'], activities: ['033', '025', '022'], careModes: ['09'], field: '01', age: ADULT, p: 0.6 },
  { names: ['Oncologie médicale', 'Hôpital de jour d’oncologie', 'Cancérologie'], activities: ['102'], careModes: ['29'], unitCategory: '171', field: '01', age: ADULT, p: 0.4 },
  { names: ['Hémodialyse', 'Centre d’hémodialyse'], activities: ['059'], careModes: ['29'], unitCategory: '159', field: '01', age: ADULT, p: 0.3 },
  { names: ['Maladies infectieuses et tropicales'], activities: ['077'], careModes: ['28'], unitCategory: '168', field: '01', age: ADULT, p: 0.2 },
  { names: ['Endocrinologie-diabétologie', 'Diabétologie'], activities: ['039', '041'], careModes: ['28', '29'], unitCategory: '167', field: '01', age: ADULT, p: 0.35 },
  { names: ['SMR polyvalent', 'Soins médicaux et de réadaptation polyvalents', 'Soins de suite'], activities: ['172'], careModes: ['28'], unitCategory: '100', field: '02', age: ADULT, p: 0.5 },
  { names: ['USLD', 'Unité de soins de longue durée'], activities: ['050'], careModes: ['46'], field: '04', publics: ['01'], age: [60, 120], p: 0.35 },
];

const SMR_UNITS: UnitTemplate[] = [
  { names: ['SSR gériatrique', 'SMR gériatrie', 'Soins de suite gériatriques'], activities: ['241'], careModes: ['28'], unitCategory: '101', field: '02', publics: ['01'], age: [60, 120], p: 0.8 },
  { names: ['SMR locomoteur', 'Rééducation locomotrice', 'SSR appareil locomoteur'], activities: ['233', '291'], careModes: ['28'], unitCategory: '102', field: '02', age: ADULT, p: 0.6 },
  { names: ['SMR neurologique', 'Rééducation neurologique', 'SSR système nerveux'], activities: ['234'], careModes: ['28'], unitCategory: '103', field: '02', age: ADULT, p: 0.45 },
  { names: ['Réadaptation cardiaque', 'SMR cardio-vasculaire'], activities: ['235', '458'], careModes: ['28', '29'], unitCategory: '104', field: '02', age: ADULT, p: 0.35 },
  { names: ['SMR respiratoire', 'Réhabilitation respiratoire'], activities: ['236'], careModes: ['28'], unitCategory: '105', field: '02', age: ADULT, p: 0.25 },
  { names: ['SMR polyvalent', 'Soins de suite et de réadaptation polyvalents'], activities: ['172'], careModes: ['28'], unitCategory: '100', field: '02', age: ADULT, p: 0.7 },
  { names: ['SMR addictologie', 'Soins de suite en addictologie'], activities: ['240', '404'], careModes: ['28'], unitCategory: '108', field: '02', publics: ['04'], age: ADULT, p: 0.2 },
  { names: ['Hôpital de jour SMR', 'HDJ de rééducation'], activities: ['283'], careModes: ['29'], unitCategory: '100', field: '02', age: ADULT, p: 0.5 },
  { names: ['SMR pédiatrique'], activities: ['283'], careModes: ['28'], unitCategory: '109', field: '02', age: CHILD, p: 0.1 },
];

const PSY_UNITS: UnitTemplate[] = [
  { names: ['Psychiatrie adulte', 'Unité d’hospitalisation psychiatrique adulte', 'Secteur de psychiatrie générale'], activities: ['229'], careModes: ['28'], unitCategory: '174', field: '03', age: ADULT, p: 0.95, sensitive: 0.1 },
  { names: ['Hôpital de jour de psychiatrie adulte', 'CATTP adultes'], activities: ['229'], careModes: ['29'], unitCategory: '174', field: '03', age: ADULT, p: 0.7 },
  { names: ['Pédopsychiatrie', 'Psychiatrie infanto-juvénile', 'Hôpital de jour pour enfants'], activities: ['227'], careModes: ['29', '28'], unitCategory: '174', field: '03', specialties: ['02'], age: [0, 16], p: 0.6 },
  { names: ['Psychiatrie de l’adolescent', 'Unité pour adolescents'], activities: ['228'], careModes: ['28'], unitCategory: '174', field: '03', age: [12, 25], p: 0.35 },
  { names: ['Gérontopsychiatrie', 'Psychiatrie du sujet âgé'], activities: ['051'], careModes: ['28'], unitCategory: '174', field: '03', publics: ['01'], specialties: ['13'], age: [65, 120], p: 0.35 },
  { names: ['Urgences psychiatriques', 'Centre d’accueil et de crise'], activities: ['158'], careModes: ['33'], unitCategory: '76', field: '03', age: ADULT, p: 0.35 },
  { names: ['Unité fermée', 'Unité de soins intensifs psychiatriques (USIP)'], activities: ['355', '229'], careModes: ['28'], unitCategory: '15', field: '03', specialties: ['07'], age: ADULT, p: 0.3, sensitive: 0.5 },
];

const EHPAD_UNITS: UnitTemplate[] = [
  { names: ['Hébergement permanent', 'Accueil permanent'], activities: ['293'], careModes: ['46'], unitCategory: '21', field: '04', publics: ['01'], age: [60, 120], p: 1 },
  { names: ['Hébergement temporaire', 'Accueil temporaire'], activities: ['393'], careModes: ['46'], unitCategory: '21', field: '04', publics: ['01'], age: [60, 120], p: 0.55 },
  { names: ['Unité Alzheimer', 'Unité de vie protégée', 'Cantou'], activities: ['293'], careModes: ['46'], unitCategory: '24', field: '04', publics: ['01'], specialties: ['28'], age: [60, 120], p: 0.5 },
  { names: ['Accueil de jour', 'Accueil de jour Alzheimer'], activities: ['293'], careModes: ['54'], unitCategory: '21', field: '04', publics: ['01'], specialties: ['28'], age: [60, 120], p: 0.3 },
  { names: ['PASA', 'Pôle d’activités et de soins adaptés'], activities: ['293'], careModes: ['54'], unitCategory: '21', field: '04', publics: ['01'], specialties: ['28'], age: [60, 120], p: 0.25 },
];

const HAD_UNITS: UnitTemplate[] = [
  { names: ['HAD socle', 'Hospitalisation à domicile'], activities: ['083', '170'], careModes: ['31'], unitCategory: '128', field: '01', age: ALL_AGES, p: 1 },
  { names: ['HAD réadaptation'], activities: ['283'], careModes: ['31'], unitCategory: '130', field: '02', age: ADULT, p: 0.4 },
];

/** Kinds of establishment: category (TRE_R66), how names are made, which units, how common. */
const KINDS: { category: string; weight: number; names: ((town: string, pick: <T>(a: readonly T[]) => T) => string)[]; units: UnitTemplate[]; minUnits: number }[] = [
  {
    category: '355', weight: 12, minUnits: 4, units: MCO_UNITS,
    names: [(t) => `CENTRE HOSPITALIER DE ${t.toUpperCase()}`, (t) => `CH ${t.toUpperCase()}`, (t, p) => `CENTRE HOSPITALIER ${t} - SITE ${p(SITES)}`],
  },
  {
    category: '101', weight: 2, minUnits: 10, units: [...MCO_UNITS, ...PSY_UNITS.slice(0, 2)],
    names: [(t) => `CHU DE ${t.toUpperCase()}`, (t, p) => `CHU ${t} - HÔPITAL ${p(SAINTS).toUpperCase()}`],
  },
  {
    category: '365', weight: 10, minUnits: 3, units: MCO_UNITS.filter((u) => !u.activities.includes('249') && !u.activities.includes('094')),
    names: [(_t, p) => `CLINIQUE ${p(CLINIC_NAMES)}`, (t, p) => `POLYCLINIQUE ${p(CLINIC_NAMES)} ${t}`, (_t, p) => `HÔPITAL PRIVÉ ${p(CLINIC_NAMES)}`],
  },
  {
    category: '109', weight: 8, minUnits: 2, units: SMR_UNITS,
    names: [(_t, p) => `CENTRE DE RÉADAPTATION ${p(CLINIC_NAMES)}`, (t) => `CENTRE SMR DE ${t.toUpperCase()}`, (_t, p) => `MAISON DE CONVALESCENCE ${p(RESIDENCES)}`],
  },
  {
    category: '292', weight: 4, minUnits: 3, units: PSY_UNITS,
    names: [(t) => `CENTRE HOSPITALIER SPÉCIALISÉ DE ${t.toUpperCase()}`, (t) => `CENTRE PSYCHOTHÉRAPEUTIQUE DE ${t}`, (_t, p) => `CH ${p(SAINTS).toUpperCase()}`],
  },
  {
    category: '500', weight: 40, minUnits: 1, units: EHPAD_UNITS,
    names: [(_t, p) => `EHPAD ${p(RESIDENCES)}`, (_t, p) => `RÉSIDENCE ${p(RESIDENCES)}`, (t, p) => `E.H.P.A.D. ${p(RESIDENCES)} DE ${t.toUpperCase()}`, (_t, p) => `MAISON DE RETRAITE ${p(RESIDENCES)}`],
  },
  {
    category: '127', weight: 3, minUnits: 1, units: HAD_UNITS,
    names: [(t) => `HAD ${t}`, (t) => `HOSPITALISATION À DOMICILE ${t.toUpperCase()}`],
  },
];

const SITES = ['NORD', 'SUD', 'EST', 'OUEST', 'CENTRE', 'FLEYRIAT', 'BEL-AIR', 'LES CHARMILLES'];
const SAINTS = ['Saint-Joseph', 'Sainte-Marie', 'Saint-Jean', 'Saint-Vincent', 'Saint-Luc', 'Sainte-Anne', 'Saint-Charles', 'Édouard Herriot', 'Pasteur', 'Louis Pradel'];
const CLINIC_NAMES = ['DU PARC', 'DES CÈDRES', 'SAINT-JOSEPH', 'DU VAL FLEURI', 'LES LILAS', 'DE LA SAUVEGARDE', 'MUTUALISTE', 'DU TONKIN', 'SAINTE-ODILE', 'DES ALPES', 'DU MONT-BLANC', 'PASTEUR', 'CONVERT', 'HERBERT'];
const RESIDENCES = ['LES TILLEULS', 'LES GLYCINES', 'LE CLOS FLEURI', 'LES MAGNOLIAS', 'LA ROSERAIE', 'LES JARDINS D’AUTOMNE', 'LE VAL DE SAÔNE', 'LES CHARMETTES', 'BEAU SÉJOUR', 'LES PATIOS', 'SAINT-FRANÇOIS', 'LA CHÊNAIE', 'LES OPALINES', 'KORIAN LES AMARANTES'];

export interface GenerateOptions {
  seed: number;
  /** Units to generate (about: the last establishment is kept whole). */
  units: number;
  /** Only towns of these departments (default: every town). */
  departments?: readonly string[];
  /** Now, for capacity dates (ms since epoch). */
  now: number;
  /** Spread of establishments around their town, in degrees of latitude (default 0.12, about 13 km). */
  spreadDeg?: number;
}

/** Establishments with their units, as offer documents, in batches of about `batchSize` units. */
export function* generateOfferBatches(options: GenerateOptions, batchSize = 1000): Generator<OfferDocument[]> {
  const rnd = seededRandom(options.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const towns = TOWNS.filter((t) => !options.departments || options.departments.includes(t.dep));
  if (!towns.length) throw new Error('no town in those departments');
  const totalWeight = KINDS.reduce((n, k) => n + k.weight, 0);
  const spread = options.spreadDeg ?? 0.12;
  let made = 0;
  let establishment = 0;
  let batch: OfferDocument[] = [];
  while (made < options.units) {
    establishment++;
    let w = rnd() * totalWeight;
    const kind = KINDS.find((k) => (w -= k.weight) < 0) ?? KINDS[0];
    const town = pick(towns);
    const orgName = pick(kind.names)(town.name, pick);
    const finess = `${town.dep.length === 3 ? `9${town.dep[2]}` : town.dep}${String(establishment % 10_000_000).padStart(7, '0')}`;
    const lat = town.lat + (rnd() - 0.5) * spread;
    const lon = town.lon + ((rnd() - 0.5) * spread) / Math.cos((town.lat * Math.PI) / 180);
    const organization: OfferDocument['organization'] = {
      id: `org-${establishment}`,
      name: orgName,
      finess,
      category: code('category', kind.category),
      department: town.dep,
      region: regionOfDepartment(town.dep),
    };
    const location = { id: `loc-${establishment}`, commune: town.insee, communeName: town.name, position: { lat: round(lat), lon: round(lon) } };
    let templates = kind.units.filter((u) => rnd() < u.p);
    while (templates.length < Math.min(kind.minUnits, kind.units.length)) {
      const extra = pick(kind.units);
      if (!templates.includes(extra)) templates.push(extra);
    }
    if (!templates.length) templates = [kind.units[0]];
    for (const t of templates) {
      made++;
      const installed = 8 + Math.floor(rnd() * 35);
      const full = rnd() < 0.3;
      const female = full ? 0 : Math.floor(rnd() * 4);
      const male = full ? 0 : Math.floor(rnd() * 4);
      const undetermined = full || rnd() < 0.7 ? 0 : Math.floor(rnd() * 3);
      const ageMs = rnd() < 0.85 ? rnd() * 36 * 3_600_000 : (2 + rnd() * 30) * 86_400_000;
      const entered = rnd() < 0.95;
      batch.push({
        id: `gen-${made}`,
        name: pick(t.names),
        aliases: [],
        active: true,
        sensitive: t.sensitive ? rnd() < t.sensitive : false,
        organization,
        locations: [location],
        activities: t.activities.map((c) => code('activity', c)),
        careModes: t.careModes.map((c) => code('careMode', c)),
        specialties: (t.specialties ?? []).map((c) => code('specialty', c)),
        unitCategories: [...(t.unitCategory ? [code('unitCategory', t.unitCategory)] : []), code('field', t.field)],
        patientTypes: (t.publics ?? []).map((c) => code('public', c)),
        ageRange: { low: t.age[0], high: t.age[1] },
        capacity: {
          free: { total: female + male + undetermined, female, male, undetermined },
          installed,
          ...(entered ? { updatedAt: new Date(options.now - ageMs).toISOString() } : {}),
        },
        lastUpdated: new Date(options.now).toISOString(),
      });
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

export function generateOfferDocuments(options: GenerateOptions): OfferDocument[] {
  return [...generateOfferBatches(options)].flat();
}

function round(n: number): number {
  return Math.round(n * 1e5) / 1e5;
}
