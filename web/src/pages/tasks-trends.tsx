/**
 * The quality indicators' trends on the dashboard (analysts and administrators): for a department the dashboard
 * shows, the stored reports of a few Measures read back as series (`GET /Measure/[id]/$series`), each drawn with
 * Chart.js and given as a table, with its CSV exports; "Calculer maintenant" runs `$evaluate-measure` for each and
 * reads the series again. With no stored report yet, the page says so and offers to compute.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Loading, Notice } from '../components';
import { getJson, request } from '../lib/api';
import { formatDateTime, formatNumber } from '../lib/format';
import { departmentLabel } from '../lib/offer-territory';
import { evaluateUrl, latestReport, reportCsvUrl, seriesUrl, TREND_MEASURES, trendLines, trendTable, type SeriesAnswer, type TrendLine, type TrendMeasure } from '../lib/tasks-indicators';
import { useAsync } from '../lib/use-async';

function TrendChart({ lines, kind, label }: { lines: TrendLine[]; kind: TrendMeasure['kind']; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let destroy: (() => void) | undefined;
    let live = true;
    import('../charts/trend-chart').then((m) => {
      if (live && canvas.current) destroy = m.drawTrend(canvas.current, lines, kind);
    });
    return () => {
      live = false;
      destroy?.();
    };
  }, [lines, kind]);
  return (
    <div class="chart-box">
      <canvas ref={canvas} role="img" aria-label={`${label} ; les chiffres sont dans le tableau qui suit.`} />
    </div>
  );
}

function Trend({ measure, subject, answer }: { measure: TrendMeasure; subject: string; answer: SeriesAnswer }) {
  const lines = trendLines(answer, measure.kind);
  const rows = trendTable(lines);
  const latest = latestReport(answer);
  const show = (v: number | undefined) => (v === undefined ? '—' : measure.kind === 'share' ? `${formatNumber(v)} %` : formatNumber(v));
  return (
    <section class="trend" aria-labelledby={`trend-${measure.id}`}>
      <h3 id={`trend-${measure.id}`}>{measure.title}</h3>
      {rows.length === 0 ? (
        <p>Aucun calcul enregistré pour ce territoire.</p>
      ) : (
        <>
          <TrendChart lines={lines} kind={measure.kind} label={`${measure.title}, évolution`} />
          <details>
            <summary>Les chiffres ({rows.length} calcul{rows.length > 1 ? 's' : ''})</summary>
            <table class="responsive">
              <caption class="visually-hidden">{measure.title}</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  {lines.map((l) => (
                    <th scope="col" key={l.label}>
                      {l.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.at}>
                    <th scope="row" data-label="Date">
                      {formatDateTime(new Date(r.at).toISOString())}
                    </th>
                    {r.values.map((v, i) => (
                      <td key={i} data-label={lines[i]!.label}>
                        {show(v)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
      <p>
        <a href={seriesUrl(measure.id, subject, 'csv')} download>
          Série en CSV
        </a>
        {latest && (
          <>
            {' · '}
            <a href={reportCsvUrl(latest)} download>
              Dernier calcul en CSV
            </a>
          </>
        )}
      </p>
    </section>
  );
}

export function QualityTrends({ departments, canCompute }: { departments: string[]; canCompute: boolean }) {
  const [department, setDepartment] = useState(departments[0] ?? '');
  const [computing, setComputing] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | undefined>();
  const subject = `department/${department}`;
  const series = useAsync((signal) => Promise.all(TREND_MEASURES.map((m) => getJson<SeriesAnswer>(seriesUrl(m.id, subject), signal))), [subject]);
  if (!department) return null;
  const compute = async () => {
    setComputing(true);
    setMessage(undefined);
    try {
      for (const m of TREND_MEASURES) await request(evaluateUrl(m.id, subject), { method: 'POST' });
      setMessage({ kind: 'success', text: `Indicateurs calculés pour ${departmentLabel(department)}.` });
      series.reload();
    } catch (err) {
      const status = (err as { status?: number }).status;
      setMessage({ kind: 'error', text: status === 403 ? 'Votre profil ne permet pas de calculer les indicateurs de ce territoire.' : `Le calcul n’a pas abouti : ${(err as Error).message}` });
    } finally {
      setComputing(false);
    }
  };
  const empty = series.data?.every((a) => a.reports === 0);
  return (
    <section aria-labelledby="tendances">
      <h2 id="tendances">Tendances de la qualité des données</h2>
      <div class="trend-controls">
        <label>
          Territoire
          <select value={department} onChange={(e) => setDepartment((e.target as HTMLSelectElement).value)}>
            {departments.map((d) => (
              <option key={d} value={d}>
                {departmentLabel(d)}
              </option>
            ))}
          </select>
        </label>
        {canCompute && (
          <button type="button" onClick={compute} disabled={computing}>
            {computing ? 'Calcul en cours…' : 'Calculer maintenant'}
          </button>
        )}
      </div>
      <div aria-live="polite">{message && <Notice kind={message.kind}>{message.text}</Notice>}</div>
      {series.error ? (
        <Notice kind="error">Les tendances n’ont pas pu être lues : {series.error.message}</Notice>
      ) : !series.data ? (
        <Loading what="Chargement des tendances" />
      ) : empty ? (
        <Notice>
          Aucun calcul d’indicateur n’est encore enregistré pour {departmentLabel(department)}.{' '}
          {canCompute ? 'Lancez un premier calcul avec « Calculer maintenant ».' : 'Ils sont calculés chaque nuit lorsque le serveur y est configuré.'}
        </Notice>
      ) : (
        <div class="trends">
          {TREND_MEASURES.map((m, i) => (
            <Trend key={m.id} measure={m} subject={subject} answer={series.data![i]!} />
          ))}
        </div>
      )}
    </section>
  );
}
