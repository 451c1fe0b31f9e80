/**
 * The data-quality anomalies (/ui/taches): the RORTasks the caller may read — an analyst all, an establishment its
 * own (the server narrows the search itself) — filtered by status, theme, establishment and age (the filters are in
 * the URL, so the establishment page links to its own list), and the actions on each open task: accept the national
 * value, keep the declared value with a reason, assign. Each action is one FHIR operation (README "Data quality");
 * a refusal is said in French (lib/tasks.ts).
 */
import type { Bundle } from '@medplum/fhirtypes';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { getJson, request } from '../lib/api';
import { formatAge, formatDateTime } from '../lib/format';
import { useSession } from '../lib/session';
import {
  ACTION_DONE,
  actionBody,
  actionErrorMessage,
  AGE_LABELS,
  filtersFromQuery,
  ownerOptions,
  taskRows,
  taskSearch,
  tasksUrl,
  THEMES,
  type AgeFilter,
  type TaskAction,
  type TaskFilters,
  type TaskRow,
} from '../lib/tasks';
import { useAsync } from '../lib/use-async';

function Filters({ filters, owners, onChange }: { filters: TaskFilters; owners?: { id: string; label: string }[]; onChange(f: TaskFilters): void }) {
  return (
    <form class="task-filters" aria-label="Filtrer les anomalies" onSubmit={(e) => e.preventDefault()}>
      <fieldset>
        <legend>Statut</legend>
        {(['ouvertes', 'fermees'] as const).map((s) => (
          <label key={s} class="task-radio">
            <input type="radio" name="statut" value={s} checked={filters.status === s} onChange={() => onChange({ ...filters, status: s })} />
            {s === 'ouvertes' ? 'Ouvertes' : 'Closes'}
          </label>
        ))}
      </fieldset>
      <label>
        Thématique
        <select value={filters.theme} onChange={(e) => onChange({ ...filters, theme: (e.target as HTMLSelectElement).value })}>
          <option value="">Toutes</option>
          {THEMES.map((t) => (
            <option key={t.code} value={t.code}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      {owners && (
        <label>
          Établissement
          <select
            value={filters.owners.length === 1 ? filters.owners[0] : filters.owners.length ? 'plusieurs' : ''}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              onChange({ ...filters, owners: v && v !== 'plusieurs' ? [v] : [] });
            }}
          >
            <option value="">Tous</option>
            {filters.owners.length > 1 && <option value="plusieurs">L’établissement et ses sites</option>}
            {owners.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Ancienneté
        <select value={filters.age} onChange={(e) => onChange({ ...filters, age: (e.target as HTMLSelectElement).value as AgeFilter })}>
          {(Object.keys(AGE_LABELS) as AgeFilter[]).map((a) => (
            <option key={a} value={a}>
              {AGE_LABELS[a]}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

interface Outcome {
  kind: 'success' | 'error';
  text: string;
}

function TaskActions({ row, me, done }: { row: TaskRow; me: string; done(o: Outcome, reload: boolean): void }) {
  const [open, setOpen] = useState<'' | 'keep-declared' | 'assign'>('');
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const [assignee, setAssignee] = useState(row.assignee ?? me);
  const run = async (action: TaskAction, values: Record<string, string> = {}) => {
    setBusy(true);
    try {
      const body = actionBody(action, values);
      await request(`/Task/${encodeURIComponent(row.id)}/$${action}`, { method: 'POST', ...(body ? { body } : {}) });
      done({ kind: 'success', text: `${ACTION_DONE[action]} (${row.focus.label})` }, true);
    } catch (err) {
      done({ kind: 'error', text: actionErrorMessage(action, err) }, (err as { status?: number }).status === 409);
    } finally {
      setBusy(false);
    }
  };
  const label = `${row.themeLabel} — ${row.focus.label}`;
  return (
    <div class="task-actions">
      {row.national && (
        <button type="button" disabled={busy} onClick={() => run('accept-national')} aria-label={`Reprendre la valeur nationale : ${label}`}>
          Reprendre la valeur nationale
        </button>
      )}
      {row.byRule && (
        <button type="button" class="secondary" aria-expanded={open === 'keep-declared'} onClick={() => setOpen(open === 'keep-declared' ? '' : 'keep-declared')} aria-label={`Conserver la valeur déclarée : ${label}`}>
          Conserver la valeur déclarée
        </button>
      )}
      <button type="button" class="secondary" aria-expanded={open === 'assign'} onClick={() => setOpen(open === 'assign' ? '' : 'assign')} aria-label={`Attribuer : ${label}`}>
        Attribuer
      </button>
      {open === 'keep-declared' && (
        <form
          class="task-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) void run('keep-declared', { reason: reason.trim() });
          }}
        >
          <label>
            Pourquoi la valeur déclarée est juste (obligatoire)
            <textarea required rows={2} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </label>
          <button type="submit" disabled={busy || !reason.trim()}>
            Conserver et clore
          </button>
        </form>
      )}
      {open === 'assign' && (
        <form
          class="task-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (assignee.trim()) void run('assign', { assignee: assignee.trim() });
          }}
        >
          <label>
            Identifiant de la personne
            <input type="text" required value={assignee} onInput={(e) => setAssignee((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" disabled={busy || !assignee.trim()}>
            Attribuer
          </button>
        </form>
      )}
    </div>
  );
}

function TaskTable({ rows, me, done }: { rows: TaskRow[]; me: string; done(o: Outcome, reload: boolean): void }) {
  return (
    <table class="responsive task-table">
      <caption class="visually-hidden">Anomalies</caption>
      <thead>
        <tr>
          <th scope="col">Donnée concernée</th>
          <th scope="col">Anomalie</th>
          <th scope="col">Déclaré / national ou proposé</th>
          <th scope="col">Âge</th>
          <th scope="col">Suivi</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-task={r.id}>
            <td data-label="Donnée concernée">
              {r.focus.href ? <a href={r.focus.href}>{r.focus.label}</a> : r.focus.label}
              {r.owner && r.focus.type !== 'Organization' && <span class="task-owner">{r.owner.label}</span>}
            </td>
            <td data-label="Anomalie">
              <span class="badge badge-warn">{r.themeLabel}</span> {r.description}
              {r.rule && <span class="task-rule">Contrôle : {r.rule === 'manual' ? 'signalée à la main' : r.rule}</span>}
            </td>
            <td data-label="Valeurs">
              <dl class="task-values">
                <dt>Déclaré</dt>
                <dd>{r.declared ?? 'absent'}</dd>
                {r.proposed !== undefined && (
                  <>
                    <dt>{r.national ? 'National' : 'Proposé'}</dt>
                    <dd>{r.proposed}</dd>
                  </>
                )}
              </dl>
            </td>
            <td data-label="Âge">
              <span title={formatDateTime(r.authoredOn)}>{formatAge(r.authoredOn)}</span>
            </td>
            <td data-label="Suivi">
              {r.businessStatus}
              {r.assignee && <span class="task-assignee">Attribuée à {r.assignee}</span>}
              {r.reason && <span class="task-assignee">Motif : {r.reason}</span>}
            </td>
            <td data-label="Actions">{r.open ? <TaskActions row={r} me={me} done={done} /> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function TasksPage() {
  const { query, route } = useLocation();
  const { user, loading } = useSession();
  const filters = filtersFromQuery(query);
  const key = tasksUrl(filters);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const allowed = user && user.role !== 'consumer';
  const analyst = user?.role === 'analyst' || user?.role === 'admin';
  const list = useAsync(async (signal) => (allowed ? taskRows(await getJson<Bundle>(taskSearch(filters), signal)) : undefined), [key, user?.id]);
  const owners = useAsync(
    async (signal) => (analyst ? ownerOptions(await getJson<Bundle>('/Organization?_count=500&_sort=name&_elements=name', signal)) : undefined),
    [analyst],
  );

  const title = <PageTitle title="Anomalies">Anomalies de données</PageTitle>;
  if (loading) return <Loading />;
  if (!user) {
    return (
      <>
        {title}
        <Notice>
          <a href={`/ui/connexion?retour=${encodeURIComponent(key)}`}>Connectez-vous</a> pour voir les anomalies de vos données.
        </Notice>
      </>
    );
  }
  if (!allowed) {
    return (
      <>
        {title}
        <Notice kind="warning">Les anomalies sont traitées par les établissements et les analystes ; votre profil ne les voit pas.</Notice>
      </>
    );
  }
  const done = (o: Outcome, reload: boolean) => {
    setOutcome(o);
    if (reload || o.kind === 'success') list.reload();
  };
  return (
    <div class="tasks-page">
      {title}
      <p class="hint">
        {analyst
          ? 'Les écarts entre les données déclarées et les référentiels nationaux, et les données manquantes, périmées ou incohérentes, de tous les établissements.'
          : 'Les écarts relevés sur les données de votre établissement : reprenez la valeur nationale, ou conservez la vôtre en disant pourquoi.'}
      </p>
      <Filters filters={filters} owners={analyst ? (owners.data ?? []) : undefined} onChange={(f) => route(tasksUrl(f))} />
      <div aria-live="polite">{outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}</div>
      {list.error ? (
        <ErrorNotice error={list.error} retry={list.reload} />
      ) : !list.data ? (
        <Loading what="Chargement des anomalies" />
      ) : (
        <section aria-labelledby="task-list-title">
          <h2 id="task-list-title">
            {list.data.rows.length === 0
              ? 'Aucune anomalie'
              : `${list.data.total ?? list.data.rows.length} anomalie${(list.data.total ?? list.data.rows.length) > 1 ? 's' : ''} ${filters.status === 'fermees' ? 'close' : 'ouverte'}${(list.data.total ?? list.data.rows.length) > 1 ? 's' : ''}`}
          </h2>
          {list.data.rows.length === 0 ? (
            <p>{filters.status === 'fermees' ? 'Aucune anomalie close pour ces filtres.' : 'Aucune anomalie ouverte pour ces filtres : les données sont conformes aux contrôles.'}</p>
          ) : (
            <TaskTable rows={list.data.rows} me={user.id} done={done} />
          )}
          {list.data.more && <p>Seules les {list.data.rows.length} plus récentes sont affichées : affinez les filtres.</p>}
        </section>
      )}
    </div>
  );
}
