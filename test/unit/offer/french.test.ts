/**
 * The French analyser of offer search (src/indexing/french.ts): folding, elisions, splitting, stop words, the light
 * stemmer, index-time acronyms, and type-ahead prefixes that always reach the stem of the word being typed.
 */
import { analyze, analyzeDocument, analyzeQuery, fold, stem } from '../../../src/indexing/french';

describe('French analyser', () => {
  it('folds case, accents and ligatures', () => {
    expect(fold('ÉTABLISSEMENT Âgées Cœur Æsculape Garçon')).toBe('etablissement agees coeur aesculape garcon');
    expect(analyze('Réadaptation')).toEqual(analyze('READAPTATION'));
  });

  it('removes elisions, with a straight or a typographic apostrophe', () => {
    expect(analyze("l'hôpital d'Ambérieu qu'il lorsqu'on puisqu'elle")).toEqual(['hopital', 'amberieu']);
    expect(analyze('l’hébergement')).toEqual(['hebergement']);
    expect(analyze("jusqu'aujourd'hui")).toEqual(['aujourd', 'hui']);
  });

  it('splits on everything but letters and digits', () => {
    expect(analyze('Bourg-en-Bresse')).toEqual(['bourg', 'bress']);
    expect(analyze('SSR/USLD (unité 2A), 01053')).toEqual(['ssr', 'usld', 'unit', '2a', '01053']);
  });

  it('drops French stop words', () => {
    expect(analyze('Soins de suite et de réadaptation')).toEqual(['soin', 'suit', 'readaptation']);
    expect(analyze('le la les de des du un une et ou en au aux pour par sur avec sans dans à')).toEqual([]);
  });

  it('stems plurals, feminine forms and -aux lightly and predictably', () => {
    const same = (a: string, b: string) => expect(analyze(a)).toEqual(analyze(b));
    same('réadaptations', 'réadaptation');
    same('soins', 'soin');
    same('gériatriques', 'Gériatrique');
    same('hôpitaux', 'hôpital');
    same('médicaux', 'médicale');
    same('âgées', 'âgé');
    same('dépendantes', 'dépendant');
    same('bureaux', 'bureau');
    same('adultes', 'adulte');
    expect(stem('ssr')).toBe('ssr');
    expect(stem('stress')).toBe('stress');
    expect(stem('01053')).toBe('01053');
  });

  it('adds the acronyms of an expansion, and the expansions of an acronym, to documents only', () => {
    const ehpad = analyzeDocument("Etablissement d'hébergement pour personnes âgées dépendantes");
    expect(ehpad).toContain('ehpad');
    expect(analyzeDocument('EHPAD Les Tilleuls')).toEqual(expect.arrayContaining(analyze('établissement hébergement personnes âgées dépendantes')));
    const ssr = analyzeDocument('Soins de suite et de réadaptation');
    expect(ssr).toEqual(expect.arrayContaining(['ssr', 'smr', 'medical']));
    expect(new Set(ssr).size).toBe(ssr.length);
    expect(analyzeDocument('Unité de soins de longue durée')).toContain('usld');
    expect(analyzeDocument('Hospitalisation à domicile')).toContain('had');
    expect(analyzeDocument('Addictologie')).toEqual(['addictolog']);
    // Queries are not expanded.
    expect(analyzeQuery('ehpad', false)).toEqual({ terms: ['ehpad'] });
  });

  it('takes the last word as a prefix only with `prefix`, dropping a last stop word', () => {
    expect(analyzeQuery('soins de suite réa', true)).toEqual({ terms: ['soin', 'suit'], prefix: 'rea' });
    expect(analyzeQuery('soins de suite réa', false)).toEqual({ terms: ['soin', 'suit', 'rea'] });
    expect(analyzeQuery('soins de', true)).toEqual({ terms: ['soin'] });
    expect(analyzeQuery('soins ', true)).toEqual({ terms: ['soin'] });
    expect(analyzeQuery("l'", true)).toEqual({ terms: [] });
    expect(analyzeQuery('', true)).toEqual({ terms: [] });
  });

  it('gives a prefix of every beginning of a word that reaches the word stem', () => {
    const words = [
      'réadaptations', 'gériatriques', 'hôpitaux', 'bureaux', 'âgées', 'dépendantes', 'personnes', 'soins', 'suites',
      'durées', 'lycées', 'médicaux', 'chirurgicales', 'stress', 'pédiatrique', 'addictologie', 'Bresse', 'maladies',
    ];
    for (const word of words) {
      const [target] = analyze(word);
      const folded = fold(word);
      for (let n = 1; n <= folded.length; n++) {
        const q = analyzeQuery(folded.slice(0, n), true);
        if (q.prefix === undefined) continue; // a beginning that is a stop word ("d", "s", "de", …)
        expect({ word, typed: folded.slice(0, n), reaches: target.startsWith(q.prefix) }).toEqual({ word, typed: folded.slice(0, n), reaches: true });
      }
    }
  });
});
