/**
 * A bed update's way to offer search, shared by the offer benches (offer.ts on the embedded index, offer-engine.ts
 * on an external engine): the server composed as `npm start` composes it (background work on, offer drain every
 * 200 ms) on the demo region in `dataDir`, with whatever offer index the environment selects;
 * `POST /Location/{id}/$set-capacity` with a new free-bed figure, then `/offer/search` polled every 10 ms until the
 * figure shows. Median and max over 20 updates, each at a random point of the drain period.
 */
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../../../src/config';
import { loadDemoDataIfEmpty } from '../../../src/demo/load-demo';
import { requestContext } from '../../../src/fhir/context';
import { systemActor } from '../../../src/kernel/actor';
import { composeServer } from '../../../src/main';
import { median } from './stats';

const UPDATES = 20;

export async function bedUpdateToVisible(dataDir: string): Promise<{ median: number; max: number; n: number }> {
  const config = { ...loadConfig({}), dataDir, baseUrl: 'http://bench.test', demoData: false };
  const server = composeServer({ config, logger: pino({ level: 'silent' }), background: true, unauthenticatedActor: { kind: 'admin', name: 'bench' }, auditWrites: false });
  try {
    await loadDemoDataIfEmpty(requestContext(server.services, systemActor('demo')), { info: () => undefined });
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const find = async (id?: string) => {
      const res = await request(server.app).get('/offer/search?limit=100');
      const results = (res.body.results ?? []) as { healthcareService: { id: string }; location?: { id: string }; freeBeds?: { total: number } }[];
      return id ? results.find((r) => r.healthcareService.id === id) : results.find((r) => r.location?.id);
    };
    let target = await find();
    for (let i = 0; !target && i < 1000; i++) {
      await wait(20);
      target = await find();
    }
    if (!target?.location) throw new Error('the demo units never reached the offer index');
    const samples: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const figure = 100 + i;
      const res = await request(server.app)
        .post(`/Location/${target.location.id}/$set-capacity`)
        .set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'capacityType', valueCode: '01' },
            { name: 'capacityStatus', valueCode: '02' },
            { name: 'temporalityCapacity', valueCode: '01' },
            { name: 'genderCapacityAvailable', valueCode: '03' },
            { name: 'nbCapacity', valueInteger: figure },
          ],
        }));
      if (res.status !== 200) throw new Error(`$set-capacity: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      const start = performance.now();
      for (;;) {
        const hit = await find(target.healthcareService.id);
        if ((hit?.freeBeds?.total ?? 0) >= figure) break;
        if (performance.now() - start > 10_000) throw new Error('the update did not show within 10 s');
        await wait(10);
      }
      samples.push(performance.now() - start);
      await wait(50 + Math.random() * 200); // updates arrive at any point of the drain period
    }
    return { median: median(samples), max: Math.max(...samples), n: samples.length };
  } finally {
    await server.close();
  }
}
