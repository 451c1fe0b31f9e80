/**
 * Browser tests of the web application: the server composed as `npm start` composes it (demo region loaded through
 * the kernel, background work on, demo accounts on, real security), listening on an ephemeral port, with the web
 * application built into a temporary directory; a headless Chromium driven by playwright-core.
 *
 * Chromium is Debian's (`/usr/bin/chromium`, or ROR_CHROMIUM), which `.ci/run` installs; playwright's own browser
 * download cannot work on these machines. Without a Chromium, `describeBrowser` skips the suite **by name**, with a
 * warning saying why, except under CI (CI=true), where a missing browser fails the run.
 *
 * Every page is watched: a console error, an uncaught exception or a refused request of the page's own assets
 * (a Content-Security-Policy violation, a 404 of a chunk) fails the test that caused it (`expectCleanConsole`).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../../src/config';
import { composeServer, type ComposedServer } from '../../../src/main';
import { loadCapacityConfig } from '../../../src/ror/capacity/config';
import { loadSecurityConfig } from '../../../src/security/config';
import { buildUi } from '../../../scripts/build-ui';
import { tempDir } from '../../helpers/tmp';

export const CHROMIUM = process.env.ROR_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', '..', 'test-artifacts', 'browser');

const hasChromium = fs.existsSync(CHROMIUM);

/** `describe`, or a named skip with its reason when no Chromium is installed (a failure under CI). */
export function describeBrowser(name: string, fn: () => void): void {
  if (hasChromium) return describe(name, fn);
  if (process.env.CI) {
    describe(name, () => {
      it('needs a Chromium', () => {
        throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set ROR_CHROMIUM`);
      });
    });
    return;
  }
  console.warn(`SKIPPED browser suite "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium, or set ROR_CHROMIUM)`);
  describe.skip(name, fn);
}

export interface UiServer {
  url: string;
  server: ComposedServer;
  close(): Promise<void>;
}

let uiBuild: Promise<string> | undefined;

/** The web application built once per test file, into a temporary directory (never the developer's dist/ui). */
export function builtUi(): Promise<string> {
  return (uiBuild ??= buildUi({ outDir: path.join(tempDir('ror-ui-'), 'ui') }).then((b) => b.outDir));
}

/** The server on the demo region; `env` adds settings (ROR_BOOTSTRAP_TOKEN, ROR_CAPACITY_STALE_HOURS…). */
export async function startUiServer(env: Record<string, string> = {}): Promise<UiServer> {
  const uiDir = await builtUi();
  const dataDir = tempDir('ror-ui-data-');
  const config = { ...loadConfig({ ROR_AUTH_RATE_LIMIT_PER_MINUTE: '0', ROR_RATE_LIMIT_PER_MINUTE: '0', ...env }), dataDir, demoData: true };
  const httpServer = http.createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  // Security and capacity settings from `env` too (composeServer reads process.env for what it is not given).
  const settingsEnv = { ...process.env, ...env };
  const server = composeServer({
    config: { ...config, baseUrl: url },
    logger: pino({ level: 'silent' }),
    demoAccounts: true,
    uiDir,
    security: loadSecurityConfig(settingsEnv, dataDir, url),
    capacity: loadCapacityConfig(settingsEnv),
  });
  await server.loadDemoData();
  await server.offer.drain();
  httpServer.on('request', server.app);
  return {
    url,
    server,
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await server.close();
    },
  };
}

export interface Browser {
  context: BrowserContext;
  /** A new page whose console errors, page errors and failed requests are recorded. */
  page(options?: { mobile?: boolean }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  problems: string[];
}

export async function launchBrowser(): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ror-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return {
    context,
    async page(options = {}) {
      const page = await context.newPage();
      if (options.mobile) await page.setViewportSize({ width: 390, height: 844 });
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // ERR_ABORTED: a navigation cancelled the request (a form post leaving the page), not a failure.
      page.on('requestfailed', (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
      return { page, problems };
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in with a demo account (src/security/demo-accounts.ts) through the sign-in page, as a person would. */
export async function signInAs(page: Page, baseUrl: string, accountLabel: RegExp | string): Promise<void> {
  await page.goto(`${baseUrl}/ui/connexion`);
  await page.getByRole('button', { name: typeof accountLabel === 'string' ? `Se connecter : ${accountLabel}` : accountLabel }).click();
  await page.waitForURL(`${baseUrl}/ui/`);
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor();
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is now; returns the serious and critical violations, described
 * for a failure message. Injected through the DevTools protocol (not a script tag), so the page's CSP stays on.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({ target: n.target })) })))`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5).join(', ')}`);
}

/** Saves a full-page screenshot as a test artefact (test-artifacts/browser/NAME.png); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Polls `read` until it returns `expected` (a page re-renders after a click, not at once); fails with the last value. */
export async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  expect(last).toEqual(expected);
}
