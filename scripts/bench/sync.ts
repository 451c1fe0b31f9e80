/**
 * `npm run bench:sync [-- --scale 0.05]` — the referential sync on synthetic national-shaped extracts
 * (scripts/generate-extracts.ts): a full import into an empty store, then a nightly re-run with 1% of the records
 * changed. Each phase runs in its own process so its peak memory (maxRSS) is its own. Prints a Markdown table and,
 * with --write, replaces the `## Sync` section of BENCHMARKS.md. SYNC_BATCH=n sets the resources per transaction.
 * `--zip`: the RPPS file is read from a PS_LibreAcces zip; `--split-rpps 0.01`: 1% of the persons have a line moved to
 * the end of the file (generate-extracts.ts); `--extracts <dir>`: generated files kept there and reused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { composeKernel } from '../../src/main';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import { runSync } from '../../src/sync/run';

const FILES = (dir: string, zip = false) => ({
  finessEj: path.join(dir, 'etalab-cs1100501-stock-20260512-0339.csv'),
  finess: path.join(dir, 'etalab-cs1100507-stock-20260512-0339.csv'),
  rpps: path.join(dir, zip ? 'PS_LibreAcces_202610080000.zip' : 'PS_LibreAcces_Personne_activite_202610080000.txt'),
});

async function phase(dataDir: string, extracts: string, zip: boolean): Promise<void> {
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir }, kernel.indexer);
  // maxRSS counts the database pages the search index memory-maps (mmap_size, src/store/sqlite/search-index.ts):
  // clean file pages the kernel can drop. The process's own memory is RssAnon, sampled here.
  let peakAnonKb = 0;
  const sample = () => {
    const m = /RssAnon:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) peakAnonKb = Math.max(peakAnonKb, Number(m[1]));
  };
  const timer = setInterval(sample, 250);
  const started = Date.now();
  // As `npm run sync` does: a first import into an empty store builds the search indexes at the end (bulkLoad).
  const report = await store.bulkLoad(() =>
    runSync({ store, kernel, sources: FILES(extracts, zip), trigger: 'cli', batchSize: Number(process.env.SYNC_BATCH ?? 500), validateOnThread: process.env.SYNC_THREAD !== '0' }),
  );
  const ms = Date.now() - started;
  sample();
  clearInterval(timer);
  await store.close();
  const perSource = report.sources.map((s) => ({ source: s.source, records: s.records, ms: s.durationMs, validation: s.validation, warnings: s.warnings.length, rejected: s.rejected }));
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ ms, cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssKb: process.resourceUsage().maxRSS, peakAnonKb, status: report.status, totals: report.totals, perSource }));
}

function run(args: string[]): any {
  const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  const result = JSON.parse(out.trim().split('\n').pop()!);
  console.error(`${new Date().toISOString()} ${args[2]}: ${JSON.stringify(result)}`);
  return result;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--phase') return phase(argv[1], argv[2], argv[3] === 'zip');
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const scale = Number(opt('--scale') || 0.05) || 0.05;
  const write = argv.includes('--write');
  const zip = argv.includes('--zip');
  const split = opt('--split-rpps');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-sync-'));
  const extracts = opt('--extracts') ?? work;
  try {
    const gen = (out: string, change: number) => {
      if (fs.existsSync(FILES(out, zip).rpps)) return;
      const extra = [...(zip ? ['--zip'] : []), ...(split ? ['--split-rpps', split] : [])];
      execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'generate-extracts.ts'), '--out', out, '--scale', String(scale), '--change', String(change), ...extra], { stdio: 'inherit' });
    };
    gen(path.join(extracts, 'base'), 0);
    gen(path.join(extracts, 'nightly'), 0.01);
    const sizes = Object.values(FILES(path.join(extracts, 'base'))).map((f) => fs.statSync(f).size);
    const lines = Object.values(FILES(path.join(extracts, 'base'))).map((f) => Number(execFileSync('wc', ['-l', f], { encoding: 'utf8' }).trim().split(' ')[0]));
    const data = path.join(work, 'data');
    const how = zip ? 'zip' : 'txt';
    const full = run(['--phase', data, path.join(extracts, 'base'), how]);
    const nightly = run(['--phase', data, path.join(extracts, 'nightly'), how]);
    const same = run(['--phase', data, path.join(extracts, 'nightly'), how]);
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const resources = full.totals.created;
    const table = [
      `Scale ${scale} of national (${lines[0] - 1} EJ, ${lines[1] - 1} ET + geolocation lines, ${lines[2] - 1} RPPS lines; ${(sizes.reduce((a, b) => a + b) / 1e6).toFixed(0)} MB), ${os.cpus().length} cores, Node ${process.version}, \`npm run bench:sync -- --scale ${scale}${zip ? ' --zip' : ''}${split ? ` --split-rpps ${split}` : ''}\`.`,
      '',
      '| phase | wall time | CPU time | resources | peak RSS | peak anonymous RSS |',
      '|---|---|---|---|---|---|',
      `| full import (empty store) | ${s(full.ms)} | ${s(full.cpuMs)} | ${resources} created (${Math.round(resources / (full.ms / 1000))}/s) | ${mb(full.maxRssKb)} | ${mb(full.peakAnonKb)} |`,
      `| nightly, 1% of records changed | ${s(nightly.ms)} | ${s(nightly.cpuMs)} | ${nightly.totals.updated} updated, ${nightly.totals.unchanged} unchanged | ${mb(nightly.maxRssKb)} | ${mb(nightly.peakAnonKb)} |`,
      `| same file again | ${s(same.ms)} | ${s(same.cpuMs)} | ${same.totals.updated} updated, ${same.totals.unchanged} unchanged | ${mb(same.maxRssKb)} | ${mb(same.peakAnonKb)} |`,
    ].join('\n');
    console.log(table);
    console.log(JSON.stringify({ full, nightly, same }));
    if (write) writeSection(table);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function writeSection(table: string): void {
  const file = path.join(__dirname, '..', '..', 'BENCHMARKS.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const section = `## Sync\n\n${table}\n`;
  const re = /## Sync\n[\s\S]*?(?=\n## |$)/;
  fs.writeFileSync(file, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
