/**
 * The demo region (src/demo/data/demo-region.bundle.json) checked as if each resource claimed its ROR profile: what
 * it would take for the demo to claim them. Locations, Practitioners and PractitionerRoles conform; the gaps are
 * listed here so that a change to the demo or to the profiles shows up.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { rorValidator } from '../../helpers/validation';
import { readRorConformance } from '../../../src/ror/profiles';
import { COMMUNE_COG, ROR_SD } from './helpers';

const demo = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../src/demo/data/demo-region.bundle.json'), 'utf8'),
) as Bundle;

describe('the demo region against the ROR profiles', () => {
  let gaps: Map<string, number>;

  beforeAll(() => {
    const { profiles } = readRorConformance().summary;
    gaps = new Map();
    for (const e of demo.entry ?? []) {
      const resource = e.resource as Resource;
      const oo = rorValidator().outcome(resource, { profiles: [profiles[resource.resourceType]] });
      for (const issue of oo.issue ?? []) {
        if (issue.severity !== 'error') continue;
        const key = `${resource.resourceType} ${issue.expression?.[0]}: ${issue.diagnostics}`;
        gaps.set(key, (gaps.get(key) ?? 0) + 1);
      }
    }
  });

  it('has only these gaps', () => {
    const count = (type: string) => demo.entry?.filter((e) => e.resource?.resourceType === type).length;
    const contact = `${ROR_SD}/ror-healthcareservice-contact`;
    expect(Object.fromEntries(gaps)).toEqual({
      [`HealthcareService HealthcareService.extension('${contact}'): Extension ${contact} is required (1..1) and missing`]:
        count('HealthcareService'),
      [`Organization Organization.extension('${COMMUNE_COG}'): Extension ${COMMUNE_COG} is required (1..1) and missing`]:
        count('Organization'),
      'Organization Organization.type: Missing required element (minimum cardinality not met)': 3,
    });
  });
});
