/**
 * `npm run generate:extracts -- --out <dir> [--scale 1] [--change 0] [--seed 1] [--cp1252] [--zip] [--split-rpps 0]`
 *
 * Writes national-scale synthetic extracts in the real formats (../shared/referentiels/NOTES.md), shaped like the
 * real samples: at scale 1, ≈100,000 establishments with geolocation (etalab cs1100507), ≈90,000 legal entities
 * (cs1100501) and ≈2.3 million RPPS Personne_activite lines (56 columns, lines of one person contiguous unless
 * --split-rpps, one line per person × site × savoir-faire). Valid FINESS keys, 2% overseas establishments with their projections, some
 * quoted fields, some establishments without coordinates. Streams to disk (constant memory).
 *
 * `--change 0.01` produces the same extracts with 1% of the records changed (a phone number, a name), the
 * "nightly" variant used by the benchmark. Same seed → same files.
 * `--zip` also writes `PS_LibreAcces_202610080000.zip` holding the RPPS file (as published). `--split-rpps 0.01` moves
 * the last line of 1% of the persons with several lines to the end of the file (lines of a person not contiguous,
 * which nothing in the real file's description rules out); those lines are held in memory until the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { luhn } from '../src/sync/finess/validate';
import { writeZip } from './lib/zip-write';
import { seededRandom } from './lib/seeded-random';

interface Options {
  out: string;
  scale: number;
  change: number;
  seed: number;
  cp1252: boolean;
  zip: boolean;
  splitRpps: number;
}

function parse(argv: string[]): Options {
  const o: Options = { out: 'extracts', scale: 1, change: 0, seed: 1, cp1252: false, zip: false, splitRpps: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = argv[++i];
    else if (a === '--scale') o.scale = Number(argv[++i]);
    else if (a === '--change') o.change = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--cp1252') o.cp1252 = true;
    else if (a === '--zip') o.zip = true;
    else if (a === '--split-rpps') o.splitRpps = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function withKey(prefix8: string): string {
  for (let d = 0; d < 10; d++) if (luhn(prefix8 + d)) return prefix8 + d;
  throw new Error('unreachable');
}

const METRO = Array.from({ length: 95 }, (_, i) => String(i + 1).padStart(2, '0')).filter((d) => d !== '20').concat(['2A', '2B']);
const OVERSEAS: { dep: string; lib: string; x: number; y: number; src: string }[] = [
  { dep: '9A', lib: 'GUADELOUPE', x: 657242.9, y: 1795384.4, src: '2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles)' },
  { dep: '9B', lib: 'MARTINIQUE', x: 710000, y: 1620000, src: '2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles)' },
  { dep: '9C', lib: 'GUYANE', x: 353672.8, y: 544349.1, src: '2,ATLASANTE,90,BAN,EPSG:2972 RGFG95/UTM zone 22N (Guyane)' },
  { dep: '9D', lib: 'LA REUNION', x: 323086.6, y: 7679599.8, src: '2,ATLASANTE,95,BAN,EPSG:2975 RGR92/UTM zone 40S (Réunion)' },
  { dep: '9F', lib: 'MAYOTTE', x: 524819.9, y: 8587194.7, src: '2,ATLASANTE,89,BAN,EPSG:4471 RGM04/UTM zone 38S (Mayotte)' },
];
const CATEGORIES = [
  ['355', 'Centre Hospitalier (C.H.)', '1102', 'Centres Hospitaliers'],
  ['500', "Etablissement d'hébergement pour personnes âgées dépendantes", '4401', "Etablissements d'Hébergement pour Personnes Âgées"],
  ['365', 'Etablissement de Soins Pluridisciplinaire', '1106', 'Autres Etablissements de Soins Somatiques'],
  ['620', 'Pharmacie d\'Officine', '3201', 'Pharmacies'],
  ['189', 'Centre Médico-Psycho-Pédagogique (C.M.P.P.)', '4106', 'Services à Domicile ou Ambulatoires pour Handicapés'],
];
const STREETS = ['RUE DE LA REPUBLIQUE', 'AVENUE JEAN JAURES', 'ROUTE DE PARIS', 'CHEMIN DES ECOLES', 'BOULEVARD PASTEUR', 'PLACE DE L\'EGLISE'];
const NAMES = ['MARTIN', 'BERNARD', 'THOMAS', 'PETIT', 'ROBERT', 'RICHARD', 'DURAND', 'DUBOIS', 'MOREAU', 'LAURENT', 'LEFÈVRE', 'GARNIER', 'FAURE', 'ROUSSEAU', 'BLANC', 'GUÉRIN', 'MÜLLER', 'HOARAU', 'PAYET', 'GRONDIN'];
const GIVEN = ['Marie', 'Jean', 'Pierre', 'Michel', 'Nathalie', 'Isabelle', 'Hélène', 'François', 'Zoé', 'Léa', 'Noël', 'Chloé'];
const PROFESSIONS = [
  ['10', 'Médecin', 'SM53', 'Spécialiste en Médecine Générale'],
  ['10', 'Médecin', 'SM26', 'Qualifié en Médecine Générale'],
  ['60', 'Infirmier', '', ''],
  ['21', 'Pharmacien', '', ''],
  ['50', 'Sage-Femme', '', ''],
  ['70', 'Masseur-Kinésithérapeute', '', ''],
  ['40', 'Chirurgien-Dentiste', 'SCD01', 'Orthopédie dento-faciale'],
];

class Out {
  private readonly stream: fs.WriteStream;
  constructor(file: string, private readonly encoding: 'utf8' | 'latin1') {
    this.stream = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
  }
  async line(text: string): Promise<void> {
    if (!this.stream.write(Buffer.from(text + '\n', this.encoding))) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** FINESS numbers start with the department, 97/98 overseas (970…, 980… as in the real files). */
function finessPrefix(dep: string): string {
  return dep === '9F' ? '98' : dep.startsWith('9') && /[A-Z]/.test(dep[1]) ? '97' : dep;
}

/** Postal codes: 2 digits of the department (20 for Corsica, 97 overseas), then 3. */
function postalPrefix(dep: string): string {
  return /^2[AB]$/.test(dep) ? '20' : /^9[A-Z]$/.test(dep) ? '97' : dep;
}

const q = (v: string) => (/[;"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  fs.mkdirSync(o.out, { recursive: true });
  const nEt = Math.round(100_000 * o.scale);
  const nEj = Math.round(90_000 * o.scale);
  const changed = (i: number, salt: number) => o.change > 0 && seededRandom(o.seed * 7919 + i * 31 + salt)() < o.change;
  const enc = o.cp1252 ? 'latin1' : 'utf8';

  // Legal entities.
  const ejs: string[] = [];
  const ejDeps: string[] = [];
  const ejFile = new Out(path.join(o.out, 'etalab-cs1100501-stock-20260512-0339.csv'), enc);
  await ejFile.line('finess;etalab;111;2026-05-12');
  for (let i = 0; i < nEj; i++) {
    const r = seededRandom(o.seed * 1_000_003 + i);
    const overseas = r() < 0.02 ? OVERSEAS[Math.floor(r() * OVERSEAS.length)] : undefined;
    const dep = overseas?.dep ?? METRO[Math.floor(r() * METRO.length)];
    const nofiness = withKey(finessPrefix(dep) + String(i).padStart(6, '0'));
    ejs.push(nofiness);
    ejDeps.push(dep);
    const phone = changed(i, 1) ? '0999999999' : `0${1 + Math.floor(r() * 5)}${String(Math.floor(r() * 1e8)).padStart(8, '0')}`;
    const commune = String(1 + Math.floor(r() * 600)).padStart(3, '0');
    await ejFile.line(
      ['structureej', nofiness, `ASSOCIATION GESTION ${i}`, `ASSOCIATION DE GESTION SANITAIRE ${i}`, '', String(1 + Math.floor(r() * 200)), 'R', STREETS[i % STREETS.length], '', '', '', commune,
        `${postalPrefix(dep)}${commune} VILLE ${i % 997}`, dep, overseas?.lib ?? 'DEPARTEMENT', phone, '60', 'Association Loi 1901 non Reconnue d\'Utilité Publique', '', '',
        String(100000000 + i), '8610Z', '1990-01-01'].join(';'),
    );
  }
  await ejFile.close();

  // Establishments, then their geolocation (cs1100507 layout: 31 fields, geolocalisation after).
  const ets: string[] = [];
  const etFile = new Out(path.join(o.out, 'etalab-cs1100507-stock-20260512-0339.csv'), enc);
  await etFile.line('finess;etalab;111;2026-05-12');
  const geo: string[] = [];
  for (let i = 0; i < nEt; i++) {
    const r = seededRandom(o.seed * 2_000_003 + i);
    const ejIndex = Math.floor(r() * nEj);
    const ej = ejs[ejIndex];
    const dep = /^9/.test(ejDeps[ejIndex]) ? ejDeps[ejIndex] : METRO[Math.floor(r() * METRO.length)];
    const nofinesset = withKey(finessPrefix(dep) + String(nEj + i).padStart(6, '0'));
    ets.push(nofinesset);
    const cat = CATEGORIES[Math.floor(r() * CATEGORIES.length)];
    const name = i % 50 === 0 ? `LIEU DE VIE "LES ${i}"` : `${cat[0] === '620' ? 'PHARMACIE' : 'ETABLISSEMENT'} ${i}`;
    const rs = changed(i, 2) ? `${name} (RENOMME)` : name;
    const phone = `0${1 + Math.floor(r() * 5)}${String(Math.floor(r() * 1e8)).padStart(8, '0')}`;
    const commune = String(1 + Math.floor(r() * 600)).padStart(3, '0');
    const cp = `${postalPrefix(dep)}${commune}`;
    await etFile.line(
      ['structureet', nofinesset, ej, q(rs), q(`${rs} LONG`), '', '', String(1 + Math.floor(r() * 200)), 'R', STREETS[i % STREETS.length], '', '', commune, dep, 'DEPARTEMENT',
        `${cp.slice(0, 5)} VILLE ${i % 997}`, phone, '', cat[0], cat[1], cat[2], cat[3], `${String(100000000 + ejIndex)}${String(10000 + (i % 90000)).padStart(5, '0')}`, '8610Z', '03', 'ARS établissements Publics de santé dotation globale', '1', 'Etablissement public de santé',
        '1979-02-13', '1979-02-13', '2024-01-01'].join(';'),
    );
    if (r() < 0.97) {
      const ov = OVERSEAS.find((x) => x.dep === dep);
      const x = ov ? ov.x + (r() - 0.5) * 2000 : 300000 + r() * 700000;
      const y = ov ? ov.y + (r() - 0.5) * 2000 : 6300000 + r() * 700000;
      geo.push(`geolocalisation;${nofinesset};${x.toFixed(1)};${y.toFixed(1)};${ov ? ov.src : '1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)'};2026-05-04`);
    }
  }
  for (const g of geo) await etFile.line(g);
  await etFile.close();

  // RPPS: 56 columns; persons contiguous (see --split-rpps); ≈2.3 lines per person at scale 1 → ≈1,000,000 persons.
  const header = fs.readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'referentiels', 'rpps', 'PS_LibreAcces_Personne_activite.header-56col-2026-10-08.txt'), 'utf8').trim();
  const cols = header.split('|').slice(0, -1);
  const at = new Map(cols.map((c, i) => [c, i]));
  const rppsFile = new Out(path.join(o.out, 'PS_LibreAcces_Personne_activite_202610080000.txt'), 'utf8');
  await rppsFile.line(header);
  const targetLines = Math.round(2_300_000 * o.scale);
  let lines = 0;
  const moved: string[] = [];
  for (let p = 0; lines + moved.length < targetLines; p++) {
    const r = seededRandom(o.seed * 3_000_017 + p);
    const rppsId = String(10000000000 + p * 7);
    const prof = PROFESSIONS[Math.floor(r() * PROFESSIONS.length)];
    const nSites = r() < 0.12 ? 0 : 1 + Math.floor(r() * r() * 3);
    const nSf = prof[2] ? 1 + Math.floor(r() * 2) : 1;
    const family = NAMES[Math.floor(r() * NAMES.length)];
    const given = GIVEN[Math.floor(r() * GIVEN.length)];
    const rowsOf = (site: number | undefined): string[][] => {
      const rows: string[][] = [];
      for (let s = 0; s < nSf; s++) {
        const f = new Array(cols.length + 1).fill('');
        const set = (name: string, v: string) => (f[at.get(name)!] = v);
        set("Type d'identifiant PP", '8');
        set('Identifiant PP', rppsId);
        set('Identification nationale PP', `8${rppsId}`);
        set("Code civilité d'exercice", prof[0] === '10' ? 'DR' : '');
        set('Code civilité', p % 2 ? 'M' : 'MME');
        set("Nom d'exercice", changed(p, 3) ? `${family}-CHANGE` : family);
        set("Prénom d'exercice", given);
        set('Code profession', prof[0]);
        set('Libellé profession', prof[1]);
        set('Code catégorie professionnelle', 'C');
        set('Code savoir-faire', s === 0 ? prof[2] : 'CEX01');
        set('Libellé savoir-faire', s === 0 ? prof[3] : 'Compétence exclusive');
        if (site !== undefined) {
          const et = r() < 0.5 ? ets[(p * 13 + site) % ets.length] : undefined;
          set('Code mode exercice', et ? 'S' : 'L');
          set('Numéro FINESS site', et ?? '');
          set('Identifiant technique de la structure', et ? `F${et}` : `R${String(p * 3 + site).padStart(12, '0')}`);
          set('Raison sociale site', et ? `ETABLISSEMENT ${et}` : `CABINET ${family} ${given}`);
          set('Téléphone (coord. structure)', `01${String((p * 7 + site) % 1e8).padStart(8, '0')}`);
          set('Code rôle', 'FON-01');
          set("Code secteur d'activité", et ? 'SA01' : 'SA07');
        }
        rows.push(f);
      }
      return rows;
    };
    const sites = nSites === 0 ? [undefined] : Array.from({ length: nSites }, (_, i) => i);
    const rows = sites.flatMap((site) => rowsOf(site).map((f) => f.join('|')));
    if (o.splitRpps > 0 && rows.length > 1 && seededRandom(o.seed * 5_000_011 + p)() < o.splitRpps) moved.push(rows.pop()!);
    for (const row of rows) await rppsFile.line(row);
    lines += rows.length;
  }
  for (const row of moved) await rppsFile.line(row);
  lines += moved.length;
  await rppsFile.close();
  if (o.zip) {
    await writeZip(path.join(o.out, 'PS_LibreAcces_202610080000.zip'), 'PS_LibreAcces_Personne_activite_202610080000.txt', path.join(o.out, 'PS_LibreAcces_Personne_activite_202610080000.txt'));
  }
  console.log(`${o.out}: ${nEj} legal entities, ${nEt} establishments (${geo.length} geolocated), ${lines} RPPS lines (${moved.length} moved to the end)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
