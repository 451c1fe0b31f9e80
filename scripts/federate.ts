/**
 * `npm run federate` — imports another ROR server's offer (a region's, the national ROR's) into the store selected
 * by the environment (ROR_DATA_DIR), with the referential sync's rules (README "Federation"):
 *
 *   npm run federate -- --source <FHIR base URL> [--auth <bearer token> | --client-id <id> --client-secret <secret>
 *                       [--token-url <url>]] [--types Organization,Location,HealthcareService,...]
 *                       [--since <instant> | --full] [--search] [--force] [--max-deactivation 0.05] [--report <file>]
 *
 * Without --since or --full, the run takes what changed since the last successful run from this source.
 * --search    use `_lastUpdated` searches and `_history` even if the source offers $export
 * Exit status: 0 done, 2 refused by the truncation guard, 3 another sync or federation run holds the lock, 1 failure.
 */
import fs from 'node:fs';
import { loadConfig } from '../src/config';
import { composeKernel } from '../src/main';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import { LeaseLostError, LockBusyError, withLock } from '../src/sync/lock';
import { summary } from '../src/sync/report';
import { loadFederationConfig, normaliseSource, runFederation, type FederationSource, type FederationSourceReport } from '../src/federation';
import { optionValue } from './lib/cli-args';

interface Args {
  source: Omit<Partial<FederationSource>, 'types'> & { types?: string };
  since?: string | null;
  search: boolean;
  force: boolean;
  maxDeactivation?: number;
  report?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { source: {}, search: false, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--source': args.source.url = optionValue(argv, i++); break;
      case '--auth': args.source.token = optionValue(argv, i++); break;
      case '--client-id': args.source.clientId = optionValue(argv, i++); break;
      case '--client-secret': args.source.clientSecret = optionValue(argv, i++); break;
      case '--token-url': args.source.tokenUrl = optionValue(argv, i++); break;
      case '--types': args.source.types = optionValue(argv, i++); break;
      case '--since': {
        const v = optionValue(argv, i++);
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) || !Number.isFinite(Date.parse(v))) throw new Error(`--since must be a FHIR instant (2025-03-01T02:00:00Z), got '${v}'`);
        args.since = v;
        break;
      }
      case '--full': args.since = null; break;
      case '--search': args.search = true; break;
      case '--force': args.force = true; break;
      case '--max-deactivation': args.maxDeactivation = Number(optionValue(argv, i++)); break;
      case '--report': args.report = optionValue(argv, i++); break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!args.source.url) throw new Error('--source is required');
  if (args.maxDeactivation !== undefined && !(args.maxDeactivation >= 0 && args.maxDeactivation <= 1)) throw new Error('--max-deactivation must be between 0 and 1');
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  let source: FederationSource;
  try {
    args = parseArgs(process.argv.slice(2));
    source = normaliseSource(args.source);
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: npm run federate -- --source <FHIR base URL> [--auth <token> | --client-id <id> --client-secret <secret>] [--types A,B] [--since <instant> | --full] [--search] [--force]`);
    return 1;
  }
  const config = loadConfig();
  const fedConfig = loadFederationConfig({ ...process.env, ROR_FEDERATION_SOURCES: '' });
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir: config.dataDir }, kernel.indexer);
  try {
    const report = await withLock({ leases: store.leases, ttlMs: fedConfig.lockTtlMs, log: (m) => console.error(m) }, (lock) =>
      runFederation({
        store: lock.fence(store),
        kernel,
        source,
        since: args.since,
        mode: args.search ? 'search' : 'auto',
        trigger: 'cli',
        force: args.force,
        maxDeactivationShare: args.maxDeactivation ?? fedConfig.maxDeactivationShare,
        batchSize: fedConfig.batchSize,
        reportDir: fedConfig.reportDir,
        log: (m) => console.error(m),
      }),
    );
    if (args.report) fs.writeFileSync(args.report, JSON.stringify(report, null, 2));
    const s = report.sources[0] as FederationSourceReport;
    console.log(
      `${s.file} (${s.mode ?? '?'}${s.since ? ` since ${s.since}` : ', full'}): ${s.records} resources; ${s.created} created, ${s.updated} updated, ` +
        `${s.deactivated} deactivated, ${s.unchanged} unchanged, ${s.local ?? 0} local (matched or edited here), ${s.rejected} refused${s.error ? ` — ${s.error}` : ''}`,
    );
    for (const r of s.rejections.slice(0, 20)) console.log(`  ${r.reason}`);
    console.log(summary(report).replace(/^sync/, 'federation'));
    return report.status === 'success' ? 0 : report.status === 'refused' ? 2 : 1;
  } catch (err) {
    console.error(err instanceof LockBusyError || err instanceof LeaseLostError ? err.message : err);
    return err instanceof LockBusyError ? 3 : 1;
  } finally {
    await store.close();
  }
}

main().then((code) => process.exit(code));
