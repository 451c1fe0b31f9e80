/**
 * Data quality in the web application, in a real browser on the demo region: anomalies are raised by the server's
 * quality worker from real writes (a bed zone without position, an establishment renamed away from the national
 * value the referential sync recorded); the analyst lists and filters them and keeps a declared value with a
 * reason; the Bourg establishment sees only its own and accepts the national value; the dashboard's trend charts
 * draw after "Calculer maintenant". axe-core and a clean console on every page.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { nationalRow } from '../../src/sync/reconcile/national';
import { describeBrowser, launchBrowser, screenshot, seriousViolations, signInAs, startUiServer, type Browser, type UiServer } from './helpers/ui';

const FINESS = 'https://finess.esante.gouv.fr';

/** A FHIR call from the page, as the signed-in user (session cookie and CSRF token). */
async function api(page: Page, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ([method, url, body]) => {
      const session = await (await fetch('/auth/session')).json();
      const res = await fetch(url as string, {
        method: method as string,
        headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json', 'X-CSRF-Token': session.csrfToken },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    [method, url, body] as const,
  );
}

describeBrowser('data quality pages', () => {
  let ui: UiServer;
  let browser: Browser;
  let admin: Page;
  const ids: Record<string, string> = {};
  /** Read from the store: the browser's pages share one cookie jar, so the admin page's session changes with the tests' sign-ins. */
  const stored = async (type: string, id: string) => JSON.parse((await ui.server.store.read(type, id))!.json);

  async function waitForTask(query: string): Promise<any> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await api(admin, 'GET', `/Task?${query}`);
      const task = res.body.entry?.[0]?.resource;
      if (task || Date.now() > deadline) return task;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    [ui, browser] = await Promise.all([startUiServer(), launchBrowser()]);
    admin = (await browser.page()).page;
    await signInAs(admin, ui.url, 'Administrateur');
    for (const [name, finess] of [['fleyriat', '010000024'], ['convert', '010780195']]) {
      const b = await api(admin, 'GET', `/Organization?identifier=${FINESS}|${finess}`);
      ids[name] = b.body.entry[0].resource.id;
    }
    // What the referential sync records when it writes an establishment: this version is the national value.
    const current = await ui.server.store.read('Organization', ids.fleyriat);
    await ui.server.store.transaction((tx) => tx.saveSyncState([nationalRow(current!)!]));
    const org = (await api(admin, 'GET', `/Organization/${ids.fleyriat}`)).body;
    ids.nationalName = org.name;
    expect((await api(admin, 'PUT', `/Organization/${ids.fleyriat}`, { ...org, name: 'Fleyriat, nom local' })).status).toBe(200);
    // Bed zones without position: one at Fleyriat, two at the Clinique Convert.
    for (const [key, owner, name] of [
      ['locF', ids.fleyriat, 'Zone Fleyriat sans position'],
      ['locC1', ids.convert, 'Zone Convert A sans position'],
      ['locC2', ids.convert, 'Zone Convert B sans position'],
    ]) {
      const res = await api(admin, 'POST', '/Location', { resourceType: 'Location', status: 'active', name, managingOrganization: { reference: `Organization/${owner}` }, address: { city: 'Bourg-en-Bresse' } });
      expect(res.status).toBe(201);
      ids[key] = res.body.id;
    }
    // The quality worker drains its queue every second.
    for (const key of ['locF', 'locC1', 'locC2']) {
      const task = await waitForTask(`focus=Location/${ids[key]}&status=ready`);
      expect(task).toBeDefined();
      ids[`task-${key}`] = task.id;
    }
    expect(await waitForTask(`focus=Organization/${ids.fleyriat}&status=ready&code=https://mos.esante.gouv.fr/NOS/TRE_R350-ThematiqueAnomalie/FHIR/TRE-R350-ThematiqueAnomalie|06`)).toBeDefined();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('lists the anomalies of the region for the analyst, filters by theme, and keeps a declared value with a reason', async () => {
    const { page, problems } = await browser.page();
    await signInAs(page, ui.url, /Analyste ARS/);
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Anomalies' }).click();
    await page.getByRole('heading', { level: 1, name: 'Anomalies de données' }).waitFor();
    const table = page.locator('table.task-table');
    await table.getByRole('link', { name: 'Zone de lits Zone Convert A sans position' }).waitFor();
    await table.getByRole('link', { name: 'Zone de lits Zone Fleyriat sans position' }).waitFor();
    await table.getByText('Fleyriat, nom local').first().waitFor();
    // Links to the pages of the data in question.
    expect(await table.getByRole('link', { name: /Établissement Fleyriat, nom local/ }).first().getAttribute('href')).toBe(`/ui/etablissements/${ids.fleyriat}`);

    await page.getByLabel('Thématique').selectOption({ label: 'Complétude' });
    await page.waitForURL(/theme=01/);
    await table.getByRole('link', { name: 'Zone de lits Zone Convert A sans position' }).waitFor();
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('table.task-table tbody tr')).some((tr) => tr.textContent?.includes('Exactitude')));
    const badges = await table.locator('tbody .badge').allTextContents();
    expect(new Set(badges)).toEqual(new Set(['Complétude']));
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 800 });
    fs.mkdirSync(path.resolve(__dirname, '../../docs/screenshots'), { recursive: true });
    await page.screenshot({ path: path.resolve(__dirname, '../../docs/screenshots/taches.png') });

    const row = table.locator(`tr[data-task]`, { hasText: 'Zone Convert A sans position' });
    await row.getByRole('button', { name: /^Conserver la valeur déclarée/ }).click();
    const submit = row.getByRole('button', { name: 'Conserver et clore' });
    expect(await submit.isDisabled()).toBe(true); // the reason is required
    await row.getByLabel(/Pourquoi la valeur déclarée est juste/).fill('Unité mobile : pas de position fixe');
    await submit.click();
    await page.getByText('La valeur déclarée est conservée').waitFor();
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('table.task-table')).some((t) => t.textContent?.includes('Zone Convert A sans position')));
    const closed = await stored('Task', ids['task-locC1']);
    expect(closed.status).toBe('completed');
    expect(closed.businessStatus.coding[0].code).toBe('07');
    expect(closed.statusReason.text).toBe('Unité mobile : pas de position fixe');

    // Closed ones are listed with their reason.
    await page.getByLabel('Closes').check();
    await page.waitForURL(/statut=fermees/);
    await page.getByText('Motif : Unité mobile : pas de position fixe').waitFor();
    await screenshot(page, 'taches-analyste');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the Bourg establishment its own anomalies only, and accepts the national value', async () => {
    const { page, problems } = await browser.page();
    await signInAs(page, ui.url, /CH de Bourg-en-Bresse/);
    await page.goto(`${ui.url}/ui/etablissements/${ids.fleyriat}`);
    const count = page.getByRole('link', { name: /anomalies? ouvertes?/ });
    await count.waitFor();
    expect(await count.getAttribute('href')).toContain(`etablissement=${ids.fleyriat}`);
    await count.click();
    await page.getByRole('heading', { level: 1, name: 'Anomalies de données' }).waitFor();
    const table = page.locator('table.task-table');
    await table.getByRole('link', { name: 'Zone de lits Zone Fleyriat sans position' }).waitFor();

    // Not another establishment's, even without the filter.
    await page.goto(`${ui.url}/ui/taches`);
    await table.getByRole('link', { name: 'Zone de lits Zone Fleyriat sans position' }).waitFor();
    expect(await page.getByText('Zone Convert B sans position').count()).toBe(0);
    expect(await page.getByLabel('Établissement', { exact: true }).count()).toBe(0);
    // There is another establishment's open task to hide.
    expect(await stored('Task', ids['task-locC2'])).toMatchObject({ status: 'ready', owner: { reference: `Organization/${ids.convert}` } });
    const owners = await page.evaluate(() => Array.from(document.querySelectorAll('table.task-table .task-owner')).map((e) => e.textContent));
    expect(owners.filter((o) => /Convert/.test(o ?? ''))).toEqual([]);

    const row = table.locator('tr[data-task]', { hasText: 'Fleyriat, nom local' }).filter({ has: page.getByRole('button', { name: /^Reprendre la valeur nationale/ }) });
    await row.getByRole('button', { name: /^Reprendre la valeur nationale/ }).click();
    await page.getByText('La valeur nationale a été reprise').waitFor();
    expect((await stored('Organization', ids.fleyriat)).name).toBe(ids.nationalName);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'taches-etablissement');

    // On a phone the list stacks and nothing overflows.
    const phone = await browser.page({ mobile: true });
    await phone.page.goto(`${ui.url}/ui/taches`);
    await phone.page.locator('table.task-table').getByRole('link', { name: 'Zone de lits Zone Fleyriat sans position' }).waitFor();
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone.page, 'taches-mobile');
    expect(phone.problems).toEqual([]);
    await phone.page.close();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('reports an anomaly by hand from a unit page', async () => {
    const { page, problems } = await browser.page();
    await signInAs(page, ui.url, /CH de Bourg-en-Bresse/);
    const unit = (await api(page, 'GET', `/HealthcareService?organization=Organization/${ids.fleyriat}&_count=1`)).body.entry[0].resource;
    await page.goto(`${ui.url}/ui/unites/${unit.id}`);
    await page.getByRole('link', { name: 'Signaler une anomalie sur cette unité' }).click();
    await page.getByRole('heading', { level: 1, name: 'Signaler une anomalie' }).waitFor();
    await page.getByLabel(/Ce qui est faux/).fill('Le téléphone du secrétariat a changé');
    await page.getByLabel('Thématique').selectOption({ label: 'Exactitude' });
    await page.getByRole('button', { name: 'Signaler' }).click();
    await page.getByText('L’anomalie est signalée').waitFor();
    const reported = (await api(page, 'GET', `/Task?focus=HealthcareService/${unit.id}&status=ready`)).body.entry.map((e: any) => e.resource);
    expect(reported.some((t: any) => t.description === 'Le téléphone du secrétariat a changé' && t.code.coding[0].code === '06')).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('draws the quality trends on the dashboard after "Calculer maintenant"', async () => {
    const { page, problems } = await browser.page();
    await signInAs(page, ui.url, /Analyste ARS/);
    await page.goto(`${ui.url}/ui/tableau-de-bord`);
    await page.getByRole('heading', { name: 'Tendances de la qualité des données' }).waitFor();
    await page.getByText(/Aucun calcul d’indicateur n’est encore enregistré/).waitFor();
    await page.getByRole('button', { name: 'Calculer maintenant' }).click();
    await page.getByText(/Indicateurs calculés pour/).waitFor();
    await page.locator('.trend canvas').first().waitFor();
    expect(await page.locator('.trend canvas').count()).toBe(3);
    // The chart is drawn (pixels), and its figures are in a table.
    await page.waitForFunction(() => {
      const c = document.querySelector('.trend canvas') as HTMLCanvasElement | null;
      return !!c && c.width > 0 && c.toDataURL().length > 2000;
    });
    const tasksTrend = page.locator('.trend', { hasText: 'Anomalies ouvertes' });
    await tasksTrend.getByText(/Les chiffres/).click();
    expect(await tasksTrend.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await tasksTrend.getByRole('link', { name: 'Série en CSV' }).getAttribute('href')).toMatch(/\$series\?subject=department%2F\d+&_format=csv/);
    const csv = await page.evaluate((href) => fetch(href).then((r) => r.text()), (await tasksTrend.getByRole('link', { name: 'Dernier calcul en CSV' }).getAttribute('href'))!);
    expect(csv).toContain('mesure;sujet');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'tableau-de-bord-tendances');
    expect(problems).toEqual([]);
    await page.close();
  });
});
