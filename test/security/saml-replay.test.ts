/**
 * The two memories of SAML sign-in: AuthnRequest IDs that expire, and assertion IDs accepted once until they expire.
 */
import { RequestIds, SeenAssertions } from '../../src/security/saml/replay';

test('an AuthnRequest ID is known until its time is up, and once removed is gone', async () => {
  let now = 1_000_000;
  const ids = new RequestIds(60_000, () => now);
  await ids.saveAsync('_a', new Date(now).toISOString());
  expect(await ids.getAsync('_a')).toBe(new Date(1_000_000).toISOString());
  expect(await ids.getAsync('_b')).toBeNull();
  now += 59_000;
  expect(await ids.getAsync('_a')).not.toBeNull();
  now += 2_000;
  expect(await ids.getAsync('_a')).toBeNull();
  await ids.saveAsync('_c', 'x');
  expect(await ids.removeAsync('_c')).toBe('x');
  expect(await ids.getAsync('_c')).toBeNull();
  expect(await ids.removeAsync(null)).toBeNull();
});

test('an assertion ID is accepted once while it is valid', () => {
  let now = 5_000_000;
  const seen = new SeenAssertions(() => now);
  expect(seen.firstUse('_x', now + 300_000)).toBe(true);
  expect(seen.firstUse('_x', now + 300_000)).toBe(false);
  expect(seen.firstUse('_y', now + 300_000)).toBe(true);
  now += 300_001;
  // Expired: the time checks refuse it anyway, and the memory may forget it.
  expect(seen.firstUse('_x', now + 300_000)).toBe(true);
  expect(seen.firstUse('_x', now + 300_000)).toBe(false);
});
