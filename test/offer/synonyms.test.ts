/**
 * The synonyms of the care offer (src/indexing/french.ts `SYNONYMS`), applied to documents at index time: the words
 * people type (maison de retraite, maternité, HDJ, chir, réa, psy, dialyse, infectiologie…) are tokens of the
 * documents that use the other terms of their group, so the query, a conjunction of tokens, stays as typed.
 */
import { analyze, analyzeDocument, analyzeQuery } from '../../src/indexing/french';

/** Whether every token of the query `q` is a token of the document text `doc`, as the index matches them. */
const finds = (q: string, doc: string) => {
  const tokens = new Set(analyzeDocument(doc));
  return analyzeQuery(q, false).terms.every((t) => tokens.has(t));
};

test.each([
  ['maison de retraite', "Etablissement d'hébergement pour personnes âgées dépendantes"],
  ['ehpad', 'Maison de retraite Les Tilleuls'],
  ['maternité', 'Obstétrique'],
  ['obstétrique', 'Maternité du CH'],
  ['hdj oncologie', 'Oncologie-cancérologie · Hospitalisation de jour (HJ)'],
  ['hôpital de jour oncologie', 'Oncologie-cancérologie · Hospitalisation de jour (HJ)'],
  ['chir digestive', 'Chirurgie viscérale et digestive'],
  ['réa', 'Réanimation médicale'],
  ['ssr', 'Soins médicaux et de réadaptation polyvalents'],
  ['smr', 'Soins de suite et de réadaptation'],
  ['usld', 'Soins de longue durée'],
  ['had', 'Hospitalisation à domicile'],
  ['dialyse', 'Hémodialyse chronique'],
  ['infectiologie', 'Maladies infectieuses, parasitaires et tropicales'],
  ['maladies infectieuses', 'Service d’infectiologie'],
  ['psy adulte', 'Psychiatrie adulte'],
  ['pédopsychiatrie', 'Psychiatrie infanto-juvénile'],
  ['gérontologie', 'Médecine gériatrique aiguë'],
  ['urgences enfant', 'Urgences pédiatriques'],
  ['pneumo', 'Pneumologie'],
  ['néonat', 'Néonatologie'],
])('"%s" finds "%s"', (q, doc) => {
  expect(finds(q, doc)).toBe(true);
});

test('implied words go one way: a dialyse is not an hémodialyse, a word about children not a pédiatrie', () => {
  expect(finds('dialyse', 'Hémodialyse chronique')).toBe(true);
  expect(finds('hémodialyse', 'Dialyse péritonéale')).toBe(false);
  expect(finds('pédiatrie', 'Accueil mère-enfant')).toBe(false);
});

test('a term inside a longer term of another group does not count: the MCO sector is no maternité nor surgery', () => {
  const mco = 'Médecine, Chirurgie, Obstétrique (MCO)';
  expect(finds('maternité', mco)).toBe(false);
  expect(finds('chir', mco)).toBe(false);
  expect(finds('mco', mco)).toBe(true);
  // The sector's words are collapsed into its acronym, in documents and queries alike.
  expect(analyzeDocument(`Urgences polyvalentes . ${mco}`)).toEqual(['urgenc', 'polyvalent', 'mco', 'mco']);
  expect(finds('médecine polyvalente', `Urgences polyvalentes . ${mco}`)).toBe(false);
  expect(finds('médecine chirurgie obstétrique', mco)).toBe(true);
  expect(analyzeQuery('medecine chirurgie obstetrique pontarlier', true)).toEqual({ terms: ['mco'], prefix: 'pontarlier' });
});

test('synonyms are added once, after the text, and only the text triggers them (no chains)', () => {
  const tokens = analyzeDocument('Maternité · Obstétrique');
  expect(new Set(tokens).size).toBe(tokens.length);
  expect(tokens.slice(0, 2)).toEqual(analyze('Maternité Obstétrique'));
  // "hôpital de jour" brings hj/hdj and "hospitalisation de jour", not the words of any other group.
  expect(analyzeDocument('Hôpital de jour')).toEqual(['hopital', 'jour', 'hdj', 'hj', 'hospitalisation']);
});
