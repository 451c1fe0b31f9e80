/**
 * The base-verdict cache (src/fhir/validation/shape-cache.ts) must never change a verdict: a resource shaped like
 * one that passed gets the verdict the full pass would give, values that invariants compare included.
 */
import { r4Validator } from '../../helpers/validation';
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Organization, Resource } from '@medplum/fhirtypes';
import { BaseVerdictCache } from '../../../src/fhir/validation';
import { isPresenceOnly, valueDependentNames } from '../../../src/fhir/validation/shape-cache';
import { loadDefinitions } from '../../../src/definitions';
import { location, organization } from './fixtures';

beforeAll(() => loadDefinitions());

function verdict(resource: unknown, cache: BaseVerdictCache | false): string {
  try {
    r4Validator().validateForWrite(resource, { expectedType: (resource as Resource).resourceType, cache });
    return 'valid';
  } catch (err) {
    return `invalid (${(err as { status?: number }).status}): ${(err as Error).message}`;
  }
}

/** Every variant of `res` where one primitive leaf (not `resourceType`) is replaced by `value`. */
function* mutations(res: unknown, value: unknown): Generator<unknown> {
  const leaves: string[][] = [];
  const visit = (v: unknown, at: string[]) => {
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (k !== 'resourceType') visit(x, [...at, k]);
    } else leaves.push(at);
  };
  visit(res, []);
  for (const at of leaves) {
    const copy = structuredClone(res) as Record<string, unknown>;
    let o = copy;
    for (const k of at.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[at[at.length - 1]] = value;
    yield copy;
  }
}

const demo = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../src/demo/data/demo-region.bundle.json'), 'utf8'),
) as Bundle;
const corpus: Resource[] = [organization(), location(), ...(demo.entry ?? []).map((e) => e.resource as Resource)];

describe('which invariants depend on values', () => {
  it.each([
    ['extension.exists() != value.exists()', true],
    ['(identifier.count() + name.count()) > 0', true],
    ['contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()', true],
    ['hasValue() or (children().count() > id.count())', true],
    ["where(use = 'home').empty()", false],
    ['duration.exists() implies duration >= 0', false],
    ['lastModified.exists().not() or authoredOn.exists().not() or lastModified >= authoredOn', false],
    ['htmlChecks()', false],
  ])('%s: presence only = %s', (expression, expected) => {
    expect(isPresenceOnly(expression)).toBe(expected);
  });

  it('finds the names the evaluated invariants of a type read, through its data types', () => {
    const org = valueDependentNames('Organization');
    expect(org.cacheable).toBe(true);
    // org-2/org-3 (address, telecom use), tim-4/tim-5/tim-9 (Timing, reachable through Extension.value[x]).
    for (const name of ['use', 'duration', 'period', 'when', 'offset', 'div']) expect(org.names).toContain(name);
    // Names only tested for presence stay out of the key: otherwise no two resources would share a shape.
    for (const name of ['value', 'system', 'code', 'name', 'id', 'reference']) expect(org.names).not.toContain(name);
  });
});

describe('base verdicts cached by shape', () => {
  it('caches clean verdicts: the second resource of a shape skips the full pass', () => {
    const cache = new BaseVerdictCache();
    const org = (name: string): Organization => ({ ...organization(), name });
    expect(verdict(org('CH de Bourg'), cache)).toBe('valid');
    expect(verdict(org('CH de Belley'), cache)).toBe('valid');
    expect(cache.stats).toEqual({ full: 1, cached: 1, shapes: 1 });
  });

  it('keeps the values an invariant compares: org-3 rejects a home telecom after a work one of the same shape', () => {
    const cache = new BaseVerdictCache();
    const org = (use: 'work' | 'home'): Organization => ({
      resourceType: 'Organization',
      name: 'CH',
      telecom: [{ system: 'phone', value: '0102030405', use }],
    });
    expect(verdict(org('work'), cache)).toBe('valid');
    expect(verdict(org('home'), cache)).toMatch(/^invalid \(400\).*org-3/);
  });

  it('keeps the sign of decimals an invariant compares (tim-4 on Timing.repeat.duration)', () => {
    const cache = new BaseVerdictCache();
    const org = (duration: number): Organization => ({
      resourceType: 'Organization',
      name: 'CH',
      extension: [{ url: 'http://example.org/opening', valueTiming: { repeat: { duration, durationUnit: 'h' } } }],
    });
    expect(verdict(org(1.5), cache)).toBe('valid');
    expect(verdict(org(-1.5), cache)).toMatch(/^invalid \(400\).*tim-4/);
  });

  it('never caches a resource with contained resources (dom-3 compares ids and references)', () => {
    const cache = new BaseVerdictCache();
    const org: Organization = {
      resourceType: 'Organization',
      name: 'CH',
      contained: [{ resourceType: 'Organization', id: 'ej', name: 'EJ' }],
      partOf: { reference: '#ej' },
    };
    expect(verdict(org, cache)).toBe('valid');
    expect(verdict(org, cache)).toBe('valid');
    expect(cache.stats).toMatchObject({ full: 2, cached: 0 });
    expect(verdict({ ...org, partOf: { reference: '#other' } }, cache)).toMatch(/^invalid \(400\).*dom-3/);
  });

  it('gives the verdict of the full pass on the demo region and ROR fixtures with one value broken at a time', () => {
    const cache = new BaseVerdictCache();
    for (const resource of corpus) expect(verdict(resource, cache)).toBe('valid');
    let compared = 0;
    let invalid = 0;
    const broken = ['', ' ', 'a  b', 'x\u0001y', '2026-02-30', '2026-13-01', 'not a url', 'home', 'urn:oid:1.2', -1, 0, 1.5, 2 ** 33, true];
    for (const resource of corpus.slice(0, 6)) {
      for (const bad of broken) {
        for (const m of mutations(resource, bad)) {
          const expected = verdict(m, false);
          // Same validity and status; messages may differ only when the full pass adds warnings.
          expect({ m, got: verdict(m, cache).slice(0, 13) }).toEqual({ m, got: expected.slice(0, 13) });
          compared++;
          if (expected !== 'valid') invalid++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(invalid).toBeGreaterThan(300);
    expect(cache.stats.cached).toBeGreaterThan(50);
  });

  it('is not used by $validate, which reports warnings too', () => {
    const wrongTarget = { ...organization(), partOf: { reference: 'Patient/1' } };
    r4Validator().validateForWrite({ ...organization(), partOf: { reference: 'Organization/1' } });
    const outcome = r4Validator().outcome(wrongTarget);
    expect(outcome.issue?.some((i) => /Patient/.test(i.diagnostics ?? ''))).toBe(true);
  });
});
