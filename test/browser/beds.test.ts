/**
 * The establishments' pages in a real browser, signed in as the CH de Bourg-en-Bresse's bed manager: "Mes lits"
 * (units and zones with ages, −/+ and Enregistrer, the new figure after a reload and in offer search, "Rien n'a
 * changé", a concurrent update shown side by side and not lost, no other establishment's zone and a 403 for it),
 * the CSV import (the template, a file with a bad row: the report before and after; a good file applied), the
 * establishment page (units, practitioners, freshness), axe-core on each page, a phone viewport.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { freeBedsParameters } from '../helpers/ror';
import { ARTIFACTS, describeBrowser, eventually, launchBrowser, screenshot, seriousViolations, signInAs, startUiServer, type Browser, type UiServer } from './helpers/ui';

const CARDIO_ZONE = 'Cardiologie - hospitalisation complète - CH DE FLEYRIAT';
const GERIA_ZONE = 'Médecine gériatrique aiguë - CH DE FLEYRIAT';
const FREE_FEMALE = 'Disponible — Femme, Lits, courant';
const FREE_MALE = 'Disponible — Homme, Lits, courant';

/** A request from the page's session (its cookie and CSRF token), as the page's own code would make it. */
async function api(page: Page, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  return page.evaluate(
    async ({ method, url, body, headers }) => {
      const session = await (await fetch('/auth/session')).json();
      const res = await fetch(url, {
        method,
        headers: { Accept: 'application/fhir+json', 'X-CSRF-Token': session.csrfToken, ...(body ? { 'Content-Type': 'application/fhir+json' } : {}), ...headers },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, etag: res.headers.get('etag'), body: await res.json().catch(() => undefined) };
    },
    { method, url, body, headers },
  );
}

async function locationByIdentifier(page: Page, value: string) {
  const res = await api(page, 'GET', `/Location?identifier=${encodeURIComponent(`https://demo.ror.example.org/fhir/sid/lieu|${value}`)}`);
  return res.body.entry[0].resource as { id: string; meta: { versionId: string }; extension: any[] };
}

const figure = (location: { extension: any[] }, status: string, gender?: string, temporality = '01'): any =>
  location.extension
    .filter((e) => e.url.endsWith('ror-location-supported-capacity'))
    .map((e) => Object.fromEntries(e.extension.map((s: any) => [s.url, s.valueInteger ?? s.valueDateTime ?? s.valueCodeableConcept?.coding?.[0]?.code])))
    .find((r: any) => r.capacityStatus === status && r.genderCapacityAvailable === gender && r.temporalityCapacity === temporality);

const STATUS_TEXT: Record<number, string> = { 403: 'Forbidden', 412: 'Precondition Failed', 422: 'Unprocessable Entity' };

const zone = (page: Page, name: string) => page.getByRole('group', { name });
const field = (page: Page, zoneName: string, label: string) => zone(page, zoneName).getByLabel(label, { exact: true });

jest.setTimeout(60_000);

describeBrowser('establishments: Mes lits, CSV import, establishment page', () => {
  /** Statuses a test provokes on purpose (Chromium logs every 4xx answer to fetch as a console error). */
  let expected: number[] = [];
  let ui: UiServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  beforeAll(async () => {
    // The demo's Fleyriat figures are 3 h older than its latest: stale after 2 h, so the page has stale zones to show.
    [ui, browser] = await Promise.all([startUiServer({ ROR_CAPACITY_STALE_HOURS: '2' }), launchBrowser()]);
    ({ page, problems } = await browser.page());
    await signInAs(page, ui.url, /CH de Bourg-en-Bresse/);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });
  afterEach(() => {
    const unexpected = problems.splice(0).filter((p) => !expected.some((status) => p === `console: Failed to load resource: the server responded with a status of ${status} (${STATUS_TEXT[status]})`));
    expected = [];
    expect(unexpected).toEqual([]);
  });

  it('shows my units and bed zones with their ages, and no other establishment’s', async () => {
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes lits' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mes lits' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Cardiologie - hospitalisation complète' }).waitFor();
    await zone(page, CARDIO_ZONE).waitFor();
    await zone(page, GERIA_ZONE).waitFor();
    expect(await zone(page, CARDIO_ZONE).getByText(/Mis à jour il y a \d+ h/).count()).toBe(1);
    // Stale (older than ROR_CAPACITY_STALE_HOURS): said in words, by the server's tag, and in the warning colour.
    expect(await zone(page, CARDIO_ZONE).getByText('À mettre à jour', { exact: true }).count()).toBe(1);
    expect(await zone(page, CARDIO_ZONE).getByText('Capacités non mises à jour depuis plus de 2 h').count()).toBe(1);
    expect(await zone(page, CARDIO_ZONE).getAttribute('class')).toContain('bed-zone-stale');
    expect(await field(page, CARDIO_ZONE, FREE_FEMALE).inputValue()).toBe('2');
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/CAYENNE|CONVERT|PONTARLIER/i);
    expect(await page.getByRole('link', { name: 'CH DE FLEYRIAT' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Fiche de l’unité Cardiologie - hospitalisation complète' }).getAttribute('href')).toMatch(/^\/ui\/unites\/[\w-]+$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'mes-lits');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-mes-lits.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('updates a figure with −/+ and Enregistrer: kept after a reload, then shown by offer search, in the search page and on its map', async () => {
    const before = await locationByIdentifier(page, '010000024-cardiologie');
    const input = field(page, CARDIO_ZONE, FREE_FEMALE);
    await zone(page, CARDIO_ZONE).getByRole('button', { name: `Ajouter 1 : ${FREE_FEMALE}` }).click();
    await zone(page, CARDIO_ZONE).getByRole('button', { name: `Ajouter 1 : ${FREE_FEMALE}` }).click();
    await zone(page, CARDIO_ZONE).getByRole('button', { name: `Retirer 1 : ${FREE_FEMALE}` }).click();
    // Keyboard only: the arrow key of a number field, then Enter submits the page.
    await input.focus();
    await page.keyboard.press('ArrowUp');
    await eventually(() => input.inputValue(), '4');
    await page.getByRole('button', { name: 'Enregistrer (1)' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByText('Enregistré : 1 chiffre mis à jour.').waitFor();

    const after = await locationByIdentifier(page, '010000024-cardiologie');
    expect(Number(after.meta.versionId)).toBe(Number(before.meta.versionId) + 1);
    expect(figure(after, '02', '01').nbCapacity).toBe(4);
    expect(figure(after, '02', '02').nbCapacity).toBe(1); // untouched

    await page.reload();
    await zone(page, CARDIO_ZONE).waitFor();
    expect(await field(page, CARDIO_ZONE, FREE_FEMALE).inputValue()).toBe('4');
    expect(await zone(page, CARDIO_ZONE).getByText(/Mis à jour à l’instant/).count()).toBe(1);
    expect(await zone(page, CARDIO_ZONE).getByText('À jour', { exact: true }).count()).toBe(1);
    expect(await zone(page, CARDIO_ZONE).getAttribute('class')).not.toContain('bed-zone-stale');

    // The offer index follows the write through the outbox: poll offer search until it shows the new figure.
    let free: { female?: number } | undefined;
    for (let i = 0; i < 50 && free?.female !== 4; i++) {
      const found = await page.evaluate(() => fetch('/offer/search?q=cardiologie').then((r) => r.json()));
      free = found.results.find((r: any) => r.healthcareService.name === 'Cardiologie - hospitalisation complète')?.freeBeds;
      if (free?.female !== 4) await page.waitForTimeout(100);
    }
    expect(free).toMatchObject({ female: 4, male: 1 });

    // The same figure in the search page's list and in its map marker's popup, as the coordinators see it.
    await page.goto(`${ui.url}/ui/recherche?q=${encodeURIComponent('cardiologie hospitalisation complète')}`);
    const result = page.locator('li.result', { has: page.getByRole('link', { name: 'Cardiologie - hospitalisation complète', exact: true }) });
    await result.locator('.result-beds', { hasText: '5 lits libres (4 F, 1 H)' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('path.offer-marker').length > 0);
    const markers = page.locator('path.offer-marker-free');
    let popupSeen = false;
    for (let i = 0; i < (await markers.count()) && !popupSeen; i++) {
      await markers.nth(i).dispatchEvent('click');
      const popup = page.locator('.leaflet-popup-content');
      await popup.waitFor();
      popupSeen = (await popup.innerText()).includes('Cardiologie - hospitalisation complète') && (await popup.innerText()).includes('5 lits libres (4 F, 1 H)');
    }
    expect(popupSeen).toBe(true);
    // Once Leaflet's popup has faded in (axe measures a half-transparent popup's contrast otherwise).
    await page.waitForFunction(() => getComputedStyle(document.querySelector('.leaflet-popup')!).opacity === '1');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${ui.url}/ui/mes-lits`);
    await zone(page, CARDIO_ZONE).waitFor();
  });

  it('"Rien n’a changé" moves the update date of every entry, not the figures', async () => {
    const before = await locationByIdentifier(page, '010000024-geriatrie');
    const installedBefore = figure(before, '01', undefined);
    expect(await zone(page, GERIA_ZONE).getByText('À mettre à jour', { exact: true }).count()).toBe(1);
    await page.waitForTimeout(20);
    await page.getByRole('button', { name: `Rien n’a changé pour « ${GERIA_ZONE} »` }).click();
    await page.getByText('Chiffres confirmés pour 1 zone : ils datent de maintenant.').waitFor();
    const after = await locationByIdentifier(page, '010000024-geriatrie');
    const installedAfter = figure(after, '01', undefined);
    expect(installedAfter.nbCapacity).toBe(installedBefore.nbCapacity);
    expect(Date.parse(installedAfter.capacityUpdateDate)).toBeGreaterThan(Date.parse(installedBefore.capacityUpdateDate));
    expect(Number(after.meta.versionId)).toBe(Number(before.meta.versionId) + 1);
    expect(await zone(page, GERIA_ZONE).getByText(/Mis à jour à l’instant/).count()).toBe(1);
    expect(await zone(page, GERIA_ZONE).getByText('À jour', { exact: true }).count()).toBe(1);
  });

  it('a concurrent update is shown beside mine, and keeping mine loses nothing', async () => {
    expected = [412];
    await page.reload();
    await zone(page, CARDIO_ZONE).waitFor();
    await zone(page, CARDIO_ZONE).getByRole('button', { name: `Ajouter 1 : ${FREE_MALE}` }).click(); // 1 → 2
    // Meanwhile, someone else sets the male free beds to 7 (no If-Match: they saw a newer page).
    const loc = await locationByIdentifier(page, '010000024-cardiologie');
    const other = await api(page, 'POST', `/Location/${loc.id}/$set-capacity`, freeBedsParameters(7, '02'));
    expect(other.status).toBe(200);

    await page.getByRole('button', { name: 'Enregistrer (1)' }).click();
    const alert = zone(page, CARDIO_ZONE).getByRole('alert');
    await alert.getByText('Modifié par quelqu’un d’autre').waitFor();
    const row = alert.getByRole('row', { name: /Disponible — Homme/ });
    await eventually(() => row.getByRole('cell').allInnerTexts(), ['1', '7', '2']);
    // Nothing was written over theirs, and my figure is still on the page.
    expect(figure(await locationByIdentifier(page, '010000024-cardiologie'), '02', '02').nbCapacity).toBe(7);
    await eventually(() => field(page, CARDIO_ZONE, FREE_MALE).inputValue(), '2');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'mes-lits-conflit');

    await alert.getByRole('button', { name: 'Garder mes chiffres' }).click();
    await page.getByText(`« ${CARDIO_ZONE} » : vos chiffres sont enregistrés.`).waitFor();
    const after = await locationByIdentifier(page, '010000024-cardiologie');
    expect(figure(after, '02', '02').nbCapacity).toBe(2);
    expect(figure(after, '02', '01').nbCapacity).toBe(4); // the other entries were left alone

    // Another time, taking theirs: their figure is shown, mine dropped.
    await zone(page, CARDIO_ZONE).getByRole('button', { name: `Retirer 1 : ${FREE_MALE}` }).click(); // 2 → 1
    expect((await api(page, 'POST', `/Location/${loc.id}/$set-capacity`, freeBedsParameters(5, '02'))).status).toBe(200);
    await page.getByRole('button', { name: 'Enregistrer (1)' }).click();
    await zone(page, CARDIO_ZONE).getByRole('button', { name: 'Prendre les leurs' }).click();
    await eventually(() => field(page, CARDIO_ZONE, FREE_MALE).inputValue(), '5');
    expect(figure(await locationByIdentifier(page, '010000024-cardiologie'), '02', '02').nbCapacity).toBe(5);
  });

  it('may not change another establishment’s zone: 403, said in French', async () => {
    expected = [403];
    const cayenne = await locationByIdentifier(page, '970300026-mit');
    const res = await api(page, 'POST', `/Location/${cayenne.id}/$set-capacity`, freeBedsParameters(9, '01'));
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await api(page, 'POST', `/Location/${cayenne.id}/$confirm-capacity`).then((r) => r.status)).toBe(403);
    // Through the page's own import: the row is refused, in French.
    await page.goto(`${ui.url}/ui/mes-lits/import`);
    await page.getByRole('heading', { level: 1, name: 'Importer mes lits (CSV)' }).waitFor();
    await page.getByLabel('Fichier CSV à importer').setInputFiles({
      name: 'cayenne.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;nbCapacity\n970300026-mit;01;02;01;01;9\n'),
    });
    await page.getByText(/vous n’avez pas le droit de modifier la zone/).waitFor();
    expect(figure(await locationByIdentifier(page, '970300026-mit'), '02', '01').nbCapacity).not.toBe(9);
  });

  it('imports a CSV: the template holds my zones, a bad row is reported before and after, a good file applies', async () => {
    expected = [422];
    await page.goto(`${ui.url}/ui/mes-lits/import`);
    await page.getByRole('button', { name: 'Télécharger le modèle prérempli' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Télécharger le modèle prérempli' }).click()]);
    expect(download.suggestedFilename()).toBe('capacites-010780054-010000024.csv');
    const template = fs.readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = template.trim().split(/\r\n/);
    expect(lines[0]).toBe('location;capacityType;capacityStatus;temporalityCapacity;genderCapacityAvailable;capacityClosingType;additionalBedType;crisisType;temporaryAssignement;nbCapacity');
    const cardio = await locationByIdentifier(page, '010000024-cardiologie');
    expect(lines).toContain(`${cardio.id};01;02;01;01;;;;01;4`);
    expect(template).not.toMatch(/970300026/);

    // The template with one figure changed and one bad row.
    const edited = lines.map((l) => (l === `${cardio.id};01;02;01;01;;;;01;4` ? `${cardio.id};01;02;01;01;;;;01;6` : l));
    const bad = [...edited.slice(0, 2), `${cardio.id};01;02;01;02;;;;01;-3`, ...edited.slice(2)];
    await page.getByLabel('Fichier CSV à importer').setInputFiles({ name: 'lits.csv', mimeType: 'text/csv', buffer: Buffer.from(bad.join('\n')) });
    await page.getByRole('heading', { name: '3. Vérification avant l’envoi' }).waitFor();
    const beforeTable = page.getByRole('table', { name: 'Vérification de lits.csv' });
    await beforeTable.getByRole('row', { name: /^3 Erreur/ }).getByText('le nombre doit être 0 ou plus (reçu : -3)').waitFor();
    await page.getByText(/1 ligne sur \d+ est en erreur : l’import serait refusé en entier/).waitFor();
    expect(figure(await locationByIdentifier(page, '010000024-cardiologie'), '02', '01').nbCapacity).toBe(4);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'import-avant');

    await page.getByRole('button', { name: 'Importer quand même' }).click();
    await page.getByRole('heading', { name: '4. Résultat de l’import' }).waitFor();
    await page.getByText(/rien n’a été importé \(l’import est tout ou rien\)/).waitFor();
    await page.getByRole('table', { name: 'Résultat de l’import' }).getByText('le nombre doit être 0 ou plus (reçu : -3)').waitFor();
    expect(figure(await locationByIdentifier(page, '010000024-cardiologie'), '02', '01').nbCapacity).toBe(4);
    await screenshot(page, 'import-apres-erreur');

    await page.getByLabel('Fichier CSV à importer').setInputFiles({ name: 'lits-corrige.csv', mimeType: 'text/csv', buffer: Buffer.from(edited.join('\n')) });
    await page.getByText(/Les \d+ lignes sont valides : rien n’est encore enregistré/).waitFor();
    await page.getByRole('table', { name: 'Vérification de lits-corrige.csv' }).getByText(/Disponible \/ Courant \/ Femme : 6 \(avant : 4\) — serait appliquée/).waitFor();
    await page.getByRole('button', { name: 'Importer le fichier' }).click();
    await page.getByText(/Les \d+ lignes ont été enregistrées/).waitFor();
    expect(figure(await locationByIdentifier(page, '010000024-cardiologie'), '02', '01').nbCapacity).toBe(6);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'import-apres');
  });

  it('shows the establishment page: identity, units with free beds, practitioners, freshness', async () => {
    await page.goto(`${ui.url}/ui/mes-lits`);
    await page.getByRole('link', { name: 'CH DE FLEYRIAT' }).click();
    await page.getByRole('heading', { level: 1, name: 'CH DE FLEYRIAT' }).waitFor();
    await page.getByText('010000024 (entité géographique)').waitFor();
    await page.getByText('Centre Hospitalier (C.H.)').waitFor();
    await page.getByRole('link', { name: 'CENTRE HOSPITALIER DE BOURG-EN-BRESSE' }).waitFor();
    const units = page.getByRole('table', { name: 'Unités de CH DE FLEYRIAT' });
    const cardio = units.getByRole('row', { name: /Cardiologie - hospitalisation complète/ });
    expect(await cardio.getByRole('cell').nth(1).innerText()).toBe('11'); // 6 women (the import) + 5 men (theirs, taken)
    expect(await cardio.getByRole('link').getAttribute('href')).toMatch(/^\/ui\/unites\//);
    await page.getByRole('heading', { name: 'Fraîcheur des données' }).waitFor();
    await page.getByText(/des zones à mettre à jour \(0 sur 2\)/).waitFor();
    await page.getByText('Aucun professionnel rattaché dans le répertoire.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'etablissement');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-etablissement.png') });
    await page.setViewportSize({ width: 1280, height: 900 });

    // A site with a practitioner from the RPPS (Pontarlier, in the demo region).
    const org = await api(page, 'GET', `/Organization?identifier=${encodeURIComponent('https://finess.esante.gouv.fr|250000700')}`);
    await page.goto(`${ui.url}/ui/etablissements/${org.body.entry[0].resource.id}`);
    const practitioners = page.getByRole('table', { name: /^Professionnels de / });
    const leger = practitioners.getByRole('row', { name: /ROMAIN LEGER/ });
    await leger.waitFor();
    expect(await leger.getByRole('cell').allInnerTexts()).toEqual(['M ROMAIN LEGER', 'Médecin', 'Spécialiste en Médecine générale (SM)', 'Médecine polyvalente', '10100271385']);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'etablissement-praticiens');
  });

  it('fits a phone: large targets, no horizontal scroll, the actions at hand', async () => {
    const phone = await browser.page({ mobile: true });
    await phone.page.goto(`${ui.url}/ui/mes-lits`);
    await zone(phone.page, CARDIO_ZONE).waitFor();
    const plus = zone(phone.page, CARDIO_ZONE).getByRole('button', { name: `Ajouter 1 : ${FREE_FEMALE}` });
    const box = (await plus.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.width).toBeGreaterThanOrEqual(44);
    expect((await field(phone.page, CARDIO_ZONE, FREE_FEMALE).boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const save = phone.page.getByRole('button', { name: /^Enregistrer/ });
    expect((await save.boundingBox())!.y).toBeLessThan(844); // sticky at the bottom of the screen
    expect(await seriousViolations(phone.page)).toEqual([]);
    await phone.page.screenshot({ path: path.join(ARTIFACTS, 'mes-lits-mobile.png') });
    expect(phone.problems).toEqual([]);
    await phone.page.close();
  });
});
