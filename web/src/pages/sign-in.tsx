/**
 * Sign-in: the region's identity provider (SAML 2.0 or OpenID Connect, e.g. Pro Santé Connect) when the server has
 * one, and on the demo region one account per kind of user (src/security/demo-accounts.ts). Signing in is a plain
 * form post or link: the server sets the session cookie and sends the browser back to `retour`.
 */
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, PageTitle } from '../components';
import { getJson } from '../lib/api';
import { ROLE_LABELS, useSession, type Role } from '../lib/session';
import { useAsync } from '../lib/use-async';

interface DemoAccount {
  id: string;
  label: string;
  description: string;
  role: Role;
}

/** Where to go back after sign-in: a path of this application only. */
function returnPath(raw: string | undefined): string {
  return raw && raw.startsWith('/ui/') && !raw.startsWith('//') ? raw : '/ui/';
}

export default function SignIn() {
  const { query } = useLocation();
  const { user, methods, loading } = useSession();
  const returnTo = returnPath(query.retour);
  const accounts = useAsync(
    (signal) => (methods.demo ? getJson<{ accounts: DemoAccount[] }>(methods.demo, signal).then((r) => r.accounts) : Promise.resolve([])),
    [methods.demo],
  );
  if (loading) return <Loading />;
  const none = !methods.saml && !methods.oidc && !methods.demo;
  return (
    <section>
      <PageTitle title="Connexion">Connexion</PageTitle>
      {user && (
        <p>
          Vous êtes connecté en tant que <strong>{user.name ?? user.id}</strong> ({ROLE_LABELS[user.role]}). Choisir un autre compte remplace cette session.
        </p>
      )}
      {(methods.saml || methods.oidc) && (
        <ul class="sign-in-methods">
          {methods.oidc && (
            <li>
              <a class="button" href={`${methods.oidc}?returnTo=${encodeURIComponent(returnTo)}`}>
                Se connecter avec le fournisseur d’identité (OpenID Connect)
              </a>
            </li>
          )}
          {methods.saml && (
            <li>
              <a class="button" href={`${methods.saml}?returnTo=${encodeURIComponent(returnTo)}`}>
                Se connecter avec le fournisseur d’identité (SAML)
              </a>
            </li>
          )}
        </ul>
      )}
      {methods.demo && (
        <section aria-labelledby="demo-accounts">
          <h2 id="demo-accounts">Comptes de démonstration</h2>
          <p>Cette instance tourne sur la région de démonstration : chaque compte montre ce que voit un type d’utilisateur.</p>
          {accounts.error && <ErrorNotice error={accounts.error} retry={accounts.reload} />}
          {accounts.loading && !accounts.data && <Loading what="Chargement des comptes" />}
          <ul class="cards">
            {(accounts.data ?? []).map((a) => (
              <li key={a.id}>
                <form method="post" action="/auth/demo/sign-in">
                  <input type="hidden" name="account" value={a.id} />
                  <input type="hidden" name="returnTo" value={returnTo} />
                  <strong>{a.label}</strong>
                  <span>{a.description}</span>
                  <button type="submit" aria-label={`Se connecter : ${a.label}`}>
                    Se connecter ({ROLE_LABELS[a.role]})
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      )}
      {none && <p>Aucune méthode de connexion n’est configurée sur ce serveur : la consultation publique reste possible.</p>}
    </section>
  );
}
