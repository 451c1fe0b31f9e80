/**
 * The web application's frame in a real browser: the home page, sign-in with a demo account of each role and
 * sign-out, the navigation each role gets, the phone layout, accessibility (axe-core) and a clean console (no CSP
 * violation, no missing asset).
 */
import { describeBrowser, launchBrowser, screenshot, seriousViolations, signInAs, startUiServer, type Browser, type UiServer } from './helpers/ui';

describeBrowser('web application frame', () => {
  let ui: UiServer;
  let browser: Browser;
  beforeAll(async () => {
    [ui, browser] = await Promise.all([startUiServer(), launchBrowser()]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('opens on the home page, in French, without console errors or accessibility violations', async () => {
    const { page, problems } = await browser.page();
    await page.goto(`${ui.url}/`);
    await page.waitForURL(`${ui.url}/ui/`);
    await page.getByRole('heading', { level: 1, name: 'Répertoire opérationnel des ressources' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.title()).toBe('Accueil — ROR');
    await page.getByRole('link', { name: 'Se connecter' }).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'accueil');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('signs in with a demo account, shows what the role may use, and signs out', async () => {
    const { page, problems } = await browser.page();
    await page.goto(`${ui.url}/ui/connexion`);
    await page.getByRole('heading', { name: 'Comptes de démonstration' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'connexion');

    await signInAs(page, ui.url, /CH de Bourg-en-Bresse/);
    await page.getByText('Gestionnaire de lits — CH de Bourg-en-Bresse').first().waitFor();
    expect(await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes lits' }).count()).toBe(1);

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('link', { name: 'Se connecter' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Mes lits' }).count()).toBe(0);
    // The session is gone on the server too, not only in the page.
    const session = await page.evaluate(() => fetch('/auth/session?optional').then((r) => r.json()));
    expect(session.signedIn).toBe(false);

    await signInAs(page, ui.url, /Analyste ARS/);
    expect(await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Mes lits' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps the navigation usable on a phone', async () => {
    const { page, problems } = await browser.page({ mobile: true });
    await page.goto(`${ui.url}/ui/`);
    const link = page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Recherche' });
    const box = await link.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await screenshot(page, 'accueil-mobile');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('answers an unknown page with a page that says so', async () => {
    const { page, problems } = await browser.page();
    await page.goto(`${ui.url}/ui/nulle-part`);
    await page.getByRole('heading', { level: 1, name: 'Page introuvable' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
