/**
 * The analysts' and coordinators' pages in a real browser, on the demo region with real security: search with a
 * facet and its map (markers counted and coloured by availability), the type-ahead used with the keyboard, a unit's
 * page with its capacity chart and the chart's table, the dashboard whose figure leads to the matching search, and
 * a coordinator (access profile 2) who does not see a sensitive unit. axe-core on each page, a clean console.
 *
 * Set-up through the API as the bootstrap administrator: one Guyane unit gets free beds (green), another none at all
 * (red), the others keep the figures the demo entered at start, and a sensitive unit without bed zone (never
 * updated) is created. Stale figures (amber) are covered by the pure tests (test/ui/offer-logic.test.ts): the demo
 * enters every figure when it loads.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { capacityEntries } from '../../src/ror/capacity/model';
import { freeBedsParameters } from '../helpers/ror';
import { availabilityOf, AVAILABILITY_STYLE } from '../../web/src/lib/offer-availability';
import { ARTIFACTS, describeBrowser, launchBrowser, screenshot, seriousViolations, signInAs, startUiServer, type Browser, type UiServer } from './helpers/ui';

const TOKEN = 'test-bootstrap-token-of-the-search-suite-0123456789';
const SENSITIVE_NAME = 'Unité protégée de test';

jest.setTimeout(60_000);

describeBrowser('search, map, unit page and dashboard', () => {
  let ui: UiServer;
  let browser: Browser;
  let green: { unit: string; location: string };
  let red: { unit: string; location: string };
  let sensitiveId: string;

  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${ui.url}${url}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/fhir+json', ...(body ? { 'Content-Type': 'application/fhir+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  beforeAll(async () => {
    [ui, browser] = await Promise.all([startUiServer({ ROR_BOOTSTRAP_TOKEN: TOKEN }), launchBrowser()]);
    const guyane = await api('GET', '/offer/search?department=973&limit=100');
    // Units with installed beds: their bed zone has entries before the update, so its history has several points.
    const units = guyane.results.filter((r: any) => r.location?.position && r.installedBeds > 0);
    expect(units.length).toBeGreaterThanOrEqual(2);
    green = { unit: units[0].healthcareService.id, location: units[0].location.id };
    red = { unit: units[1].healthcareService.id, location: units[1].location.id };
    await api('POST', `/Location/${green.location}/$set-capacity`, freeBedsParameters(4, '01'));
    // Every free-now entry of the other unit's bed zone (beds or places, any gender) to 0.
    for (const { record } of capacityEntries(await api('GET', `/Location/${red.location}`))) {
      if (record.capacityStatus !== '02' || record.temporalityCapacity !== '01') continue;
      const parameter = Object.entries(record)
        .filter(([name, value]) => value !== undefined && !['nbCapacity', 'capacityUpdateDate', 'capacitySourceType'].includes(name))
        .map(([name, value]) => ({ name, valueCode: value }));
      await api('POST', `/Location/${red.location}/$set-capacity`, { resourceType: 'Parameters', parameter: [...parameter, { name: 'nbCapacity', valueInteger: 0 }] });
    }
    const created = await api('POST', '/HealthcareService', {
      resourceType: 'HealthcareService',
      active: true,
      name: SENSITIVE_NAME,
      providedBy: { reference: `Organization/${units[0].organization.id}` },
      extension: [{ url: 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-healthcareservice-sensitive-unit', valueBoolean: true }],
    });
    sensitiveId = created.id;
    await ui.server.offer.drain();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  /** The search answer the page shows, asked by the page itself (with its session). */
  const answerOf = (page: Page, query: string) => page.evaluate((q) => fetch(`/offer/search?${q}&limit=20`).then((r) => r.json()), query);
  const viewportShot = async (page: Page, name: string) => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-ecran.png`) });
  };

  it('searches with a facet and shows the results on the map, coloured by availability', async () => {
    const { page, problems } = await browser.page();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, ui.url, /Analyste ARS/);
    await page.goto(`${ui.url}/ui/recherche`);
    await page.getByRole('heading', { level: 1, name: 'Rechercher dans l’offre de soins' }).waitFor();
    const everything = await answerOf(page, '');
    await page.waitForFunction((n) => document.querySelectorAll('path.offer-marker').length === n, everything.results.filter((r: any) => r.location?.position).length);
    await viewportShot(page, 'recherche');
    await page.getByRole('checkbox', { name: /Guyane \(973\)/ }).check();
    await page.waitForURL(`${ui.url}/ui/recherche?department=973`);

    const answer = await answerOf(page, 'department=973');
    expect(answer.total).toBeGreaterThanOrEqual(5);
    await page.getByRole('status').filter({ hasText: `${answer.total} unités trouvées` }).waitFor();
    const placed = answer.results.filter((r: any) => r.location?.position);
    await page.waitForFunction((n) => document.querySelectorAll('path.offer-marker').length === n, placed.length);
    // The colours of the markers are the availability of the units: one green, one red, the old demo figures amber.
    const expected: Record<string, number> = {};
    for (const r of placed) expected[availabilityOf(r)] = (expected[availabilityOf(r)] ?? 0) + 1;
    expect(expected.free).toBeGreaterThanOrEqual(1);
    expect(expected.full).toBeGreaterThanOrEqual(1);
    for (const a of ['free', 'full', 'stale', 'unknown'] as const) {
      const fills = await page.$$eval(`path.offer-marker-${a}`, (els) => els.map((e) => e.getAttribute('fill')));
      expect(fills.length).toBe(expected[a] ?? 0);
      for (const f of fills) expect(f).toBe(AVAILABILITY_STYLE[a].colour);
    }
    // Guyane is shown (the zone holding the results), and its button says how many there are.
    expect(await page.getByRole('button', { name: `Guyane (${placed.length})` }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('listitem').filter({ hasText: /^Lits disponibles \(\d+\)$/ }).waitFor();
    // The popup of a marker links to the unit's page.
    await page.locator('path.offer-marker-free').first().dispatchEvent('click');
    await page.locator('.leaflet-popup a[href^="/ui/unites/"]').waitFor();

    // The availability filter narrows the list and the map to the units with a free bed.
    await page.getByRole('checkbox', { name: 'Lits disponibles maintenant' }).check();
    await page.waitForURL(/department=973&available=true/);
    const available = await answerOf(page, 'department=973&available=true');
    await page.waitForFunction((n) => document.querySelectorAll('path.offer-marker').length === n, available.results.filter((r: any) => r.location?.position).length);
    expect(await page.locator('ol.results > li').count()).toBe(available.results.length);

    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'recherche');
    await page.getByRole('checkbox', { name: 'Lits disponibles maintenant' }).uncheck();
    await page.waitForFunction((n) => document.querySelectorAll('path.offer-marker').length === n, placed.length);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('suggests as one types, usable with the keyboard (combobox and listbox)', async () => {
    const { page, problems } = await browser.page();
    page.setDefaultTimeout(15_000);
    await signInAs(page, ui.url, /Analyste ARS/);
    await page.goto(`${ui.url}/ui/recherche`);
    const box = page.getByRole('combobox', { name: /Rechercher une unité/ });
    await box.click();
    await page.keyboard.type('réanim');
    const listbox = page.getByRole('listbox', { name: 'Suggestions' });
    await listbox.waitFor();
    expect(await box.getAttribute('aria-expanded')).toBe('true');
    const options = listbox.getByRole('option');
    expect(await options.count()).toBeGreaterThanOrEqual(1);
    await expectOption(options.first(), /Réanimation/);
    await page.keyboard.press('ArrowDown');
    const activeId = await box.getAttribute('aria-activedescendant');
    expect(activeId).toBeTruthy();
    expect(await page.locator(`#${activeId}`).getAttribute('aria-selected')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    // Échap closes the list, ↓ opens it again, Entrée opens the unit.
    await page.keyboard.press('Escape');
    expect(await box.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/unites\/[^/]+$/);
    await page.getByRole('heading', { level: 1, name: /Réanimation/ }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a unit: identity, offer, patientèle, current capacity and the capacity history chart with its table', async () => {
    const { page, problems } = await browser.page();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, ui.url, /Analyste ARS/);
    await page.goto(`${ui.url}/ui/unites/${green.unit}`);
    await page.getByRole('heading', { level: 2, name: 'Identité' }).waitFor();
    const establishment = page.locator('dd a[href^="/ui/etablissements/"]');
    expect(await establishment.count()).toBe(1);
    expect(await page.locator('dt:has-text("FINESS") + dd').textContent()).toMatch(/^97\d{7}$/);
    await page.getByRole('heading', { level: 2, name: 'Patientèle' }).waitFor();
    // Current capacity, read with the server's capacity model: the 4 free female beds just entered.
    const current = page.locator('table').filter({ has: page.locator('caption', { hasText: 'Capacité actuelle' }) }).first();
    await current.locator('tr', { hasText: 'Disponible' }).filter({ hasText: 'Femme' }).filter({ hasText: 'Courant' }).locator('td', { hasText: /^4$/ }).waitFor();
    // The chart is drawn (pixels on the canvas), and its figures are in a table.
    await page.locator('.chart-box[data-drawn="true"] canvas').first().waitFor();
    const painted = await page.locator('.chart-box canvas').first().evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(1000);
    expect(await page.locator('.chart-box canvas').first().getAttribute('aria-label')).toMatch(/Évolution de la capacité/);
    await page.getByText(/Les chiffres du graphique/).first().click();
    const rows = page.locator('details.chart-table').first().locator('tbody tr');
    await rows.filter({ hasText: 'Disponible — Femme' }).filter({ hasText: /4$/ }).first().waitFor();
    await rows.filter({ hasText: 'Installé' }).first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'unite');
    await page.locator('details.chart-table').first().evaluate((d: HTMLDetailsElement) => (d.open = false));
    await page.locator('h3').first().scrollIntoViewIfNeeded();
    await viewportShot(page, 'unite');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the dashboard, whose figures lead to the lists behind them', async () => {
    const { page, problems } = await browser.page();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    await signInAs(page, ui.url, /Analyste ARS/);
    await page.goto(`${ui.url}/ui/tableau-de-bord`);
    await page.getByRole('heading', { level: 1, name: 'Tableau de bord' }).waitFor();
    const d = await page.evaluate(() => fetch('/offer/dashboard').then((r) => r.json()));
    const guyane = d.byDepartment.find((x: any) => x.code === '973');
    expect(guyane.unitsWithFreeBeds).toBeGreaterThanOrEqual(1);
    const figures = page.getByRole('list', { name: 'Chiffres clés' });
    await figures.getByRole('link', { name: /unités jamais mises à jour/ }).waitFor();
    expect(await figures.getByRole('link', { name: /unités$/ }).first().textContent()).toContain(String(d.totals.units));
    await page.locator('.chart-box canvas').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'tableau-de-bord');
    await viewportShot(page, 'tableau-de-bord');

    // Guyane's "units with free beds" → the search of Guyane's units with a free bed, which lists as many.
    await page.getByRole('link', { name: `${guyane.unitsWithFreeBeds} unités avec lits libres — Guyane (973)` }).click();
    await page.waitForURL(`${ui.url}/ui/recherche?department=973&available=true&sort=freeBeds`);
    await page.getByRole('status').filter({ hasText: new RegExp(`^${guyane.unitsWithFreeBeds} unités? trouvées?$`) }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Lits disponibles maintenant' }).isChecked()).toBe(true);

    // The "never updated" figure leads to its list on the page.
    await page.goto(`${ui.url}/ui/tableau-de-bord`);
    await figures.getByRole('link', { name: /unités jamais mises à jour/ }).click();
    const never = page.getByRole('region', { name: 'Unités jamais mises à jour' });
    await never.waitFor();
    // The sensitive unit created without capacity is in it (the analyst sees sensitive units).
    await never.getByRole('link', { name: SENSITIVE_NAME }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('hides sensitive units from an orientation coordinator (access profile 2)', async () => {
    const { page, problems } = await browser.page({ mobile: true });
    page.setDefaultTimeout(15_000);
    await signInAs(page, ui.url, /Coordinateur d’orientation/);
    await page.goto(`${ui.url}/ui/recherche?department=973`);
    const answer = await answerOf(page, 'department=973');
    await page.getByRole('status').filter({ hasText: `${answer.total} unités trouvées` }).waitFor();
    expect(answer.results.some((r: any) => r.healthcareService.id === sensitiveId)).toBe(false);
    expect(await page.getByRole('link', { name: SENSITIVE_NAME }).count()).toBe(0);
    // The analyst's search had one unit more: the sensitive one.
    const all = await api('GET', '/offer/search?department=973&limit=100');
    expect(all.total).toBe(answer.total + 1);
    // Nor on the dashboard, nor by its address.
    await page.goto(`${ui.url}/ui/tableau-de-bord`);
    await page.getByRole('heading', { level: 2, name: 'Unités jamais mises à jour' }).waitFor();
    expect(await page.getByText(SENSITIVE_NAME).count()).toBe(0);
    await page.goto(`${ui.url}/ui/unites/${sensitiveId}`);
    await page.getByRole('heading', { level: 1, name: 'Unité introuvable' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // The phone layout keeps to the screen's width.
    await page.goto(`${ui.url}/ui/recherche?department=973`);
    await page.locator('path.offer-marker').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'recherche-mobile');
    expect(problems).toEqual([]);
    await page.close();
  });
});

async function expectOption(option: import('playwright-core').Locator, text: RegExp): Promise<void> {
  expect(await option.textContent()).toMatch(text);
}
