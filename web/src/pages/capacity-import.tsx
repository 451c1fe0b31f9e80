/**
 * CSV upload of bed capacity (/ui/mes-lits/import): a template prefilled with the establishment's zones and their
 * current figures (made here, downloaded as a file), then the file checked by the server without writing
 * (`$capacity-import?_dryRun=true`: the report row by row, before), then imported (`$capacity-import`: the report
 * after). The import is all-or-nothing: a file with a bad row changes nothing, and the report says which rows.
 */
import type { OperationOutcome } from '@medplum/fhirtypes';
import { useState } from 'preact/hooks';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { ApiError, request } from '../lib/api';
import { finessOf } from '../lib/beds';
import { loadEstablishment } from '../lib/beds-api';
import { capacityTemplate, type ImportReport, importReport } from '../lib/beds-import';
import { canEditBeds, useSession } from '../lib/session';
import { useAsync } from '../lib/use-async';

async function sendCsv(text: string, dryRun: boolean): Promise<{ status: number; outcome?: OperationOutcome }> {
  try {
    const res = await request<OperationOutcome>(`/$capacity-import${dryRun ? '?_dryRun=true' : ''}`, {
      method: 'POST',
      rawBody: text,
      headers: { 'Content-Type': 'text/csv' },
    });
    return { status: res.status, outcome: res.body };
  } catch (err) {
    if (err instanceof ApiError && err.body && typeof err.body === 'object' && (err.body as OperationOutcome).resourceType === 'OperationOutcome') {
      return { status: err.status, outcome: err.body as OperationOutcome };
    }
    throw err;
  }
}

function download(name: string, text: string) {
  // The BOM makes spreadsheets read the file as UTF-8.
  const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export default function CapacityImportPage() {
  const { user, loading } = useSession();
  const data = useAsync((signal) => (user && canEditBeds(user) ? loadEstablishment(user.finess, signal) : Promise.resolve(undefined)), [user?.id]);
  const [file, setFile] = useState<{ name: string; text: string } | undefined>();
  const [before, setBefore] = useState<ImportReport | undefined>();
  const [after, setAfter] = useState<ImportReport | undefined>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | undefined>();

  if (loading) return <Loading />;
  const zoneNames = Object.fromEntries((data.data?.units ?? []).flatMap((u) => u.zones.map((z) => [z.id, z.name])));

  async function check(text: string) {
    setBusy(true);
    setFailure(undefined);
    setAfter(undefined);
    try {
      const { outcome } = await sendCsv(text, true);
      setBefore(importReport(outcome, { dryRun: true, zoneNames }));
    } catch (err) {
      setFailure(err as Error);
    }
    setBusy(false);
  }

  async function send() {
    if (!file) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const { outcome } = await sendCsv(file.text, false);
      setAfter(importReport(outcome, { dryRun: false, zoneNames }));
    } catch (err) {
      setFailure(err as Error);
    }
    setBusy(false);
  }

  return (
    <section class="beds-import">
      <PageTitle title="Import CSV des lits">Importer mes lits (CSV)</PageTitle>
      <p>
        <a href="/ui/mes-lits">← Retour à Mes lits</a>
      </p>
      {!user || !canEditBeds(user) ? (
        <Notice kind="warning">
          <p>
            Cette page est réservée aux établissements : <a href="/ui/connexion?retour=%2Fui%2Fmes-lits%2Fimport">se connecter</a>.
          </p>
        </Notice>
      ) : (
        <>
          <h2>1. Le modèle</h2>
          <p>
            Une ligne par capacité : la zone (<code>location</code>), les codes de nature, statut, temporalité et genre (nomenclatures TRE_R329 à
            R337, par exemple <code>02</code> pour « Disponible »), et le nombre (<code>nbCapacity</code>). Le modèle contient vos zones et leurs chiffres
            actuels : changez les nombres, enregistrez en CSV (séparateur « ; »), puis envoyez le fichier.
          </p>
          {data.error ? (
            <ErrorNotice error={data.error} retry={data.reload} />
          ) : data.loading ? (
            <Loading what="Préparation du modèle" />
          ) : (
            <button
              type="button"
              class="secondary"
              onClick={() => download(`capacites-${data.data?.organizations.map(finessOf).filter(Boolean).join('-') || 'etablissement'}.csv`, capacityTemplate(data.data?.units ?? []))}
            >
              Télécharger le modèle prérempli
            </button>
          )}

          <h2>2. Le fichier</h2>
          <div class="beds-import-file">
            <label for="capacity-file">Fichier CSV à importer</label>
            <input
              id="capacity-file"
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => {
                const f = e.currentTarget.files?.[0];
                setBefore(undefined);
                setAfter(undefined);
                if (!f) return setFile(undefined);
                const text = await f.text();
                setFile({ name: f.name, text });
                await check(text);
              }}
            />
          </div>
          {failure && <ErrorNotice error={failure} />}
          {busy && <Loading what="Envoi au serveur" />}

          {before && (
            <>
              <h2>3. Vérification avant l’envoi</h2>
              <Report report={before} title={`Vérification de ${file?.name ?? 'votre fichier'}`} />
              <div class="beds-actions">
                <button type="button" disabled={busy} onClick={() => void send()}>
                  {before.ok ? 'Importer le fichier' : 'Importer quand même'}
                </button>
                {file && (
                  <button type="button" class="secondary" disabled={busy} onClick={() => void check(file.text)}>
                    Vérifier à nouveau
                  </button>
                )}
              </div>
              {!before.ok && <p class="beds-muted">L’import est « tout ou rien » : tant qu’une ligne est en erreur, aucune ne sera enregistrée.</p>}
            </>
          )}
          {after && (
            <>
              <h2>4. Résultat de l’import</h2>
              <Report report={after} title="Résultat de l’import" />
              {after.ok && (
                <p>
                  <a href="/ui/mes-lits">Voir mes lits à jour</a>
                </p>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}

function Report({ report, title }: { report: ImportReport; title: string }) {
  return (
    <div class="import-report">
      <Notice kind={report.ok ? 'success' : 'error'}>
        <p>{report.summary}</p>
      </Notice>
      {report.rows.length > 0 && (
        <table class="responsive">
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">Ligne</th>
              <th scope="col">État</th>
              <th scope="col">Colonne</th>
              <th scope="col">Détail</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r, i) => (
              <tr key={i} class={r.ok ? undefined : 'import-row-error'}>
                <td data-label="Ligne">{r.row}</td>
                <td data-label="État">
                  <span class={`badge ${r.ok ? 'badge-ok' : 'badge-bad'}`}>{r.ok ? 'Valide' : 'Erreur'}</span>
                </td>
                <td data-label="Colonne">{r.column ?? '—'}</td>
                <td data-label="Détail">{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
