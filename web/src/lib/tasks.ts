/**
 * The data-quality task list (/ui/taches): its filters as they are written in the URL, the FHIR search of Task they
 * make (README "Data quality", "Working the queue"), a RORTask read into a row the page shows, and the French words
 * for what the server answers to the actions. The code lists and their labels are the server's terminology
 * (fhir-profiles/terminology: JDV_J241 themes, JDV_J244 business statuses), imported, not copied. Pure: tested
 * without a browser.
 */
import type { Bundle, Organization, Resource, Task } from '@medplum/fhirtypes';
import themes from '../../../fhir-profiles/terminology/ValueSet-JDV_J241-ThematiqueAnomalie-ROR.json';
import statuses from '../../../fhir-profiles/terminology/ValueSet-JDV_J244-StatutMetierAnomalie-ROR.json';
import { ApiError, query } from './api';

const concepts = (vs: { compose: { include: { system: string; concept?: { code: string; display: string }[] }[] } }) =>
  vs.compose.include.flatMap((i) => (i.concept ?? []).map((c) => ({ system: i.system, code: c.code, label: c.display })));

/** JDV_J241: the anomaly themes, in the value set's order. */
export const THEMES: readonly { system: string; code: string; label: string }[] = concepts(themes);
export const THEME_SYSTEM = THEMES[0]?.system ?? '';
const STATUS_LABELS = new Map(concepts(statuses).map((c) => [c.code, c.label]));

/** Task.status values of a task still to work (src/quality/tasks/codes.ts OPEN_STATUSES), and of a closed one. */
export const OPEN_STATUSES = ['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'];
export const CLOSED_STATUSES = ['completed', 'cancelled', 'rejected', 'failed'];

export type StatusFilter = 'ouvertes' | 'fermees';
export type AgeFilter = '' | '7' | '30' | 'plus30';

export const AGE_LABELS: Record<AgeFilter, string> = { '': 'toutes', '7': 'moins de 7 jours', '30': '8 à 30 jours', plus30: 'plus de 30 jours' };

export interface TaskFilters {
  status: StatusFilter;
  theme: string;
  /** Organization ids of the owners (an establishment and, from an EJ's page, its sites). */
  owners: string[];
  age: AgeFilter;
}

export function emptyFilters(): TaskFilters {
  return { status: 'ouvertes', theme: '', owners: [], age: '' };
}

/** The filters of a URL's query (`?statut=fermees&theme=01&etablissement=org-1&age=30`); unknown values are ignored. */
export function filtersFromQuery(q: Record<string, string | string[] | undefined>): TaskFilters {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
  const all = (v: string | string[] | undefined) => (Array.isArray(v) ? v : v ? v.split(',') : []).filter((x) => /^[A-Za-z0-9\-.]{1,64}$/.test(x));
  const status = one(q.statut) === 'fermees' ? 'fermees' : 'ouvertes';
  const theme = THEMES.some((t) => t.code === one(q.theme)) ? one(q.theme) : '';
  const age = (['7', '30', 'plus30'] as const).find((a) => a === one(q.age)) ?? '';
  return { status, theme, owners: all(q.etablissement), age };
}

/** The page's URL for filters (what a link to a filtered list, or the filter form, writes). */
export function tasksUrl(f: Partial<TaskFilters> = {}): string {
  const full = { ...emptyFilters(), ...f };
  return `/ui/taches${query({ statut: full.status === 'fermees' ? 'fermees' : undefined, theme: full.theme, etablissement: full.owners.length ? full.owners.join(',') : undefined, age: full.age })}`;
}

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** The FHIR search of the list: `/Task?status=…&code=…&owner=…&authored-on=…`, newest first, owners included. */
export function taskSearch(f: TaskFilters, now: number = Date.now(), count = 50): string {
  const authored: string[] = [];
  if (f.age === '7') authored.push(`ge${isoDay(now - 7 * DAY)}`);
  if (f.age === '30') authored.push(`ge${isoDay(now - 30 * DAY)}`, `lt${isoDay(now - 7 * DAY)}`);
  if (f.age === 'plus30') authored.push(`lt${isoDay(now - 30 * DAY)}`);
  return `/Task${query({
    status: (f.status === 'fermees' ? CLOSED_STATUSES : OPEN_STATUSES).join(','),
    code: f.theme ? `${THEME_SYSTEM}|${f.theme}` : undefined,
    owner: f.owners.length ? f.owners.map((o) => `Organization/${o}`).join(',') : undefined,
    'authored-on': authored,
    _sort: f.status === 'fermees' ? '-modified' : '-authored-on',
    _include: 'Task:focus',
    _count: count,
  })}`;
}

/** The count of an establishment's open tasks (its page): `_summary=count`. */
export function openCountSearch(owners: string[]): string {
  return `/Task${query({ status: OPEN_STATUSES.join(','), owner: owners.map((o) => `Organization/${o}`).join(','), _summary: 'count' })}`;
}

export interface TaskRow {
  id: string;
  open: boolean;
  status: string;
  businessStatus: string;
  theme: string;
  themeLabel: string;
  rule?: string;
  description?: string;
  declared?: string;
  proposed?: string;
  path?: string;
  authoredOn?: string;
  lastModified?: string;
  /** The resource in question, with the page that shows it (a unit, an establishment). */
  focus: { type: string; id: string; label: string; href?: string };
  owner?: { id?: string; label: string };
  assignee?: string;
  /** Why it was closed (`$keep-declared`'s reason). */
  reason?: string;
  /** Raised by a rule comparing with the national referential: "accept the national value" applies. */
  national: boolean;
  /** Raised by a rule (not reported by hand): "keep the declared value" applies. */
  byRule: boolean;
}

const TYPE_WORDS: Record<string, string> = {
  Organization: 'Établissement',
  HealthcareService: 'Unité',
  Location: 'Zone de lits',
  PractitionerRole: 'Situation d’exercice',
  Practitioner: 'Professionnel',
};

const inputOf = (t: Task, code: string) => t.input?.find((i) => i.type?.coding?.some((c) => c.code === code));
const outputOf = (t: Task, code: string) => t.output?.find((i) => i.type?.coding?.some((c) => c.code === code));
const idOf = (ref: string | undefined) => ref?.split('/').pop();

function nameOf(r: Resource | undefined): string | undefined {
  if (!r) return undefined;
  if ('name' in r && typeof r.name === 'string') return r.name;
  if (r.resourceType === 'Practitioner') return r.name?.[0] ? [r.name[0].given?.join(' '), r.name[0].family].filter(Boolean).join(' ') : undefined;
  return undefined;
}

/** A Task of a search answer as a row; `included` holds the resources the search included (the focus). */
export function taskRow(t: Task, included: Map<string, Resource> = new Map()): TaskRow {
  const [type = '', id = ''] = (t.focus?.reference ?? '').split('/').slice(-2);
  const focused = included.get(`${type}/${id}`);
  const ownerId = idOf(t.owner?.reference);
  let href: string | undefined;
  if (type === 'HealthcareService') href = `/ui/unites/${encodeURIComponent(id)}`;
  else if (type === 'Organization') href = `/ui/etablissements/${encodeURIComponent(id)}`;
  else if (ownerId) href = `/ui/etablissements/${encodeURIComponent(ownerId)}`;
  const rule = inputOf(t, 'ruleErrorId')?.valueString;
  const theme = t.code?.coding?.[0]?.code ?? '';
  const business = t.businessStatus?.coding?.[0]?.code ?? '';
  const assignee = outputOf(t, 'identifierAnalyst')?.valueIdentifier?.value;
  return {
    id: t.id ?? '',
    open: OPEN_STATUSES.includes(t.status ?? ''),
    status: t.status ?? '',
    businessStatus: STATUS_LABELS.get(business) ?? t.businessStatus?.coding?.[0]?.display ?? business,
    theme,
    themeLabel: THEMES.find((x) => x.code === theme)?.label ?? t.code?.coding?.[0]?.display ?? theme,
    rule,
    description: t.description,
    declared: inputOf(t, 'errorValue')?.valueString,
    proposed: inputOf(t, 'proposedValue')?.valueString,
    path: inputOf(t, 'pathElementError')?.valueExpression?.expression,
    authoredOn: t.authoredOn,
    lastModified: t.lastModified,
    focus: { type, id, label: `${TYPE_WORDS[type] ?? type} ${nameOf(focused) ?? id}`, href },
    owner: t.owner ? { id: ownerId, label: t.owner.display ?? ownerId ?? '—' } : undefined,
    assignee,
    reason: t.statusReason?.text,
    national: !!rule && /-national$/.test(rule),
    byRule: !!rule && rule !== 'manual',
  };
}

/** The rows of a search answer (Tasks in order; included resources used for labels). */
export function taskRows(bundle: Bundle): { rows: TaskRow[]; total?: number; more: boolean } {
  const resources = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Resource => !!r);
  const included = new Map(resources.filter((r) => r.resourceType !== 'Task').map((r) => [`${r.resourceType}/${r.id}`, r]));
  const rows = resources.filter((r): r is Task => r.resourceType === 'Task').map((t) => taskRow(t, included));
  return { rows, total: bundle.total, more: !!bundle.link?.some((l) => l.relation === 'next') };
}

/** The establishments an analyst may filter on: the Organizations of a search, by name. */
export function ownerOptions(bundle: Bundle): { id: string; label: string }[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Organization => r?.resourceType === 'Organization' && !!r.id)
    .map((o) => ({ id: o.id!, label: o.name ?? o.id! }))
    .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
}

export type TaskAction = 'accept-national' | 'keep-declared' | 'assign' | 'report';

export const ACTION_DONE: Record<TaskAction, string> = {
  'accept-national': 'La valeur nationale a été reprise ; l’anomalie est corrigée.',
  'keep-declared': 'La valeur déclarée est conservée ; l’anomalie est close.',
  assign: 'L’anomalie est attribuée.',
  report: 'L’anomalie est signalée ; elle apparaît dans la liste des anomalies.',
};

/** What to tell the person when the server refuses an action, in French (the server's diagnostics are technical). */
export function actionErrorMessage(action: TaskAction, error: unknown): string {
  const status = error instanceof ApiError ? error.status : 0;
  switch (status) {
    case 401:
      return 'Votre session a expiré : reconnectez-vous pour traiter les anomalies.';
    case 403:
      return action === 'report'
        ? 'Vous ne pouvez signaler une anomalie que sur les données de votre établissement.'
        : 'Vous n’avez pas le droit de traiter cette anomalie : elle concerne un autre établissement.';
    case 404:
    case 410:
      return 'Cette anomalie n’existe plus.';
    case 409:
      return 'Cette anomalie n’est plus ouverte (traitée entre-temps, ou la valeur nationale n’est plus disponible) : la liste a été rechargée.';
    case 422:
      return action === 'accept-national'
        ? 'Il n’y a pas de valeur nationale à reprendre pour cette anomalie : corrigez la donnée ou conservez la valeur déclarée.'
        : action === 'report'
          ? 'La ressource signalée n’existe pas.'
          : 'Cette anomalie n’a pas été levée par un contrôle : elle ne peut pas être close ainsi.';
    case 400:
      return action === 'keep-declared'
        ? 'Indiquez pourquoi la valeur déclarée est juste.'
        : action === 'assign'
          ? 'Indiquez à qui attribuer l’anomalie.'
          : 'La demande est incomplète : décrivez l’anomalie.';
    default:
      return error instanceof Error ? error.message : 'L’action n’a pas abouti.';
  }
}

/** The Parameters body of an action. */
export function actionBody(action: TaskAction, values: Record<string, string | undefined>): { resourceType: 'Parameters'; parameter: Record<string, unknown>[] } | undefined {
  switch (action) {
    case 'accept-national':
      return undefined;
    case 'keep-declared':
      return { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: values.reason ?? '' }] };
    case 'assign':
      return { resourceType: 'Parameters', parameter: [{ name: 'assignee', valueString: values.assignee ?? '' }] };
    case 'report': {
      const parameter: Record<string, unknown>[] = [
        { name: 'focus', valueReference: { reference: values.focus } },
        { name: 'description', valueString: values.description ?? '' },
      ];
      if (values.theme) parameter.push({ name: 'theme', valueCode: values.theme });
      if (values.proposed) parameter.push({ name: 'proposed', valueString: values.proposed });
      return { resourceType: 'Parameters', parameter };
    }
  }
}

/** Age in days of a task, for sorting and words. */
export function ageDays(iso: string | undefined, now: number = Date.now()): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.floor((now - t) / DAY));
}
