/**
 * Validation of resources on write (create, update) and for the $validate operation.
 *
 * Status codes, following https://hl7.org/fhir/R4/http.html#create and #update:
 * - 400 Bad Request: "resource could not be parsed or failed basic FHIR validation rules" - not a JSON object, unknown
 *   or mismatched resourceType, bad or mismatched id, and anything the base R4 definitions reject (unknown elements,
 *   JSON types, cardinality, primitive formats, required bindings, invariants);
 * - 422 Unprocessable Entity: "the proposed resource violated applicable FHIR profiles or server business rules" -
 *   a base-valid resource that fails one of the profiles asked for, or one of the loaded profiles it claims in
 *   `meta.profile` (claimed profiles the server does not hold are ignored, with an information issue in $validate).
 *   A resource without `meta.profile` is held to the base definitions only.
 *
 * A Validator (validator.ts) is built from its Terminology (src/terminology: required bindings of the base
 * `code` elements and of profiles) and the profiles it holds (profiles.ts; the ROR ones are read by
 * src/ror/profiles.ts), which are checked by snapshot-validator.ts (nested elements, extensions against their
 * definitions, slices, required bindings); see there for why medplum's profile pass is not enough. Each validator
 * has its own cache of write verdicts; several live side by side in one process.
 *
 * How: @medplum/core's `validateResource` checks the base StructureDefinitions (element names, JSON types,
 * cardinality, primitive regular expressions, element-level invariants). A second, cheaper pass (walk.ts) covers
 * what medplum gets wrong or leaves out, found by testing it (see test/unit/validation):
 * - `constructor`, `toString`, `__proto__` pass as known elements (it tests `key in elements`);
 * - the id of a resource is not checked (R4 types it as a FHIRPath String), nor the ids of nested resources;
 * - `""` is taken as absent; whitespace-only `string` is an error (FHIR: only a SHOULD) and skips other types' format;
 * - impossible dates (`2026-02-30`), integers beyond 32 bits, empty arrays and empty `_x` objects are accepted;
 * - complex elements given a number (`address: [5]`, `contained: [5]`) are accepted, given a string produce
 *   "Invalid additional property 0" issues; `_name: "x"` crashes it: such shapes stop validation with a clear issue;
 * - `resourceType` is accepted inside any object; `_x` arrays of the wrong length are accepted;
 * - two types for one choice element, references to the wrong resource type: only warnings (and absolute URLs or
 *   `urn:uuid:` references are misread as wrong types);
 * - required bindings are not checked (`telecom.system: "pigeon"` passes): the walk checks those of `code` elements;
 * - data-type invariants (cpt-2, per-1, ref-1...), root invariants of contained resources and Bundle entries
 *   (dom-2, dom-4...), dom-3 and org-1 are not evaluated; the narrative checks (txt-1/2) always pass.
 * Meta (versionId, lastUpdated) is validated like any element; the store overwrites it anyway.
 *
 * Also: medplum reports only the first failing invariant of an element (e.g. dom-2 hides dom-4 on the same resource).
 *
 * Cost (scripts/bench/validation-cost.ts, `npm run bench:validation`, Node 20, a shared 2-core machine): ~190-300 µs per typical ROR
 * Organization or Location, ~500-700 µs for a 2-entry transaction Bundle; medplum's pass is >90% of it, the walk
 * ~10-20 µs. Writes therefore cache medplum's clean verdicts by JSON shape (shape-cache.ts): a resource shaped
 * like one that passed costs the walk and the shape key (~60 µs for an Organization). $validate never uses the
 * cache. With profiles, the profile pass replaces the base pass when the resource conforms (same cost).
 * The first call loads the definitions and the R4 terminology (~0.7-1.5 s); a value set is expanded on first use.
 */
export { Validator } from './validator';
export type { ValidationOptions, ValidatorOptions, ValidatorRecipe } from './validator';
export { BaseVerdictCache } from './shape-cache';
