/**
 * A validator: the R4 base definitions, the profiles it was built with and its terminology, with its own cache of
 * write verdicts. What it checks and why is explained in ./index.ts.
 */
import type { OperationOutcome, Resource, StructureDefinition } from '@medplum/fhirtypes';
import { FhirError, informational } from '../../errors';
import { loadDefinitions } from '../../definitions';
import { Terminology, type TerminologyOptions } from '../../terminology/terminology';
import type { EnvelopeOptions } from './envelope';
import { checkEnvelope } from './envelope';
import type { Issue } from './issues';
import { dedupe, error, hasErrors } from './issues';
import { baseIssues } from './medplum';
import { ProfileSet, schemaIssues, unversioned } from './profiles';
import { BaseVerdictCache } from './shape-cache';
import { snapshotIssues, type DefinitionSource } from './snapshot-validator';
import { walkResource } from './walk';

export interface ValidationOptions extends EnvelopeOptions {
  /**
   * Canonical URLs of profiles the validator knows that the resource must also conform to, besides the known ones it
   * claims in `meta.profile` (always checked); failures are 422. The server chooses them: an unknown one is a
   * server error.
   */
  profiles?: string[];
  /**
   * Where medplum's base verdicts are cached by shape (shape-cache.ts): writes use the validator's own cache unless
   * given another (the sync, for its statistics); `false` always runs the full pass.
   */
  cache?: BaseVerdictCache | false;
}

export interface ValidatorOptions {
  terminology: Terminology;
  /** Profiles and extension definitions, in snapshot form; a later one replaces an earlier one of the same URL. */
  profiles?: readonly StructureDefinition[];
  /** Also know the profiles loaded straight into @medplum/core's registry (see profiles.ts). */
  medplumRegistry?: boolean;
}

/** What a validator is built from, as plain data: another thread builds the same validator from it. */
export interface ValidatorRecipe {
  terminology: Required<TerminologyOptions>;
  profiles: StructureDefinition[];
  medplumRegistry: boolean;
}

interface Verdict {
  issues: Issue[];
  /** Set when the resource must be rejected. */
  status?: 400 | 422;
}

export class Validator {
  readonly terminology: Terminology;
  private readonly profiles: ProfileSet;
  /** The cache of base verdicts shared by this validator's writes (see shape-cache.ts). */
  private readonly writeCache = new BaseVerdictCache();
  private readonly definitions: DefinitionSource;

  /** Throws when a profile cannot be validated against (see checkProfile). */
  constructor(options: ValidatorOptions) {
    this.terminology = options.terminology;
    this.profiles = new ProfileSet(options.profiles ?? [], options.medplumRegistry ?? false);
    this.definitions = { definition: (url) => this.profiles.definition(url), terminology: this.terminology };
  }

  static fromRecipe(recipe: ValidatorRecipe): Validator {
    return new Validator({
      terminology: new Terminology(recipe.terminology),
      profiles: recipe.profiles,
      medplumRegistry: recipe.medplumRegistry,
    });
  }

  recipe(): ValidatorRecipe {
    return { terminology: this.terminology.options(), profiles: this.profiles.all(), medplumRegistry: this.profiles.medplumRegistry };
  }

  /**
   * Validates a resource about to be written; returns it typed, or throws a FhirError (400 or 422, see index.ts)
   * whose OperationOutcome has one issue per problem, each with an `expression` path.
   */
  validateForWrite(resource: unknown, opts: ValidationOptions = {}): Resource {
    const { issues, status } = this.judge(resource, { cache: this.writeCache, ...opts });
    if (status) throw new FhirError(status, { resourceType: 'OperationOutcome', issue: issues });
    return resource as Resource;
  }

  /**
   * The outcome of the $validate operation (https://hl7.org/fhir/R4/resource-operation-validate.html): never throws
   * for invalid content; the issues found, or one informational issue when there are none.
   */
  outcome(resource: unknown, opts: ValidationOptions = {}): OperationOutcome {
    try {
      // No cache: $validate reports every issue, warnings included, and its cost does not matter.
      const { issues } = this.judge(resource, { ...opts, cache: false });
      return issues.length ? { resourceType: 'OperationOutcome', issue: issues } : informational('validation successful');
    } catch (e) {
      if (e instanceof FhirError) return e.outcome;
      const message = `Validation could not be completed: ${(e as Error).message}`;
      return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: message }] };
    }
  }

  /** Whether a profile canonical (with or without `|version`) can be validated against. */
  isProfileAvailable(canonical: string): boolean {
    return this.profiles.has(canonical);
  }

  /** A StructureDefinition this validator was built with, by canonical (with or without `|version`). */
  definition(canonical: string): StructureDefinition | undefined {
    return this.profiles.definition(canonical);
  }

  /** Its profiles of resources (not extensions or data types), for the CapabilityStatement. */
  resourceProfiles(): { type: string; url: string }[] {
    return this.profiles.resourceProfiles();
  }

  private judge(resource: unknown, opts: ValidationOptions): Verdict {
    loadDefinitions();
    const res = checkEnvelope(resource, opts) as unknown as Resource;
    const walk = walkResource(res as unknown as Record<string, unknown>, this.terminology);
    if (walk.fatal) return verdict(walk.issues, 400);
    const claimed = this.claimedProfiles(res);
    const profiles = [...new Set([...(opts.profiles ?? []), ...claimed.known])];
    const notes = [...walk.issues, ...claimed.notes];
    const base = (r: Resource) => (opts.cache ? opts.cache.baseIssues(r) : baseIssues(r));
    if (profiles.length === 0 || hasErrors(walk.issues)) {
      return verdictBase([...notes, ...base(res)]);
    }
    return this.judgeWithProfiles(res, profiles, notes, base);
  }

  /**
   * Profiles the resource claims in `meta.profile` (https://hl7.org/fhir/R4/resource.html#Meta): each one this
   * validator knows is checked. An unknown one is ignored with an information issue (seen in $validate): FHIR lets a
   * server reject it, but clients legitimately claim profiles the server does not hold (FR Core, another IG or
   * version), and a claim is not a request to be checked against something the server cannot read.
   */
  private claimedProfiles(res: Resource): { known: string[]; notes: Issue[] } {
    const claimed = res.meta?.profile;
    const known: string[] = [];
    const notes: Issue[] = [];
    if (!Array.isArray(claimed)) return { known, notes };
    claimed.forEach((url, i) => {
      if (typeof url !== 'string') return;
      if (this.profiles.has(url)) known.push(url);
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
   * The validator's own profiles are checked by our snapshot validator, which covers only what a profile adds:
   * medplum's base pass always runs too, to tell a base failure (400) from a profile failure (422). Profiles checked
   * with medplum's pass (profiles.ts) have a snapshot containing every base element and constraint, so when such
   * profiles pass, the base pass is saved.
   */
  private judgeWithProfiles(res: Resource, profiles: string[], walkIssues: Issue[], baseIssues: (r: Resource) => Issue[]): Verdict {
    const found: Issue[] = [];
    let coversBase = true;
    for (const url of profiles) {
      const sd = this.profiles.definition(url);
      if (sd) {
        coversBase = false;
        found.push(...this.ownProfileIssues(res, sd));
        continue;
      }
      const schema = this.profiles.medplumSchema(url);
      if (!schema) throw new FhirError(500, `Profile ${url} is not loaded: cannot validate against it`, 'exception');
      found.push(...schemaIssues(res, unversioned(url), schema));
    }
    if (!hasErrors(found) && coversBase) return verdict([...walkIssues, ...found]);
    const base = baseIssues(res);
    if (hasErrors(base)) return verdict([...walkIssues, ...base], 400);
    return verdict([...walkIssues, ...base, ...found], hasErrors(found) ? 422 : undefined);
  }

  private ownProfileIssues(res: Resource, sd: StructureDefinition): Issue[] {
    if (sd.type !== res.resourceType) {
      const message = `Profile ${sd.url} applies to ${sd.type} resources, not to ${res.resourceType}`;
      return [error('processing', message, res.resourceType)];
    }
    return snapshotIssues(res as unknown as Record<string, unknown>, sd, this.definitions);
  }
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
