/**
 * Value set expansion (https://hl7.org/fhir/R4/valueset.html#compose): every form the Terminology computes locally,
 * and "not expandable", with a reason, for what it cannot - never a partial list.
 */
import type { CodeSystem, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import { Terminology, type Expansion, type TerminologyResource } from '../../../src/terminology/terminology';

const CS = 'urn:test:cs';
const OTHER = 'urn:test:other';

/**
 * A          kind=group
 *   A1       kind=leaf
 *     A1a
 *   A2       status=retired
 * B          kind=leaf
 * C          inactive
 */
function codeSystem(extra: Partial<CodeSystem> = {}): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    url: CS,
    status: 'active',
    content: 'complete',
    concept: [
      {
        code: 'A',
        display: 'Group A',
        property: [{ code: 'kind', valueCode: 'group' }],
        concept: [
          { code: 'A1', property: [{ code: 'kind', valueCode: 'leaf' }], concept: [{ code: 'A1a' }] },
          { code: 'A2', property: [{ code: 'status', valueCode: 'retired' }] },
        ],
      },
      { code: 'B', definition: 'b', designation: [{ value: 'bee' }], property: [{ code: 'kind', valueCode: 'leaf' }] },
      { code: 'C', property: [{ code: 'inactive', valueBoolean: true }] },
    ],
    ...extra,
  };
}

const other: CodeSystem = {
  resourceType: 'CodeSystem',
  url: OTHER,
  status: 'active',
  content: 'complete',
  concept: [{ code: 'x' }, { code: 'y' }],
};

function valueSet(url: string, compose: ValueSet['compose'], extra: Partial<ValueSet> = {}): ValueSet {
  return { resourceType: 'ValueSet', url, status: 'active', compose, ...extra };
}

/** A value set of one include, expanded with the test code systems. */
function expandInclude(include: ValueSetComposeInclude, more: TerminologyResource[] = []): Expansion {
  return terminology(valueSet('urn:vs', { include: [include] }), ...more).expand('urn:vs');
}

function terminology(...resources: TerminologyResource[]): Terminology {
  return new Terminology({ resources: [codeSystem(), other, ...resources], r4Base: false });
}

/** The `system|code` pairs of an expansion, or `not expandable: <reason>` / `unknown: <reason>`. */
function pairs(e: Expansion): string[] | string {
  if (e.kind !== 'expanded') return `${e.kind}: ${e.reason}`;
  return e.codes.pairs().map((p) => `${p.system === CS ? '' : `${p.system}|`}${p.code}`);
}

describe('compose.include', () => {
  it('takes a whole complete code system, every level of its hierarchy', () => {
    expect(pairs(expandInclude({ system: CS }))).toEqual(['A', 'A1', 'A1a', 'A2', 'B', 'C']);
  });

  it('takes enumerated concepts, even of a code system it does not hold', () => {
    expect(pairs(expandInclude({ system: 'urn:unknown', concept: [{ code: 'z', display: 'Z' }] }))).toEqual(['urn:unknown|z']);
  });

  it('refuses a whole code system it does not hold, or holds incomplete', () => {
    expect(pairs(expandInclude({ system: 'urn:unknown' }))).toBe('not-expandable: code system urn:unknown is not known to this server');
    const fragment = codeSystem({ url: 'urn:fragment', content: 'fragment' });
    expect(pairs(expandInclude({ system: 'urn:fragment' }, [fragment]))).toBe(
      'not-expandable: code system urn:fragment is not held complete by this server (content: fragment)',
    );
  });

  it('refuses an include of concepts without a system, or of nothing', () => {
    expect(pairs(expandInclude({ system: '', concept: [{ code: 'a' }] }))).toMatch(/^not-expandable: .*without a system/);
    expect(pairs(expandInclude({}))).toMatch(/^not-expandable: .*neither a system nor a value set/);
  });

  it('adds up several includes, each code once', () => {
    const vs = valueSet('urn:vs', { include: [{ system: CS, concept: [{ code: 'B' }] }, { system: OTHER }, { system: CS, concept: [{ code: 'B' }, { code: 'A' }] }] });
    expect(pairs(terminology(vs).expand('urn:vs'))).toEqual(['B', 'A', `${OTHER}|x`, `${OTHER}|y`]);
  });
});

describe('compose.include.filter', () => {
  const filter = (property: string, op: string, value: string) => expandInclude({ system: CS, filter: [{ property, op, value } as any] });

  it.each([
    ['concept', 'is-a', 'A', ['A', 'A1', 'A1a', 'A2']],
    ['concept', 'is-a', 'A1', ['A1', 'A1a']],
    ['concept', 'is-a', 'Z', []],
    ['concept', 'descendent-of', 'A', ['A1', 'A1a', 'A2']],
    ['concept', 'is-not-a', 'A', ['B', 'C']],
    ['concept', '=', 'B', ['B']],
    ['code', '=', 'A1a', ['A1a']],
    ['kind', '=', 'leaf', ['A1', 'B']],
    ['inactive', '=', 'true', ['C']],
    ['concept', 'in', 'A1, B,Z', ['A1', 'B']],
    ['code', 'not-in', 'A1,B', ['A', 'A1a', 'A2', 'C']],
    ['code', 'regex', 'A[0-9].*', ['A1', 'A1a', 'A2']],
    ['concept', 'regex', 'A', ['A']],
  ])('%s %s %s', (property, op, value, expected) => {
    expect(pairs(filter(property, op, value))).toEqual(expected);
  });

  it('ANDs several filters, in the code system order', () => {
    const e = expandInclude({ system: CS, filter: [{ property: 'kind', op: '=', value: 'leaf' }, { property: 'concept', op: 'is-a', value: 'A' }] });
    expect(pairs(e)).toEqual(['A1']);
  });

  it.each([
    ['concept', 'exists', 'true'],
    ['concept', 'generalizes', 'A1'],
    ['kind', 'regex', 'l.*'],
    ['kind', 'is-a', 'leaf'],
  ])('refuses what it cannot compute locally: %s %s', (property, op, value) => {
    expect(pairs(filter(property, op, value))).toBe(`not-expandable: filter '${property} ${op}' on code system ${CS} is not supported`);
  });

  it('refuses an invalid regex, and a filter on a code system it does not hold', () => {
    expect(pairs(filter('code', 'regex', 'A('))).toMatch(/^not-expandable: filter regex 'A\(' is not a valid regular expression/);
    expect(pairs(expandInclude({ system: 'urn:unknown', filter: [{ property: 'concept', op: 'is-a', value: 'A' }] }))).toBe(
      'not-expandable: code system urn:unknown is not known to this server',
    );
  });

  it('refuses a hierarchy filter where nesting is not is-a, or parents are properties', () => {
    const partOf = codeSystem({ url: 'urn:part-of', hierarchyMeaning: 'part-of' });
    expect(pairs(expandInclude({ system: 'urn:part-of', filter: [{ property: 'concept', op: 'is-a', value: 'A' }] }, [partOf]))).toBe(
      'not-expandable: the hierarchy of code system urn:part-of is part-of, not is-a',
    );
    const flat = codeSystem({ url: 'urn:flat', concept: [{ code: 'P' }, { code: 'Q', property: [{ code: 'parent', valueCode: 'P' }] }] });
    expect(pairs(expandInclude({ system: 'urn:flat', filter: [{ property: 'concept', op: 'descendent-of', value: 'P' }] }, [flat]))).toMatch(
      /^not-expandable: code system urn:flat gives its hierarchy as parent\/child properties/,
    );
    // Other filters on such a code system are computed.
    expect(pairs(expandInclude({ system: 'urn:flat', filter: [{ property: 'parent', op: '=', value: 'P' }] }, [flat]))).toEqual(['urn:flat|Q']);
  });

  it('refuses concepts and filters in one include (vsd-3)', () => {
    const e = expandInclude({ system: CS, concept: [{ code: 'B' }], filter: [{ property: 'concept', op: 'is-a', value: 'A' }] });
    expect(pairs(e)).toMatch(/^not-expandable: .*both concepts and filters/);
  });
});

describe('compose.exclude', () => {
  const withExclude = (exclude: ValueSetComposeInclude, ...more: TerminologyResource[]) =>
    pairs(terminology(valueSet('urn:vs', { include: [{ system: CS }, { system: OTHER }], exclude: [exclude] }), ...more).expand('urn:vs'));

  it('subtracts concepts', () => {
    expect(withExclude({ system: CS, concept: [{ code: 'A' }, { code: 'C' }, { code: 'Z' }] })).toEqual(['A1', 'A1a', 'A2', 'B', `${OTHER}|x`, `${OTHER}|y`]);
  });

  it('subtracts a whole system, held or not', () => {
    expect(withExclude({ system: CS })).toEqual([`${OTHER}|x`, `${OTHER}|y`]);
    const vs = valueSet('urn:vs', { include: [{ system: 'urn:unknown', concept: [{ code: 'z' }] }, { system: OTHER }], exclude: [{ system: 'urn:unknown' }] });
    expect(pairs(terminology(vs).expand('urn:vs'))).toEqual([`${OTHER}|x`, `${OTHER}|y`]);
  });

  it('subtracts a filter', () => {
    expect(withExclude({ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'A1' }] })).toEqual(['A', 'A2', 'B', 'C', `${OTHER}|x`, `${OTHER}|y`]);
  });

  it('subtracts a value set', () => {
    const small = valueSet('urn:small', { include: [{ system: CS, concept: [{ code: 'B' }] }, { system: OTHER, concept: [{ code: 'y' }] }] });
    expect(withExclude({ valueSet: ['urn:small'] }, small)).toEqual(['A', 'A1', 'A1a', 'A2', 'C', `${OTHER}|x`]);
  });

  it('is not expandable when what it subtracts is not', () => {
    expect(withExclude({ system: CS, filter: [{ property: 'concept', op: 'exists', value: 'true' }] })).toMatch(/^not-expandable: filter 'concept exists'/);
    expect(withExclude({ valueSet: ['urn:nowhere'] })).toBe('not-expandable: value set urn:nowhere is not known to this server');
  });
});

describe('compose.include.valueSet', () => {
  const leaves = valueSet('urn:leaves', { include: [{ system: CS, filter: [{ property: 'kind', op: '=', value: 'leaf' }] }] });
  const groupA = valueSet('urn:group-a', { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'A' }] }] });

  it('imports the codes of a value set', () => {
    expect(pairs(expandInclude({ valueSet: ['urn:leaves'] }, [leaves]))).toEqual(['A1', 'B']);
  });

  it('intersects several value sets of one include', () => {
    expect(pairs(expandInclude({ valueSet: ['urn:leaves', 'urn:group-a'] }, [leaves, groupA]))).toEqual(['A1']);
  });

  it('intersects a system part with the value sets of the same include', () => {
    expect(pairs(expandInclude({ system: CS, concept: [{ code: 'B' }, { code: 'A2' }], valueSet: ['urn:leaves'] }, [leaves]))).toEqual(['B']);
    expect(pairs(expandInclude({ system: OTHER, valueSet: ['urn:leaves'] }, [leaves]))).toEqual([]);
  });

  it('adds up value sets imported by separate includes', () => {
    const vs = valueSet('urn:vs', { include: [{ valueSet: ['urn:leaves'] }, { valueSet: ['urn:group-a'] }] });
    expect(pairs(terminology(vs, leaves, groupA).expand('urn:vs'))).toEqual(['A1', 'B', 'A', 'A1a', 'A2']);
  });

  it('is not expandable when an imported value set is unknown or not expandable, and says why', () => {
    expect(pairs(expandInclude({ valueSet: ['urn:nowhere'] }))).toBe('not-expandable: value set urn:nowhere is not known to this server');
    const bad = valueSet('urn:bad', { include: [{ system: CS, filter: [{ property: 'concept', op: 'generalizes', value: 'A1' }] }] });
    expect(pairs(expandInclude({ valueSet: ['urn:leaves', 'urn:bad'] }, [leaves, bad]))).toBe(
      `not-expandable: filter 'concept generalizes' on code system ${CS} is not supported`,
    );
  });

  it('detects cycles', () => {
    const one = valueSet('urn:one', { include: [{ system: CS, concept: [{ code: 'B' }] }, { valueSet: ['urn:two'] }] });
    const two = valueSet('urn:two', { include: [{ valueSet: ['urn:one'] }] });
    const self = valueSet('urn:self', { include: [{ system: CS }], exclude: [{ valueSet: ['urn:self'] }] });
    const t = terminology(one, two, self);
    expect(pairs(t.expand('urn:one'))).toBe('not-expandable: value sets import each other: urn:one → urn:two → urn:one');
    expect(pairs(t.expand('urn:two'))).toBe('not-expandable: value sets import each other: urn:one → urn:two → urn:one');
    expect(pairs(t.expand('urn:self'))).toBe('not-expandable: value sets import each other: urn:self → urn:self');
  });
});

describe('expansion.contains', () => {
  it('takes the stored expansion, nested entries included, abstract ones skipped', () => {
    const vs = valueSet('urn:vs', undefined, {
      expansion: {
        timestamp: '2026-01-01',
        contains: [
          { system: CS, code: 'A', abstract: true, contains: [{ system: CS, code: 'A1' }, { system: CS, code: 'A2', contains: [{ system: OTHER, code: 'x' }] }] },
          { system: CS, code: 'B', inactive: true },
        ],
      },
    });
    expect(pairs(terminology(vs).expand('urn:vs'))).toEqual(['A1', 'A2', 'B', `${OTHER}|x`]);
  });

  it('refuses a page of an expansion', () => {
    const vs = valueSet('urn:vs', undefined, { expansion: { timestamp: '2026-01-01', total: 10, contains: [{ system: CS, code: 'A' }] } });
    expect(pairs(terminology(vs).expand('urn:vs'))).toBe('not-expandable: the expansion stored in value set urn:vs is partial (1 of 10 codes)');
  });
});

describe('inactive codes', () => {
  it('are in the value set unless compose.inactive is false', () => {
    const all = valueSet('urn:all', { include: [{ system: CS }] });
    const active = valueSet('urn:active', { inactive: false, include: [{ system: CS }, { system: CS, concept: [{ code: 'C' }] }] });
    const t = terminology(all, active);
    expect(pairs(t.expand('urn:all'))).toEqual(['A', 'A1', 'A1a', 'A2', 'B', 'C']);
    expect(pairs(t.expand('urn:active'))).toEqual(['A', 'A1', 'A1a', 'B']);
  });
});

describe('canonicals', () => {
  const v1 = valueSet('urn:versioned', { include: [{ system: CS, concept: [{ code: 'A' }] }] }, { version: '1' });
  const v2 = valueSet('urn:versioned', { include: [{ system: CS, concept: [{ code: 'B' }] }] }, { version: '2' });

  it('url|version names one version; the url alone the latest given', () => {
    const t = terminology(v1, v2);
    expect(pairs(t.expand('urn:versioned|1'))).toEqual(['A']);
    expect(pairs(t.expand('urn:versioned|2'))).toEqual(['B']);
    expect(pairs(t.expand('urn:versioned'))).toEqual(['B']);
    expect(pairs(t.expand('urn:versioned|3'))).toBe('unknown: value set urn:versioned|3 is not known to this server (versions held: 1, 2)');
  });

  it('a resource without version answers for any version', () => {
    expect(pairs(terminology(valueSet('urn:vs', { include: [{ system: OTHER }] })).expand('urn:vs|9.9'))).toEqual([`${OTHER}|x`, `${OTHER}|y`]);
  });

  it('include.version selects the code system version', () => {
    const cs1 = { ...other, version: '1', concept: [{ code: 'old' }] };
    const cs2 = { ...other, version: '2' };
    const vs = (version?: string) => valueSet(`urn:vs${version ?? ''}`, { include: [{ system: OTHER, version }] });
    const t = new Terminology({ resources: [cs1, cs2, vs('1'), vs('2'), vs(), vs('3')], r4Base: false });
    expect(pairs(t.expand('urn:vs1'))).toEqual([`${OTHER}|old`]);
    expect(pairs(t.expand('urn:vs2'))).toEqual([`${OTHER}|x`, `${OTHER}|y`]);
    expect(pairs(t.expand('urn:vs'))).toEqual([`${OTHER}|x`, `${OTHER}|y`]);
    expect(pairs(t.expand('urn:vs3'))).toBe(`not-expandable: code system ${OTHER} version 3 is not known to this server`);
  });

  it('a code system URL used as a value set stands for all its codes', () => {
    expect(pairs(terminology().expand(`${OTHER}|1.0`))).toEqual([`${OTHER}|x`, `${OTHER}|y`]);
    const fragment = codeSystem({ url: 'urn:fragment', content: 'fragment' });
    expect(pairs(terminology(fragment).expand('urn:fragment'))).toMatch(/^not-expandable: code system urn:fragment is not held complete/);
  });

  it('an unknown canonical is unknown', () => {
    expect(pairs(terminology().expand('urn:nowhere'))).toBe('unknown: value set urn:nowhere is not known to this server');
  });
});

describe('Terminology', () => {
  it('holds the R4 value sets and code systems unless told not to', () => {
    const t = new Terminology();
    expect(t.codes('http://hl7.org/fhir/ValueSet/contact-point-system|4.0.1')?.codes()).toEqual(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);
    expect(t.isValueSet('http://hl7.org/fhir/ValueSet/contact-point-system')).toBe(true);
    expect(new Terminology({ r4Base: false }).expand('http://hl7.org/fhir/ValueSet/contact-point-system').kind).toBe('unknown');
  });

  it('finds ANS code systems by short name, from code systems and from the systems value sets include', () => {
    const tre = 'https://mos.esante.gouv.fr/NOS/TRE_R330-TypeStatutCapacite/FHIR/TRE-R330-TypeStatutCapacite';
    const onlyInValueSet = 'https://mos.esante.gouv.fr/NOS/TRE_R211-ActiviteOperationnelle/FHIR/TRE-R211-ActiviteOperationnelle';
    const t = terminology({ ...other, url: tre }, valueSet('urn:jdv', { include: [{ system: onlyInValueSet, concept: [{ code: '1' }] }] }));
    expect(t.codeSystemForAlias('TRE_R330')).toBe(tre);
    expect(t.codeSystemForAlias('TRE_R211')).toBe(onlyInValueSet);
    expect(t.codeSystemForAlias('TRE_R999')).toBeUndefined();
  });

  it('can be rebuilt from its options (what another thread receives), without displays or designations', () => {
    const vs = valueSet('urn:vs', { include: [{ system: CS, filter: [{ property: 'kind', op: '=', value: 'leaf' }] }] });
    const t = terminology(vs);
    const options = structuredClone(t.options());
    const copy = new Terminology(options);
    expect(pairs(copy.expand('urn:vs'))).toEqual(pairs(t.expand('urn:vs')));
    expect(JSON.stringify(options)).not.toMatch(/display|designation|definition|bee/);
  });
});
