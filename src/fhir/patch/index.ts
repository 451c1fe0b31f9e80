/**
 * PATCH logic, free of HTTP and storage: https://hl7.org/fhir/R4/http.html#patch
 * - JSON Patch (application/json-patch+json, RFC 6902): applyJsonPatch
 * - FHIRPath Patch (a Parameters body, https://hl7.org/fhir/R4/fhirpatch.html): applyFhirPathPatch
 * Both work on a copy and throw a FhirError: 400 for a malformed patch, 422 for one that does not fit the resource.
 * The caller still validates the result like any write.
 */
export { applyJsonPatch, parseJsonPatch, type JsonPatchOperation } from './json-patch';
export { applyFhirPathPatch } from './fhirpath/apply';
export { parseFhirPathPatch, type PatchOperation as FhirPathPatchOperation } from './fhirpath/operations';
