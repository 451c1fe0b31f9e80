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
 * Profiles registered with registerProfile (the ROR ones, src/ror/profiles.ts) are checked by
 * snapshot-validator.ts (nested elements, extensions against their definitions, slices, required bindings to the
 * registered terminology, terminology.ts); see there for why medplum's profile pass is not enough.
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
 * - required bindings are not checked (`telecom.system: "pigeon"` passes);
 * - data-type invariants (cpt-2, per-1, ref-1...), root invariants of contained resources and Bundle entries
 *   (dom-2, dom-4...), dom-3 and org-1 are not evaluated; the narrative checks (txt-1/2) always pass.
 * Meta (versionId, lastUpdated) is validated like any element; the store overwrites it anyway.
 *
 * Also: medplum reports only the first failing invariant of an element (e.g. dom-2 hides dom-4 on the same resource).
 *
 * Cost (test/unit/validation/measure-cost.ts, Node 20, a shared 2-core machine): ~190-300 µs per typical ROR
 * Organization or Location, ~500-700 µs for a 2-entry transaction Bundle; medplum's pass is >90% of it, the walk
 * ~10-20 µs. Writes therefore cache medplum's clean verdicts by JSON shape (shape-cache.ts): a resource shaped
 * like one that passed costs the walk and the shape key (~60 µs for an Organization). $validate never uses the
 * cache. With profiles, the profile pass replaces the base pass when the resource conforms (same cost).
 * The first call loads the definitions and expands the required value sets (~0.7-1.5 s).
 */
import type { OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { FhirError, informational } from '../../errors';
import type { EnvelopeOptions } from './envelope';
import { checkEnvelope } from './envelope';
import type { Issue } from './issues';
import { dedupe, error, hasErrors } from './issues';
import { baseIssues } from './medplum';
import { isProfileAvailable, profileIssues, registeredDefinition } from './profiles';
import { snapshotIssues } from './snapshot-validator';
import { ensureDefinitions } from './ready';
import { walkResource } from './walk';
import { BaseVerdictCache } from './shape-cache';

/** The cache of base verdicts shared by the writes of this process (see shape-cache.ts). */
const writeCache = new BaseVerdictCache();

export { isProfileAvailable, registerProfile, registeredDefinition, registeredResourceProfiles } from './profiles';
export { registerTerminology, valueSetCodes } from './terminology';
export { BaseVerdictCache } from './shape-cache';

export interface ValidationOptions extends EnvelopeOptions {
  /**
   * Canonical URLs of profiles (snapshot form, loaded with registerProfile, loadDataType or
   * indexStructureDefinitionBundle) the resource must also conform to, besides the loaded ones it claims in
   * `meta.profile` (always checked); failures are 422. The server chooses them: an unknown one is a server error.
   */
  profiles?: string[];
  /**
   * Where medplum's base verdicts are cached by shape (shape-cache.ts): writes use one cache shared by the
   * process unless given their own (the sync, for its statistics); `false` always runs the full pass.
   */
  cache?: BaseVerdictCache | false;
}

interface Verdict {
  issues: Issue[];
  /** Set when the resource must be rejected. */
  status?: 400 | 422;
}

/**
 * Validates a resource about to be written; returns it typed, or throws a FhirError (400 or 422, see above) whose
 * OperationOutcome has one issue per problem, each with an `expression` path.
 */
export function validateResourceForWrite(resource: unknown, opts: ValidationOptions = {}): Resource {
  const { issues, status } = judge(resource, { cache: writeCache, ...opts });
  if (status) throw new FhirError(status, { resourceType: 'OperationOutcome', issue: issues });
  return resource as Resource;
}

/**
 * The outcome of the $validate operation (https://hl7.org/fhir/R4/resource-operation-validate.html): never throws for
 * invalid content; the issues found, or one informational issue when there are none.
 */
export function validationOutcome(resource: unknown, opts: ValidationOptions = {}): OperationOutcome {
  try {
    // No cache: $validate reports every issue, warnings included, and its cost does not matter.
    const { issues } = judge(resource, { ...opts, cache: false });
    return issues.length ? { resourceType: 'OperationOutcome', issue: issues } : informational('validation successful');
  } catch (e) {
    if (e instanceof FhirError) return e.outcome;
    const message = `Validation could not be completed: ${(e as Error).message}`;
    return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: message }] };
  }
}

function judge(resource: unknown, opts: ValidationOptions): Verdict {
  ensureDefinitions();
  const res = checkEnvelope(resource, opts) as unknown as Resource;
  const walk = walkResource(res as unknown as Record<string, unknown>);
  if (walk.fatal) return verdict(walk.issues, 400);
  const claimed = claimedProfiles(res);
  const profiles = [...new Set([...(opts.profiles ?? []), ...claimed.known])];
  const notes = [...walk.issues, ...claimed.notes];
  const base = (r: Resource) => (opts.cache ? opts.cache.baseIssues(r) : baseIssues(r));
  if (profiles.length === 0 || hasErrors(walk.issues)) {
    return verdictBase([...notes, ...base(res)]);
  }
  return judgeWithProfiles(res, profiles, notes, base);
}

/**
 * Profiles the resource claims in `meta.profile` (https://hl7.org/fhir/R4/resource.html#Meta): each one loaded in
 * this server is checked. An unknown one is ignored with an information issue (seen in $validate): FHIR lets a
 * server reject it, but clients legitimately claim profiles the server does not hold (FR Core, another IG or
 * version), and a claim is not a request to be checked against something the server cannot read.
 */
function claimedProfiles(res: Resource): { known: string[]; notes: Issue[] } {
  const claimed = res.meta?.profile;
  const known: string[] = [];
  const notes: Issue[] = [];
  if (!Array.isArray(claimed)) return { known, notes };
  claimed.forEach((url, i) => {
    if (typeof url !== 'string') return;
    if (isProfileAvailable(url)) known.push(url);
    else {
      notes.push({
        severity: 'information',
        code: 'not-supported',
        diagnostics: `Profile ${url} (meta.profile) is not known to this server: the resource was not checked against it`,
        expression: [`${res.resourceType}.meta.profile[${i}]`],
      });
    }
  });
  return { known, notes };
}

/**
 * Profiles registered with registerProfile are checked by our snapshot validator, which covers only what a profile
 * adds: medplum's base pass always runs too, to tell a base failure (400) from a profile failure (422). Profiles
 * known only to medplum (loadDataType, indexStructureDefinitionBundle) use medplum's profile pass; its snapshot
 * contains every base element and constraint, so when such profiles pass, the base pass is saved.
 */
function judgeWithProfiles(
  res: Resource,
  profiles: string[],
  walkIssues: Issue[],
  baseIssues: (r: Resource) => Issue[],
): Verdict {
  const found: Issue[] = [];
  let coversBase = true;
  for (const url of profiles) {
    const sd = registeredDefinition(url);
    if (sd) {
      coversBase = false;
      found.push(...ownProfileIssues(res, sd));
      continue;
    }
    const issues = profileIssues(res, url);
    if (!issues) throw new FhirError(500, `Profile ${url} is not loaded: cannot validate against it`, 'exception');
    found.push(...issues);
  }
  if (!hasErrors(found) && coversBase) return verdict([...walkIssues, ...found]);
  const base = baseIssues(res);
  if (hasErrors(base)) return verdict([...walkIssues, ...base], 400);
  return verdict([...walkIssues, ...base, ...found], hasErrors(found) ? 422 : undefined);
}

function ownProfileIssues(res: Resource, sd: StructureDefinition): Issue[] {
  if (sd.type !== res.resourceType) {
    const message = `Profile ${sd.url} applies to ${sd.type} resources, not to ${res.resourceType}`;
    return [error('processing', message, res.resourceType)];
  }
  return snapshotIssues(res as unknown as Record<string, unknown>, sd, { definition: registeredDefinition });
}

function verdictBase(issues: Issue[]): Verdict {
  return verdict(issues, hasErrors(issues) ? 400 : undefined);
}

/** Errors first (stable otherwise), without duplicates. */
function verdict(issues: Issue[], status?: 400 | 422): Verdict {
  const rank = (i: Issue) => (i.severity === 'fatal' || i.severity === 'error' ? 0 : 1);
  const sorted = dedupe(issues).sort((a, b) => rank(a) - rank(b));
  return status ? { issues: sorted, status } : { issues: sorted };
}
