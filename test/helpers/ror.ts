/** ROR-like fixtures: a Location carrying bed-capacity entries (extension ror-location-supported-capacity). */
export const CAPACITY_URL = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-location-supported-capacity';
export const TRE = {
  type: 'https://mos.esante.gouv.fr/NOS/TRE_R329-NatureCapacite/FHIR/TRE-R329-NatureCapacite',
  status: 'https://mos.esante.gouv.fr/NOS/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite',
  temporality: 'https://mos.esante.gouv.fr/NOS/TRE_R331-TemporaliteCapacite/FHIR/TRE-R331-TemporaliteCapacite',
  gender: 'https://mos.esante.gouv.fr/NOS/TRE_R332-GenreCapacite/FHIR/TRE-R332-GenreCapacite',
};

export function capacity(status: string, gender: string, nb: number) {
  return {
    url: CAPACITY_URL,
    extension: [
      { url: 'capacityType', valueCoding: { system: TRE.type, code: '01' } },
      { url: 'capacityStatus', valueCoding: { system: TRE.status, code: status } },
      { url: 'temporalityCapacity', valueCoding: { system: TRE.temporality, code: '01' } },
      { url: 'genderCapacityAvailable', valueCoding: { system: TRE.gender, code: gender } },
      { url: 'nbCapacity', valueInteger: nb },
      { url: 'capacityUpdateDate', valueDateTime: '2026-11-20T10:00:00+01:00' },
    ],
  };
}

export function locationWithCapacity(id = 'loc-1') {
  return {
    resourceType: 'Location',
    id,
    name: 'SSR polyvalent — 2e étage',
    status: 'active',
    extension: [capacity('02', '01', 3), capacity('02', '02', 1)],
  };
}

/** The Parameters of `$set-capacity` for free beds now (bed type 01, temporality 01) of a gender (TRE_R332 code). */
export function freeBedsParameters(nbCapacity: number, gender = '01') {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'capacityType', valueCode: '01' },
      { name: 'capacityStatus', valueCode: '02' },
      { name: 'temporalityCapacity', valueCode: '01' },
      { name: 'genderCapacityAvailable', valueCode: gender },
      { name: 'nbCapacity', valueInteger: nbCapacity },
    ],
  };
}
