/**
 * The dashboard (`/ui/tableau-de-bord`), from `GET /offer/dashboard` (src/offer/dashboard.ts): free beds by
 * department and by activity, the share of stale capacity, the units never updated, with charts. Every figure
 * links to the list behind it — a filtered search (lib/offer-dashboard.ts) or the lists at the foot of the page —
 * and the charts' figures are in the tables beside them.
 */
import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { getJson } from '../lib/api';
import { formatAge, formatDateTime, formatNumber, formatPercent } from '../lib/format';
import { AVAILABILITY_STYLE } from '../lib/offer-availability';
import { freeBedsLink, NEVER_LIST_ID, share, STALE_LIST_ID, topGroups, unitsLink, type Dashboard, type DashboardFigures, type DashboardUnit, type Group } from '../lib/offer-dashboard';
import { departmentLabel } from '../lib/offer-territory';
import { useSession } from '../lib/session';
import { useAsync } from '../lib/use-async';
import { QualityTrends } from './tasks-trends';
import type { Bars } from '../charts/bar-chart';

function BarChart({ bars, label }: { bars: Bars; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { route } = useLocation();
  useEffect(() => {
    let destroy: (() => void) | undefined;
    let live = true;
    import('../charts/bar-chart').then((m) => {
      if (live && canvas.current) destroy = m.drawBars(canvas.current, bars, route);
    });
    return () => {
      live = false;
      destroy?.();
    };
  }, [bars]);
  return (
    <div class="chart-box" style={{ height: `${Math.max(160, bars.labels.length * 34 + 70)}px` }}>
      <canvas ref={canvas} role="img" aria-label={`${label} ; les chiffres et leurs listes sont dans le tableau qui suit.`} />
    </div>
  );
}

function Figure({ value, label, href }: { value: string; label: string; href: string }) {
  return (
    <li class="figure">
      <a href={href}>
        <span class="figure-value">{value}</span>
        <span class="figure-label">{label}</span>
      </a>
    </li>
  );
}

function GroupTable({ caption, rows, nameOf, groupOf, availability }: { caption: string; rows: (DashboardFigures & { code: string })[]; nameOf(code: string): string; groupOf(code: string): Group; availability: boolean }) {
  return (
    <table class="responsive">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{caption.includes('activité') ? 'Activité' : 'Département'}</th>
          <th scope="col">Unités</th>
          <th scope="col">Lits installés</th>
          {availability && <th scope="col">Lits libres</th>}
          {availability && <th scope="col">Unités avec lits libres</th>}
          {availability && <th scope="col">Capacité périmée</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.code}>
            <th scope="row" data-label="Groupe">
              {nameOf(r.code)}
            </th>
            <td data-label="Unités">
              <a href={unitsLink(groupOf(r.code))} aria-label={`${r.units} unités — ${nameOf(r.code)}`}>
                {formatNumber(r.units)}
              </a>
            </td>
            <td data-label="Lits installés">{formatNumber(r.installedBeds)}</td>
            {availability && (
              <td data-label="Lits libres">
                <a href={freeBedsLink(groupOf(r.code))} aria-label={`${r.freeBeds} lits libres — ${nameOf(r.code)}`}>
                  {formatNumber(r.freeBeds)}
                </a>
              </td>
            )}
            {availability && (
              <td data-label="Unités avec lits libres">
                <a href={freeBedsLink(groupOf(r.code))} aria-label={`${r.unitsWithFreeBeds} unités avec lits libres — ${nameOf(r.code)}`}>
                  {formatNumber(r.unitsWithFreeBeds)}
                </a>
              </td>
            )}
            {availability && <td data-label="Capacité périmée">{formatPercent(share(r.staleUnits, r.units))}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UnitList({ id, title, list, empty }: { id: string; title: string; list?: { units: DashboardUnit[]; truncated: boolean }; empty: string }) {
  return (
    <section aria-labelledby={`${id}-titre`} id={id} tabIndex={-1}>
      <h2 id={`${id}-titre`}>{title}</h2>
      {!list?.units.length ? (
        <p>{empty}</p>
      ) : (
        <>
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Unité</th>
                <th scope="col">Établissement</th>
                <th scope="col">Département</th>
                <th scope="col">Dernière mise à jour</th>
              </tr>
            </thead>
            <tbody>
              {list.units.map((u) => (
                <tr key={u.id}>
                  <td data-label="Unité">
                    <a href={`/ui/unites/${encodeURIComponent(u.id)}`}>{u.name}</a>
                  </td>
                  <td data-label="Établissement">
                    <a href={`/ui/etablissements/${encodeURIComponent(u.organization.id)}`}>{u.organization.name}</a>
                  </td>
                  <td data-label="Département">{u.department ? departmentLabel(u.department) : '—'}</td>
                  <td data-label="Dernière mise à jour">{u.capacityUpdatedAt ? `${formatAge(u.capacityUpdatedAt)} (${formatDateTime(u.capacityUpdatedAt)})` : 'jamais'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.truncated && <p>Liste limitée aux {list.units.length} premières unités.</p>}
        </>
      )}
    </section>
  );
}

export default function DashboardPage() {
  const { user } = useSession();
  const state = useAsync((signal) => getJson<Dashboard>('/offer/dashboard', signal), []);
  const d = state.data;
  if (!d) {
    return (
      <>
        <PageTitle title="Tableau de bord">Tableau de bord</PageTitle>
        {state.error ? <ErrorNotice error={state.error} retry={state.reload} /> : <Loading />}
      </>
    );
  }
  const t = d.totals;
  const activities = topGroups(d.byActivity, (g) => (d.availability ? (g.freeBeds ?? 0) : g.installedBeds), 12);
  const activityName = (code: string) => d.byActivity.find((a) => a.code === code)?.label ?? code;
  const depBars: Bars = {
    labels: d.byDepartment.map((g) => departmentLabel(g.code)),
    datasets: d.availability
      ? [{ label: 'Lits libres', values: d.byDepartment.map((g) => g.freeBeds ?? 0), colour: AVAILABILITY_STYLE.free.colour }]
      : [{ label: 'Lits installés', values: d.byDepartment.map((g) => g.installedBeds), colour: '#0063cb' }],
    links: d.byDepartment.map((g) => (d.availability ? freeBedsLink({ department: g.code }) : unitsLink({ department: g.code }))),
  };
  const actBars: Bars = {
    labels: activities.map((g) => g.label),
    datasets: d.availability
      ? [{ label: 'Lits libres', values: activities.map((g) => g.freeBeds ?? 0), colour: AVAILABILITY_STYLE.free.colour }]
      : [{ label: 'Lits installés', values: activities.map((g) => g.installedBeds), colour: '#0063cb' }],
    links: activities.map((g) => (d.availability ? freeBedsLink({ activity: g.code }) : unitsLink({ activity: g.code }))),
  };
  return (
    <div class="dashboard-page">
      <PageTitle title="Tableau de bord">Tableau de bord</PageTitle>
      <p class="hint">
        Chiffres au {formatDateTime(d.generatedAt)} ; une capacité est périmée au-delà de {d.staleHours} h sans mise à jour. Chaque chiffre mène à la liste des
        unités concernées.
      </p>
      {!d.availability && <Notice>Votre profil d’accès montre les lits installés ; la disponibilité est réservée aux professionnels connectés.</Notice>}
      <ul class="figures" aria-label="Chiffres clés">
        <Figure value={formatNumber(t.units)} label="unités" href={unitsLink()} />
        <Figure value={formatNumber(t.installedBeds)} label="lits et places installés" href={unitsLink()} />
        {d.availability && <Figure value={formatNumber(t.freeBeds)} label="lits et places libres" href={freeBedsLink()} />}
        {d.availability && <Figure value={formatNumber(t.unitsWithFreeBeds)} label="unités avec des lits libres" href={freeBedsLink()} />}
        {d.availability && <Figure value={formatPercent(t.staleShare)} label={`de capacité périmée (${formatNumber(t.staleUnits)} unités)`} href={`#${STALE_LIST_ID}`} />}
        {d.availability && <Figure value={formatNumber(t.neverUpdatedUnits)} label="unités jamais mises à jour" href={`#${NEVER_LIST_ID}`} />}
      </ul>

      <section aria-labelledby="par-departement">
        <h2 id="par-departement">{d.availability ? 'Lits libres par département' : 'Lits installés par département'}</h2>
        <BarChart bars={depBars} label={d.availability ? 'Lits libres par département' : 'Lits installés par département'} />
        <GroupTable caption="Par département" rows={d.byDepartment} nameOf={departmentLabel} groupOf={(code) => ({ department: code })} availability={d.availability} />
      </section>

      <section aria-labelledby="par-activite">
        <h2 id="par-activite">{d.availability ? 'Lits libres par activité' : 'Lits installés par activité'}</h2>
        <BarChart bars={actBars} label={d.availability ? 'Lits libres par activité (les 12 premières)' : 'Lits installés par activité (les 12 premières)'} />
        <GroupTable caption="Par activité" rows={d.byActivity} nameOf={activityName} groupOf={(code) => ({ activity: code })} availability={d.availability} />
      </section>

      {(user?.role === 'analyst' || user?.role === 'admin') && <QualityTrends departments={d.byDepartment.map((g) => g.code)} canCompute />}

      {d.availability && (
        <>
          <UnitList id={STALE_LIST_ID} title="Unités à la capacité périmée (hors jamais mises à jour)" list={d.staleUnits} empty="Aucune : toutes les capacités renseignées sont à jour." />
          <UnitList id={NEVER_LIST_ID} title="Unités jamais mises à jour" list={d.neverUpdatedUnits} empty="Aucune : chaque unité a renseigné sa capacité au moins une fois." />
        </>
      )}
    </div>
  );
}
