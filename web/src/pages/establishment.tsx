/**
 * An establishment's page (/ui/etablissements/:id, an Organization id, for anyone): its identity (name, FINESS,
 * category, address, the contacts the caller may see — the server redacts the others), its legal entity or its
 * sites, its units with free beds and freshness, its practitioners (PractitionerRole with their Practitioner, from
 * the RPPS), and the freshness of its data (share of stale zones, oldest update).
 */
import type { Bundle, Organization, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { useRoute } from 'preact-iso';
import { ErrorNotice, Loading, PageTitle } from '../components';
import { getJson } from '../lib/api';
import { finessOf, freeNow, freshness, type Unit } from '../lib/beds';
import { loadUnits } from '../lib/beds-api';
import { formatAge, formatDateTime, formatNumber, formatPercent } from '../lib/format';
import { canEditBeds, useSession } from '../lib/session';
import { useAsync } from '../lib/use-async';
import { OpenTasks } from './tasks-count';

const CATEGORY_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement';
const TELECOM_WORDS: Record<string, string> = { phone: 'Téléphone', fax: 'Fax', email: 'Courriel', url: 'Site web', sms: 'SMS', pager: 'Bip', other: 'Autre' };

interface PageData {
  organization: Organization;
  parent?: Organization;
  sites: Organization[];
  units: Unit[];
  roles: { role: PractitionerRole; practitioner?: Practitioner }[];
}

const idOf = (ref: string | undefined) => ref?.split('/').pop();

async function load(id: string, signal: AbortSignal): Promise<PageData> {
  const organization = await getJson<Organization>(`/Organization/${encodeURIComponent(id)}`, signal);
  const [parent, sitesBundle] = await Promise.all([
    organization.partOf?.reference ? getJson<Organization>(`/Organization/${encodeURIComponent(idOf(organization.partOf.reference)!)}`, signal).catch(() => undefined) : undefined,
    getJson<Bundle>(`/Organization?partof=${encodeURIComponent(id)}&_count=100`, signal),
  ]);
  const sites = (sitesBundle.entry ?? []).map((e) => e.resource as Organization).filter((r) => r?.resourceType === 'Organization');
  const ids = [id, ...sites.map((s) => s.id!)];
  const [units, rolesBundle] = await Promise.all([
    loadUnits(ids, signal),
    getJson<Bundle>(`/PractitionerRole?organization=${ids.map(encodeURIComponent).join(',')}&_include=PractitionerRole:practitioner&_count=200`, signal),
  ]);
  const practitioners = new Map(
    (rolesBundle.entry ?? []).map((e) => e.resource).filter((r): r is Practitioner => r?.resourceType === 'Practitioner').map((p) => [p.id!, p]),
  );
  const roles = (rolesBundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is PractitionerRole => r?.resourceType === 'PractitionerRole')
    .map((role) => ({ role, practitioner: practitioners.get(idOf(role.practitioner?.reference) ?? '') }));
  return { organization, parent, sites, units, roles };
}

const display = (cc: { coding?: { display?: string; code?: string }[]; text?: string } | undefined) => cc?.text ?? cc?.coding?.[0]?.display ?? cc?.coding?.[0]?.code;

function nameOf(p: Practitioner | undefined): string {
  const n = p?.name?.[0];
  if (!n) return 'Professionnel sans nom';
  return [n.prefix?.join(' '), n.given?.join(' '), n.family].filter(Boolean).join(' ');
}

export default function EstablishmentPage() {
  const { params } = useRoute();
  const { user } = useSession();
  const id = params.id ?? '';
  const data = useAsync((signal) => load(id, signal), [id, user?.id]);

  if (data.error) {
    return (
      <section>
        <PageTitle title="Établissement">Établissement</PageTitle>
        <ErrorNotice error={data.error} retry={data.reload} />
      </section>
    );
  }
  if (!data.data) return <Loading what="Chargement de l’établissement" />;
  const { organization: org, parent, sites, units, roles } = data.data;
  const zones = units.flatMap((u) => u.zones);
  const fresh = freshness(zones);
  const category = org.type?.find((t) => t.coding?.some((c) => c.system === CATEGORY_SYSTEM));
  const unitNames = new Map(units.map((u) => [u.id, u.name]));
  const mine = canEditBeds(user) && !!user?.finess.some((f) => f === finessOf(org) || (parent && f === finessOf(parent)));

  return (
    <section class="establishment">
      <PageTitle title={org.name ?? 'Établissement'}>{org.name ?? 'Établissement'}</PageTitle>
      {mine && (
        <p>
          <a href="/ui/mes-lits">Mettre à jour les lits de cet établissement</a>
        </p>
      )}
      <section aria-labelledby="est-identity">
        <h2 id="est-identity">Identité</h2>
        <dl class="establishment-identity">
          <dt>FINESS</dt>
          <dd>
            {finessOf(org) ?? '—'} {org.partOf ? '(entité géographique)' : sites.length ? '(entité juridique)' : ''}
          </dd>
          <dt>Catégorie</dt>
          <dd>{display(category) ?? '—'}</dd>
          {parent && (
            <>
              <dt>Entité juridique</dt>
              <dd>
                <a href={`/ui/etablissements/${parent.id}`}>{parent.name}</a> (FINESS {finessOf(parent) ?? '—'})
              </dd>
            </>
          )}
          {sites.length > 0 && (
            <>
              <dt>Sites</dt>
              <dd>
                <ul class="establishment-sites">
                  {sites.map((s) => (
                    <li key={s.id}>
                      <a href={`/ui/etablissements/${s.id}`}>{s.name}</a> (FINESS {finessOf(s) ?? '—'})
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          <dt>Adresse</dt>
          <dd>
            {org.address?.length
              ? org.address.map((a, i) => (
                  <span key={i} class="establishment-address">
                    {[...(a.line ?? []), [a.postalCode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ')}
                  </span>
                ))
              : '—'}
          </dd>
          <dt>Contacts</dt>
          <dd>
            {org.telecom?.length ? (
              <ul class="establishment-contacts">
                {org.telecom.map((t, i) => (
                  <li key={i}>
                    {TELECOM_WORDS[t.system ?? 'other'] ?? t.system} :{' '}
                    {t.system === 'email' ? <a href={`mailto:${t.value}`}>{t.value}</a> : t.system === 'phone' ? <a href={`tel:${t.value}`}>{t.value}</a> : t.value}
                  </li>
                ))}
              </ul>
            ) : (
              'aucun contact visible avec vos droits'
            )}
          </dd>
        </dl>
      </section>

      {(user?.role === 'analyst' || user?.role === 'admin' || mine) && <OpenTasks owners={[org.id!, ...sites.map((s) => s.id!)]} report={`Organization/${org.id}`} canReport />}

      <section aria-labelledby="est-freshness">
        <h2 id="est-freshness">Fraîcheur des données</h2>
        {fresh.withCapacity ? (
          <ul class="cards establishment-freshness">
            <li>
              <div class="card">
                <strong>{formatPercent(fresh.stale / fresh.withCapacity)}</strong>
                <span>
                  des zones à mettre à jour ({fresh.stale} sur {fresh.withCapacity})
                </span>
              </div>
            </li>
            <li>
              <div class="card">
                <strong>{fresh.oldest ? formatAge(fresh.oldest) : 'jamais'}</strong>
                <span>mise à jour la plus ancienne{fresh.oldest ? ` (${formatDateTime(fresh.oldest)})` : ''}</span>
              </div>
            </li>
            <li>
              <div class="card">
                <strong>{fresh.newest ? formatAge(fresh.newest) : 'jamais'}</strong>
                <span>mise à jour la plus récente{fresh.newest ? ` (${formatDateTime(fresh.newest)})` : ''}</span>
              </div>
            </li>
          </ul>
        ) : (
          <p>Aucune capacité en lits ou places n’est déclarée (ou visible avec vos droits).</p>
        )}
      </section>

      <section aria-labelledby="est-units">
        <h2 id="est-units">Unités ({units.length})</h2>
        {units.length ? (
          <table class="responsive">
            <caption class="visually-hidden">Unités de {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Unité</th>
                <th scope="col" class="number">
                  Lits ou places libres
                </th>
                <th scope="col">Mise à jour</th>
              </tr>
            </thead>
            <tbody>
              {units.map((u) => {
                const free = u.zones.map(freeNow).filter((n): n is number => n !== undefined);
                const unitFresh = freshness(u.zones);
                return (
                  <tr key={u.id}>
                    <td data-label="Unité">
                      <a href={`/ui/unites/${u.id}`}>{u.name}</a> {!u.active && <span class="badge badge-none">inactive</span>}
                    </td>
                    <td data-label="Libres" class="number">
                      {free.length ? formatNumber(free.reduce((a, b) => a + b, 0)) : '—'}
                    </td>
                    <td data-label="Mise à jour">
                      {unitFresh.withCapacity ? (
                        <>
                          <span class={`badge ${unitFresh.stale ? 'badge-warn' : 'badge-ok'}`}>{unitFresh.stale ? 'À mettre à jour' : 'À jour'}</span>{' '}
                          {unitFresh.newest ? formatAge(unitFresh.newest) : ''}
                        </>
                      ) : (
                        <span class="badge badge-none">sans capacité</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p>Aucune unité déclarée.</p>
        )}
      </section>

      <section aria-labelledby="est-practitioners">
        <h2 id="est-practitioners">Professionnels ({roles.length})</h2>
        {roles.length ? (
          <table class="responsive">
            <caption class="visually-hidden">Professionnels de {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Nom</th>
                <th scope="col">Profession</th>
                <th scope="col">Spécialité</th>
                <th scope="col">Unité</th>
                <th scope="col">RPPS</th>
              </tr>
            </thead>
            <tbody>
              {roles.map(({ role, practitioner }) => {
                const specialty = role.specialty?.map(display).filter((s) => s && s !== 'Spécialité ordinale');
                const rpps = practitioner?.identifier?.find((i) => i.system === 'urn:oid:1.2.250.1.71.4.2.1')?.value;
                return (
                  <tr key={role.id}>
                    <td data-label="Nom">{nameOf(practitioner)}</td>
                    <td data-label="Profession">{role.code?.map(display).filter(Boolean).join(', ') || '—'}</td>
                    <td data-label="Spécialité">{specialty?.length ? specialty.join(', ') : '—'}</td>
                    <td data-label="Unité">
                      {role.healthcareService?.length
                        ? role.healthcareService.map((h, i) => {
                            const hid = idOf(h.reference)!;
                            return (
                              <span key={hid}>
                                {i > 0 && ', '}
                                <a href={`/ui/unites/${hid}`}>{unitNames.get(hid) ?? h.display ?? 'unité'}</a>
                              </span>
                            );
                          })
                        : '—'}
                    </td>
                    <td data-label="RPPS">{rpps ? rpps.replace(/^8/, '') : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : (
          <p>Aucun professionnel rattaché dans le répertoire.</p>
        )}
      </section>
    </section>
  );
}
