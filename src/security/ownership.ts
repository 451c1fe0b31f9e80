/**
 * Which establishments a resource of the offer belongs to, for the rights of establishment editors: an
 * Organization is its FINESS number's (and, when it is an establishment (ET) of a legal entity (EJ) through
 * `partOf`, also the EJ's: an EJ editor maintains its ETs); a HealthcareService belongs to whoever owns its
 * `providedBy` Organization, a Location to whoever owns its `managingOrganization`, a MeasureReport to whoever owns
 * its subject Organization, a data-quality Task to whoever owns its `owner` (the establishment it is addressed to).
 * References are followed inside the write's transaction (by id, or by a FINESS identifier on the reference).
 */
import type { Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { StoreReader } from '../store/store';

const FINESS_SYSTEMS = new Set(['https://finess.esante.gouv.fr', 'http://finess.sante.gouv.fr']);
/** idNatSt: `1` + FINESS for establishments (FR Core). */
const ID_NAT_ST = 'urn:oid:1.2.250.1.71.4.2.2';

export type Reader = Pick<StoreReader, 'read'>;

/** FINESS numbers an identifier list names (the FINESS system, or idNatSt `1`+FINESS). */
export function finessOf(identifiers: Identifier[] | undefined): string[] {
  const out: string[] = [];
  for (const id of identifiers ?? []) {
    if (!id.value) continue;
    if (id.system && FINESS_SYSTEMS.has(id.system)) out.push(id.value);
    else if (id.system === ID_NAT_ST && id.value.startsWith('1')) out.push(id.value.slice(1));
  }
  return out;
}

/** The FINESS numbers whose editors own `resource` (empty: nobody but analysts and administrators). */
export async function ownersOf(resource: Resource, reader: Reader): Promise<Set<string>> {
  switch (resource.resourceType) {
    case 'Organization':
      return organizationOwners(resource.identifier, resource.partOf, reader);
    case 'HealthcareService':
      return referencedOwners(resource.providedBy, reader);
    case 'Location':
      return referencedOwners(resource.managingOrganization, reader);
    case 'MeasureReport':
      // An indicator on an establishment is that establishment's; one on a territory is nobody's.
      return resource.subject?.reference ? referencedOwners({ reference: resource.subject.reference }, reader) : new Set();
    case 'Task':
      return referencedOwners(resource.owner, reader);
    default:
      return new Set();
  }
}

async function organizationOwners(identifier: Identifier[] | undefined, partOf: Reference | undefined, reader: Reader): Promise<Set<string>> {
  const owners = new Set(finessOf(identifier));
  // One level: an ET's EJ. An EJ has no partOf in FINESS; deeper chains are not the ROR's.
  if (partOf) {
    const parent = await organizationAt(partOf, reader);
    if (parent) for (const f of finessOf(parent.identifier)) owners.add(f);
    else for (const f of finessOf(partOf.identifier ? [partOf.identifier] : [])) owners.add(f);
  }
  return owners;
}

async function referencedOwners(ref: Reference | undefined, reader: Reader): Promise<Set<string>> {
  if (!ref) return new Set();
  const org = await organizationAt(ref, reader);
  if (org) return organizationOwners(org.identifier, org.partOf, reader);
  // A reference by identifier only names its establishment directly.
  return new Set(finessOf(ref.identifier ? [ref.identifier] : []));
}

async function organizationAt(ref: Reference, reader: Reader): Promise<(Resource & { resourceType: 'Organization' }) | undefined> {
  const m = /^(?:.*\/)?Organization\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/.*)?$/.exec(ref.reference ?? '');
  if (!m) return undefined;
  const v = await reader.read('Organization', m[1]);
  if (!v || v.deleted) return undefined;
  return JSON.parse(v.json);
}
