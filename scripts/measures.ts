/**
 * `npm run measures -- evaluate [--measure <id>]… [--subject <subject>]… [--period-start <date>] [--period-end <date>] [--dry-run]`
 * Computes the ROR's indicators (README "Indicators") on the store selected by the environment (ROR_DATA_DIR) and
 * stores each MeasureReport through the kernel as `system:measures`, exactly as the nightly run does. Without
 * --subject: every region and department met among the establishments; without --measure: every indicator.
 * Subjects: `region/84`, `department/01`, `Organization/[id]` (alone). Default period: the 24 hours before now.
 * Prints one line per report (measure, subject, id and the main figure). Exit status: 0 done, 1 failure, 2 usage.
 */
import { loadConfig } from '../src/config';
import { composeKernel } from '../src/main';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import { evaluateAll, installMeasureDefinitions, measureDefinitions } from '../src/quality/measures';
import { parsePeriod } from '../src/quality/measures/period';
import { parseSubject, type Subject } from '../src/quality/measures/subject';
import { optionValue } from './lib/cli-args';

const USAGE = 'usage: npm run measures -- evaluate [--measure <id>]… [--subject region/84|department/01|Organization/<id>]… [--period-start <date>] [--period-end <date>] [--dry-run]';

async function main(argv: string[]): Promise<number> {
  if (argv[0] !== 'evaluate') {
    console.error(USAGE);
    return 2;
  }
  const measures: string[] = [];
  const subjects: Subject[] = [];
  let start: string | undefined;
  let end: string | undefined;
  let dryRun = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = () => optionValue(argv, i++);
    if (a === '--measure') measures.push(value());
    else if (a === '--subject') subjects.push(parseSubject(value()));
    else if (a === '--period-start') start = value();
    else if (a === '--period-end') end = value();
    else if (a === '--dry-run') dryRun = true;
    else {
      console.error(`unknown argument '${a}'\n${USAGE}`);
      return 2;
    }
  }
  const known = new Set(measureDefinitions().map((m) => m.id));
  for (const m of measures) if (!known.has(m)) throw new Error(`unknown measure '${m}' (known: ${[...known].join(', ')})`);
  const config = loadConfig();
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir: config.dataDir }, kernel.indexer);
  try {
    await installMeasureDefinitions(kernel, store);
    const result = await evaluateAll({
      store,
      kernel,
      label: (s, c) => kernel.terminology.display(s, c),
      period: parsePeriod(start, end, Date.now()),
      measures: measures.length ? measures : undefined,
      subjects: subjects.length ? subjects : undefined,
      dryRun,
    });
    for (const r of result.reports) {
      const g = r.report.group?.[0];
      const figure = g?.measureScore?.value ?? g?.population?.[0]?.count;
      console.log(`${r.measure}\t${r.subject}\t${r.id ?? '(not stored)'}\t${g?.code?.coding?.[0]?.code}=${figure ?? ''}`);
    }
    console.error(`${result.reports.length} reports for ${result.subjects} subjects in ${(result.ms / 1000).toFixed(1)} s (${config.dataDir})`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
