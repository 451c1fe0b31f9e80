/**
 * POST /Location/[id]/$set-capacity — set one capacity entry of a Location, for establishments without bed-management
 * software (a form posts it). Body: a Parameters whose parameters are named like the sub-extensions:
 * - capacityType, capacityStatus, temporalityCapacity (required), genderCapacityAvailable (optional: entries without
 *   gender exist), capacitySourceType, capacityClosingType, additionalBedType, crisisType, temporaryAssignement
 *   (optional): valueCoding (TRE system or none), valueCode, valueString or valueCodeableConcept;
 * - nbCapacity (required): valueInteger (or valueUnsignedInt, or a whole valueDecimal);
 * - capacityUpdateDate (optional): valueDateTime or valueInstant; default: now.
 *
 * The entry with the same type, status, temporality and gender (and the same qualifiers, for those given) is
 * replaced, else one is added (model.ts `upsertCapacity`); capacitySourceType defaults to 01 (saisie manuelle) and
 * temporaryAssignement to 01 (aucune), both 1..1 in the IG. The write goes through the normal update path
 * (validation, hooks, search index, notifications), in one transaction with the read, so concurrent calls never
 * lose an update; `If-Match` makes it conditional on the version the caller saw (412 otherwise).
 *
 * Answers 200 with the Location (ETag, Last-Modified); 400 for a malformed body (each issue names its parameter),
 * 404/410 for a missing or deleted Location, 412 for a stale If-Match, 422 when several entries match or the
 * resulting Location fails validation.
 */
import type { Location, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { SERVER_CANONICAL_BASE } from '../../canonical';
import { badRequest, FhirError, gone, notFound, unprocessable } from '../../errors';
import { update } from '../../fhir/interactions/update';
import type { OperationDefinitionSummary } from '../../fhir/operations';
import { checkIfMatch } from '../../fhir/versioning';
import { CODED_FIELDS, type CodedField, DEFAULT_CODES } from './codes';
import type { CapacityConfig } from './config';
import { readCode, readCount, readDateTime, type Read } from './inputs';
import { AmbiguousCapacityError, type CapacityInput, type CapacityRecord, upsertCapacity } from './model';

export const OPERATION_BASE = `${SERVER_CANONICAL_BASE}/OperationDefinition`;
const REQUIRED: readonly string[] = ['capacityType', 'capacityStatus', 'temporalityCapacity', 'nbCapacity'];
const ACCEPTED: readonly string[] = [...CODED_FIELDS, 'nbCapacity', 'capacityUpdateDate'];

function issue(diagnostics: string, expression: string) {
  return { severity: 'error' as const, code: 'invalid' as const, diagnostics, expression: [expression] };
}

function readCodedParameter(field: CodedField, p: ParametersParameter): Read<string> {
  if (p.valueCoding) {
    if (typeof p.valueCoding.code !== 'string') return { ok: false, message: `${field}: valueCoding has no code` };
    return readCode(field, p.valueCoding.code, p.valueCoding.system);
  }
  if (typeof p.valueCode === 'string') return readCode(field, p.valueCode);
  if (typeof p.valueString === 'string') return readCode(field, p.valueString);
  if (p.valueCodeableConcept) {
    const codings = p.valueCodeableConcept.coding ?? [];
    const chosen = codings.length === 1 ? codings[0] : codings.find((c) => c.system && readCode(field, c.code ?? '', c.system).ok);
    if (!chosen || typeof chosen.code !== 'string') return { ok: false, message: `${field}: valueCodeableConcept has no usable coding` };
    return readCode(field, chosen.code, chosen.system);
  }
  return { ok: false, message: `${field} takes a valueCoding or a valueCode` };
}

function readNbParameter(p: ParametersParameter): Read<number> {
  const raw = p.valueInteger ?? p.valueUnsignedInt ?? p.valueDecimal;
  if (raw === undefined) return { ok: false, message: 'nbCapacity takes a valueInteger' };
  return readCount(raw);
}

/** The capacity a $set-capacity body asks for; a 400 listing every problem, each naming its parameter. */
export function parseSetCapacity(body: unknown): CapacityInput {
  if (!body || typeof body !== 'object' || (body as Parameters).resourceType !== 'Parameters') {
    throw badRequest('$set-capacity needs a Parameters body (application/fhir+json) with capacityType, capacityStatus, temporalityCapacity and nbCapacity');
  }
  const params = (body as Parameters).parameter ?? [];
  const issues: ReturnType<typeof issue>[] = [];
  const input: CapacityRecord = {};
  const seen = new Set<string>();
  params.forEach((p, i) => {
    const where = `Parameters.parameter[${i}]`;
    const name = p?.name;
    if (typeof name !== 'string' || !ACCEPTED.includes(name)) {
      issues.push(issue(`unknown parameter ${JSON.stringify(name)}: $set-capacity accepts ${ACCEPTED.join(', ')}`, where));
      return;
    }
    if (seen.has(name)) {
      issues.push(issue(`${name} is given more than once`, where));
      return;
    }
    seen.add(name);
    let read: Read<string | number>;
    if (name === 'nbCapacity') read = readNbParameter(p);
    else if (name === 'capacityUpdateDate') {
      const v = p.valueDateTime ?? p.valueInstant;
      read = typeof v === 'string' ? readDateTime(v) : { ok: false, message: 'capacityUpdateDate takes a valueDateTime' };
    } else read = readCodedParameter(name as CodedField, p);
    if (!read.ok) issues.push(issue(read.message.startsWith(name) ? read.message : `${name}: ${read.message}`, where));
    else (input as Record<string, unknown>)[name] = read.value;
  });
  for (const name of REQUIRED) {
    if (!seen.has(name)) issues.push(issue(`${name} is required`, 'Parameters.parameter'));
  }
  if (issues.length) throw new FhirError(400, { resourceType: 'OperationOutcome', issue: issues });
  return input as CapacityInput;
}

/** The defaults of required sub-extensions for writes by people (see codes.ts DEFAULT_CODES). */
export function manualDefaults(config: CapacityConfig) {
  return {
    capacitySourceType: DEFAULT_CODES.capacitySourceType!,
    temporaryAssignement: DEFAULT_CODES.temporaryAssignement!,
    capacityUpdateDate: config.now().toISOString(),
  };
}

export function setCapacityOperation(config: CapacityConfig): OperationDefinitionSummary {
  return {
    name: 'set-capacity',
    definition: `${OPERATION_BASE}/Location-set-capacity`,
    levels: ['instance'],
    resourceTypes: ['Location'],
    methods: ['POST'],
    run: async (_ctx, call) => {
      if (call.req.body?.kind !== 'resource') {
        throw badRequest('$set-capacity needs a Parameters body (Content-Type: application/fhir+json)');
      }
      const input = parseSetCapacity(call.req.body.value);
      const id = call.id!;
      const ifMatch = call.req.headers.ifMatch;
      const outcome = await call.write(async (tx) => {
        const current = await tx.read('Location', id);
        if (!current) throw notFound(`Location/${id} does not exist`);
        if (current.deleted) throw gone(`Location/${id} was deleted`);
        checkIfMatch(ifMatch, current);
        let next: Location;
        try {
          next = upsertCapacity(JSON.parse(current.json) as Location, input, manualDefaults(config)).location;
        } catch (err) {
          if (err instanceof AmbiguousCapacityError) throw unprocessable(err.message);
          throw err;
        }
        return update(tx, 'Location', id, next, { ifMatch });
      });
      return { status: 200, version: outcome.version };
    },
  };
}
