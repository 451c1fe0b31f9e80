/**
 * Content negotiation: JSON only. https://hl7.org/fhir/R4/http.html#mime-type
 * `_format` overrides Accept; XML and other formats are refused with 406 (response) or 415 (request body).
 */
import { FhirError } from '../errors';
import type { FhirRequest } from '../fhir/context';
import { parseJsonDocument } from '../fhir/json-text';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
export const PLAIN_JSON = 'application/json; charset=utf-8';

/** Text bodies passed to operations as they are (CSV uploads of bed capacity). */
const TEXT_FORMATS = new Set(['text/csv']);

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir', 'text/json']);

/** The response content type for this request, or a 406 when the client accepts no JSON. */
export function responseContentType(accept: string | undefined, format: string | undefined): string {
  if (format !== undefined) {
    const f = format.trim().toLowerCase().split(';')[0];
    if (!JSON_FORMATS.has(f)) {
      throw new FhirError(406, `_format=${format} is not supported: this server speaks JSON only (_format=json)`, 'not-supported');
    }
    return f === 'application/json' ? PLAIN_JSON : FHIR_JSON;
  }
  if (!accept || accept === '*/*' || accept.startsWith('application/fhir+json')) return FHIR_JSON;
  let best: string | undefined;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q && Number(q.slice(2)) === 0) continue;
    if (type === 'application/fhir+json' || type === 'application/json+fhir' || type === '*/*' || type === 'application/*') {
      return FHIR_JSON;
    }
    if (type === 'application/json' || type === 'text/json') best ??= PLAIN_JSON;
  }
  if (best) return best;
  throw new FhirError(
    406,
    `Accept: ${accept} cannot be served: this server answers application/fhir+json (or application/json) only`,
    'not-supported',
  );
}

/** Decodes a request body according to its Content-Type; 415 for anything but JSON (and forms on _search). */
export function decodeBody(contentType: string | undefined, raw: Buffer): FhirRequest['body'] {
  if (!raw.length) return undefined;
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (!type) {
    throw new FhirError(415, 'the request has a body but no Content-Type: send application/fhir+json', 'not-supported');
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { kind: 'form', value: [...new URLSearchParams(raw.toString('utf8'))] };
  }
  if (TEXT_FORMATS.has(type)) return { kind: 'text', contentType: type, value: raw.toString('utf8') };
  const kind = type === 'application/json-patch+json' ? 'json-patch' : JSON_FORMATS.has(type) ? 'resource' : undefined;
  if (!kind) {
    const xml = type.includes('xml');
    throw new FhirError(
      415,
      `Content-Type ${type} is not supported${xml ? ' (no XML here)' : ''}: send application/fhir+json, or application/json-patch+json for a JSON Patch`,
      'not-supported',
    );
  }
  return { kind, value: parseJson(raw) };
}

function parseJson(raw: Buffer): unknown {
  return parseJsonDocument(raw);
}

/** Reads `Prefer` (https://hl7.org/fhir/R4/http.html#ops, https://hl7.org/fhir/R4/search.html#errors). */
export function parsePrefer(header: string | undefined): Pick<FhirRequest, 'preferReturn' | 'strict' | 'respondAsync'> {
  if (!header) return {};
  const out: Pick<FhirRequest, 'preferReturn' | 'strict' | 'respondAsync'> = {};
  for (const part of header.split(/[,;]/)) {
    const [k, v] = part.trim().split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'OperationOutcome')) out.preferReturn = v;
    if (k === 'handling') out.strict = v === 'strict';
    if (k === 'respond-async') out.respondAsync = true;
  }
  return out;
}
