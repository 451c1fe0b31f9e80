/**
 * Freshness of the offer index through the write path: a write queues the units it affects in its own transaction
 * (outbox queues `offer:<id>`), and the OfferIndexer's drain rebuilds their documents from the store.
 */
import request from 'supertest';
import { systemActor } from '../../src/kernel/actor';
import { OFFER_QUEUE_PREFIX, offerQueue } from '../../src/offer/freshness';
import { FHIR_JSON, put } from '../helpers/app';
import { offerTestServer, type OfferTestServer } from './helpers/demo';
import { freeBedsParameters } from '../helpers/ror';

let t: OfferTestServer;
beforeEach(async () => {
  t = await offerTestServer();
});
afterEach(() => t.s.close());

/** The units queued and due (looked at without keeping them: a lease of 0 ms). */
const pending = async () =>
  (await t.s.store.claimOutbox({ limit: 1000, now: Date.now(), leaseMs: 0, queues: { prefix: OFFER_QUEUE_PREFIX } })).map((m) => m.queue).sort();
const doc = (id: string) => t.index.docs.get(id);

test('loading the demo queues every unit once; a drain indexes all of them', async () => {
  const units = (await t.s.store.search({ resourceTypes: ['HealthcareService'], where: [], sort: [], count: 100, total: 'accurate' })).total;
  expect(units).toBe(12);
  expect(await t.indexer.drain()).toBe(12);
  expect(await t.index.count()).toBe(12);
  expect(await t.indexer.drain()).toBe(0);
});

test('$set-capacity on a Location: after a drain, the document of its unit has the new free beds', async () => {
  await t.indexer.drain();
  const id = await t.unitId('Cardiologie - hospitalisation complète');
  expect(doc(id)!.capacity.free.female).toBe(2);
  const locationId = doc(id)!.locations[0].id;
  const res = await request(t.s.app)
    .post(`/Location/${locationId}/$set-capacity`)
    .set('Content-Type', FHIR_JSON)
    .send(freeBedsParameters(7));
  expect(res.status).toBe(200);
  expect(await pending()).toEqual([offerQueue(id)]);
  // Not before the drain: the index catches up through the outbox.
  expect(doc(id)!.capacity.free.female).toBe(2);
  await t.indexer.drain();
  expect(doc(id)!.capacity.free).toEqual({ total: 8, female: 7, male: 1, undetermined: 0 });
  expect(Date.parse(doc(id)!.capacity.updatedAt!)).toBeGreaterThan(Date.now() - 60_000);
});

test('a PUT of a Location reaches every unit that references it, and only those', async () => {
  await t.indexer.drain();
  const id = await t.unitId('Médecine polyvalente');
  const locationId = doc(id)!.locations[0].id;
  const location = JSON.parse((await t.s.store.read('Location', locationId))!.json);
  location.position = { latitude: 46.9, longitude: 6.35 };
  expect((await put(t.s.app, `/Location/${locationId}`, location)).status).toBe(200);
  expect(await pending()).toEqual([offerQueue(id)]);
  await t.indexer.drain();
  expect(doc(id)!.locations[0].position).toEqual({ lat: 46.9, lon: 6.35 });
});

test('an establishment renamed: the documents of its units follow; a legal entity changed: those of its establishments\' units', async () => {
  await t.indexer.drain();
  const units = ['Cardiologie - hospitalisation complète', 'Médecine gériatrique aiguë', 'Urgences'];
  const ids = await Promise.all(units.map((n) => t.unitId(n, 'FLEYRIAT')));
  const orgId = doc(ids[0])!.organization.id;
  const org = JSON.parse((await t.s.store.read('Organization', orgId))!.json);
  org.name = 'HÔPITAL FLEYRIAT';
  expect((await put(t.s.app, `/Organization/${orgId}`, org)).status).toBe(200);
  expect(await pending()).toEqual(ids.map(offerQueue).sort());
  await t.indexer.drain();
  for (const id of ids) expect(doc(id)!.organization.name).toBe('HÔPITAL FLEYRIAT');

  // The legal entity (CH de Bourg-en-Bresse) takes a FINESS legal status: its establishment's units carry it.
  const ejId = org.partOf.reference.split('/')[1];
  const ej = JSON.parse((await t.s.store.read('Organization', ejId))!.json);
  ej.type = [{ coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R72-FinessStatutJuridique/FHIR/TRE-R72-FinessStatutJuridique', code: '13' }] }];
  expect((await put(t.s.app, `/Organization/${ejId}`, ej)).status).toBe(200);
  expect(await pending()).toEqual(ids.map(offerQueue).sort());
  await t.indexer.drain();
  expect(doc(ids[0])!.organization.legalStatus).toMatchObject({ code: '13', label: "Etablissement Public Communal d'Hospitalisation" });
});

test('a deleted unit is removed from the index; a closed establishment makes its units inactive', async () => {
  await t.indexer.drain();
  const id = await t.unitId('Réanimation polyvalente');
  expect((await request(t.s.app).delete(`/HealthcareService/${id}`)).status).toBe(204);
  await t.indexer.drain();
  expect(doc(id)).toBeUndefined();
  expect(t.index.applied.at(-1)).toEqual({ put: [], remove: [id] });

  const ehpad = await t.unitId('Hébergement permanent');
  const orgId = doc(ehpad)!.organization.id;
  const org = JSON.parse((await t.s.store.read('Organization', orgId))!.json);
  expect((await put(t.s.app, `/Organization/${orgId}`, { ...org, active: false })).status).toBe(200);
  await t.indexer.drain();
  expect(doc(ehpad)!.active).toBe(false);
});

test('a write that rolls back queues nothing; several writes of one transaction queue a unit once', async () => {
  await t.indexer.drain();
  const id = await t.unitId('Médecine polyvalente');
  const hs = JSON.parse((await t.s.store.read('HealthcareService', id))!.json);
  const location = JSON.parse((await t.s.store.read('Location', hs.location[0].reference.split('/')[1]))!.json);
  await expect(
    t.s.server.kernel.transaction(t.s.store, systemActor('test'), async (tx) => {
      await tx.put({ ...hs, name: 'Médecine polyvalente (aile B)' });
      throw new Error('changed my mind');
    }),
  ).rejects.toThrow('changed my mind');
  expect(await pending()).toEqual([]);
  await t.s.server.kernel.transaction(t.s.store, systemActor('test'), async (tx) => {
    await tx.put({ ...hs, name: 'Médecine polyvalente (aile B)' });
    await tx.put({ ...location, name: 'Aile B' });
  });
  const queued = await t.s.store.claimOutbox({ limit: 1000, now: Date.now(), leaseMs: 0, queues: { prefix: offerQueue(id) } });
  expect(queued).toHaveLength(1);
});

test('reindex rebuilds everything from the store, with its progress', async () => {
  await t.index.apply({ put: [{ ...(await (async () => { await t.indexer.drain(); return doc(await t.unitId('Urgences', 'CAYENNE'))!; })()), name: 'stale copy' }], remove: ['x'] });
  const progress: { done: number; total?: number }[] = [];
  expect(await t.indexer.reindex((p) => progress.push(p))).toBe(12);
  expect(progress.at(-1)).toEqual({ done: 12, total: 12 });
  expect(await t.index.count()).toBe(12);
  expect(doc(await t.unitId('Urgences', 'CAYENNE'))!.name).toBe('Urgences');
});

test('the background drain applies a bed update without anyone calling drain', async () => {
  await t.indexer.drain();
  const id = await t.unitId('Maladies infectieuses et tropicales');
  t.indexer.start();
  try {
    const location = JSON.parse((await t.s.store.read('Location', doc(id)!.locations[0].id))!.json);
    location.name = 'MIT - bâtiment C';
    expect((await put(t.s.app, `/Location/${location.id}`, location)).status).toBe(200);
    for (let i = 0; i < 100 && doc(id)!.locations[0].name !== 'MIT - bâtiment C'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(doc(id)!.locations[0].name).toBe('MIT - bâtiment C');
  } finally {
    await t.indexer.stop();
  }
});

test('subscription delivery leaves the offer index\'s messages alone', async () => {
  const delivery = t.s.server.subscriptions.startDelivery(t.s.store, { logger: (await import('pino')).default({ level: 'silent' }) });
  try {
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await delivery.stop();
  }
  expect((await pending()).length).toBe(12);
});
