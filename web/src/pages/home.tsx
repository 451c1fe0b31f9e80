/** The landing page: what this service is, and where each kind of user goes. */
import { PageTitle } from '../components';
import { canEditBeds, ROLE_LABELS, useSession } from '../lib/session';

export default function Home() {
  const { user } = useSession();
  return (
    <section>
      <PageTitle title="Accueil">Répertoire opérationnel des ressources</PageTitle>
      <p class="lead">L’offre de soins de la région : établissements, unités, lits disponibles, mise à jour par les établissements eux-mêmes.</p>
      {user && (
        <p>
          Connecté en tant que <strong>{user.name ?? user.id}</strong> ({ROLE_LABELS[user.role]}).
        </p>
      )}
      <ul class="cards">
        <li>
          <a href="/ui/recherche">
            <strong>Rechercher l’offre</strong>
            <span>Une unité, une activité, un lit libre près d’une commune ; liste et carte.</span>
          </a>
        </li>
        <li>
          <a href="/ui/tableau-de-bord">
            <strong>Tableau de bord</strong>
            <span>Lits libres par département et activité, fraîcheur des données.</span>
          </a>
        </li>
        {canEditBeds(user) && (
          <li>
            <a href="/ui/mes-lits">
              <strong>Mes lits</strong>
              <span>Mettre à jour les lits de mes unités en quelques secondes.</span>
            </a>
          </li>
        )}
        {!user && (
          <li>
            <a href="/ui/connexion">
              <strong>Se connecter</strong>
              <span>Établissements, analystes, coordinateurs.</span>
            </a>
          </li>
        )}
      </ul>
    </section>
  );
}
