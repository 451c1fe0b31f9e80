/**
 * The frame of every page: a skip link, the header with the navigation (what the signed-in user may use), the main
 * region where the router shows the page, and the footer. Landmarks and focus order follow the reading order.
 */
import { ErrorBoundary, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { canEditBeds, ROLE_LABELS, SessionProvider, useSession } from './lib/session';
import { NotFoundPage, ROUTES } from './routes';

function NavLink({ href, children }: { href: string; children: string }) {
  const { path } = useLocation();
  const current = href === '/ui/' ? path === '/ui/' : path.startsWith(href);
  return (
    <a href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

function Header() {
  const { user, signOut } = useSession();
  const { route, path } = useLocation();
  return (
    <header class="site-header">
      <a class="skip-link" href="#contenu">
        Aller au contenu
      </a>
      <div class="brand">
        <a href="/ui/">ROR</a>
        <span>Offre de soins</span>
      </div>
      <nav aria-label="Navigation principale">
        <NavLink href="/ui/">Accueil</NavLink>
        <NavLink href="/ui/recherche">Recherche</NavLink>
        <NavLink href="/ui/tableau-de-bord">Tableau de bord</NavLink>
        {canEditBeds(user) && <NavLink href="/ui/mes-lits">Mes lits</NavLink>}
        {user && user.role !== 'consumer' && <NavLink href="/ui/taches">Anomalies</NavLink>}
      </nav>
      <div class="account">
        {user ? (
          <>
            <span>
              {user.name ?? user.id} <small>({ROLE_LABELS[user.role]})</small>
            </span>
            <button
              type="button"
              onClick={async () => {
                await signOut();
                route('/ui/');
              }}
            >
              Se déconnecter
            </button>
          </>
        ) : (
          <a class="button" href={`/ui/connexion?retour=${encodeURIComponent(path)}`}>
            Se connecter
          </a>
        )}
      </div>
    </header>
  );
}

export function App() {
  return (
    <LocationProvider scope="/ui">
      <SessionProvider>
        <Header />
        <main id="contenu" tabIndex={-1}>
          <ErrorBoundary>
            <Router>
              {[...ROUTES.map((r) => <Route key={r.path} path={r.path} component={r.component} />), <Route key="*" default component={NotFoundPage} />]}
            </Router>
          </ErrorBoundary>
        </main>
        <footer class="site-footer">
          <p>
            Répertoire opérationnel des ressources — API FHIR R4 : <a href="/metadata">/metadata</a>
          </p>
        </footer>
      </SessionProvider>
    </LocationProvider>
  );
}
