import { DEFAULT_ALLOWED_HOSTS, loadSubscriptionConfig } from '../../../src/subscriptions/config';

test('every setting has a default; hosts default to loopback only', () => {
  const c = loadSubscriptionConfig({});
  expect(c).toMatchObject({ maxAttempts: 12, backoffBaseMs: 2000, backoffMaxMs: 900_000, timeoutMs: 5000, concurrency: 4, pollMs: 1000 });
  expect(c.leaseMs).toBe(35_000);
  expect(c.allowedHosts).toEqual(DEFAULT_ALLOWED_HOSTS);
});

test('values are read from ROR_SUBSCRIPTION_* variables', () => {
  const c = loadSubscriptionConfig({
    ROR_SUBSCRIPTION_MAX_ATTEMPTS: '3',
    ROR_SUBSCRIPTION_BACKOFF_BASE_MS: '10',
    ROR_SUBSCRIPTION_BACKOFF_MAX_MS: '100',
    ROR_SUBSCRIPTION_TIMEOUT_MS: '1000',
    ROR_SUBSCRIPTION_CONCURRENCY: '2',
    ROR_SUBSCRIPTION_ALLOWED_HOSTS: ' Hooks.Example.org, *.viatrajectoire.fr ,[::1]',
  });
  expect(c).toMatchObject({ maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 100, timeoutMs: 1000, concurrency: 2, leaseMs: 31_000 });
  expect(c.allowedHosts).toEqual(['hooks.example.org', '*.viatrajectoire.fr', '::1']);
  expect(loadSubscriptionConfig({ ROR_SUBSCRIPTION_ALLOWED_HOSTS: '*' }).allowedHosts).toEqual(['*']);
});

test('invalid values fail with the variable name', () => {
  expect(() => loadSubscriptionConfig({ ROR_SUBSCRIPTION_MAX_ATTEMPTS: 'ten' })).toThrow(/ROR_SUBSCRIPTION_MAX_ATTEMPTS/);
  expect(() => loadSubscriptionConfig({ ROR_SUBSCRIPTION_MAX_ATTEMPTS: '0' })).toThrow(/ROR_SUBSCRIPTION_MAX_ATTEMPTS/);
  expect(() => loadSubscriptionConfig({ ROR_SUBSCRIPTION_BACKOFF_BASE_MS: '500', ROR_SUBSCRIPTION_BACKOFF_MAX_MS: '100' })).toThrow(
    /ROR_SUBSCRIPTION_BACKOFF_MAX_MS/,
  );
  expect(() => loadSubscriptionConfig({ ROR_SUBSCRIPTION_TIMEOUT_MS: '5000', ROR_SUBSCRIPTION_LEASE_MS: '5000' })).toThrow(
    /ROR_SUBSCRIPTION_LEASE_MS/,
  );
  expect(() => loadSubscriptionConfig({ ROR_SUBSCRIPTION_ALLOWED_HOSTS: 'http://x.org/' })).toThrow(/ROR_SUBSCRIPTION_ALLOWED_HOSTS/);
});
