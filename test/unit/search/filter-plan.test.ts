/**
 * `_filter` compiled into a SearchPlan (src/fhir/search/filter.ts through planSearch): each test means what the
 * plain criterion written for it means (same conditions), logic and chains become and / or / not / chain
 * conditions, and what the server cannot do is a 400 naming the operator and its position. Token `:below` /
 * `:above` on a code system with an is-a hierarchy.
 */
import type { CodeSystem } from '@medplum/fhirtypes';
import { planSearch, type PlanOptions, type SearchContext } from '../../../src/fhir/search/plan';
import { FhirError } from '../../../src/errors';
import type { Condition } from '../../../src/store/search-plan';
import { Terminology } from '../../../src/terminology/terminology';
import { readRorConformance } from '../../../src/ror/profiles';
import { testSearchContext } from '../../helpers/indexing';

const SYSTEM = 'http://example.org/CodeSystem/offer-kind';
/** A small hierarchy: care > (acute > (icu, emergency), rehab > emergency); housing (no children). emergency has two parents. */
const offerKinds: CodeSystem = {
  resourceType: 'CodeSystem',
  url: SYSTEM,
  status: 'active',
  content: 'complete',
  hierarchyMeaning: 'is-a',
  concept: [
    {
      code: 'care',
      concept: [
        { code: 'acute', concept: [{ code: 'icu' }, { code: 'emergency' }] },
        { code: 'rehab', concept: [{ code: 'emergency' }] },
      ],
    },
    { code: 'housing' },
  ],
};
const FLAT = 'http://example.org/CodeSystem/flat';
const flat: CodeSystem = { resourceType: 'CodeSystem', url: FLAT, status: 'active', content: 'complete', concept: [{ code: 'a' }, { code: 'b' }] };
const PARENTS = 'http://example.org/CodeSystem/by-property';
const byProperty: CodeSystem = {
  resourceType: 'CodeSystem',
  url: PARENTS,
  status: 'active',
  content: 'complete',
  property: [{ code: 'parent', type: 'code' }],
  concept: [{ code: 'a' }, { code: 'b', property: [{ code: 'parent', valueCode: 'a' }] }],
};

const base = testSearchContext();
const ctx: SearchContext = {
  registry: base.registry,
  terminology: new Terminology({ resources: [...readRorConformance().terminology, offerKinds, flat, byProperty] }),
};
const opts: PlanOptions = { defaultCount: 20, maxCount: 100, strict: false, baseUrl: 'http://fhir.test' };

function where(type: string, params: [string, string][], options: Partial<PlanOptions> = {}): Condition[] {
  return planSearch(ctx, [type], params, { ...opts, ...options }).plan.where;
}

/** The conditions of `_filter=filter` and of the plain query meaning the same. */
function same(type: string, filter: string, plain: [string, string][]): void {
  const plainWhere = where(type, plain);
  const filtered = where(type, [['_filter', filter]]);
  expect(filtered).toEqual([plainWhere.length === 1 ? plainWhere[0] : { kind: 'and', conditions: plainWhere }]);
}

function refusal(type: string, filter: string, options: Partial<PlanOptions> = {}): { status: number; code: string; message: string } {
  try {
    where(type, [['_filter', filter]], options);
  } catch (e) {
    if (!(e instanceof FhirError)) throw e;
    const issue = e.outcome.issue[0];
    return { status: e.status, code: issue.code, message: issue.diagnostics! };
  }
  throw new Error(`'${filter}' was planned`);
}

describe('each test is the plain criterion meaning the same', () => {
  test('strings: co, sw, eq and ne (whole value, case and accents ignored), escapes kept as values', () => {
    same('Organization', 'name co "bourg"', [['name:contains', 'bourg']]);
    same('Organization', 'name sw "Hôpital"', [['name', 'Hôpital']]);
    const equals = (v: string) => ({ ...where('Organization', [['name', v]])[0], mode: 'equals' });
    expect(where('Organization', [['_filter', 'name eq "CH de Bourg"']])).toEqual([equals('CH de Bourg')]);
    expect(where('Organization', [['_filter', 'name ne "A"']])).toEqual([{ kind: 'not', condition: equals('A') }]);
    // a comma, a bar, a dollar and a backslash are the value's own characters, not separators
    expect(where('Organization', [['_filter', 'name eq "a,b|c$d\\\\e"']])).toEqual([
      { kind: 'string', code: 'name', mode: 'equals', values: ['a,b|c$d\\e'] },
    ]);
  });
  test('tokens: eq, ne, in, ni, system|code, ANS short names', () => {
    same('Organization', 'active eq true', [['active', 'true']]);
    same('Organization', 'identifier eq http://finess.sante.gouv.fr|750000001', [['identifier', 'http://finess.sante.gouv.fr|750000001']]);
    same('Organization', 'identifier ne |x', [['identifier:not', '|x']]);
    same('Location', 'status in http://hl7.org/fhir/ValueSet/location-status', [['status:in', 'http://hl7.org/fhir/ValueSet/location-status']]);
    same('Location', 'status ni http://hl7.org/fhir/ValueSet/location-status', [['status:not-in', 'http://hl7.org/fhir/ValueSet/location-status']]);
    same('Organization', 'type eq TRE_R66|355', [['type', 'TRE_R66|355']]);
  });
  test('dates, numbers, quantities: the operator is the prefix', () => {
    for (const op of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']) {
      same('Organization', `_lastUpdated ${op} 2020-01-01`, [['_lastUpdated', `${op}2020-01-01`]]);
      same('Observation', `date ${op} 2020-01-01T10:00:00Z`, [['date', `${op}2020-01-01T10:00:00Z`]]);
      same('RiskAssessment', `probability ${op} 0.5`, [['probability', `${op}0.5`]]);
      same('Observation', `value-quantity ${op} 5.4|http://unitsofmeasure.org|mg`, [['value-quantity', `${op}5.4|http://unitsofmeasure.org|mg`]]);
    }
  });
  test('references: eq and re, ne; uri: eq, ne, ss (below), sb (above)', () => {
    same('HealthcareService', 'organization re Organization/o1', [['organization', 'Organization/o1']]);
    same('HealthcareService', 'organization eq http://fhir.test/Organization/o1', [['organization', 'Organization/o1']]);
    expect(where('HealthcareService', [['_filter', 'organization ne o1']])).toEqual([
      { kind: 'not', condition: where('HealthcareService', [['organization', 'o1']])[0] },
    ]);
    same('ValueSet', 'url eq http://x/vs', [['url', 'http://x/vs']]);
    same('ValueSet', 'url ss http://x/', [['url:below', 'http://x/']]);
    same('ValueSet', 'url sb http://x/vs/a', [['url:above', 'http://x/vs/a']]);
  });
  test('pr: :missing, on any type', () => {
    same('Organization', 'address-city pr true', [['address-city:missing', 'false']]);
    same('Organization', 'partof pr false', [['partof:missing', 'true']]);
    same('Organization', 'active PR TRUE', [['active:missing', 'false']]);
  });
  test('_id, _text, _content', () => {
    same('Organization', '_id eq o1', [['_id', 'o1']]);
    same('Organization', '_id ne o1', [['_id:not', 'o1']]);
    same('Organization', '_content co "urgences"', [['_content', 'urgences']]);
  });
  test('chains through reference parameters, and [filter] on a step', () => {
    same('HealthcareService', 'organization.name sw "CH"', [['organization.name', 'CH']]);
    same('HealthcareService', 'location.organization.active eq true', [['location.organization.active', 'true']]);
    expect(where('HealthcareService', [['_filter', 'organization[active eq true].name co "x"']])).toEqual([
      {
        kind: 'chain',
        code: 'organization',
        targetTypes: ['Organization'],
        where: [
          { kind: 'token', code: 'active', values: [{ code: 'true' }] },
          { kind: 'string', code: 'name', mode: 'contains', values: ['x'] },
        ],
      },
    ]);
  });
  test('ss / sb on tokens: :below / :above', () => {
    same('HealthcareService', `service-type ss ${SYSTEM}|acute`, [['service-type:below', `${SYSTEM}|acute`]]);
    same('HealthcareService', `service-type sb ${SYSTEM}|icu`, [['service-type:above', `${SYSTEM}|icu`]]);
  });
});

describe('logic', () => {
  const name = (v: string): Condition => ({ kind: 'string', code: 'name', mode: 'contains', values: [v] });
  test('and, or, not, left to right', () => {
    expect(where('Organization', [['_filter', 'name co a or name co b and not (name co c)']])).toEqual([
      { kind: 'and', conditions: [{ kind: 'or', conditions: [name('a'), name('b')] }, { kind: 'not', condition: name('c') }] },
    ]);
  });
  test('_filter is ANDed with the other parameters, and several _filter with each other', () => {
    expect(where('Organization', [['active', 'true'], ['_filter', 'name co a or name co b'], ['_filter', 'not (name co c)']])).toEqual([
      { kind: 'token', code: 'active', values: [{ code: 'true' }] },
      { kind: 'or', conditions: [name('a'), name('b')] },
      { kind: 'not', condition: name('c') },
    ]);
  });
  test('conditions on one element group joined by and are matched on one element, as plain parameters are', () => {
    const plain = where('Location', [['capacity-type', 'TRE_R329|01'], ['capacity-status', 'TRE_R330|02']]);
    expect(plain).toHaveLength(1);
    expect(plain[0].kind).toBe('same-element');
    same('Location', 'capacity-type eq TRE_R329|01 and capacity-status eq TRE_R330|02', [
      ['capacity-type', 'TRE_R329|01'],
      ['capacity-status', 'TRE_R330|02'],
    ]);
  });
});

describe('refusals: a 400 naming the operator or parameter, and the position', () => {
  test('operators this server does not run', () => {
    expect(refusal('Organization', 'name ew "bourg"')).toEqual({
      status: 400,
      code: 'invalid',
      message:
        "_filter: operator 'ew' (ends with) is not supported by this server: strings are indexed for equality, prefixes and substrings, not suffixes (use 'co'), at position 6 (near 'ew \"bourg\"')",
    });
    expect(refusal('Organization', '_lastUpdated po 2020').message).toBe(
      "_filter: operator 'po' (periods overlap) is not supported by this server, at position 14 (near 'po 2020')",
    );
  });
  test('operators that do not apply to the type of the parameter', () => {
    expect(refusal('Organization', 'active co t').message).toBe(
      "_filter: operator 'co' does not apply to token parameter 'active' (it takes eq, ne, in, ni, ss, sb, pr), at position 8 (near 'co t')",
    );
    expect(refusal('Organization', 'name gt m').message).toMatch(/operator 'gt' does not apply to string parameter 'name'/);
    expect(refusal('Organization', '_lastUpdated co 2020').message).toMatch(/operator 'co' does not apply to date parameter '_lastUpdated'/);
    expect(refusal('HealthcareService', 'organization sw Org').message).toMatch(/operator 'sw' does not apply to reference parameter/);
    expect(refusal('Location', 'near eq 1|2').message).toMatch(/special parameters such as 'near' cannot be used in a filter/);
    expect(refusal('Observation', 'code-value-quantity eq x').message).toMatch(/composite parameters such as 'code-value-quantity'/);
    expect(refusal('Organization', '_id co x').message).toMatch(/'_id' takes the operators 'eq' and 'ne' only/);
    expect(refusal('Organization', '_text eq x').message).toMatch(/'_text' takes the operator 'co' only/);
  });
  test('unknown parameters are refused, never ignored, even without strict handling', () => {
    expect(refusal('Organization', 'name co a or nope eq b').message).toBe(
      "_filter: unknown parameter 'nope' for Organization, at position 14 (near 'nope eq b')",
    );
    expect(refusal('Organization', '_has eq x').message).toMatch(/'_has' cannot be used in a filter test, at position 1/);
  });
  test('chains: only through reference parameters, to a parameter of the targets, within ROR_MAX_CHAIN_DEPTH', () => {
    expect(refusal('HealthcareService', 'name.active eq true').message).toBe(
      "_filter: 'name' is a string parameter: only a reference parameter can be followed by '.' or '[…]', at position 1 (near 'name.active eq true')",
    );
    expect(refusal('HealthcareService', 'organization.nope eq x').message).toBe(
      "_filter: 'nope' is not a parameter of Organization, which 'organization' points to, at position 14 (near 'nope eq x')",
    );
    const limited = refusal('Location', 'partof.partof.partof.name eq x', { limits: { maxChainDepth: 2 } });
    expect(limited).toMatchObject({ status: 400, code: 'too-costly' });
    expect(limited.message).toMatch(/chains nest at most 2 levels \(ROR_MAX_CHAIN_DEPTH\), at position 15/);
  });
  test('bad values: the plain parameter’s message, at the test’s position', () => {
    expect(refusal('Organization', 'active eq true and _lastUpdated gt yesterday').message).toBe(
      "_filter: search parameter '_lastUpdated': 'gtyesterday' is not a valid date, at position 20 (near '_lastUpdated gt yesterday')",
    );
    expect(refusal('Organization', 'active pr yes').message).toMatch(/^_filter: 'pr' takes true or false, got 'yes', at position 1/);
    expect(refusal('Location', 'status in http://x/unknown-vs').message).toMatch(/value set 'http:\/\/x\/unknown-vs' is not known to this server, at position 1/);
  });
  test('every test counts against ROR_MAX_TOTAL_OR_VALUES', () => {
    const text = Array.from({ length: 6 }, (_, i) => `name co n${i}`).join(' or ');
    expect(refusal('Organization', text, { limits: { maxTotalOrValues: 5 } })).toMatchObject({ status: 400, code: 'too-costly' });
    expect(where('Organization', [['_filter', text]], { limits: { maxTotalOrValues: 6 } })).toHaveLength(1);
  });
  test('_filter takes no modifier', () => {
    expect(() => where('Organization', [['_filter:x', 'name co a']])).toThrow(/_filter takes no modifier/);
  });
});

describe('token :below / :above on a code system with an is-a hierarchy', () => {
  const codes = (params: [string, string][]) =>
    (where('HealthcareService', params)[0] as Extract<Condition, { kind: 'token' }>).values.map((v) => `${v.system === SYSTEM ? '' : v.system}|${v.code}`).sort();
  test(':below is the code and its descendants; :above the code and its ancestors; a system fixed', () => {
    expect(codes([['service-type:below', `${SYSTEM}|care`]])).toEqual(['|acute', '|care', '|emergency', '|icu', '|rehab']);
    expect(codes([['service-type:below', `${SYSTEM}|acute`]])).toEqual(['|acute', '|emergency', '|icu']);
    expect(codes([['service-type:below', `${SYSTEM}|housing`]])).toEqual(['|housing']);
    expect(codes([['service-type:above', `${SYSTEM}|icu`]])).toEqual(['|acute', '|care', '|icu']);
    expect(codes([['service-type:above', `${SYSTEM}|care`]])).toEqual(['|care']);
    expect(codes([['service-type:below', `${SYSTEM}|icu,${SYSTEM}|rehab`]])).toEqual(['|emergency', '|icu', '|rehab']);
    expect(codes([['service-type:above', `${SYSTEM}|emergency`]])).toEqual(['|acute', '|care', '|emergency', '|rehab']);
  });
  test('refused: no system, unknown system, no hierarchy, hierarchy as properties, unknown code', () => {
    const message = (value: string, modifier = 'below') => {
      try {
        where('HealthcareService', [[`service-type:${modifier}`, value]]);
      } catch (e) {
        return (e as FhirError).outcome.issue[0].diagnostics;
      }
      return 'planned';
    };
    expect(message('acute')).toBe("'service-type:below' expects system|code (the hierarchy is that of a code system), got 'acute'");
    expect(message(`${SYSTEM}|`)).toMatch(/expects system\|code/);
    expect(message('http://x/nope|a', 'above')).toBe("'service-type:above': code system http://x/nope is not known to this server");
    expect(message(`${FLAT}|a`)).toBe(`'service-type:below': code system ${FLAT} has no hierarchy here`);
    expect(message(`${PARENTS}|a`)).toBe(`'service-type:below': code system ${PARENTS} gives its hierarchy as parent/child properties`);
    expect(message(`${SYSTEM}|nope`)).toBe(`'service-type:below': code 'nope' is not in code system ${SYSTEM}`);
    // an ANS nomenclature held here: flat
    expect(message('TRE_R330|02')).toMatch(/TRE_R330-TypeStatutCapacite\/FHIR\/TRE-R330-TypeStatutCapacite has no hierarchy here$/);
  });
  test('an R4 base code system with nested concepts (condition-clinical)', () => {
    const plan = where('Condition', [['clinical-status:below', 'http://terminology.hl7.org/CodeSystem/condition-clinical|active']]);
    expect(plan).toEqual([
      {
        kind: 'token',
        code: 'clinical-status',
        values: ['active', 'recurrence', 'relapse'].map((code) => ({ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code })),
      },
    ]);
  });
});

test('any text: a plan or a FhirError, never another failure (seeded random expressions, mutated)', () => {
  const params = ['name', 'address-city', 'status', 'organization', 'organization.name', 'partof.partof.name', 'partof[name co x].status', '_id', '_text', '_lastUpdated', 'near', 'type', 'nope'];
  const ops = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr', 'po', 'ss', 'sb', 'in', 'ni', 're'];
  const values = ['"a b"', 'true', '2020-01-01', 'x|y', '|', 'http://terminology.hl7.org/CodeSystem/condition-clinical|active', '"\\u00e9\\""', '5.4', 'a,b', '\\', '$'];
  const noise = ['(', ')', '[', ']', '"', '\\', ' ', '.', 'not', 'and', '\u0000', 'é'];
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  const expression = (depth: number): string => {
    const r = random();
    if (depth < 3 && r < 0.2) return `not (${expression(depth + 1)})`;
    if (depth < 3 && r < 0.45) return `(${expression(depth + 1)} ${pick(['and', 'or', 'AND'])} ${expression(depth + 1)})`;
    return `${pick(params)} ${pick(ops)} ${pick(values)}`;
  };
  let planned = 0;
  for (let i = 0; i < 2000; i++) {
    let text = expression(0);
    if (random() < 0.5) {
      const at = Math.floor(random() * text.length);
      text = random() < 0.5 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + pick(noise) + text.slice(at);
    }
    try {
      where('Location', [['_filter', text]]);
      planned++;
    } catch (e) {
      expect([text, e instanceof FhirError && e.status === 400]).toEqual([text, true]);
    }
  }
  expect(planned).toBeGreaterThan(100);
});
