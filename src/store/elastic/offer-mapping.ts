/**
 * The index of the Elasticsearch/OpenSearch offer index: its analysis (the French analyser of
 * src/indexing/french.ts, expressed in the engine's own filters so the engine analyses the documents itself), its
 * mappings, and what one OfferDocument becomes in it.
 *
 * The analyser, in the order french.ts applies it: typographic apostrophes and ligatures mapped (œ → oe, æ → ae,
 * ß → ss), elisions (l', d', qu', lorsqu', … at the start of a word), split on everything but letters and digits,
 * lower case, ASCII folding, the light stemmer of french.ts as `pattern_replace` steps (plurals, -aux → -al, feminine
 * -e, -ique/-ical and -ie of disciplines), the care-offer synonyms (`SYNONYMS`: equivalences, `implies` one way,
 * `collapse` groups replaced by their acronym) at index time only, then French stop words (`STOP_WORDS`). The stop
 * filter comes after the synonyms because a synonym rule cannot hold a removed word's gap; so it also drops the
 * stems of stop words ("dans" → "dan"). Queries are analysed in JavaScript by `analyzeQuery` (same tables, same
 * stemmer) into the tokens the engine stored, and sent as term and prefix queries: one analyser, two runtimes, and
 * test/engines/offer-analysis.opensearch.test.ts checks they agree.
 *
 * `MAPPING_VERSION` is a digest of the settings and mappings: change the tables of french.ts or anything here and
 * the adapter reports `needsRebuild`, building a new index behind the alias.
 */
import crypto from 'node:crypto';
import { STOP_WORDS, SYNONYMS, stem } from '../../indexing/french';
import type { OfferCode, OfferDocument } from '../offer-index';

const ELISIONS = ['l', 'd', 'qu', 'j', 'n', 's', 't', 'c', 'm', 'lorsqu', 'puisqu', 'jusqu', 'quoiqu'];

/** The light stemmer of french.ts (`stem`), step by step; each step keeps words holding a digit as they are. */
const STEMMER_STEPS: [string, string][] = [
  ['^(?=[^0-9]{6,}$)(.*eau)x$', '$1'],
  ['^(?=[^0-9]{5,}$)(.*)aux$', '$1al'],
  ['^(?=[^0-9]{4,}$)(.*?)(?:(?<!s)s|x)$', '$1'],
  ['^(?=[^0-9]{4,}$)(.*e)e$', '$1'],
  ['^(?=[^0-9]{8,}$)(.*)(?:ique|ical)$', '$1'],
  ['^(?=[^0-9]{7,}$)(.*)ie$', '$1'],
  ['^(?=[^0-9]{5,}$)(.*)e$', '$1'],
];

/** Synonym rules (Solr format) of `SYNONYMS`, applied to the stemmed words of the documents. */
export function synonymRules(): string[] {
  const rules: string[] = [];
  for (const g of SYNONYMS) {
    const terms = g.terms.map((t) => t.replace(/,/g, ' '));
    if (g.collapse) {
      if (terms.length > 1) rules.push(`${terms.slice(1).join(', ')} => ${terms[0]}`);
    } else if (g.implies?.length) {
      rules.push(`${terms.join(', ')} => ${[...terms, ...g.implies].join(', ')}`);
    } else {
      rules.push(terms.join(', '));
    }
  }
  return rules;
}

function stopWords(): string[] {
  return [...new Set([...STOP_WORDS, ...[...STOP_WORDS].map(stem), ...ELISIONS])].sort();
}

const BASE_FILTERS = ['lowercase', 'asciifolding', ...STEMMER_STEPS.map((_, i) => `ror_stem_${i + 1}`)];

export const OFFER_SETTINGS = {
  number_of_shards: 1,
  number_of_replicas: 0,
  // Made visible by the refresh that ends each `apply`, never half-way through one.
  refresh_interval: '-1',
  analysis: {
    char_filter: {
      ror_chars: {
        type: 'mapping',
        mappings: ['œ => oe', 'Œ => OE', 'æ => ae', 'Æ => AE', 'ß => ss', '’ => \'', '‘ => \'', 'ʼ => \'', '` => \'', '´ => \''],
      },
      ror_elision: {
        type: 'pattern_replace',
        pattern: `(?i)(?<![\\p{L}\\p{N}'])(?:${ELISIONS.join('|')})'`,
        replacement: '',
      },
    },
    tokenizer: {
      ror_words: { type: 'pattern', pattern: '[^\\p{L}\\p{N}]+' },
    },
    filter: {
      ...Object.fromEntries(STEMMER_STEPS.map(([pattern, replacement], i) => [`ror_stem_${i + 1}`, { type: 'pattern_replace', pattern, replacement }])),
      ror_synonyms: { type: 'synonym', expand: true, synonyms: synonymRules() },
      ror_stop: { type: 'stop', stopwords: stopWords() },
    },
    analyzer: {
      /** Documents' searchable text: the French analyser with the synonyms. */
      ror_text: { type: 'custom', char_filter: ['ror_chars', 'ror_elision'], tokenizer: 'ror_words', filter: [...BASE_FILTERS, 'ror_synonyms', 'ror_stop'] },
      /** Names of type-ahead: the same without synonyms. */
      ror_names: { type: 'custom', char_filter: ['ror_chars', 'ror_elision'], tokenizer: 'ror_words', filter: [...BASE_FILTERS, 'ror_stop'] },
    },
  },
};

const text = { type: 'text', analyzer: 'ror_text', position_increment_gap: 100 };
const names = { type: 'text', analyzer: 'ror_names', position_increment_gap: 100 };
const keyword = { type: 'keyword' };

export const OFFER_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    id: keyword,
    active: { type: 'boolean' },
    sensitive: { type: 'boolean' },
    name: text,
    labels: text,
    organization: text,
    place: text,
    unitNames: names,
    orgId: keyword,
    orgNames: names,
    communes: { type: 'nested', properties: { code: keyword, label: keyword, names } },
    activity: keyword,
    careMode: keyword,
    specialty: keyword,
    category: keyword,
    department: keyword,
    region: keyword,
    commune: keyword,
    facets: {
      properties: { activity: keyword, careMode: keyword, specialty: keyword, category: keyword, department: keyword, region: keyword },
    },
    ageLow: { type: 'double' },
    ageHigh: { type: 'double' },
    freeTotal: { type: 'integer' },
    freeFemale: { type: 'integer' },
    freeMale: { type: 'integer' },
    freeUndetermined: { type: 'integer' },
    updatedAt: { type: 'long' },
    positions: { type: 'geo_point' },
    indexedAt: { type: 'long' },
    /** The document as given, returned by searches; not indexed. */
    document: { type: 'object', enabled: false },
  },
};

export const MAPPING_VERSION = crypto
  .createHash('sha256')
  .update(JSON.stringify({ OFFER_SETTINGS, OFFER_MAPPINGS }))
  .digest('hex')
  .slice(0, 12);

/** Relative weights of the text fields in the ranking (those of the embedded index). */
export const TEXT_WEIGHTS = { name: 10, labels: 4, organization: 2, place: 1 } as const;

/** Separates a facet's code from its label in the `facets.*` keywords (codes and labels never hold it). */
export const FACET_SEPARATOR = '\u001f';

function pairs(codes: (OfferCode | { code?: string; label?: string } | undefined)[]): string[] {
  const seen = new Map<string, string>();
  for (const c of codes) if (c?.code && !seen.has(c.code)) seen.set(c.code, `${c.code}${FACET_SEPARATOR}${c.label || c.code}`);
  return [...seen.values()];
}

const finite = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n : undefined);
const codesOf = (xs: OfferCode[]) => [...new Set(xs.map((c) => c.code).filter(Boolean))];

/** What the engine keeps of one document. */
export function offerSource(doc: OfferDocument, indexedAt: number): Record<string, unknown> {
  const org = doc.organization;
  const sectors = doc.unitCategories.filter((c) => c.system.includes('R227'));
  const unitCategories = doc.unitCategories.filter((c) => !c.system.includes('R227'));
  const labels = [...doc.activities, ...doc.specialties, ...doc.careModes, ...unitCategories, ...doc.patientTypes].map((c) => c.label);
  const communes = new Map<string, { code: string; label: string; names: string }>();
  for (const l of doc.locations) if (l.commune && l.communeName && !communes.has(l.commune)) communes.set(l.commune, { code: l.commune, label: l.communeName, names: l.communeName });
  const updatedAt = doc.capacity.updatedAt ? Date.parse(doc.capacity.updatedAt) : NaN;
  return {
    id: doc.id,
    active: doc.active,
    sensitive: doc.sensitive,
    name: [doc.name, ...doc.aliases].filter(Boolean),
    labels: labels.filter(Boolean),
    organization: [org.name, org.finess, org.category?.label, org.legalStatus?.label, ...sectors.map((c) => c.label)].filter(Boolean),
    place: doc.locations.flatMap((l) => [l.communeName, l.name]).filter(Boolean),
    unitNames: doc.name ? [doc.name, ...doc.aliases] : [],
    orgId: org.id && org.name ? org.id : undefined,
    orgNames: org.id && org.name ? org.name : undefined,
    communes: [...communes.values()],
    activity: codesOf(doc.activities),
    careMode: codesOf(doc.careModes),
    specialty: codesOf(doc.specialties),
    category: org.category?.code || undefined,
    department: org.department || undefined,
    region: org.region || undefined,
    commune: [...new Set(doc.locations.map((l) => l.commune).filter(Boolean))],
    facets: {
      activity: pairs(doc.activities),
      careMode: pairs(doc.careModes),
      specialty: pairs(doc.specialties),
      category: pairs([org.category]),
      department: pairs([{ code: org.department, label: org.department }]),
      region: pairs([{ code: org.region, label: org.region }]),
    },
    ageLow: finite(doc.ageRange?.low),
    ageHigh: finite(doc.ageRange?.high),
    freeTotal: doc.capacity.free.total,
    freeFemale: doc.capacity.free.female,
    freeMale: doc.capacity.free.male,
    freeUndetermined: doc.capacity.free.undetermined,
    updatedAt: Number.isFinite(updatedAt) ? updatedAt : undefined,
    positions: doc.locations
      .map((l) => l.position)
      .filter((p) => p && Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180)
      .map((p) => ({ lat: p!.lat, lon: p!.lon })),
    indexedAt,
    document: doc,
  };
}
