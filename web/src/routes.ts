/**
 * The application's pages, by path. Each page is its own module, loaded when first shown (lazy), so a page ships
 * only its own code. Paths are French, as the users read them.
 */
import { lazy } from 'preact-iso';

export const ROUTES = [
  { path: '/ui/', component: lazy(() => import('./pages/home')) },
  { path: '/ui/connexion', component: lazy(() => import('./pages/sign-in')) },
  { path: '/ui/mes-lits', component: lazy(() => import('./pages/beds')) },
  { path: '/ui/mes-lits/import', component: lazy(() => import('./pages/capacity-import')) },
  { path: '/ui/etablissements/:id', component: lazy(() => import('./pages/establishment')) },
  { path: '/ui/recherche', component: lazy(() => import('./pages/search')) },
  { path: '/ui/unites/:id', component: lazy(() => import('./pages/unit')) },
  { path: '/ui/tableau-de-bord', component: lazy(() => import('./pages/dashboard')) },
  { path: '/ui/taches', component: lazy(() => import('./pages/tasks')) },
  { path: '/ui/taches/signaler', component: lazy(() => import('./pages/tasks-report')) },
];

export const NotFoundPage = lazy(() => import('./pages/not-found'));
