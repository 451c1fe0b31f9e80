/**
 * Injection safety of the MongoDB store through the FHIR search layer: values that look like MongoDB operators or
 * patterns (`$where`, `{"$gt":""}`, `*`, `.*`, `\`, `"`) through every parameter type are compared as text, never
 * run: they match the resources that hold them literally and nothing else, or are refused as a 400 (a value that
 * does not parse for its type). Needs MONGODB_URI; ./safe.test.ts checks the filters themselves without an engine.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { searchInteraction } from '../../../src/fhir/interactions/search';
import { FhirError } from '../../../src/errors';
import type { MongoStore } from '../../../src/store/mongo/mongo-store';
import { testSearchServices } from '../../helpers/indexing';
import { adapterName, dropDatabases, mongoStoreFactory, withCapabilities } from './engine';

type R = Resource & { id: string };
const HOSTILE = ['$where', '{"$gt":""}', '*', '.*', '\\', '"', '$ne', '{"$where":"sleep(100)"}'];

const PARAMS: [type: string, param: string][] = [
  ['Organization', 'name'],
  ['Organization', 'name:exact'],
  ['Organization', 'name:contains'],
  ['Organization', 'identifier'],
  ['Organization', 'identifier:of-type'],
  ['Organization', 'type:text'],
  ['Organization', 'active'],
  ['Organization', 'partof'],
  ['Organization', 'partof:identifier'],
  ['Organization', '_id'],
  ['Organization', '_content'],
  ['Organization', '_text'],
  ['Organization', '_tag'],
  ['Organization', '_profile'],
  ['Organization', '_lastUpdated'],
  ['Organization', 'partof.name'],
  ['Organization', '_has:Location:organization:name'],
  ['Location', 'near'],
  ['Patient', 'birthdate'],
  ['RiskAssessment', 'probability'],
  ['Observation', 'value-quantity'],
  ['Observation', 'code-value-quantity'],
  ['ValueSet', 'url'],
  ['ValueSet', 'url:below'],
];

const factory = mongoStoreFactory();

withCapabilities(() =>
  describe(`MongoDB injection safety: ${adapterName()}`, () => {
    let store: MongoStore;
    beforeAll(async () => {
      store = await factory.open();
      const org = (id: string, text: string): R =>
        ({ resourceType: 'Organization', id, name: text, identifier: [{ system: 'urn:x', value: text }], partOf: { reference: `Organization/${id === 'plain' ? 'dollar' : 'plain'}` } }) as R;
      await store.transaction((tx) =>
        tx.write([org('plain', 'Plain'), org('dollar', '$where'), org('json', '{"$gt":""}'), { resourceType: 'Location', id: 'l', name: 'L', managingOrganization: { reference: 'Organization/plain' } } as R].map((resource) => ({ kind: 'put' as const, resource }))),
      );
    });
    afterAll(async () => {
      await store?.close();
    });

    const search = async (type: string, query: [string, string][]): Promise<string[] | number> => {
      try {
        const b: Bundle = await searchInteraction(store, testSearchServices(), { resourceTypes: [type], params: query, baseUrl: 'http://x', strict: false }, { defaultCount: 50, maxCount: 100 });
        return (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!).sort();
      } catch (err) {
        if (err instanceof FhirError) return err.status;
        throw err;
      }
    };

    test('operator-looking values are compared as text: they find the resources that hold them, only those', async () => {
      expect(await search('Organization', [['name:exact', '$where']])).toEqual(['dollar']);
      expect(await search('Organization', [['name:exact', '{"$gt":""}']])).toEqual(['json']);
      expect(await search('Organization', [['identifier', 'urn:x|$where']])).toEqual(['dollar']);
      expect(await search('Organization', [['identifier', '{"$gt":""}']])).toEqual(['json']);
      expect(await search('Organization', [['name:contains', '"$gt"']])).toEqual(['json']);
      expect(await search('Organization', [['name:contains', '.*']])).toEqual([]);
      expect(await search('Organization', [['name:contains', '*']])).toEqual([]);
      expect(await search('Organization', [['partof.name', '$where']])).toEqual(['plain']);
    });

    for (const [type, param] of PARAMS) {
      test(`${type}?${param}= with hostile values: a 400 at worst, never a match-all`, async () => {
      for (const value of HOSTILE) {
        const got = await search(type, [[param, value]]);
        if (typeof got === 'number') {
          expect(got).toBe(400);
          continue;
        }
        // `Plain` holds none of these values, nor does anything it points to except through `dollar`.
        if (!(param === 'partof.name' && value === '$where')) expect(got).not.toContain('plain');
      }
      });
    }
  }),
);
afterAll(dropDatabases);
