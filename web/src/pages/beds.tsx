/**
 * "Mes lits" (/ui/mes-lits): the units and bed zones of the signed-in establishment (its FINESS numbers; an
 * administrator picks one with ?finess=), each zone's capacity entries with how old they are, a number field with
 * −/+ per entry, one "Enregistrer" for the page, and "Rien n'a changé" to confirm figures without typing them again.
 *
 * Every write is the kernel's operation on one zone, conditional on the version the page read (`If-Match`). When
 * someone else changed a zone meanwhile (412), the page loads their figures and shows them beside the person's,
 * who chooses: keep mine (sent again against their version) or take theirs. Nothing typed is dropped until then.
 */
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ErrorNotice, Loading, Notice, PageTitle } from '../components';
import { ApiError } from '../lib/api';
import { changesOf, conflictLines, type EntryView, finessOf, freeNow, keepMine, readCount, type Unit, type Zone } from '../lib/beds';
import { confirmCapacity, loadEstablishment, loadZone, setCapacity } from '../lib/beds-api';
import { formatAge, formatDateTime, formatNumber } from '../lib/format';
import { canEditBeds, useSession } from '../lib/session';
import { useAsync } from '../lib/use-async';

/** What was typed per zone and entry (text, as typed: checked on save). */
type Drafts = Record<string, Record<string, string>>;

interface Conflict {
  /** The zone as the server has it now. */
  theirs: Zone;
  /** The figures the person stands by: typed ones, or (for "rien n'a changé") the ones they saw. */
  mine: Record<string, number>;
  action: 'save' | 'confirm';
}

type Message = { kind: 'success' | 'error' | 'warning'; text: string };

const fieldId = (zoneId: string, key: string) => `nb-${zoneId}-${key.replace(/[^A-Za-z0-9]/g, '_')}`;

function frenchError(err: unknown, zone: Zone): string {
  if (err instanceof ApiError) {
    if (err.status === 403) return `« ${zone.name} » : vous n’avez pas le droit de modifier cette zone (elle n’appartient pas à votre établissement).`;
    if (err.status === 401) return 'Votre session a expiré : reconnectez-vous, vos chiffres sont toujours affichés.';
    return `« ${zone.name} » : ${err.message}`;
  }
  return `« ${zone.name} » : ${(err as Error).message}`;
}

export default function BedsPage() {
  const { user, loading: sessionLoading } = useSession();
  const { query } = useLocation();
  const finess = useMemo(() => (user?.role === 'admin' && query.finess ? query.finess.split(',').map((f) => f.trim()).filter(Boolean) : (user?.finess ?? [])), [user, query.finess]);
  const data = useAsync((signal) => (user && canEditBeds(user) ? loadEstablishment(finess, signal) : Promise.resolve(undefined)), [user?.id, finess.join(',')]);

  if (sessionLoading) return <Loading />;
  return (
    <section class="beds">
      <PageTitle title="Mes lits">Mes lits</PageTitle>
      {!user ? (
        <Notice kind="warning">
          <p>
            Connectez-vous avec le compte de votre établissement pour mettre à jour vos lits : <a href="/ui/connexion?retour=%2Fui%2Fmes-lits">se connecter</a>.
          </p>
        </Notice>
      ) : !canEditBeds(user) ? (
        <Notice kind="warning">
          <p>Cette page est réservée aux établissements et aux administrateurs.</p>
        </Notice>
      ) : (
        <>
          {user.role === 'admin' && <AdminPicker finess={finess} />}
          {data.error ? (
            <ErrorNotice error={data.error} retry={data.reload} />
          ) : data.loading && !data.data ? (
            <Loading what="Chargement de vos unités" />
          ) : data.data ? (
            <BedsEditor key={finess.join(',')} organizations={data.data.organizations} units={data.data.units} />
          ) : null}
        </>
      )}
    </section>
  );
}

function AdminPicker({ finess }: { finess: string[] }) {
  const { route } = useLocation();
  const [value, setValue] = useState(finess.join(','));
  return (
    <form
      class="beds-picker"
      onSubmit={(e) => {
        e.preventDefault();
        route(`/ui/mes-lits?finess=${encodeURIComponent(value.trim())}`);
      }}
    >
      <label for="beds-finess">FINESS de l’établissement (EJ ou ET, plusieurs séparés par des virgules)</label>
      <div class="beds-picker-row">
        <input id="beds-finess" inputMode="numeric" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit">Afficher</button>
      </div>
    </form>
  );
}

function BedsEditor({ organizations, units: initialUnits }: { organizations: import('@medplum/fhirtypes').Organization[]; units: Unit[] }) {
  const [zones, setZones] = useState<Record<string, Zone>>(() => Object.fromEntries(initialUnits.flatMap((u) => u.zones.map((z) => [z.id, z]))));
  const [drafts, setDrafts] = useState<Drafts>({});
  const [conflicts, setConflicts] = useState<Record<string, Conflict>>({});
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const [messages, setMessages] = useState<Message[]>([]);
  const [busy, setBusy] = useState(false);
  const now = Date.now();

  const units = initialUnits;
  const allZones = units.flatMap((u) => u.zones.map((z) => zones[z.id] ?? z));
  const zoneDrafts = (id: string) => drafts[id] ?? {};

  /** The numbers typed for a zone, parsed; `errors` names the fields that are not numbers. */
  function parsed(zone: Zone): { edits: Record<string, number>; errors: Record<string, string> } {
    const edits: Record<string, number> = {};
    const errors: Record<string, string> = {};
    for (const [key, text] of Object.entries(zoneDrafts(zone.id))) {
      const r = readCount(text);
      if (r.ok) edits[key] = r.value;
      else errors[fieldId(zone.id, key)] = r.message;
    }
    return { edits, errors };
  }

  const pendingCount = allZones.reduce((n, z) => n + changesOf(z, parsed(z).edits).length, 0);

  function setDraft(zoneId: string, key: string, text: string) {
    setDrafts((d) => ({ ...d, [zoneId]: { ...d[zoneId], [key]: text } }));
    setInvalid((inv) => {
      const { [fieldId(zoneId, key)]: _gone, ...rest } = inv;
      return rest;
    });
  }

  function step(zone: Zone, entry: EntryView, delta: number) {
    const text = zoneDrafts(zone.id)[entry.key];
    const current = text !== undefined && readCount(text).ok ? Number(text) : (entry.record.nbCapacity ?? 0);
    setDraft(zone.id, entry.key, String(Math.max(0, current + delta)));
  }

  const replaceZone = (zone: Zone) => setZones((zs) => ({ ...zs, [zone.id]: zone }));

  /** Writes a zone's changes one entry at a time, each against the version the previous one produced. */
  async function saveZone(zone: Zone, edits: Record<string, number>): Promise<{ written: number; zone: Zone; problem?: Message; conflict?: Conflict }> {
    let current = zone;
    let written = 0;
    for (const change of changesOf(zone, edits)) {
      try {
        current = await setCapacity(current, change.record, change.to);
        written++;
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) {
          const theirs = await loadZone(zone.id);
          return { written, zone: current, conflict: { theirs, mine: edits, action: 'save' } };
        }
        return { written, zone: current, problem: { kind: 'error', text: frenchError(err, zone) } };
      }
    }
    return { written, zone: current };
  }

  function dropDrafts(zoneId: string, keep: (key: string) => boolean) {
    setDrafts((d) => ({ ...d, [zoneId]: Object.fromEntries(Object.entries(d[zoneId] ?? {}).filter(([k]) => keep(k))) }));
  }

  async function saveAll() {
    const errors: Record<string, string> = {};
    for (const z of allZones) Object.assign(errors, parsed(z).errors);
    setInvalid(errors);
    if (Object.keys(errors).length) {
      setMessages([{ kind: 'error', text: `${Object.keys(errors).length} champ(s) ne contiennent pas un nombre entier : corrigez-les avant d’enregistrer.` }]);
      document.getElementById(Object.keys(errors)[0])?.focus();
      return;
    }
    setBusy(true);
    const out: Message[] = [];
    let total = 0;
    for (const zone of allZones) {
      if (conflicts[zone.id]) continue;
      const { edits } = parsed(zone);
      if (!changesOf(zone, edits).length) continue;
      const result = await saveZone(zone, edits);
      total += result.written;
      replaceZone(result.zone);
      if (result.conflict) {
        setConflicts((c) => ({ ...c, [zone.id]: result.conflict! }));
        out.push({ kind: 'warning', text: `« ${zone.name} » a été modifiée par quelqu’un d’autre depuis le chargement de la page : comparez et choisissez ci-dessous. Vos chiffres sont conservés.` });
      } else if (result.problem) out.push(result.problem);
      else dropDrafts(zone.id, () => false);
    }
    if (total) out.unshift({ kind: 'success', text: `Enregistré : ${total} chiffre${total > 1 ? 's' : ''} mis à jour.` });
    if (!out.length) out.push({ kind: 'warning', text: 'Aucun chiffre n’a changé : rien à enregistrer. Utilisez « Rien n’a changé » pour confirmer les chiffres.' });
    setMessages(out);
    setBusy(false);
  }

  async function confirmZones(targets: Zone[]) {
    setBusy(true);
    const out: Message[] = [];
    let done = 0;
    for (const zone of targets) {
      try {
        replaceZone(await confirmCapacity(zone));
        done++;
      } catch (err) {
        if (err instanceof ApiError && err.status === 412) {
          const theirs = await loadZone(zone.id);
          const mine = Object.fromEntries(zone.entries.filter((e) => e.record.nbCapacity !== undefined).map((e) => [e.key, e.record.nbCapacity!]));
          setConflicts((c) => ({ ...c, [zone.id]: { theirs, mine, action: 'confirm' } }));
          out.push({ kind: 'warning', text: `« ${zone.name} » a été modifiée par quelqu’un d’autre depuis le chargement de la page : rien n’a été confirmé, comparez et choisissez ci-dessous.` });
        } else out.push({ kind: 'error', text: frenchError(err, zone) });
      }
    }
    if (done) out.unshift({ kind: 'success', text: `Chiffres confirmés pour ${done} zone${done > 1 ? 's' : ''} : ils datent de maintenant.` });
    setMessages(out);
    setBusy(false);
  }

  async function resolve(zoneId: string, choice: 'mine' | 'theirs') {
    const conflict = conflicts[zoneId];
    if (!conflict) return;
    const theirs = conflict.theirs;
    const loaded = zones[zoneId];
    setConflicts(({ [zoneId]: _done, ...rest }) => rest);
    replaceZone(theirs);
    if (choice === 'theirs') {
      dropDrafts(zoneId, () => false);
      setMessages([{ kind: 'success', text: `« ${theirs.name} » : les chiffres enregistrés par l’autre personne sont affichés ; les vôtres sont abandonnés.` }]);
      return;
    }
    setBusy(true);
    const mine = keepMine(loaded, theirs, conflict.mine, conflict.action === 'confirm');
    const result = await saveZone(theirs, mine);
    replaceZone(result.zone);
    const out: Message[] = [];
    if (result.conflict) {
      setConflicts((c) => ({ ...c, [zoneId]: { ...result.conflict!, action: conflict.action } }));
      out.push({ kind: 'warning', text: `« ${theirs.name} » a encore changé entre-temps : comparez à nouveau.` });
    } else if (result.problem) out.push(result.problem);
    else {
      dropDrafts(zoneId, () => false);
      if (conflict.action === 'confirm') {
        try {
          replaceZone(await confirmCapacity(result.zone));
        } catch (err) {
          out.push({ kind: 'error', text: frenchError(err, theirs) });
        }
      }
      out.unshift({ kind: 'success', text: `« ${theirs.name} » : vos chiffres sont enregistrés.` });
    }
    setMessages(out);
    setBusy(false);
  }

  const confirmable = allZones.filter((z) => z.entries.length && !conflicts[z.id] && !changesOf(z, parsed(z).edits).length);

  return (
    <form
      class="beds-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) void saveAll();
      }}
    >
      <p class="beds-establishments">
        {organizations.length ? (
          <>
            Établissement{organizations.length > 1 ? 's' : ''} :{' '}
            {organizations.map((o, i) => (
              <span key={o.id}>
                {i > 0 && ', '}
                <a href={`/ui/etablissements/${o.id}`}>{o.name}</a> (FINESS {finessOf(o) ?? '—'})
              </span>
            ))}
          </>
        ) : (
          'Aucun établissement ne correspond à vos numéros FINESS.'
        )}
      </p>
      <div class="beds-messages" aria-live="polite">
        {messages.map((m, i) => (
          <Notice key={i} kind={m.kind}>
            <p>{m.text}</p>
          </Notice>
        ))}
      </div>
      {!units.length && organizations.length > 0 && <Notice>Aucune unité n’est déclarée pour cet établissement.</Notice>}
      {units.map((unit) => (
        <section class="beds-unit" key={unit.id} aria-labelledby={`unit-${unit.id}`}>
          <h2 id={`unit-${unit.id}`}>
            {unit.name} {!unit.active && <span class="badge badge-none">inactive</span>}
          </h2>
          <p class="beds-unit-link">
            <a href={`/ui/unites/${unit.id}`}>Fiche de l’unité {unit.name}</a>
          </p>
          {!unit.zones.length && <p class="beds-muted">Pas de zone de lits pour cette unité.</p>}
          {unit.zones.map((z) => {
            const zone = zones[z.id] ?? z;
            return (
              <ZoneCard
                key={zone.id}
                zone={zone}
                drafts={zoneDrafts(zone.id)}
                invalid={invalid}
                conflict={conflicts[zone.id]}
                busy={busy}
                now={now}
                onDraft={(key, text) => setDraft(zone.id, key, text)}
                onStep={(entry, delta) => step(zone, entry, delta)}
                onConfirm={() => void confirmZones([zone])}
                onResolve={(choice) => void resolve(zone.id, choice)}
                canConfirm={confirmable.includes(zone)}
              />
            );
          })}
        </section>
      ))}
      <div class="beds-actions">
        <button type="submit" disabled={busy}>
          Enregistrer{pendingCount ? ` (${pendingCount})` : ''}
        </button>
        <button type="button" class="secondary" disabled={busy || !confirmable.length} onClick={() => void confirmZones(confirmable)}>
          Rien n’a changé
        </button>
        <a class="button secondary" href="/ui/mes-lits/import">
          Importer un fichier CSV
        </a>
      </div>
    </form>
  );
}

interface ZoneProps {
  zone: Zone;
  drafts: Record<string, string>;
  invalid: Record<string, string>;
  conflict?: Conflict;
  busy: boolean;
  now: number;
  canConfirm: boolean;
  onDraft(key: string, text: string): void;
  onStep(entry: EntryView, delta: number): void;
  onConfirm(): void;
  onResolve(choice: 'mine' | 'theirs'): void;
}

function ZoneCard({ zone, drafts, invalid, conflict, busy, now, canConfirm, onDraft, onStep, onConfirm, onResolve }: ZoneProps) {
  const headingId = `zone-${zone.id}`;
  const free = freeNow(zone);
  return (
    <div class={`bed-zone${!zone.entries.length ? ' bed-zone-empty' : zone.stale ? ' bed-zone-stale' : ''}`} role="group" aria-labelledby={headingId}>
      <div class="bed-zone-head">
        <h3 id={headingId}>{zone.name}</h3>
        <p class="bed-zone-meta">
          {zone.entries.length ? (
            <>
              <span class={`badge ${zone.stale ? 'badge-warn' : 'badge-ok'}`}>{zone.stale ? 'À mettre à jour' : 'À jour'}</span>{' '}
              Mis à jour {formatAge(zone.updatedAt, now)}
              {zone.updatedAt && <> ({formatDateTime(zone.updatedAt)})</>}
              {zone.stale && zone.staleText && <span class="bed-zone-stale-text"> — {zone.staleText}</span>}
              {free !== undefined && <> · {formatNumber(free)} libre{free > 1 ? 's' : ''} maintenant</>}
            </>
          ) : (
            <span class="badge badge-none">Aucune capacité déclarée</span>
          )}
        </p>
      </div>
      {conflict && <ConflictPanel zone={zone} conflict={conflict} busy={busy} onResolve={onResolve} />}
      {zone.entries.length > 0 && (
        <table class="bed-entries">
          <caption class="visually-hidden">Capacités de {zone.name}</caption>
          <thead>
            <tr>
              <th scope="col">Capacité</th>
              <th scope="col">Nombre</th>
              <th scope="col">Mis à jour</th>
            </tr>
          </thead>
          <tbody>
            {zone.entries.map((entry) => {
              const id = fieldId(zone.id, entry.key);
              const text = drafts[entry.key] ?? String(entry.record.nbCapacity ?? '');
              const changed = drafts[entry.key] !== undefined && drafts[entry.key] !== String(entry.record.nbCapacity ?? '');
              const entryStale = zone.stale;
              const error = invalid[id];
              return (
                <tr key={entry.key} class={changed ? 'bed-entry-changed' : undefined}>
                  <th scope="row">
                    <label for={id}>
                      {entry.label}
                      <span class="visually-hidden">, </span>
                      <span class="bed-entry-group">{entry.group}</span>
                    </label>
                  </th>
                  <td>
                    <div class="stepper">
                      <button type="button" class="secondary" aria-label={`Retirer 1 : ${entry.label}, ${entry.group}`} onClick={() => onStep(entry, -1)} disabled={busy}>
                        −
                      </button>
                      <input
                        id={id}
                        type="number"
                        inputMode="numeric"
                        min={0}
                        step={1}
                        value={text}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `${id}-error` : undefined}
                        onInput={(e) => onDraft(entry.key, e.currentTarget.value)}
                      />
                      <button type="button" class="secondary" aria-label={`Ajouter 1 : ${entry.label}, ${entry.group}`} onClick={() => onStep(entry, 1)} disabled={busy}>
                        +
                      </button>
                    </div>
                    {changed && <span class="bed-entry-was">avant : {formatNumber(entry.record.nbCapacity)}</span>}
                    {error && (
                      <span class="bed-entry-error" id={`${id}-error`}>
                        {error}
                      </span>
                    )}
                  </td>
                  <td class={entryStale ? 'bed-age-stale' : undefined}>
                    {formatAge(entry.record.capacityUpdateDate, now)}
                    <span class="bed-entry-date">{formatDateTime(entry.record.capacityUpdateDate)}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {zone.entries.length > 0 && (
        <button type="button" class="secondary bed-zone-confirm" disabled={busy || !canConfirm} onClick={onConfirm}>
          Rien n’a changé pour « {zone.name} »
        </button>
      )}
    </div>
  );
}

function ConflictPanel({ zone, conflict, busy, onResolve }: { zone: Zone; conflict: Conflict; busy: boolean; onResolve(choice: 'mine' | 'theirs'): void }) {
  const lines = conflictLines(zone, conflict.theirs, conflict.mine);
  return (
    <div class="notice notice-warning bed-conflict" role="alert">
      <p>
        <strong>Modifié par quelqu’un d’autre</strong> : « {zone.name} » a été mise à jour {formatAge(conflict.theirs.updatedAt)} ({formatDateTime(conflict.theirs.updatedAt)}),
        après le chargement de cette page. {conflict.action === 'confirm' ? 'Rien n’a été confirmé.' : 'Vos chiffres ne sont pas encore enregistrés, ni perdus.'}
      </p>
      <table class="bed-conflict-table">
        <caption class="visually-hidden">Chiffres en conflit pour {zone.name}</caption>
        <thead>
          <tr>
            <th scope="col">Capacité</th>
            <th scope="col" class="number">Au chargement</th>
            <th scope="col" class="number">Leurs chiffres</th>
            <th scope="col" class="number">Vos chiffres</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.key}>
              <th scope="row">
                {l.label} <span class="bed-entry-group">{l.group}</span>
              </th>
              <td class="number">{formatNumber(l.loaded)}</td>
              <td class={`number${l.changedByThem ? ' bed-conflict-changed' : ''}`}>{formatNumber(l.theirs)}</td>
              <td class={`number${l.changedByMe ? ' bed-conflict-changed' : ''}`}>{formatNumber(l.mine)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="bed-conflict-actions">
        <button type="button" disabled={busy} onClick={() => onResolve('mine')}>
          Garder mes chiffres
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => onResolve('theirs')}>
          Prendre les leurs
        </button>
      </div>
    </div>
  );
}
