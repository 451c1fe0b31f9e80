/** Any path of /ui that no page answers. */
import { PageTitle } from '../components';

export default function NotFound() {
  return (
    <section>
      <PageTitle title="Page introuvable">Page introuvable</PageTitle>
      <p>
        Cette adresse ne correspond à aucune page. <a href="/ui/">Retour à l’accueil</a>
      </p>
    </section>
  );
}
