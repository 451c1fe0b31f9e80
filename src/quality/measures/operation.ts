/**
 * `$evaluate-measure` (https://hl7.org/fhir/R4/measure-operation-evaluate-measure.html) on `Measure/[id]`, GET with
 * query parameters or POST with a Parameters body (or a form): `periodStart`, `periodEnd` (default: the 24 hours
 * before now), `subject` (required: `Organization/[id]`, `region/[code]` or `department/[code]`, ./subject.ts),
 * `reportType` (only `summary`). Computes the indicator, stores the MeasureReport through the kernel as the
 * caller (the write policy decides who may: analysts and administrators, an establishment for its own subject),
 * and answers it (201, with its Location), so trends are read back with
 * `GET /MeasureReport?measure=<url>&subject:identifier=<system>|<code>&_sort=date`.
 */
import type { Parameters } from '@medplum/fhirtypes';
import { badRequest, gone, notFound } from '../../errors';
import { create } from '../../fhir/interactions/create';
import type { OperationDefinitionSummary } from '../../fhir/operations';
import { SERVER_CANONICAL_BASE } from '../../canonical';
import { evaluate, type MeasureDeps } from './evaluate';
import { parsePeriod } from './period';
import { parseSubject, resolveSubject } from './subject';

const ACCEPTED = ['periodStart', 'periodEnd', 'subject', 'reportType'];

/** The operation's parameters, from the query (GET), a form or a Parameters body (POST). */
function readParameters(call: Parameters['parameter'] | undefined, query: [string, string][]): Map<string, string> {
  const out = new Map<string, string>();
  const add = (name: string, value: string | undefined) => {
    if (!ACCEPTED.includes(name)) throw badRequest(`$evaluate-measure does not take '${name}' (it takes ${ACCEPTED.join(', ')})`, [name]);
    if (out.has(name)) throw badRequest(`${name} is given more than once`, [name]);
    if (value === undefined || value.trim() === '') throw badRequest(`${name} has no value`, [name]);
    out.set(name, value);
  };
  for (const [k, v] of query) if (!k.startsWith('_')) add(k, v);
  for (const p of call ?? []) add(p.name ?? '', p.valueDateTime ?? p.valueDate ?? p.valueString ?? p.valueCode ?? p.valueReference?.reference);
  return out;
}

export function evaluateMeasureOperation(deps: Omit<MeasureDeps, 'reader' | 'search'>): OperationDefinitionSummary {
  return {
    name: 'evaluate-measure',
    definition: 'http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure',
    levels: ['instance'],
    resourceTypes: ['Measure'],
    methods: ['GET', 'POST'],
    run: async (ctx, call) => {
      const body = call.req.body;
      let params: Map<string, string>;
      if (body?.kind === 'resource') {
        const p = body.value as Parameters;
        if (p?.resourceType !== 'Parameters') throw badRequest('$evaluate-measure takes a Parameters body (or query parameters)');
        params = readParameters(p.parameter, call.req.query);
      } else if (body?.kind === 'form') params = readParameters(undefined, [...call.req.query, ...body.value]);
      else if (body) throw badRequest('$evaluate-measure takes a Parameters body (or query parameters)');
      else params = readParameters(undefined, call.req.query);

      const reportType = params.get('reportType') ?? 'summary';
      if (reportType !== 'summary') throw badRequest(`reportType '${reportType}' is not supported: indicators are summary reports`, ['reportType']);
      const rawSubject = params.get('subject');
      if (!rawSubject) throw badRequest('subject is required: Organization/[id], region/[TRE_R30 code] or department/[INSEE code]', ['subject']);
      const now = (deps.now ?? Date.now)();
      const period = parsePeriod(params.get('periodStart'), params.get('periodEnd'), now);
      const id = call.id!;
      const stored = await call.reader.read('Measure', id);
      if (!stored) throw notFound(`Measure/${id} does not exist`);
      if (stored.deleted) throw gone(`Measure/${id} was deleted`);
      const subject = await resolveSubject(parseSubject(rawSubject), call.reader, deps.label);
      const report = await evaluate({ ...deps, reader: call.reader, search: ctx.kernel }, id, subject, period);
      const outcome = await call.write((tx) => create(tx, ctx.kernel, 'MeasureReport', report));
      return { status: 201, version: outcome.version, location: `MeasureReport/${outcome.version.id}/_history/${outcome.version.versionId}` };
    },
  };
}

export const MEASURE_CANONICAL_BASE = `${SERVER_CANONICAL_BASE}/Measure`;
