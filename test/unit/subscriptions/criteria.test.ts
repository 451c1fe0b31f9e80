import { matchPlan, parseCriteria as parseWith } from '../../../src/subscriptions/criteria';
import { FhirError } from '../../../src/errors';
import { testSearchContext } from '../../helpers/indexing';

const parseCriteria = (criteria: unknown) => parseWith(testSearchContext(), criteria);

function refusal(criteria: unknown): string {
  try {
    parseCriteria(criteria);
  } catch (err) {
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(422);
    expect((err as FhirError).outcome.issue[0].expression).toEqual(['Subscription.criteria']);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${String(criteria)}`);
}

test('a search on one type is planned once, without paging or sort', () => {
  const parsed = parseCriteria('Location?address-city=Lyon&status=active');
  expect(parsed.resourceType).toBe('Location');
  expect(parsed.plan).toMatchObject({ resourceTypes: ['Location'], sort: [], count: 1, total: 'none' });
  expect(parsed.plan.where).toHaveLength(2);
  expect(matchPlan(parsed, 'abc').where).toEqual([...parsed.plan.where, { kind: 'id', ids: ['abc'] }]);
  // The parsed plan is not changed by matching.
  expect(parsed.plan.where).toHaveLength(2);
});

test('a bare type watches every change of that type; _id, _lastUpdated, _has and chains are criteria too', () => {
  expect(parseCriteria('Location').plan.where).toEqual([]);
  expect(parseCriteria('Location?').plan.where).toEqual([]);
  expect(parseCriteria('Location?_id=a,b').plan.where).toHaveLength(1);
  expect(parseCriteria('Location?organization.name=Nord').plan.where).toHaveLength(1);
  expect(parseCriteria('Organization?_has:Location:organization:address-city=Lyon').plan.where).toHaveLength(1);
});

test('what the server cannot evaluate exactly is refused', () => {
  expect(refusal(undefined)).toMatch(/required/);
  expect(refusal('')).toMatch(/required/);
  expect(refusal('?name=x')).toMatch(/resource type/);
  expect(refusal('Unknown?name=x')).toMatch(/resource type/);
  expect(refusal('location?name=x')).toMatch(/resource type/);
  expect(refusal('http://other/Location?name=x')).toMatch(/resource type/);
  expect(refusal('Subscription?status=active')).toMatch(/cannot watch Subscription/);
  expect(refusal('Location?unknown-param=1')).toMatch(/unknown-param/);
  expect(refusal('Location?address-city:nonsense=1')).toMatch(/nonsense/);
  expect(refusal('Location?near=not-a-point')).toMatch(/near/);
  expect(refusal('Location?name=x&_count=5')).toMatch(/_count/);
  expect(refusal('Location?name=x&_include=Location:organization')).toMatch(/_include/);
  expect(refusal('Location?_sort=name')).toMatch(/_sort/);
});
