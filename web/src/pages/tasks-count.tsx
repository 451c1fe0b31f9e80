/**
 * The open anomalies of an establishment, for its page: "N anomalies ouvertes" linking to the list filtered on it
 * (and its sites, for a legal entity), and a link to report one by hand. Shown to those who work anomalies (an
 * analyst, an administrator, the establishment's own people); the server counts only what the caller may read.
 */
import type { Bundle } from '@medplum/fhirtypes';
import { getJson } from '../lib/api';
import { formatNumber } from '../lib/format';
import { useSession } from '../lib/session';
import { openCountSearch, tasksUrl } from '../lib/tasks';
import { useAsync } from '../lib/use-async';

export function OpenTasks({ owners, report, canReport }: { owners: string[]; report: string; canReport: boolean }) {
  const count = useAsync(async (signal) => (await getJson<Bundle>(openCountSearch(owners), signal)).total ?? 0, [owners.join(',')]);
  return (
    <section aria-labelledby="est-tasks">
      <h2 id="est-tasks">Anomalies de données</h2>
      <p>
        {count.error ? (
          'Le nombre d’anomalies n’a pas pu être lu.'
        ) : count.data === undefined ? (
          'Chargement…'
        ) : (
          <a class="task-count" href={tasksUrl({ owners })}>
            {count.data === 0 ? 'Aucune anomalie ouverte' : `${formatNumber(count.data)} anomalie${count.data > 1 ? 's' : ''} ouverte${count.data > 1 ? 's' : ''}`}
          </a>
        )}
        {canReport && (
          <>
            {' · '}
            <a class="task-count" href={`/ui/taches/signaler?ressource=${encodeURIComponent(report)}`}>
              Signaler une anomalie
            </a>
          </>
        )}
      </p>
    </section>
  );
}

/** "Signaler une anomalie" on a unit's page, for those who work anomalies (the server checks the rest). */
export function ReportLink({ resource }: { resource: string }) {
  const { user } = useSession();
  if (!user || user.role === 'consumer') return null;
  return (
    <p>
      <a class="task-count" href={`/ui/taches/signaler?ressource=${encodeURIComponent(resource)}`}>
        Signaler une anomalie sur cette unité
      </a>
    </p>
  );
}
