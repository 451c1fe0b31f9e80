import { isHostAllowed, parseChannel, parseHeaderLine } from '../../../src/subscriptions/channel';
import { FhirError } from '../../../src/errors';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

test('allowed hosts: exact names, *.domain for subdomains, * for any', () => {
  expect(isHostAllowed('127.0.0.1', LOOPBACK)).toBe(true);
  expect(isHostAllowed('[::1]', LOOPBACK)).toBe(true);
  expect(isHostAllowed('LocalHost', LOOPBACK)).toBe(true);
  expect(isHostAllowed('10.0.0.1', LOOPBACK)).toBe(false);
  expect(isHostAllowed('api.viatrajectoire.fr', ['*.viatrajectoire.fr'])).toBe(true);
  expect(isHostAllowed('viatrajectoire.fr', ['*.viatrajectoire.fr'])).toBe(false);
  expect(isHostAllowed('evilviatrajectoire.fr', ['*.viatrajectoire.fr'])).toBe(false);
  expect(isHostAllowed('anything.example', ['*'])).toBe(true);
  expect(isHostAllowed('x', [])).toBe(false);
});

test('header lines are Name: value, on one line, never the headers the client owns', () => {
  expect(parseHeaderLine('Authorization: Bearer a:b')).toEqual(['Authorization', 'Bearer a:b']);
  expect(parseHeaderLine('X-Empty:')).toEqual(['X-Empty', '']);
  expect(parseHeaderLine('no colon')).toBeUndefined();
  expect(parseHeaderLine(': value')).toBeUndefined();
  expect(parseHeaderLine('Bad Name: x')).toBeUndefined();
  expect(parseHeaderLine('X-A: x\r\nX-B: y')).toBeUndefined();
  expect(parseHeaderLine('Host: evil')).toBeUndefined();
  expect(parseHeaderLine('content-length: 5')).toBeUndefined();
  expect(parseHeaderLine(42)).toBeUndefined();
});

function refusal(channel: unknown, hosts = LOOPBACK): string {
  try {
    parseChannel({ channel } as never, hosts);
  } catch (err) {
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(422);
    return err instanceof Error ? err.message : '';
  }
  throw new Error('accepted');
}

test('a rest-hook channel is parsed', () => {
  expect(
    parseChannel(
      { channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9999/hook', payload: 'application/fhir+json; fhirVersion=4.0', header: ['A: 1'] } },
      LOOPBACK,
    ),
  ).toEqual({ endpoint: 'http://127.0.0.1:9999/hook', payload: 'application/fhir+json', headers: [['A', '1']] });
  expect(parseChannel({ channel: { type: 'rest-hook', endpoint: 'https://localhost/x' } }, LOOPBACK)).toEqual({
    endpoint: 'https://localhost/x',
    payload: undefined,
    headers: [],
  });
});

test('channels the server cannot or must not serve are refused with a 422', () => {
  expect(refusal(undefined)).toMatch(/channel is required/);
  expect(refusal({ type: 'email', endpoint: 'mailto:a@b.fr' })).toMatch(/rest-hook/);
  expect(refusal({ type: 'rest-hook' })).toMatch(/absolute/);
  expect(refusal({ type: 'rest-hook', endpoint: '/relative' })).toMatch(/absolute/);
  expect(refusal({ type: 'rest-hook', endpoint: 'file:///etc/passwd' })).toMatch(/http or https/);
  expect(refusal({ type: 'rest-hook', endpoint: 'http://user:pw@127.0.0.1/' })).toMatch(/credentials/);
  expect(refusal({ type: 'rest-hook', endpoint: 'http://169.254.169.254/latest' })).toMatch(/not allowed.*ROR_SUBSCRIPTION_ALLOWED_HOSTS/);
  expect(refusal({ type: 'rest-hook', endpoint: 'http://127.0.0.1/', payload: 'text/plain' })).toMatch(/payload/);
  expect(refusal({ type: 'rest-hook', endpoint: 'http://127.0.0.1/', header: ['ok: 1', 'Transfer-Encoding: chunked'] })).toMatch(/header\[1\]/);
});
