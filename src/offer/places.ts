/**
 * The places of France that offer search recognises in the words of a query (./understand.ts): the departments and
 * the communes of INSEE's official geographic code (COG), with their INSEE codes, read from the npm package
 * @etalab/decoupage-administratif (MIT; its data are INSEE's, under the Licence Ouverte / Open Licence of Etalab).
 * Names are keyed by their folded words (src/indexing/french.ts `foldedWords`: case, accents, hyphens and elisions
 * ignored), so "Bourg en Bresse", "bourg-en-bresse" and "BOURG-EN-BRESSE" are one key, and "L'Isle-d'Abeau" is
 * "isle abeau". The package has no coordinates: a commune is placed from the units the offer index holds there
 * (./http.ts `communePosition`).
 *
 * The tables (35,000 communes) are read once per process, on first use, and kept as immutable maps.
 */
import fs from 'node:fs';
import { foldedWords } from '../indexing/french';

export interface Department {
  code: string;
  name: string;
}

export interface Commune {
  /** INSEE code (COG). */
  code: string;
  name: string;
  department: string;
  population: number;
}

export interface Places {
  /** The department whose folded name is `key`, or undefined. */
  departmentNamed(key: string): Department | undefined;
  /** The department of an INSEE code (`01`, `2A`, `974`), or undefined. */
  department(code: string): Department | undefined;
  /** The communes whose folded name is `key` (homonyms: most populous first). */
  communesNamed(key: string): Commune[];
  /** Whether a longer name (of a department or commune) begins with these folded words ("bourg" → Bourg-en-Bresse). */
  beginsLongerName(key: string): boolean;
  /** The most words a name has: how far a query is looked ahead. */
  readonly maxWords: number;
}

/** Places from lists (the package's, or a test's). */
export function placesOf(departments: Department[], communes: Commune[]): Places {
  const deps = new Map<string, Department>();
  const byCode = new Map<string, Department>();
  const towns = new Map<string, Commune[]>();
  const beginnings = new Set<string>();
  let maxWords = 1;
  const keyOf = (name: string) => {
    const key = foldedWords(name);
    const words = key.split(' ');
    maxWords = Math.max(maxWords, words.length);
    for (let n = 1; n < words.length; n++) beginnings.add(words.slice(0, n).join(' '));
    return key;
  };
  for (const d of departments) {
    deps.set(keyOf(d.name), d);
    byCode.set(d.code, d);
  }
  for (const c of communes) {
    const key = keyOf(c.name);
    const list = towns.get(key);
    if (list) list.push(c);
    else towns.set(key, [c]);
  }
  for (const list of towns.values()) list.sort((a, b) => b.population - a.population);
  return {
    departmentNamed: (key) => deps.get(key),
    department: (code) => byCode.get(code.toUpperCase()),
    communesNamed: (key) => towns.get(key) ?? [],
    beginsLongerName: (key) => beginnings.has(key),
    maxWords,
  };
}

interface CogDepartment { code: string; nom: string }
interface CogCommune { code: string; nom: string; type: string; departement: string; population?: number }

let french: Places | undefined;

/** The departments and current communes of France (COG), read once. */
export function frenchPlaces(): Places {
  if (!french) {
    const read = <T>(file: string): T => JSON.parse(fs.readFileSync(require.resolve(`@etalab/decoupage-administratif/data/${file}.json`), 'utf8')) as T;
    const departments = read<CogDepartment[]>('departements').map((d) => ({ code: d.code, name: d.nom }));
    const communes = read<CogCommune[]>('communes')
      .filter((c) => c.type === 'commune-actuelle')
      .map((c) => ({ code: c.code, name: c.nom, department: c.departement, population: c.population ?? 0 }));
    french = placesOf(departments, communes);
  }
  return french;
}
