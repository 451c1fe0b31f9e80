/**
 * The French analyser of offer search, applied the same way to the documents (index time) and to the queries, as an
 * Elasticsearch `french` analyser would be set up: lower case, ASCII folding (é→e, œ→oe, æ→ae, ç→c), elisions
 * (l', d', qu', lorsqu', … with ' or ’), splitting on everything but letters and digits ("Bourg-en-Bresse" → bourg,
 * bresse), French stop words, and a light, predictable stemmer (plurals, feminine -e, -aux → -al), so that
 * "Réadaptations" and "readaptation", "soins" and "soin", "gériatriques" and "Gériatrique" give the same token.
 *
 * Synonyms of the care offer (`SYNONYMS`: acronyms such as EHPAD, SSR/SMR, USLD, HAD, HDJ; abbreviations such as
 * "chir", "réa", "psy"; everyday words such as "maison de retraite", "maternité", "dialyse", "infectiologie") are
 * applied at index time only (`analyzeDocument`): a text holding any term of a group also holds the words of every
 * other term of it (and of the group's `implies`). Queries are not expanded, so "ehpad" finds a unit whose category
 * label is "Etablissement d'hébergement pour personnes âgées dépendantes", "maison de retraite" the same unit, and
 * "soins de suite readaptation" a unit labelled "SSR". Index time rather than query time because a query is a
 * conjunction of tokens (every word must match; FTS5 and the OfferQuery port have no "one of these phrases"):
 * expanding "maternité" into "maternité OR obstétrique" would need alternatives in the port, while a few extra
 * tokens per document cost nothing at query time. An Elasticsearch adapter does the same with an index-time
 * `synonym_graph` filter built from `SYNONYMS`. Changing the table changes the stored tokens: the embedded index's
 * schema version (src/store/sqlite/offer-schema.ts) must then be bumped so that indexes are rebuilt.
 *
 * Pure functions, no state: safe to call from any module.
 */

/** Elided articles and pronouns, removed with their apostrophe (folded forms). */
const ELISIONS = ['l', 'd', 'qu', 'j', 'n', 's', 't', 'c', 'm', 'lorsqu', 'puisqu', 'jusqu', 'quoiqu'];

/** French stop words (folded): articles, prepositions, conjunctions and pronouns that carry no meaning in a search. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'au', 'aux', 'avec', 'c', 'ce', 'ces', 'cet', 'cette', 'd', 'dans', 'de', 'des', 'du', 'elle', 'elles', 'en',
  'et', 'il', 'ils', 'j', 'je', 'l', 'la', 'le', 'les', 'leur', 'leurs', 'lui', 'm', 'ma', 'me', 'mes', 'mon', 'n',
  'ne', 'nos', 'notre', 'on', 'ou', 'par', 'pas', 'pour', 'qu', 'que', 'qui', 's', 'sa', 'sans', 'se', 'ses', 'son',
  'sur', 't', 'ta', 'te', 'tes', 'ton', 'un', 'une', 'vos', 'votre', 'y',
  // Words of place that say where, not what: "ehpad près de Pontarlier".
  'pres',
]);

/**
 * The synonym groups of the care offer (index time only, see the header). The `terms` of a group are equivalent: a
 * text holding one (its analysed words in sequence) gets the words of all the others. `implies` are words a text
 * holding the group also answers to, without bringing the group to texts holding them ("hémodialyse" is a dialyse,
 * a "dialyse péritonéale" is not an hémodialyse). Groups do not chain: only the text's own words trigger them.
 * SSR and SMR are one group: the 2023 reform renamed "soins de suite et de réadaptation" to "soins médicaux et de
 * réadaptation". A `collapse` group's longer terms are replaced by its first term (an acronym), in documents and
 * queries alike: their words then match nothing else.
 */
export const SYNONYMS: readonly { terms: string[]; implies?: string[]; collapse?: boolean }[] = [
  { terms: ['ehpad', "établissement d'hébergement pour personnes âgées dépendantes", 'maison de retraite'] },
  { terms: ['ssr', 'smr', 'soins de suite et de réadaptation', 'soins médicaux et de réadaptation'] },
  { terms: ['usld', 'unité de soins de longue durée', 'soins de longue durée'] },
  { terms: ['had', 'hospitalisation à domicile'] },
  // The field of activity "Médecine, Chirurgie, Obstétrique (MCO)" is a sector every unit of a hospital belongs to:
  // its words are not the unit's ("médecine polyvalente" must not find the emergency unit of an MCO hospital).
  { terms: ['mco', 'médecine chirurgie obstétrique'], collapse: true },
  { terms: ['ssiad', 'service de soins infirmiers à domicile'] },
  // Care modes: "Hospitalisation de jour (HJ)" is what analysts call HDJ or "hôpital de jour".
  { terms: ['hdj', 'hj', 'hôpital de jour', 'hospitalisation de jour'] },
  { terms: ['hc', 'hospitalisation complète'] },
  // Disciplines and their everyday names or abbreviations.
  { terms: ['maternité', 'obstétrique'] },
  { terms: ['chir', 'chirurgie'] },
  { terms: ['réa', 'réanimation'] },
  { terms: ['psy', 'psychiatrie'] },
  { terms: ['pédopsychiatrie', 'psychiatrie infanto-juvénile', "psychiatrie de l'enfant et de l'adolescent"] },
  { terms: ['infectiologie', 'maladies infectieuses'] },
  { terms: ['gériatrie', 'gérontologie'] },
  { terms: ['cardio', 'cardiologie'] },
  { terms: ['pneumo', 'pneumologie'] },
  { terms: ['neuro', 'neurologie'] },
  { terms: ['onco', 'oncologie', 'cancérologie'] },
  { terms: ['néonat', 'néonatologie'] },
  { terms: ['hémodialyse'], implies: ['dialyse'] },
  { terms: ['pédiatrie'], implies: ['enfant'] },
];

/** Lower case and ASCII folding: accents dropped, ligatures spelt out, typographic apostrophes made plain. */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .replace(/[\u2019\u2018\u02bc\u0060\u00b4]/g, "'")
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

const ELISION = new RegExp(`^(?:${ELISIONS.join('|')})'`);

/** The words of a folded text: elisions removed, split on everything but letters a-z and digits. */
function words(folded: string): string[] {
  const out: string[] = [];
  for (const chunk of folded.split(/[^a-z0-9']+/)) {
    if (!chunk) continue;
    // "l'hopital", "qu'il", "lorsqu'on": drop the elided word; what is left splits on further apostrophes.
    for (const part of chunk.replace(ELISION, '').split("'")) if (part) out.push(part);
  }
  return out;
}

/**
 * The light stemmer: plural -s/-x dropped (not after another s), -aux → -al, -eaux → -eau, then -ee → -e and a final
 * -e dropped on words of 5 letters or more (feminine forms meet masculine ones). Short words (3 letters or less, such
 * as acronyms) and words holding digits are kept as they are. Only truncations apart from -aux, so the stem of a word's
 * beginning is a beginning of the word's stem (type-ahead relies on it, see `analyzeQuery`).
 */
export function stem(word: string): string {
  if (word.length <= 3 || /[0-9]/.test(word)) return word;
  let w = word;
  if (w.endsWith('eaux') && w.length > 5) w = w.slice(0, -1);
  else if (w.endsWith('aux') && w.length > 4) w = `${w.slice(0, -3)}al`;
  else if ((w.endsWith('s') && !w.endsWith('ss')) || w.endsWith('x')) w = w.slice(0, -1);
  if (w.endsWith('ee')) w = w.slice(0, -1);
  // The noun and the adjective of a discipline meet: psychiatrie / psychiatrique → psychiatr, orthopédie /
  // orthopédique, chirurgie / chirurgical → chirurg.
  if (w.length >= 8 && (w.endsWith('ique') || w.endsWith('ical'))) return w.slice(0, -4);
  if (w.length >= 7 && w.endsWith('ie')) return w.slice(0, -2);
  if (w.endsWith('e') && w.length >= 5) w = w.slice(0, -1);
  return w;
}

/** The words of a text folded and elisions removed, space-separated: for "starts with" comparisons of labels. */
export function foldedWords(text: string): string {
  return words(fold(text)).join(' ');
}

/** The tokens of a text, in order, as both documents and queries are indexed and searched. */
export function analyze(text: string): string[] {
  return words(fold(text))
    .filter((w) => !STOP_WORDS.has(w))
    .map(stem);
}

interface SynonymGroup { terms: string[][]; words: string[] }
const GROUPS: SynonymGroup[] = SYNONYMS.map((g) => {
  const terms = g.terms.map(analyze);
  if (g.collapse) return { terms: terms.slice(0, 1), words: terms[0] };
  return { terms, words: [...new Set([...terms.flat(), ...(g.implies ?? []).flatMap(analyze)])] };
});
/** Longer terms of the `collapse` groups, each with the token that replaces it. */
const COLLAPSED: { term: string[]; into: string }[] = SYNONYMS.filter((g) => g.collapse).flatMap((g) => {
  const [first, ...rest] = g.terms.map(analyze);
  return rest.map((term) => ({ term, into: first[0] }));
});

/** The tokens with every longer term of a `collapse` group replaced by the group's first term. */
function collapse(tokens: string[]): string[] {
  if (!COLLAPSED.length) return tokens;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const c = COLLAPSED.find((x) => startsAt(tokens, i, x.term));
    if (c) {
      out.push(c.into);
      i += c.term.length - 1;
    } else out.push(tokens[i]);
  }
  return out;
}

function startsAt(tokens: string[], i: number, seq: string[]): boolean {
  if (i + seq.length > tokens.length) return false;
  for (let j = 0; j < seq.length; j++) if (tokens[i + j] !== seq[j]) return false;
  return true;
}

/**
 * The groups a text holds a term of. A term inside a longer term of another group does not count: the "obstétrique"
 * of "Médecine, Chirurgie, Obstétrique (MCO)" names a field of activity, not a maternité, nor its "chirurgie" a
 * surgical unit.
 */
function groupsIn(tokens: string[]): Set<SynonymGroup> {
  const found: { group: SynonymGroup; start: number; length: number }[] = [];
  for (const group of GROUPS) {
    for (const term of group.terms) for (let i = 0; i < tokens.length; i++) if (startsAt(tokens, i, term)) found.push({ group, start: i, length: term.length });
  }
  found.sort((a, b) => b.length - a.length);
  const owner: (SynonymGroup | undefined)[] = tokens.map(() => undefined);
  const groups = new Set<SynonymGroup>();
  for (const f of found) {
    let inside = true;
    for (let i = f.start; i < f.start + f.length; i++) if (owner[i] === undefined || owner[i] === f.group) inside = false;
    if (inside) continue;
    groups.add(f.group);
    for (let i = f.start; i < f.start + f.length; i++) owner[i] ??= f.group;
  }
  return groups;
}

/**
 * The tokens of a document's text: `analyze`, plus the synonyms of `SYNONYMS` (a text holding a term of a group gets
 * the words of the group's other terms and of its `implies`), appended once each after the text's own tokens (words
 * the text already holds are not repeated, so a synonym does not weigh more than the text itself).
 */
export function analyzeDocument(text: string): string[] {
  const tokens = collapse(analyze(text));
  const present = new Set(tokens);
  const extra: string[] = [];
  for (const group of groupsIn(tokens)) {
    for (const t of group.words) {
      if (!present.has(t)) {
        present.add(t);
        extra.push(t);
      }
    }
  }
  return extra.length ? [...tokens, ...extra] : tokens;
}

export interface AnalyzedQuery {
  /** Whole tokens, each must match. */
  terms: string[];
  /** The beginning of the last word being typed (type-ahead), matched as a prefix; undefined without `prefix`. */
  prefix?: string;
}

/**
 * A query's tokens. With `prefix`, the last word is a beginning still being typed: it is matched as a prefix of a
 * document token. It is stemmed too (so "gériatriques" typed in full still matches the stem "geriatriqu"), and a
 * trailing "au" loses its "u" ("hopitau" must reach "hopital", the stem of "hôpitaux"). A last word that is a stop
 * word or was elided ("soins de", "l'") is dropped rather than required as a prefix.
 */
export function analyzeQuery(text: string, prefix: boolean): AnalyzedQuery {
  if (!prefix) return { terms: collapse(analyze(text)) };
  const folded = fold(text);
  const all = words(folded);
  // The last word is being typed only when the text does not end with a separator.
  const typing = all.length > 0 && /[a-z0-9]$/.test(folded);
  const last = typing ? all[all.length - 1] : undefined;
  const terms = collapse((typing ? all.slice(0, -1) : all).filter((w) => !STOP_WORDS.has(w)).map(stem));
  if (last === undefined || STOP_WORDS.has(last)) return { terms };
  let p = stem(last);
  if (p.endsWith('au') && p.length > 3) p = p.slice(0, -1);
  // A word typed part-way into a suffix the stemmer removes ("geriatri" of "gériatrique", stem "geriatr"): the
  // beginning is cut back to before it, so it still reaches the stem.
  if (p.length >= 6) p = p.replace(/(?:i|iq|iqu|ic|ica)$/, '');
  return { terms, prefix: p };
}
