/**
 * The offer index port: the ranked, forgiving search of the care offer beside FHIR search (README "Offer
 * search"). One document per HealthcareService, denormalised from the store (src/offer/document.ts builds them);
 * an adapter keeps them and answers queries. The embedded adapter (SQLite FTS5 + R*Tree, src/store/sqlite/
 * offer-index.ts) is the default; an Elasticsearch one implements the same port with a French analyser
 * (elision, ASCII folding, stemming, stop words), `geo_point` and keyword facets. Contract:
 * test/contract/offer-index.contract.ts, run unchanged by every adapter.
 *
 * The index is derived data: losing it loses nothing (`npm run reindex-offer` rebuilds it from the store).
 * Storage-neutral: nothing here knows SQL, FHIR JSON or HTTP.
 */

/** A code of a nomenclature with its French label. */
export interface OfferCode {
  system: string;
  code: string;
  label: string;
}

export interface OfferPosition {
  lat: number;
  lon: number;
}

export interface OfferDocument {
  /** The HealthcareService id. */
  id: string;
  name: string;
  aliases: string[];
  active: boolean;
  /** `ror-healthcareservice-sensitive-unit`: left out for callers below access profile 4. */
  sensitive: boolean;
  organization: {
    id: string;
    name: string;
    finess?: string;
    /** The establishment category (TRE_R66) and the legal status (TRE_R72 / TRE_R73). */
    category?: OfferCode;
    legalStatus?: OfferCode;
    /** INSEE department (`01`, `2A`, `971`) and region (`84`) codes. */
    department?: string;
    region?: string;
  };
  locations: {
    id: string;
    name?: string;
    /** INSEE code of the commune (COG) and its name. */
    commune?: string;
    communeName?: string;
    position?: OfferPosition;
  }[];
  activities: OfferCode[];
  careModes: OfferCode[];
  specialties: OfferCode[];
  /** Unit category (TRE_R244) and field of activity (TRE_R227). */
  unitCategories: OfferCode[];
  patientTypes: OfferCode[];
  /** Age range of the patients the unit takes, in years (undefined bounds: open). */
  ageRange?: { low?: number; high?: number };
  capacity: {
    /** Free beds now (current temporality), by gender of free beds. */
    free: { total: number; female: number; male: number; undetermined: number };
    installed: number;
    /** The most recent `capacityUpdateDate` of the unit's bed zones (ISO instant); undefined: never entered. */
    updatedAt?: string;
  };
  /** lastUpdated of the newest resource the document was built from (ISO instant). */
  lastUpdated: string;
}

export type OfferSort = 'relevance' | 'distance' | 'freeBeds';
export type OfferFacet = 'activity' | 'careMode' | 'department' | 'category' | 'specialty' | 'region';

export interface OfferQuery {
  /** Free text (French), matched with prefix matching on its last word when `prefix` is set (type-ahead). */
  text?: string;
  prefix?: boolean;
  /** Codes of the nomenclatures; several values in one filter are ORed, filters are ANDed. */
  activity?: string[];
  careMode?: string[];
  specialty?: string[];
  category?: string[];
  department?: string[];
  region?: string[];
  commune?: string[];
  /** A patient's age in years: the unit's age range must contain it. */
  age?: number;
  /** At least one free bed of this gender (`female`, `male`, `undetermined`) now. */
  gender?: 'female' | 'male' | 'undetermined';
  /** At least one free bed now. */
  available?: boolean;
  /** Capacity updated at or after this instant (ms since epoch): "fresh". */
  updatedSince?: number;
  near?: { lat: number; lon: number; radiusKm: number };
  /** Leave out sensitive units (callers below access profile 4). */
  hideSensitive: boolean;
  /**
   * Also match inactive units (and units of an inactive establishment), which are otherwise never returned. For
   * FHIR `HealthcareService?_text=` / `_content=`, answered from this index: FHIR search does not hide inactive
   * resources. Suggestions never include inactive units.
   */
  includeInactive?: boolean;
  sort: OfferSort;
  limit: number;
  /** Opaque, from a previous result's `next`. */
  cursor?: string;
  /** Facets to count over every match (not only the page). */
  facets: OfferFacet[];
}

export interface OfferHit {
  /** The unit's document; an adapter may hand the same object to several answers: read it, never change it. */
  document: OfferDocument;
  /** Distance to `near` (km), when the query has one: the nearest of the unit's locations. */
  distanceKm?: number;
  /** Relevance (higher is better); 0 without text. */
  score: number;
}

export interface OfferResult {
  total: number;
  hits: OfferHit[];
  facets: Partial<Record<OfferFacet, { code: string; label: string; count: number }[]>>;
  next?: string;
}

export interface OfferSuggestion {
  kind: 'unit' | 'establishment' | 'commune';
  id: string;
  label: string;
}

export interface OfferIndex {
  /** True when the adapter found no index, or one of an older schema: the server rebuilds it from the store. */
  readonly needsRebuild?: boolean;
  /** Adds or replaces documents, and removes the ids in `remove`, atomically. */
  apply(changes: { put: OfferDocument[]; remove: string[] }): Promise<void>;
  search(query: OfferQuery): Promise<OfferResult>;
  /** Type-ahead over unit names, establishment names and communes. */
  suggest(text: string, options: { limit: number; hideSensitive: boolean }): Promise<OfferSuggestion[]>;
  /** Removes every document (before a full rebuild). */
  clear(): Promise<void>;
  count(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Raised by an adapter for a query it cannot answer as asked (a distance sort without `near`, a negative limit, a
 * position off the globe): the caller's mistake, a 400 at the HTTP layer. A cursor that is not one of the adapter's
 * own is an `InvalidCursorError` (store/errors.ts), as for FHIR searches.
 */
export class OfferQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OfferQueryError';
  }
}
