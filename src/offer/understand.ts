/**
 * How offer search understands the words of `q` the way analysts and coordinators type them ("soins de suite
 * gériatrique près de Bourg-en-Bresse, lit femme disponible"): words that are criteria, not words of any document,
 * become filters and leave the text match. Pure: the words in, what they mean out; ./http.ts places the communes,
 * runs the readings and falls back (README "Offer search", "How q is understood").
 *
 * - "disponible(s)", "libre(s)", "dispo" → a free bed now (`available`);
 * - "femme(s)" / "homme(s)" → free beds of that gender, only beside a word about beds ("lit", "place", "chambre",
 *   "disponible", "libre"): alone, "femme" is a word of names ("Hôpital Femme Mère Enfant");
 * - "lit(s)", "place(s)", "chambre(s)" → filler words, dropped (every document is about beds);
 * - a department: its INSEE code in brackets "(01)", after "département", "dept" or "dans le"; its name after
 *   "dans", "en", "département" ("dans l'Ain", "en Isère"), or alone ("ain", "haute-savoie") when the name is not
 *   also a common word or a large commune ("nord", "vienne" alone stay text) → `department`;
 * - a commune: after "près de", "à", "autour de", "proche de", "vers", "sur" ("près de Lyon", "à Grenoble") →
 *   `near` that commune; alone ("urgences bourg en bresse") it is only a candidate, tried when the words matched as
 *   text find nothing (the CH of Bourg-en-Bresse is in Viriat), and never a word of the care offer ("hôpital" is
 *   also L'Hôpital, Moselle).
 * A department name that ends the text while the last word is being typed is not recognised when a longer name begins
 * with it ("loire" may become "loire-atlantique"). Criteria of a kind the caller gave as a parameter are not taken
 * from the words (the parameter wins; the words stay text).
 */
import { foldedWords, STOP_WORDS } from '../indexing/french';
import type { Commune, Department, Places } from './places';

export type WordRole = 'text' | 'available' | 'gender' | 'filler' | 'department' | 'commune';

/** A run of the query's words and what it was understood as. */
export interface Part {
  /** As typed (a word, or a run of words joined by single spaces). */
  words: string;
  role: WordRole;
  /** `gender`: female / male; `department`: its code; `commune`: the candidates (homonyms, most populous first). */
  gender?: 'female' | 'male';
  department?: Department;
  communes?: Commune[];
  /** `commune`: said with a place word ("près de", "à"); without one, a candidate only. */
  marked?: boolean;
}

export interface Understanding {
  parts: Part[];
  /** The last word of `q` is being typed (type-ahead): `prefix` was asked and `q` ends with a letter or digit. */
  typing: boolean;
}

export interface UnderstandOptions {
  /** `q` ended without a space: its last word is a beginning. */
  prefix: boolean;
  /** Kinds of criteria given as parameters: not taken from the words. */
  given: { available?: boolean; gender?: boolean; department?: boolean; near?: boolean };
}

const AVAILABLE = new Set(['disponible', 'disponibles', 'dispo', 'dispos', 'libre', 'libres', 'vacant', 'vacants', 'vacante', 'vacantes']);
const BEDS = new Set(['lit', 'lits', 'place', 'places', 'chambre', 'chambres']);
const GENDERS: Record<string, 'female' | 'male'> = { femme: 'female', femmes: 'female', feminin: 'female', feminins: 'female', homme: 'male', hommes: 'male', masculin: 'male', masculins: 'male' };

/** Words before a department (folded, longest first). "dans l'Ain" folds to "dans ain". */
const DEPARTMENT_MARKERS = ['departement de la', 'departement des', 'departement du', 'departement de', 'departement', 'dans le', 'dans la', 'dans les', 'dans', 'dept', 'dep', 'en'].map((m) => m.split(' '));
/** Words before a commune (folded, longest first). */
const COMMUNE_MARKERS = ['aux alentours de', 'a cote de', 'autour de', 'proche de', 'pres de', 'autour', 'proche', 'pres', 'vers', 'sur', 'a'].map((m) => m.split(' '));
/** Words after which a bare number is a department code ("département 01", "dans le 69"). */
const CODE_MARKERS = new Set(['departement', 'dept', 'dep', 'le', 'dans']);
const DEPARTMENT_NUMBER = /^(0[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-8]|98[4-9])$/;

/** Department names that are common words or first names: recognised after a marker only ("dans la Manche"). */
const AMBIGUOUS_DEPARTMENTS = new Set(['nord', 'cher', 'lot', 'orne', 'somme', 'manche', 'aude', 'aube', 'creuse', 'landes', 'reunion', 'la reunion']);
/** A department name that is also a commune this large is ambiguous alone ("vienne": Isère's town or the department). */
const AMBIGUOUS_TOWN_POPULATION = 20_000;
/**
 * Single words of the care offer's vocabulary (the ANS nomenclatures' labels, establishment names) that are also
 * commune names: never taken as a commune without a place word ("hôpital de jour" is not L'Hôpital, Moselle).
 */
const NOT_COMMUNES = new Set([
  'hopital', 'mere', 'place', 'bourg', 'charge', 'contre', 'force', 'ondes', 'simple', 'linge', 'hotellerie', 'signes', 'corps', 'long', 'centres',
  'plan', 'vers', 'jardin', 'courant', 'cours', 'ligne', 'chemin', 'bois', 'campagne', 'chateau', 'degre', 'fontaine', 'grand', 'rue', 'plaine',
  'pont', 'port', 'vieux', 'bretagne', 'maisons', 'mont', 'ecole', 'montagne', 'mer', 'don', 'riche', 'son', 'sos', 'trans', 'sus', 'aire',
  'anse', 'azur', 'planches', 'relevant', 'peri', 'ballon', 'cheville', 'coudes', 'lies', 'pace', 'fosse',
]);

interface Word {
  key: string;
  chunk: number;
}

/** Reads the words of `q`. */
export function understand(text: string, places: Places, options: UnderstandOptions): Understanding {
  // Chunks as typed (letters, digits and apostrophes), each with its folded words ("l'Ain" → "ain").
  const chunks: { text: string; start: number; end: number }[] = [];
  const words: Word[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}'’]+/gu)) {
    const index = chunks.length;
    chunks.push({ text: m[0], start: m.index, end: m.index + m[0].length });
    for (const key of foldedWords(m[0]).split(' ')) if (key) words.push({ key, chunk: index });
  }
  const roles: (Part | undefined)[] = words.map(() => undefined);
  const free = (i: number) => i < words.length && roles[i] === undefined;
  const typingLast = options.prefix && /[\p{L}\p{N}]$/u.test(text);
  const key = (from: number, n: number) => words.slice(from, from + n).map((w) => w.key).join(' ');
  const span = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) if (!free(i)) return false;
    return true;
  };
  /** A name ending the text while it is typed, that a longer name begins with: not (yet) a name. */
  const stillTyping = (from: number, n: number) => typingLast && from + n === words.length && places.beginsLongerName(key(from, n));
  const mark = (from: number, n: number, part: Omit<Part, 'words'>) => {
    const p: Part = { words: '', ...part };
    for (let i = from; i < from + n; i++) roles[i] = p;
  };

  // Criteria of beds.
  const aboutBeds = words.some((w) => AVAILABLE.has(w.key) || BEDS.has(w.key));
  words.forEach((w, i) => {
    if (AVAILABLE.has(w.key)) mark(i, 1, { role: options.given.available ? 'filler' : 'available' });
    else if (BEDS.has(w.key)) mark(i, 1, { role: 'filler' });
    else if (GENDERS[w.key] && aboutBeds && !options.given.gender) mark(i, 1, { role: 'gender', gender: GENDERS[w.key] });
  });

  // Department codes in brackets or after a marker: "(01)", "département 38", "dans le 69".
  if (!options.given.department) {
    words.forEach((w, i) => {
      if (!free(i) || !DEPARTMENT_NUMBER.test(w.key)) return;
      const c = chunks[w.chunk];
      const bracketed = /\(\s*$/.test(text.slice(0, c.start)) && /^\s*\)/.test(text.slice(c.end));
      let from = i;
      while (from > 0 && i - from < 2 && free(from - 1) && CODE_MARKERS.has(words[from - 1].key)) from--;
      const department = places.department(w.key);
      if (!department || !(bracketed || from < i)) return;
      if (bracketed) mark(i, 1, { role: 'department', department });
      else mark(from, i - from + 1, { role: 'department', department });
    });
  }

  /**
   * The longest department or commune name at `from`. A department name ending the text while it is typed, that a
   * longer name begins with, is not one yet ("loire" may become "loire-atlantique"); a commune's is (./interpret.ts
   * leaves it as text when it cannot be placed).
   */
  const nameAt = (from: number): { n: number; department?: Department; communes: Commune[] } | undefined => {
    for (let n = Math.min(places.maxWords, words.length - from); n >= 1; n--) {
      if (!span(from, n)) continue;
      const k = key(from, n);
      const department = stillTyping(from, n) ? undefined : places.departmentNamed(k);
      const communes = places.communesNamed(k);
      if (department || communes.length) return { n, department, communes };
    }
    return undefined;
  };
  const markerAt = (from: number, markers: string[][]) => markers.find((m) => span(from, m.length) && m.every((w, j) => words[from + j].key === w))?.length ?? 0;

  for (let i = 0; i < words.length; i++) {
    if (!free(i)) continue;
    // A department after its marker: "dans l'Ain", "en Haute-Savoie", "département du Rhône".
    const dm = options.given.department ? 0 : markerAt(i, DEPARTMENT_MARKERS);
    if (dm) {
      const name = nameAt(i + dm);
      if (name?.department) {
        mark(i, dm + name.n, { role: 'department', department: name.department });
        i += dm + name.n - 1;
        continue;
      }
    }
    // A commune after its place word: "près de Lyon", "à Grenoble".
    const cm = options.given.near ? 0 : markerAt(i, COMMUNE_MARKERS);
    if (cm) {
      const name = nameAt(i + cm);
      if (name?.communes.length) {
        mark(i, cm + name.n, { role: 'commune', communes: name.communes, marked: true });
        i += cm + name.n - 1;
        continue;
      }
      if (name?.department && !options.given.department) {
        mark(i, cm + name.n, { role: 'department', department: name.department });
        i += cm + name.n - 1;
        continue;
      }
    }
    // A name alone.
    const name = nameAt(i);
    if (!name) continue;
    const k = key(i, name.n);
    const bigTown = name.communes.some((c) => c.population >= AMBIGUOUS_TOWN_POPULATION);
    if (name.department && !options.given.department) {
      const ambiguous = AMBIGUOUS_DEPARTMENTS.has(k) || bigTown;
      if (!ambiguous) mark(i, name.n, { role: 'department', department: name.department });
    } else if (name.communes.length && !name.department && !options.given.near && (name.n > 1 || (k.length >= 4 && !NOT_COMMUNES.has(k)))) {
      mark(i, name.n, { role: 'commune', communes: name.communes, marked: false });
    }
    if (roles[i]) i += name.n - 1;
  }

  // Runs of words of one role become parts, as typed (from the first chunk's start to the last one's end).
  const parts: Part[] = [];
  const spans: { start: number; end: number }[] = [];
  let last: { role: Part | undefined; chunk: number } | undefined;
  words.forEach((w, i) => {
    const role = roles[i];
    const c = chunks[w.chunk];
    if (last && last.chunk === w.chunk) return; // a chunk of several words ("aujourd'hui") takes its first word's role
    const continues = last !== undefined && (role ? last.role === role : last.role === undefined);
    if (continues) spans[spans.length - 1].end = c.end;
    else {
      parts.push(role ?? { words: '', role: 'text' });
      spans.push({ start: c.start, end: c.end });
    }
    last = { role, chunk: w.chunk };
  });
  parts.forEach((p, i) => (p.words = text.slice(spans[i].start, spans[i].end)));
  return { parts, typing: typingLast };
}

const isStopWord = (chunk: string) => foldedWords(chunk).split(' ').every((w) => !w || STOP_WORDS.has(w));

/**
 * The words left for the text match, as typed: the text parts, and the commune candidates (named without a place
 * word) when `keepCandidates`; stop words left at either end by the words taken out are trimmed ("lit de médecine"
 * → "médecine"). `prefix`: its last word is still being typed (it ends `q`).
 */
export function remainingText(u: Understanding, options: { keepCandidates: boolean }): { text: string; prefix: boolean } {
  const kept = (p: Part) => p.role === 'text' || (options.keepCandidates && p.role === 'commune' && !p.marked);
  const chunks = u.parts.filter(kept).flatMap((p) => p.words.split(' '));
  while (chunks.length && isStopWord(chunks[0])) chunks.shift();
  const lastKept = u.parts.length > 0 && kept(u.parts[u.parts.length - 1]);
  while (chunks.length && isStopWord(chunks[chunks.length - 1]) && !(lastKept && u.typing)) chunks.pop();
  return { text: chunks.join(' '), prefix: u.typing && lastKept && chunks.length > 0 };
}

/** Whether any word was understood as more than text. */
export function understoodAnything(u: Understanding): boolean {
  return u.parts.some((p) => p.role !== 'text');
}
