/** The CapabilityStatement lists only search parameters a search filters on (src/fhir/interactions/capabilities.ts). */
import { testServer } from '../../helpers/app';

test('no parameter the search layer would ignore is claimed', async () => {
  const s = testServer();
  try {
    const cs = s.server.services.capabilities.statement('http://x');
    const registry = s.server.kernel.registry;
    for (const r of cs.rest![0].resource!) {
      for (const p of r.searchParam ?? []) expect([r.type, p.name, registry.supports(r.type, p.name)]).toEqual([r.type, p.name, true]);
    }
    const obs = cs.rest![0].resource!.find((r) => r.type === 'Observation')!;
    const names = obs.searchParam!.map((p) => p.name);
    expect(names).not.toContain('_compartment');
    expect(names).toEqual(expect.arrayContaining(['_id', 'code', 'code-value-quantity']));
  } finally {
    await s.close();
  }
});
