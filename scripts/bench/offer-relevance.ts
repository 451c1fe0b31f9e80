/**
 * `npm run bench:offer-relevance` — recall@10 of the offer search relevance set (test/fixtures/offer/relevance.json,
 * scored by ./lib/offer-relevance.ts on the demo and generated regions of ./lib/offer-regions.ts), written to the
 * `## Offer search relevance` section of BENCHMARKS.md with every query below 1 and why. `--no-write` prints only.
 */
import path from 'node:path';
import { describeMachine, machineFacts } from './lib/machine';
import { table, writeSection } from './lib/markdown';
import { loadRelevanceSet, meanRecall, scoreQueries, type QueryScore } from './lib/offer-relevance';
import { demoRegion, generatedRegion, GENERATED_REGION } from './lib/offer-regions';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const machine = machineFacts();
  const set = loadRelevanceSet();
  const scores: Record<string, QueryScore[]> = {};
  for (const [name, open] of [['demo', demoRegion], ['generated', generatedRegion]] as const) {
    const region = await open();
    try {
      scores[name] = await scoreQueries(set[name], region.docs, region.search);
    } finally {
      await region.close();
    }
  }
  const all = [...scores.demo, ...scores.generated];
  const reliable = all.filter((s) => !s.knownMiss);
  const r = (n: number) => n.toFixed(2);
  const row = (label: string, s: QueryScore[]) => [label, String(s.length), r(meanRecall(s)), r(meanRecall(s.filter((x) => !x.knownMiss))), String(s.filter((x) => x.recall === 0).length)];
  const below = all.filter((s) => s.recall < 1);
  const body = `## Offer search relevance

${describeMachine(machine)}

recall@10 of the ${all.length} queries of \`test/fixtures/offer/relevance.json\`, phrased as analysts and bed coordinators
type them, sent to \`GET /offer/search\`: on the demo region (the composed server, demo loaded through the kernel)
and on a generated region (${GENERATED_REGION.units.toLocaleString('en-US')} units around the towns of ${GENERATED_REGION.departments.length} departments of Auvergne-Rhône-Alpes and
Bourgogne-Franche-Comté, seed ${GENERATED_REGION.seed}, scripts/bench/lib/offer-generate.ts). The units a query must find are a predicate
over the documents (codes, commune, establishment name…); recall@10 = |first 10 ∩ expected| / min(10, |expected|).
\`q\` is read as the API reads it: criteria words ("lit femme disponible"), departments and communes become filters
(README "Offer search"). "Known misses" document a weakness of the analyser or the ranking (the reason is in the set;
${all.filter((s) => s.knownMiss).length} left); the test (test/offer/relevance.test.ts) holds ≥ 0.99 overall and without them, and no other query at 0.

${table(['Region', 'Queries', 'recall@10', 'without known misses', 'queries at 0'], [row('demo', scores.demo), row('generated', scores.generated), row('both', all)])}

Mean recall@10 over every query, to three decimals: ${meanRecall(all).toFixed(3)}.

Queries below 1:

${table(['Query', 'Parameters', 'recall@10', 'Why'], below.map((s) => [s.id, `\`${new URLSearchParams(s.params).toString()}\``, r(s.recall), s.knownMiss ?? `ranking: first results ${s.top.slice(0, 2).join('; ')}; missed ${s.missed.slice(0, 1).join('')}`]))}
`;
  console.log(body);
  console.log(`overall ${r(meanRecall(all))}, without known misses ${r(meanRecall(reliable))}`);
  if (!process.argv.includes('--no-write')) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'Offer search relevance', body);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
