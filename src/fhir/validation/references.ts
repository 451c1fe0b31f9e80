/**
 * Reference.reference checks (https://hl7.org/fhir/R4/references.html#Reference): the literal reference must be
 * readable, name a known resource type, and that type must be one the element allows (its targetProfile list).
 * Medplum only warns on a wrong target type and misreads absolute URLs and `urn:uuid:` references.
 */
import type { InternalSchemaElement } from '@medplum/core';
import { isKnownResourceType } from '../../definitions';
import type { Issue } from './issues';
import { error } from './issues';

const ID = '[A-Za-z0-9\\-.]{1,64}';
/** `Type/id`, `Type/id/_history/vid`, or a conditional reference `Type?search` (transactions). */
const RELATIVE = new RegExp(`^([A-Za-z]+)(?:/${ID}(?:/_history/${ID})?|\\?.*)$`);
/** The tail of a RESTful absolute URL: `.../Type/id[/_history/vid]`. */
const ABSOLUTE_TAIL = new RegExp(`/([A-Z][A-Za-z]+)/${ID}(?:/_history/${ID})?$`);
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const BASE_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';

/** Allowed target types per element; null = any type (Resource, or a profile we cannot map to a type). */
const targetsCache = new WeakMap<InternalSchemaElement, ReadonlySet<string> | null>();

export type LiteralReference = { kind: 'local' | 'other' } | { kind: 'typed'; type: string } | { kind: 'invalid' };

/** Classifies a literal reference string. */
export function parseReference(reference: string): LiteralReference {
  if (reference.startsWith('#')) return { kind: 'local' };
  if (SCHEME.test(reference)) {
    // Absolute: only RESTful FHIR URLs name a type; urn:uuid:, urn:oid: and other URLs are opaque.
    const m = /^https?:/i.test(reference) ? ABSOLUTE_TAIL.exec(reference) : null;
    return m && isKnownResourceType(m[1]) ? { kind: 'typed', type: m[1] } : { kind: 'other' };
  }
  const m = RELATIVE.exec(reference);
  return m ? { kind: 'typed', type: m[1] } : { kind: 'invalid' };
}

/** Checks the type named by a non-local reference; local (`#id`) references are checked per resource (ref-1). */
export function checkReferenceTarget(
  reference: string,
  element: InternalSchemaElement | undefined,
  path: string,
  issues: Issue[],
): void {
  const parsed = parseReference(reference);
  if (parsed.kind === 'invalid') {
    issues.push(
      error('value', `Invalid reference "${reference}": expected Type/id, an absolute URL or #local-id`, path),
    );
    return;
  }
  if (parsed.kind !== 'typed') return;
  if (!isKnownResourceType(parsed.type)) {
    issues.push(error('value', `Invalid reference "${reference}": unknown resource type ${parsed.type}`, path));
    return;
  }
  const allowed = element ? allowedTargets(element) : null;
  if (allowed && !allowed.has(parsed.type)) {
    const expected = [...allowed].join(', ');
    const message = `Invalid reference "${reference}": a ${parsed.type} is not allowed here (expected ${expected})`;
    issues.push(error('value', message, path));
  }
}

function allowedTargets(element: InternalSchemaElement): ReadonlySet<string> | null {
  let targets = targetsCache.get(element);
  if (targets === undefined) {
    targets = computeTargets(element);
    targetsCache.set(element, targets);
  }
  return targets;
}

function computeTargets(element: InternalSchemaElement): ReadonlySet<string> | null {
  const profiles = element.type?.find((t) => t.code === 'Reference')?.targetProfile;
  if (!profiles?.length) return null;
  const types = new Set<string>();
  for (const profile of profiles) {
    const type = profile.startsWith(BASE_PROFILE) ? profile.slice(BASE_PROFILE.length) : undefined;
    // A custom profile as target: its type is not known here, so accept anything rather than reject wrongly.
    if (!type || type === 'Resource') return null;
    types.add(type);
  }
  return types;
}
