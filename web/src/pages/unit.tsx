/**
 * A unit's page (`/ui/unites/:id`, a HealthcareService id): who runs it (the establishment, its FINESS number and
 * category, address and the contacts the caller may see — the server removes the others), what it does
 * (activities, care modes, categories, with their French labels), whom it takes (patient types, ages), its bed
 * zones with their current capacity (read with the server's capacity model), and a chart of each zone's capacity
 * history (`$capacity-history`), with the same figures in a table.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { ReportLink } from './tasks-count';
import { ApiError, getJson } from '../lib/api';
import { formatAge, formatDateTime, formatNumber } from '../lib/format';
import { extendToNow, historyRows, historySeries, type HistorySeries } from '../lib/offer-history';
import { addressLine, capacityRows, contactsOf, describeAgeRange, finessOf, isSensitive, labelsOf, lastCapacityUpdate, patienteleOf, resourcesOf, type Json } from '../lib/offer-unit';
import { useAsync } from '../lib/use-async';

interface UnitData {
  service: Json;
  organization?: Json;
  locations: Json[];
}

async function loadUnit(id: string, signal: AbortSignal): Promise<UnitData | undefined> {
  const q = `_id=${encodeURIComponent(id)}&_include=HealthcareService:organization&_include=HealthcareService:location`;
  const bundle = await getJson<Json>(`/HealthcareService?${q}`, signal);
  const resources = resourcesOf(bundle);
  const service = resources.find((r) => r.resourceType === 'HealthcareService' && r.id === id);
  if (!service) return undefined;
  const orgId = service.providedBy?.reference?.split('/')[1];
  const locationIds = new Set((service.location ?? []).map((l: Json) => l.reference?.split('/')[1]));
  return {
    service,
    organization: resources.find((r) => r.resourceType === 'Organization' && r.id === orgId),
    locations: resources.filter((r) => r.resourceType === 'Location' && locationIds.has(r.id)),
  };
}

function Labels({ items }: { items: { code: string; label: string }[] }) {
  if (!items.length) return <>—</>;
  return (
    <ul class="inline-list">
      {items.map((i) => (
        <li key={i.code + i.label}>{i.label}</li>
      ))}
    </ul>
  );
}

function HistoryChart({ series, name }: { series: HistorySeries[]; name: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let destroy: (() => void) | undefined;
    let live = true;
    import('../charts/history-chart').then((m) => {
      if (!live || !canvas.current) return;
      destroy = m.drawHistory(canvas.current, extendToNow(series, Date.now()));
      setDrawn(true);
    });
    return () => {
      live = false;
      destroy?.();
    };
  }, [series]);
  return (
    <div class="chart-box" data-drawn={drawn ? 'true' : undefined}>
      <canvas ref={canvas} role="img" aria-label={`Évolution de la capacité de ${name} ; les chiffres sont dans le tableau qui suit.`} />
    </div>
  );
}

function History({ location }: { location: Json }) {
  const name = location.name ?? 'la zone';
  const state = useAsync((signal) => getJson<Json>(`/Location/${encodeURIComponent(location.id)}/$capacity-history?_count=200`, signal), [location.id]);
  if (state.loading && !state.data) return <Loading what="Chargement de l’historique" />;
  if (state.error) {
    if (state.error instanceof ApiError && state.error.status === 403) return <Notice>L’historique de la capacité n’est pas accessible à votre profil.</Notice>;
    return <ErrorNotice error={state.error} retry={state.reload} />;
  }
  const series = historySeries(state.data);
  if (!series.length) return <p>Aucun historique de capacité pour cette zone.</p>;
  const rows = historyRows(series);
  return (
    <>
      <HistoryChart series={series} name={name} />
      <details class="chart-table">
        <summary>Les chiffres du graphique ({rows.length})</summary>
        <table class="responsive">
          <caption>Historique de la capacité — {name}</caption>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Capacité</th>
              <th scope="col">Nombre</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td data-label="Date">{formatDateTime(r.time)}</td>
                <td data-label="Capacité">{r.series}</td>
                <td data-label="Nombre">{r.value === null ? 'retirée' : formatNumber(r.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function BedZone({ location }: { location: Json }) {
  const rows = capacityRows(location);
  const updated = lastCapacityUpdate(location);
  const name = location.name ?? `Zone ${location.id}`;
  const headingId = `zone-${location.id}`;
  return (
    <section class="bed-zone" aria-labelledby={headingId}>
      <h3 id={headingId}>{name}</h3>
      <p>
        {addressLine(location.address) ?? ''} {updated ? `— capacité mise à jour ${formatAge(updated)} (${formatDateTime(updated)})` : '— capacité jamais renseignée'}
      </p>
      {rows.length ? (
        <table class="responsive">
          <caption>Capacité actuelle — {name}</caption>
          <thead>
            <tr>
              <th scope="col">Statut</th>
              <th scope="col">Genre</th>
              <th scope="col">Temporalité</th>
              <th scope="col">Nature</th>
              <th scope="col">Nombre</th>
              <th scope="col">Mise à jour</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td data-label="Statut">
                  {r.status}
                  {r.qualifiers.length ? ` (${r.qualifiers.join(', ')})` : ''}
                </td>
                <td data-label="Genre">{r.gender}</td>
                <td data-label="Temporalité">{r.temporality}</td>
                <td data-label="Nature">{r.type}</td>
                <td data-label="Nombre">{formatNumber(r.count)}</td>
                <td data-label="Mise à jour">{formatAge(r.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>Aucune capacité renseignée.</p>
      )}
      <h4>Historique de la capacité</h4>
      <History location={location} />
    </section>
  );
}

export default function UnitPage() {
  const { params } = useRoute();
  const id = params.id;
  const state = useAsync((signal) => loadUnit(id, signal), [id]);
  if (state.loading && !state.data) {
    return (
      <>
        <PageTitle title="Unité">Unité</PageTitle>
        <Loading />
      </>
    );
  }
  if (state.error || !state.data) {
    return (
      <>
        <PageTitle title="Unité introuvable">Unité introuvable</PageTitle>
        {state.error ? <ErrorNotice error={state.error} retry={state.reload} /> : <Notice>Cette unité n’existe pas ou n’est pas visible avec votre profil d’accès.</Notice>}
        <p>
          <a href="/ui/recherche">Retour à la recherche</a>
        </p>
      </>
    );
  }
  const { service, organization, locations } = state.data;
  const patientele = patienteleOf(service);
  const contacts = [...contactsOf(service), ...contactsOf(organization)];
  const category = labelsOf(organization?.type);
  return (
    <div class="unit-page">
      <PageTitle title={service.name ?? 'Unité'}>{service.name ?? 'Unité'}</PageTitle>
      {service.active === false && <Notice kind="warning">Cette unité est inactive.</Notice>}
      {isSensitive(service) && <Notice kind="warning">Unité sensible : visible seulement des profils d’accès autorisés.</Notice>}
      <ReportLink resource={`HealthcareService/${service.id}`} />
      <section aria-labelledby="identite">
        <h2 id="identite">Identité</h2>
        <dl class="facts">
          <dt>Établissement</dt>
          <dd>{organization ? <a href={`/ui/etablissements/${encodeURIComponent(organization.id)}`}>{organization.name}</a> : '—'}</dd>
          <dt>FINESS</dt>
          <dd>{finessOf(organization) ?? '—'}</dd>
          <dt>Catégorie d’établissement</dt>
          <dd>
            <Labels items={category} />
          </dd>
          <dt>Adresse</dt>
          <dd>{addressLine(organization?.address?.[0]) ?? addressLine(locations[0]?.address) ?? '—'}</dd>
          <dt>Contacts</dt>
          <dd>
            {contacts.length ? (
              <ul class="plain-list">
                {contacts.map((c, i) => (
                  <li key={i}>
                    {c.label} : {c.href ? <a href={c.href}>{c.value}</a> : c.value}
                  </li>
                ))}
              </ul>
            ) : (
              'aucun contact visible'
            )}
          </dd>
        </dl>
      </section>
      <section aria-labelledby="offre">
        <h2 id="offre">Offre</h2>
        <dl class="facts">
          <dt>Activités</dt>
          <dd>
            <Labels items={labelsOf(service.specialty)} />
          </dd>
          <dt>Modes de prise en charge</dt>
          <dd>
            <Labels items={labelsOf(service.characteristic)} />
          </dd>
          <dt>Catégorie de l’unité</dt>
          <dd>
            <Labels items={[...labelsOf(service.category), ...labelsOf(service.type)]} />
          </dd>
        </dl>
      </section>
      <section aria-labelledby="patientele">
        <h2 id="patientele">Patientèle</h2>
        <dl class="facts">
          <dt>Âges</dt>
          <dd>{describeAgeRange(patientele.ageRange)}</dd>
          <dt>Publics</dt>
          <dd>
            <Labels items={patientele.types} />
          </dd>
        </dl>
      </section>
      <section aria-labelledby="zones">
        <h2 id="zones">Zones de lits</h2>
        {locations.length ? locations.map((l) => <BedZone key={l.id} location={l} />) : <p>Aucune zone de lits visible.</p>}
      </section>
    </div>
  );
}
