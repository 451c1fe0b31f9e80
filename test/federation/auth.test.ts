/**
 * A source that requires a credential (the real security defaults): without one the run fails and says why (and is
 * reported); with client credentials, the token is obtained at the token endpoint the source's SMART configuration
 * names, and the export runs as that client.
 */
import type { Resource } from '@medplum/fhirtypes';
import { registerClient } from '../../src/security/clients/admin';
import { normaliseSource, runFederation } from '../../src/federation';
import { derivedId, sourceKey } from '../../src/federation/state';
import { httpServer, stored, type HttpServer } from './helpers';

let source: HttpServer;
let importer: HttpServer;
let secret: string;

beforeAll(async () => {
  source = await httpServer({ secure: true });
  importer = await httpServer();
  secret = (await registerClient(source.server.store.auth, { clientId: 'ror-84', role: 'consumer' })).secret!;
  await source.server.kernel.transaction(source.server.store, { kind: 'system', component: 'test' }, (tx) =>
    tx.put({ resourceType: 'Organization', id: 'o1', name: 'Clinique', active: true, identifier: [{ system: 'https://finess.esante.gouv.fr', value: '690000001' }] } as Resource & { id: string }),
  );
});
afterAll(async () => {
  await Promise.all([source?.close(), importer?.close()]);
});

const fed = (extra: Record<string, string>) =>
  runFederation({ store: importer.server.store, kernel: importer.server.kernel, source: normaliseSource({ url: source.url, types: ['Organization'], ...extra }), pull: { maxPollWaitMs: 20 } });

test('without a credential the run fails, reported with the source\'s answer', async () => {
  const report = await fed({});
  expect(report.status).toBe('failed');
  expect(report.error).toMatch(/401/);
  const wrong = await fed({ clientId: 'ror-84', clientSecret: 'wrong' });
  expect(wrong.status).toBe('failed');
  expect(wrong.error).toMatch(/token endpoint .*401 invalid_client/);
});

test('with client credentials the offer is imported', async () => {
  const report = await fed({ clientId: 'ror-84', clientSecret: secret });
  expect(report.error).toBeUndefined();
  expect(report.status).toBe('success');
  expect((await stored(importer.server, 'Organization', derivedId(sourceKey(source.url), 'o1'))).name).toBe('Clinique');
});
