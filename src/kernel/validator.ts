/**
 * What the kernel needs from validation: the validator is built by the composition root (src/fhir/validation) and
 * handed in, so the kernel runs it on every write without knowing FHIR's rules itself.
 */
import type { Resource } from '@medplum/fhirtypes';

export interface WriteExpectation {
  /** The resource type the body must have. */
  expectedType: string;
  /** The id it must carry (update); omitted for creates, which get their id afterwards. */
  expectedId?: string;
  /** Whether it must carry an id at all. */
  requireId?: boolean;
}

export interface ResourceValidator {
  /** Returns the body typed when it may be stored; throws a FhirError (400 malformed, 422 profile or rule) otherwise. */
  validateForWrite(body: unknown, expect: WriteExpectation): Resource;
}
