/**
 * The SAML replay memory in the store: an assertion accepted by one instance is refused by another instance on the
 * same store (two SqliteStores on one data directory), until it expires.
 */
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { storedAssertions } from '../../src/security/saml';
import { composeKernel } from '../../src/main';
import { tempDir } from '../helpers/tmp';

test('an assertion accepted on one instance is a replay on another, until its expiry', async () => {
  const dir = tempDir('ror-saml-replay-');
  const { kernel } = composeKernel();
  const a = new SqliteStore({ dataDir: dir }, kernel.indexer);
  const b = new SqliteStore({ dataDir: dir }, kernel.indexer);
  try {
    let now = Date.parse('2026-06-01T10:00:00Z');
    const onA = storedAssertions(a.auth, () => now);
    const onB = storedAssertions(b.auth, () => now);
    const expiresAt = now + 5 * 60_000;
    expect(await onA.firstUse('_assertion-1', expiresAt)).toBe(true);
    expect(await onB.firstUse('_assertion-1', expiresAt)).toBe(false);
    expect(await onA.firstUse('_assertion-1', expiresAt)).toBe(false);
    expect(await onB.firstUse('_assertion-2', expiresAt)).toBe(true);
    // A client assertion with the same id is another namespace.
    expect(await a.auth.rememberAssertion('some-client', '_assertion-1', expiresAt, now)).toBe(true);
    now = expiresAt + 1;
    expect(await onB.firstUse('_assertion-1', now + 60_000)).toBe(true);
  } finally {
    await a.close();
    await b.close();
  }
});
