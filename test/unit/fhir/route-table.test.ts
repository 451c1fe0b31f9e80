/** The route table: the most specific pattern wins, a known path with another method is a 405 naming the others. */
import { RouteTable, type RouteHandler } from '../../../src/fhir/route-table';
import type { FhirContext, FhirMethod, FhirRequest } from '../../../src/fhir/context';
import { FhirError } from '../../../src/errors';

const calls: string[] = [];
const handler =
  (name: string): RouteHandler =>
  async (_ctx, _req, params) => {
    calls.push(`${name} ${JSON.stringify(params)}`);
    return { status: 200 };
  };

const table = new RouteTable().add(
  { method: 'GET', pattern: '', handler: handler('search-system') },
  { method: 'POST', pattern: '', handler: handler('bundle') },
  { method: 'GET', pattern: 'metadata', handler: handler('metadata') },
  { method: 'GET', pattern: ':type', handler: handler('search') },
  { method: 'GET', pattern: ':type/_history', handler: handler('history-type') },
  { method: 'GET', pattern: ':type/:id', handler: handler('read') },
  { method: 'PUT', pattern: ':type/:id', handler: handler('update') },
  { method: 'GET', pattern: ':type/:id/_history/:vid', handler: handler('vread') },
  { method: 'ANY', pattern: ':type/:id/$op', handler: handler('operation') },
);

// A view that admits every request: these tests are about routing (admission: test/security).
const ctx = { store: {}, kernel: {}, actor: { kind: 'anonymous' }, view: { admit: () => undefined } } as unknown as FhirContext;
const send = (method: FhirMethod, path: string) => {
  const req: FhirRequest = { method, path: path.split('/').filter(Boolean), query: [], headers: {} };
  return table.dispatch(ctx, req);
};
const failure = async (method: FhirMethod, path: string) => {
  try {
    await send(method, path);
  } catch (err) {
    if (err instanceof FhirError) return { status: err.status, allow: err.headers.Allow, message: err.message };
    throw err;
  }
  throw new Error(`${method} /${path} was answered`);
};

beforeEach(() => (calls.length = 0));

test('each path reaches its handler with its parameters; literals and operations win over ids', async () => {
  await send('GET', '');
  await send('GET', 'metadata');
  await send('GET', 'Patient');
  await send('GET', 'Patient/_history');
  await send('GET', 'Patient/p1');
  await send('HEAD', 'Patient/p1');
  await send('GET', 'Patient/p1/_history/2');
  await send('POST', 'Location/l1/$set-capacity');
  expect(calls).toEqual([
    'search-system {}',
    'metadata {}',
    'search {"type":"Patient"}',
    'history-type {"type":"Patient"}',
    'read {"type":"Patient","id":"p1"}',
    'read {"type":"Patient","id":"p1"}',
    'vread {"type":"Patient","id":"p1","vid":"2"}',
    'operation {"type":"Location","id":"l1","operation":"set-capacity"}',
  ]);
});

test('another method on a known path is a 405 listing the allowed ones, in registration order', async () => {
  expect(await failure('DELETE', '')).toMatchObject({ status: 405, allow: 'GET, POST' });
  expect(await failure('POST', 'Patient/p1')).toMatchObject({ status: 405, allow: 'GET, PUT' });
  expect(await failure('POST', 'metadata')).toMatchObject({ status: 405, allow: 'GET' });
});

test('an unknown resource type is a 404 before any method check; an unknown path is a 404', async () => {
  expect(await failure('POST', 'Nope/1')).toMatchObject({ status: 404, message: "unknown resource type 'Nope'" });
  expect(await failure('GET', 'Patient/p1/nothing')).toMatchObject({ status: 404, message: 'no FHIR endpoint at /Patient/p1/nothing' });
  expect(await failure('GET', 'Patient/p1/_history/2/more')).toMatchObject({ status: 404 });
  expect(calls).toEqual([]);
});

test('a pattern registered twice for one method is refused', () => {
  expect(() => new RouteTable().add({ method: 'GET', pattern: ':type', handler: handler('a') }, { method: 'GET', pattern: ':type', handler: handler('b') })).toThrow(
    /registered twice/,
  );
  expect(() => new RouteTable().add({ method: 'GET', pattern: ':nope', handler: handler('a') })).toThrow(/unknown parameter/);
});
