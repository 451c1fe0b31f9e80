/**
 * A small fixed region for the indicator tests, written through the kernel: establishments, units, bed zones with
 * dated capacity, data-quality Tasks and audit events, all dated relative to AT (the reference instant). The
 * expected figures are worked out by hand in test/quality/measures-values.test.ts.
 */
import type { Resource } from '@medplum/fhirtypes';
import { systemActor, type Actor } from '../../src/kernel/actor';
import type { TestServer } from '../helpers/app';

export const AT = Date.parse('2025-06-15T12:00:00Z');
const H = 3_600_000;
const D = 24 * H;
export const iso = (t: number) => new Date(t).toISOString();

const FINESS = 'https://finess.esante.gouv.fr';
const TYPE = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203';
const R30 = 'https://mos.esante.gouv.fr/NOS/TRE_R30-RegionOM/FHIR/TRE-R30-RegionOM';
const R211 = 'https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle';
const CAP = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
const tre = (id: string) => `https://mos.esante.gouv.fr/NOS/${id}/FHIR/${id.replace('_', '-')}`;
const THEME = 'https://mos.esante.gouv.fr/NOS/JDV_J241-ThematiqueAnomalie-ROR/FHIR/JDV-J241-ThematiqueAnomalie-ROR';

function org(id: string, finess: string, kind: 'FINEG' | 'FINEJ', postalCode: string, extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: 'Organization',
    id,
    identifier: [{ system: FINESS, value: finess, type: { coding: [{ system: TYPE, code: kind }] } }],
    name: `Établissement ${id}`,
    active: true,
    address: [{ postalCode, city: 'Ville' }],
    ...extra,
  } as Resource;
}
const tag = (code: string) => ({ meta: { tag: [{ system: R30, code }] } });

function unit(id: string, orgId: string, activity: string | undefined, locations: string[], active = true): Resource {
  return {
    resourceType: 'HealthcareService',
    id,
    active,
    name: `Unité ${id}`,
    providedBy: { reference: `Organization/${orgId}` },
    ...(activity ? { specialty: [{ coding: [{ system: R211, code: activity }] }] } : {}),
    ...(locations.length ? { location: locations.map((l) => ({ reference: `Location/${l}` })) } : {}),
  } as Resource;
}

function capacity(status: string, n: number, updated: number) {
  const cc = (field: string, system: string, code: string) => ({ url: field, valueCodeableConcept: { coding: [{ system: tre(system), code }] } });
  return {
    url: CAP,
    extension: [
      cc('capacityType', 'TRE_R329-NatureCapacite', '01'),
      cc('capacityStatus', 'TRE_R330-TypeStatutCapacite', status),
      cc('temporalityCapacity', 'TRE_R331-TemporaliteCapacite', '01'),
      cc('capacitySourceType', 'TRE_R335-TypeSourceCapacite', '01'),
      cc('temporaryAssignement', 'TRE_R337-AffectationTemporaire', '01'),
      { url: 'nbCapacity', valueInteger: n },
      { url: 'capacityUpdateDate', valueDateTime: iso(updated) },
    ],
  };
}

function zone(id: string, caps: ReturnType<typeof capacity>[]): Resource {
  return { resourceType: 'Location', id, status: 'active', name: `Zone ${id}`, ...(caps.length ? { extension: caps } : {}) } as Resource;
}

function task(id: string, owner: string, theme: string, status: string, authored: number, end?: number): Resource {
  return {
    resourceType: 'Task',
    id,
    status,
    intent: 'order',
    code: { coding: [{ system: THEME, code: theme, display: theme === '01' ? 'Exactitude' : 'Complétude' }] },
    focus: { reference: `Organization/${owner}` },
    owner: { reference: `Organization/${owner}` },
    authoredOn: iso(authored),
    lastModified: iso(end ?? authored),
    ...(end ? { executionPeriod: { end: iso(end) } } : {}),
  } as Resource;
}

function audit(id: string, recorded: number, agent: { altId?: string; name?: string; who: string; finess?: string }): Resource {
  return {
    resourceType: 'AuditEvent',
    id,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    action: 'R',
    recorded: iso(recorded),
    outcome: '0',
    agent: [
      {
        who: { display: agent.who },
        requestor: true,
        ...(agent.altId ? { altId: agent.altId } : {}),
        ...(agent.name ? { name: agent.name } : {}),
        ...(agent.finess ? { role: [{ coding: [{ system: FINESS, code: agent.finess }] }] } : {}),
      },
    ],
    source: { observer: { display: 'ROR FHIR server' } },
  } as Resource;
}

export const FINESS_A = '010000024';

export const OFFER: Resource[] = [
  org('ej1', '010780054', 'FINEJ', '01440', tag('84')),
  org('a', FINESS_A, 'FINEG', '01440', { partOf: { reference: 'Organization/ej1' } }), // dept 01, region 84 from its EJ's tag
  org('b', '010000032', 'FINEG', '01000', tag('84')), // dept 01, no unit
  org('c', '690000011', 'FINEG', '69003'), // dept 69 → region 84 from the department
  org('d', '690000029', 'FINEG', '69007', { active: false }), // closed: not counted
  org('e', '250000700', 'FINEG', '25300', tag('27')), // another region
  zone('l1', [capacity('01', 20, AT - 2 * H), capacity('02', 5, AT - 1 * H)]),
  zone('l2', [capacity('01', 10, AT - 30 * H), capacity('02', 2, AT - 30 * H), capacity('05', 3, AT - 30 * H)]),
  zone('l3', []),
  zone('l4', [capacity('01', 50, AT - 1 * H)]),
  zone('l5', [capacity('01', 7, AT - 1 * H)]),
  unit('u1', 'a', '157', ['l1']),
  unit('u2', 'a', '226', ['l2']),
  unit('u3', 'c', undefined, []),
  unit('u4', 'c', '157', ['l3']),
  unit('u5', 'c', '157', ['l4'], false), // inactive: not counted
  unit('u6', 'e', '157', ['l5']),
];

export const TASKS: Resource[] = [
  task('t1', 'a', '01', 'requested', AT - 3 * D),
  task('t2', 'c', '01', 'in-progress', AT - 20 * D),
  task('t3', 'b', '02', 'requested', AT - 40 * D),
  task('t4', 'a', '02', 'completed', AT - 50 * H, AT - 2 * H),
  task('t5', 'c', '01', 'completed', AT - 10 * D, AT - 1 * D),
  task('t6', 'e', '01', 'requested', AT - 1 * D),
  task('t7', 'a', '01', 'cancelled', AT - 30 * D, AT - 10 * D),
];

export const AUDIT: Resource[] = [
  audit('e1', AT - 2 * D, { altId: 'client:viatrajectoire', name: 'ViaTrajectoire', who: 'client:viatrajectoire (consumer)' }),
  audit('e2', AT - 2 * D + H, { altId: 'client:viatrajectoire', name: 'ViaTrajectoire', who: 'client:viatrajectoire (consumer)' }),
  audit('e3', AT - 1 * D, { altId: 'client:viatrajectoire', name: 'ViaTrajectoire', who: 'client:viatrajectoire (consumer)' }),
  audit('e4', AT - 1 * D, { altId: 'user:marie', name: 'Marie Curie', who: 'user:marie (establishment)', finess: FINESS_A }),
  audit('e5', AT - 1 * D, { who: 'system:sync' }),
  audit('e6', AT - 10 * D, { altId: 'client:x', who: 'client:x (consumer)' }),
];

/** Writes the region through the kernel: the offer and tasks as `actor`, the audit events as the audit trail does. */
export async function writeRegion(t: TestServer, actor: Actor): Promise<void> {
  const { kernel } = t.server;
  await kernel.transaction(t.store, actor, async (tx) => {
    for (const r of [...OFFER, ...TASKS]) await tx.put(r as Resource & { id: string });
  });
  await kernel.transaction(t.store, systemActor('audit'), async (tx) => {
    for (const r of AUDIT) await tx.put(r as Resource & { id: string });
  });
}
