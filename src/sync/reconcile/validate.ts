/**
 * Validation of the resources the sync writes: validateResourceForWrite with a cache of base verdicts of its own
 * (src/fhir/validation/shape-cache.ts explains what is cached and why it is sound), so a run reports how many
 * resources went through medplum's full pass. The resources of a run come from a handful of mapping functions:
 * at national scale, 3.6 million resources share a few hundred shapes, and the full pass (~250 µs) runs on
 * the first resource of each.
 */
import type { Resource } from '@medplum/fhirtypes';
import { BaseVerdictCache, validateResourceForWrite } from '../../fhir/validation';
import type { ShapeCacheStats } from '../../fhir/validation/shape-cache';

export type ValidationStats = ShapeCacheStats;

export class ShapeCachedValidator {
  private readonly cache: BaseVerdictCache | false;

  /** @param mode 'full': every resource through medplum's full pass (no cache). */
  constructor(mode: 'shape' | 'full' = 'shape') {
    this.cache = mode === 'shape' ? new BaseVerdictCache() : false;
  }

  get stats(): ValidationStats {
    return this.cache ? this.cache.stats : { full: this.fullCount, cached: 0, shapes: 0 };
  }

  private fullCount = 0;

  /** Throws like validateResourceForWrite (a FhirError with the OperationOutcome) when the resource is invalid. */
  validate(resource: Resource): void {
    if (!this.cache) this.fullCount++;
    validateResourceForWrite(resource, { expectedType: resource.resourceType, cache: this.cache });
  }
}
