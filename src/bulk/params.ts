/**
 * The kick-off parameters of a bulk export, https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters: from the
 * query of `GET /$export` / `GET /[type]/$export`, or the Parameters body of a `POST`. Anything this server does
 * not support, or a malformed value, is a 400 with an OperationOutcome naming the parameter (the spec asks servers
 * to refuse parameters they do not support rather than export something else than what was asked).
 */
import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../errors';
import { isKnownResourceType } from '../definitions';
import type { FhirRequest } from '../fhir/context';

/** The `_outputFormat` values accepted (all the same NDJSON of FHIR resources). */
export const OUTPUT_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];

/** Search parameters a `_typeFilter` may not carry: paging, sorting, shaping and includes belong to the export. */
const RESULT_PARAMS = new Set(['_count', '_sort', '_include', '_revinclude', '_summary', '_elements', '_cursor', '_total', '_contained', '_containedType', '_type', '_format']);

export interface ExportParameters {
  /** Types asked for (`_type`, or the type of a type-level kick-off); undefined: every type the caller may read. */
  types?: string[];
  /** Only resources changed after this instant (ISO 8601 with milliseconds, UTC). */
  since?: string;
  /** Per type, the search queries whose results are exported (ORed); a type without any exports all its resources. */
  typeFilters: Record<string, [string, string][][]>;
  outputFormat: string;
}

const INSTANT = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;

/** The raw parameters of the request, whichever way they came: name → values, in order. */
function rawParameters(req: FhirRequest): [string, string][] {
  if (req.method !== 'POST') return req.query;
  const body = req.body;
  if (!body) return req.query;
  if (body.kind === 'form') return [...req.query, ...body.value];
  if (body.kind !== 'resource' || (body.value as { resourceType?: string })?.resourceType !== 'Parameters') {
    throw badRequest('a POST $export takes a Parameters resource as its body');
  }
  const out: [string, string][] = [...req.query];
  for (const p of (body.value as Parameters).parameter ?? []) {
    const name = p.name ?? '';
    const value = p.valueString ?? p.valueInstant ?? p.valueDateTime ?? p.valueCode ?? p.valueUri ?? p.valueCanonical;
    if (value === undefined) throw badRequest(`Parameters: '${name}' needs a string value (valueString, valueInstant, valueCode)`, [`Parameters.parameter`]);
    out.push([name, String(value)]);
  }
  return out;
}

/** Reads and checks the kick-off parameters; `type` is the type of a type-level kick-off. */
export function parseExportParameters(req: FhirRequest, type: string | undefined): ExportParameters {
  if (!req.respondAsync) {
    throw badRequest("$export is asynchronous: send the header 'Prefer: respond-async' (https://hl7.org/fhir/uv/bulkdata/export.html#headers)");
  }
  let types: string[] | undefined = type ? [type] : undefined;
  let since: string | undefined;
  let outputFormat = OUTPUT_FORMATS[0];
  const filters: string[] = [];
  for (const [name, value] of rawParameters(req)) {
    switch (name) {
      case '_type': {
        const listed = value.split(',').map((t) => t.trim()).filter(Boolean);
        if (!listed.length) throw badRequest('_type: give one or more resource types, comma-separated', ['_type']);
        for (const t of listed) if (!isKnownResourceType(t)) throw badRequest(`_type: unknown resource type '${t}'`, ['_type']);
        if (type && listed.some((t) => t !== type)) throw badRequest(`_type: /${type}/$export exports ${type} only`, ['_type']);
        types = [...new Set([...(types && !type ? types : []), ...listed])];
        break;
      }
      case '_since':
        if (!INSTANT.test(value)) throw badRequest(`_since: '${value}' is not a FHIR instant (e.g. 2024-05-01T00:00:00Z)`, ['_since']);
        since = new Date(value).toISOString();
        break;
      case '_outputFormat':
        if (!OUTPUT_FORMATS.includes(value)) throw badRequest(`_outputFormat: '${value}' is not supported (supported: ${OUTPUT_FORMATS.join(', ')})`, ['_outputFormat']);
        outputFormat = value;
        break;
      case '_typeFilter':
        filters.push(...splitFilters(value));
        break;
      default:
        throw badRequest(`$export does not support the parameter '${name}' (it takes _type, _since, _typeFilter, _outputFormat)`, [name]);
    }
  }
  const typeFilters: ExportParameters['typeFilters'] = {};
  for (const filter of filters) {
    const q = filter.indexOf('?');
    const filterType = q < 0 ? filter : filter.slice(0, q);
    if (!isKnownResourceType(filterType)) throw badRequest(`_typeFilter: '${filter}' does not start with a resource type and '?'`, ['_typeFilter']);
    if (q < 0 || q === filter.length - 1) throw badRequest(`_typeFilter: '${filter}' has no search parameters after '?'`, ['_typeFilter']);
    if (types && !types.includes(filterType)) throw badRequest(`_typeFilter: ${filterType} is not one of the exported types (_type)`, ['_typeFilter']);
    const params = [...new URLSearchParams(filter.slice(q + 1))];
    for (const [k] of params) {
      if (RESULT_PARAMS.has(k.split(':')[0])) throw badRequest(`_typeFilter: '${k}' cannot be used in an export filter`, ['_typeFilter']);
    }
    (typeFilters[filterType] ??= []).push(params);
  }
  return { types, since, typeFilters, outputFormat };
}

/**
 * A `_typeFilter` value holds one or more queries separated by commas; a comma inside a query's values is escaped
 * (`%2C`, as the spec asks), so a comma followed by a resource type and `?` starts the next one.
 */
function splitFilters(value: string): string[] {
  return value
    .split(/,(?=[A-Z][A-Za-z]*\?)/)
    .map((f) => f.trim())
    .filter(Boolean);
}
