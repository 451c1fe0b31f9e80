/**
 * `npm run bench:ui` — what the web application costs a browser, into the `## Web application` section of
 * BENCHMARKS.md:
 * - **JavaScript shipped per page**: the scripts a page actually loads, up to the network going idle after it is
 *   shown (so the map's and the charts' chunks count), recorded from the browser's requests, weighed as the build's
 *   gzip files (what a browser that accepts gzip receives) and uncompressed;
 * - **time to first render**: from the start of navigation to the first frame where the page's main heading is
 *   shown and nothing is loading any more (no `.loading` element, nothing `aria-busy`), in headless Chromium
 *   (Debian's), on the demo region served by the composed server (in this process). Cold: a new browser context
 *   (empty cache) per run; warm: the same page again in that context. Median and p95 over N runs, and the ratio
 *   to the home page (the frame alone: the baseline measured in the same run).
 * Flags: --runs=N (default 15), --no-write.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildUi } from '../build-ui';
import { loadConfig } from '../../src/config';
import { composeServer } from '../../src/main';
import { describeMachine, machineFacts } from './lib/machine';
import { fmt, table, writeSection } from './lib/markdown';
import { median, percentiles } from './lib/stats';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 15);
const CHROMIUM = process.env.ROR_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

interface PageCase {
  name: string;
  path: string;
  /** Demo account to sign in with first (its label on the sign-in page). */
  account?: RegExp;
}

/** Waits for the page to be rendered: its h1 shown, nothing loading; returns ms since navigation start. */
async function timeToRender(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(
    () => {
      const main = document.querySelector('main');
      return Boolean(main?.querySelector('h1')) && !document.querySelector('.loading') && !document.querySelector('[aria-busy="true"]');
    },
    undefined,
    { polling: 'raf', timeout: 30_000 },
  );
  return page.evaluate(() => performance.now());
}

async function signIn(page: Page, base: string, account: RegExp): Promise<void> {
  await page.goto(`${base}/ui/connexion`);
  await page.getByRole('button', { name: account }).click();
  await page.waitForURL(`${base}/ui/`);
}

async function measure(browser: Browser, base: string, assets: string, c: PageCase) {
  const cold: number[] = [];
  const warm: number[] = [];
  let scripts = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    if (c.account) {
      await signIn(page, base, c.account);
      // A fresh page in the signed-in context, its cache emptied of what the sign-in loaded.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.clearBrowserCache');
    }
    const loaded = new Set<string>();
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/ui/assets/') && u.pathname.endsWith('.js')) loaded.add(path.basename(u.pathname));
    });
    cold.push(await timeToRender(page, `${base}${c.path}`));
    if (i === 0) {
      // What the page goes on to load once shown (the map, a chart) counts too.
      await page.waitForLoadState('networkidle');
      scripts = new Set(loaded);
    }
    warm.push(await timeToRender(page, `${base}${c.path}`));
    await context.close();
  }
  const size = (suffix: string) => [...scripts].reduce((sum, f) => sum + fs.statSync(path.join(assets, f + suffix)).size, 0);
  return { cold, warm, scripts: scripts.size, gzip: size('.gz'), raw: size('') };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set ROR_CHROMIUM`);
  const machine = machineFacts();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-bench-ui-'));
  const ui = await buildUi({ outDir: path.join(tmp, 'ui') });
  const assets = path.join(ui.outDir, 'assets');
  const httpServer = http.createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const config = { ...loadConfig({ ROR_AUTH_RATE_LIMIT_PER_MINUTE: '0', ROR_RATE_LIMIT_PER_MINUTE: '0' }), dataDir: path.join(tmp, 'data'), demoData: true, baseUrl: base };
  fs.mkdirSync(config.dataDir);
  const server = composeServer({ config, logger: pino({ level: 'silent' }), demoAccounts: true, uiDir: ui.outDir });
  await server.loadDemoData();
  await server.offer.drain();
  httpServer.on('request', server.app);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const find = async (url: string) => ((await (await fetch(`${base}${url}`, { headers: { accept: 'application/fhir+json' } })).json()) as any).entry?.[0]?.resource?.id as string;
    const establishment = await find('/Organization?identifier=010000024');
    const unit = await find('/HealthcareService?name=Urgences&_count=1');
    const cases: PageCase[] = [
      { name: 'home (baseline: the frame)', path: '/ui/' },
      { name: 'search (q=urgences)', path: '/ui/recherche?q=urgences' },
      { name: 'establishment (CH de Fleyriat)', path: `/ui/etablissements/${establishment}` },
      { name: 'unit (Urgences)', path: `/ui/unites/${unit}` },
      { name: 'dashboard', path: '/ui/tableau-de-bord' },
      { name: 'Mes lits (establishment signed in)', path: '/ui/mes-lits', account: /CH de Bourg-en-Bresse/ },
    ];
    const rows: string[][] = [];
    let baseline = NaN;
    for (const c of cases) {
      const r = await measure(browser, base, assets, c);
      const [coldP95] = percentiles(r.cold, [95]);
      const [warmP95] = percentiles(r.warm, [95]);
      const coldMedian = median(r.cold);
      if (Number.isNaN(baseline)) baseline = coldMedian;
      rows.push([c.name, String(r.scripts), (r.gzip / 1024).toFixed(1), (r.raw / 1024).toFixed(1), fmt.ms(coldMedian), fmt.ms(coldP95), `${(coldMedian / baseline).toFixed(2)}×`, fmt.ms(median(r.warm)), fmt.ms(warmP95)]);
      console.log(rows[rows.length - 1].join(' | '));
    }
    const section = [
      '## Web application',
      '',
      describeMachine(machine),
      '',
      `The web application (/ui) on the demo region, served by the composed server in the bench's process, in headless`,
      `Chromium (Debian's ${CHROMIUM}). **JS**: the scripts the page loaded until the network went idle (entry, shared chunks,`,
      `its own lazy chunk, then the map's or the charts' chunks), weighed as the build's gzip files and uncompressed. **First render**: navigation start → first frame with the page's h1`,
      `and nothing loading (no \`.loading\`, nothing \`aria-busy\`); cold = new browser context (empty cache), warm = the`,
      `same page again. ${RUNS} runs each; ratio = cold median / the home page's (the frame alone), measured in the same run.`,
      '',
      table(['Page', 'Scripts', 'JS gzip KiB', 'JS raw KiB', 'Cold median ms', 'Cold p95 ms', 'vs home', 'Warm median ms', 'Warm p95 ms'], rows),
      '',
    ].join('\n');
    if (!process.argv.includes('--no-write')) writeSection(path.join(ROOT, 'BENCHMARKS.md'), 'Web application', section);
    console.log(section);
  } finally {
    await browser.close();
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
