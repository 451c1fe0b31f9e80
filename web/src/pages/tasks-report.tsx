/**
 * Reporting an anomaly by hand (/ui/taches/signaler?ressource=HealthcareService/…): the unit and establishment pages
 * link here; the form says what is wrong (description, theme, the right value) and calls `POST /Task/$report`. The
 * task is addressed to the resource's establishment by the server; an establishment may report on its own data only.
 */
import type { Resource } from '@medplum/fhirtypes';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { getJson, request } from '../lib/api';
import { useSession } from '../lib/session';
import { ACTION_DONE, actionBody, actionErrorMessage, tasksUrl, THEMES } from '../lib/tasks';
import { useAsync } from '../lib/use-async';

const REPORTABLE = /^(Organization|HealthcareService|Location|PractitionerRole|Practitioner)\/([A-Za-z0-9\-.]{1,64})$/;

export default function TaskReportPage() {
  const { query } = useLocation();
  const { user } = useSession();
  const ref = typeof query.ressource === 'string' ? query.ressource : '';
  const m = REPORTABLE.exec(ref);
  const target = useAsync(async (signal) => (m ? getJson<Resource & { name?: string }>(`/${m[1]}/${encodeURIComponent(m[2])}`, signal) : undefined), [ref]);
  const [description, setDescription] = useState('');
  const [theme, setTheme] = useState('06');
  const [proposed, setProposed] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ kind: 'success' | 'error'; text: string; owner?: string } | undefined>();

  const title = <PageTitle title="Signaler une anomalie">Signaler une anomalie</PageTitle>;
  if (!m) {
    return (
      <>
        {title}
        <Notice kind="warning">Ouvrez ce formulaire depuis la page d’une unité ou d’un établissement.</Notice>
      </>
    );
  }
  if (!user || user.role === 'consumer') {
    return (
      <>
        {title}
        <Notice kind="warning">Seuls les établissements (sur leurs données) et les analystes peuvent signaler une anomalie.</Notice>
      </>
    );
  }
  if (target.error) return (<>{title}<ErrorNotice error={target.error} /></>);
  if (!target.data) return <Loading />;
  const name = typeof target.data.name === 'string' ? target.data.name : ref;
  const back = m[1] === 'HealthcareService' ? `/ui/unites/${m[2]}` : m[1] === 'Organization' ? `/ui/etablissements/${m[2]}` : undefined;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!description.trim()) return;
    setBusy(true);
    try {
      const res = await request<{ owner?: { reference?: string } }>('/Task/$report', { method: 'POST', body: actionBody('report', { focus: ref, description: description.trim(), theme, proposed: proposed.trim() || undefined }) });
      setOutcome({ kind: 'success', text: ACTION_DONE.report, owner: res.body.owner?.reference?.split('/').pop() });
      setDescription('');
      setProposed('');
    } catch (err) {
      setOutcome({ kind: 'error', text: actionErrorMessage('report', err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="tasks-page">
      {title}
      <p>
        Donnée concernée : {back ? <a href={back}>{name}</a> : name}
      </p>
      <div aria-live="polite">
        {outcome && (
          <Notice kind={outcome.kind}>
            {outcome.text} {outcome.owner && <a href={tasksUrl({ owners: [outcome.owner] })}>Voir les anomalies de l’établissement</a>}
          </Notice>
        )}
      </div>
      <form class="task-form task-report" onSubmit={submit}>
        <label>
          Ce qui est faux (obligatoire)
          <textarea required rows={3} value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
        </label>
        <label>
          Thématique
          <select value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value)}>
            {THEMES.map((t) => (
              <option key={t.code} value={t.code}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Valeur juste, si vous la connaissez
          <input type="text" value={proposed} onInput={(e) => setProposed((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" disabled={busy || !description.trim()}>
          Signaler
        </button>
      </form>
    </div>
  );
}
