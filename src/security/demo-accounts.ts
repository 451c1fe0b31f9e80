/**
 * Demo accounts: on the demo region (`npm start` on an empty store), a newcomer signs in as each kind of user of
 * the ROR without an identity provider: an establishment's bed manager, an ARS analyst, an orientation tool's
 * coordinator, an administrator. Each account is a fixed Principal; signing in issues the same session cookie as
 * SAML or OpenID Connect (./sessions.ts), so the rest of the server cannot tell the difference and applies the same
 * rights.
 *
 * Anyone who can reach the server can take these identities: they exist only when ROR_DEMO_ACCOUNTS says so, which
 * defaults to on only while the demo data is on and no identity provider (SAML, OIDC) is configured. The server
 * logs a warning at start while they are on.
 *
 * - `GET  /auth/demo/accounts`: the accounts (for the web application's sign-in page), 404 when off;
 * - `POST /auth/demo/sign-in` (`account`, optional `returnTo`, form or JSON): starts the session, then redirects to
 *   `returnTo` (a local path) for a form, or answers the session as `GET /auth/session` does for JSON.
 */
import express from 'express';
import type { Principal, Role } from '../kernel/actor';
import { safeReturnPath, type SignInDeps } from './sign-in';

export const DEMO_MOUNT_PATH = '/auth/demo';

export interface DemoAccount {
  id: string;
  /** What the account is for, in French, shown on the sign-in page. */
  label: string;
  description: string;
  role: Role;
  finess: string[];
  accessProfile: number;
}

/** One account per role; the FINESS numbers are the demo region's (src/demo/README.md). */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = Object.freeze([
  {
    id: 'demo-etablissement-bourg',
    label: 'Gestionnaire de lits — CH de Bourg-en-Bresse',
    description: 'Met à jour les lits du CH de Fleyriat (FINESS 010000024, entité juridique 010780054).',
    role: 'establishment',
    finess: ['010780054', '010000024'],
    accessProfile: 4,
  },
  {
    id: 'demo-etablissement-cayenne',
    label: 'Gestionnaire de lits — CH de Cayenne et EHPAD Edmar Lama',
    description: 'Met à jour les lits du CH de Cayenne (970300026) et de l’EHPAD Edmar Lama (970302287).',
    role: 'establishment',
    finess: ['970302022', '970300026', '970302287'],
    accessProfile: 4,
  },
  {
    id: 'demo-analyste-ars',
    label: 'Analyste ARS',
    description: 'Recherche, cartographie et tableau de bord de toute l’offre ; ne modifie pas les lits des établissements.',
    role: 'analyst',
    finess: [],
    accessProfile: 5,
  },
  {
    id: 'demo-orientation',
    label: 'Coordinateur d’orientation',
    description: 'Cherche une unité avec un lit libre pour un patient (profil d’accès 2 : unités sensibles masquées).',
    role: 'consumer',
    finess: [],
    accessProfile: 2,
  },
  {
    id: 'demo-administrateur',
    label: 'Administrateur',
    description: 'Tous les droits, sur toute l’offre.',
    role: 'admin',
    finess: [],
    accessProfile: 5,
  },
]);

export function demoPrincipal(account: DemoAccount): Principal {
  return { kind: 'user', id: account.id, name: account.label, role: account.role, finess: account.finess, accessProfile: account.accessProfile, via: 'session' };
}

export function demoSignIn(deps: SignInDeps, accounts: readonly DemoAccount[] = DEMO_ACCOUNTS): express.Router {
  const router = express.Router();
  router.get('/accounts', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ accounts: accounts.map(({ id, label, description, role }) => ({ id, label, description, role })) });
  });
  const body = [express.urlencoded({ extended: false, limit: '4kb' }), express.json({ limit: '4kb' })];
  router.post('/sign-in', ...body, async (req, res) => {
    const wantsJson = req.is('application/json') !== false;
    const fields = (req.body ?? {}) as Record<string, unknown>;
    const account = accounts.find((a) => a.id === fields.account);
    if (!account) {
      res.status(400).json({ error: 'invalid_request', error_description: `unknown demo account '${String(fields.account ?? '')}'; GET ${DEMO_MOUNT_PATH}/accounts lists them` });
      return;
    }
    const principal = demoPrincipal(account);
    const session = await deps.sessions.issue(res, principal, deps.secureCookies);
    deps.logger.info({ account: account.id, role: account.role }, 'demo account signed in');
    if (wantsJson) {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ kind: 'user', id: account.id, name: account.label, role: account.role, finess: account.finess, accessProfile: account.accessProfile, csrfToken: session.csrf });
      return;
    }
    res.redirect(303, safeReturnPath(fields.returnTo));
  });
  return router;
}

/** ROR_DEMO_ACCOUNTS (true/false); by default on only with the demo data and without a configured identity provider. */
export function demoAccountsEnabled(env: NodeJS.ProcessEnv, demoData: boolean, identityProvider: boolean): boolean {
  const raw = env.ROR_DEMO_ACCOUNTS?.trim().toLowerCase();
  if (raw === undefined || raw === '') return demoData && !identityProvider;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new Error(`ROR_DEMO_ACCOUNTS must be true or false, got '${env.ROR_DEMO_ACCOUNTS}'`);
}
