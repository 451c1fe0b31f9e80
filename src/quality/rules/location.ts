/**
 * Where a Location is: without a position (latitude/longitude) it is missing from every map and distance search;
 * without a commune (the `ror-commune-cog` extension, or an INSEE code or city in its address) it cannot be
 * placed in a territory. Inactive Locations are not judged.
 */
import type { Location } from '@medplum/fhirtypes';
import type { Rule } from './types';

const COMMUNE_COG = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-commune-cog';
const INSEE_CODE = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code';

const label = (l: Location) => l.name ?? `Location/${l.id}`;

export const LOCATION_NO_POSITION: Rule<Location> = {
  id: 'loc-no-position',
  type: 'Location',
  theme: '01',
  action: 'AJO',
  check: ({ resource }) => {
    if (resource.status === 'inactive') return [];
    const p = resource.position;
    if (p && Number.isFinite(p.latitude) && Number.isFinite(p.longitude)) return [];
    return [{ path: 'Location.position', description: `Le lieu « ${label(resource)} » n'a pas de position géographique (latitude, longitude).` }];
  },
};

export const LOCATION_NO_COMMUNE: Rule<Location> = {
  id: 'loc-no-commune',
  type: 'Location',
  theme: '01',
  action: 'AJO',
  check: ({ resource }) => {
    if (resource.status === 'inactive') return [];
    const cog = (resource.extension ?? []).some((e) => e.url === COMMUNE_COG);
    const address = resource.address;
    const insee = (address?.extension ?? []).some((e) => e.url === INSEE_CODE);
    if (cog || insee || address?.city?.trim()) return [];
    return [{ path: 'Location.address', description: `Le lieu « ${label(resource)} » n'a pas de commune (code COG ou commune de l'adresse).` }];
  },
};
