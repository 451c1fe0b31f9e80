/**
 * FHIR `HealthcareService?_text=` and `_content=` answered from the offer index: the same French matching as offer
 * search (accents, plurals, elisions, stop words, acronyms of the care offer), plugged into the FHIR layer as its
 * TextMatcher (src/fhir/search/text-match.ts) by the composition root. Both parameters match the unit's indexed
 * text (its names, the labels of its activities, care modes and categories, its establishment, its places).
 *
 * Every matching unit is asked for, inactive ones included (FHIR search does not hide inactive resources) and
 * sensitive ones included (the FHIR plan, restricted by the caller's view, leaves them out). A text with no word
 * left once stop words are removed (`_text=de`) is left to the store's own text condition.
 */
import { analyzeQuery } from '../indexing/french';
import type { TextMatcher } from '../fhir/search/text-match';
import type { OfferIndex } from '../store/offer-index';

export function offerTextMatcher(index: OfferIndex): TextMatcher {
  return {
    resourceType: 'HealthcareService',
    async matchIds(text: string, max: number): Promise<string[] | undefined> {
      if (!analyzeQuery(text, false).terms.length) return undefined;
      const result = await index.search({
        text,
        hideSensitive: false,
        includeInactive: true,
        sort: 'relevance',
        limit: max + 1,
        facets: [],
      });
      return result.hits.map((h) => h.document.id);
    },
  };
}
