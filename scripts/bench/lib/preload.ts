/**
 * Loads the benchmark's ROR-like Organizations (lib/fixtures.ts) into a running server through `PUT`, the ten
 * legal entities first (the others reference them), then the rest over 8 concurrent connections.
 */
import { benchOrgId, rorOrganization } from './fixtures';

const FHIR_JSON = 'application/fhir+json';

/** PUTs Organizations 0..count-1 to `origin`; `headers` carry the credential (writes are refused without one). */
export async function preloadOrganizations(origin: string, count: number, headers: Record<string, string>): Promise<void> {
  const put = async (n: number) => {
    const id = benchOrgId(n);
    const res = await fetch(`${origin}/Organization/${id}`, {
      method: 'PUT',
      headers: { 'content-type': FHIR_JSON, accept: FHIR_JSON, prefer: 'return=minimal', ...headers },
      body: JSON.stringify(rorOrganization(n, { id })),
    });
    const body = await res.text();
    if (res.status !== 201 && res.status !== 200) throw new Error(`preloading ${id}: HTTP ${res.status} ${body.slice(0, 300)}`);
  };
  for (let n = 0; n < Math.min(10, count); n++) await put(n);
  let next = 10;
  const worker = async () => {
    while (next < count) await put(next++);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
