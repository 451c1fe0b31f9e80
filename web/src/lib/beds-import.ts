/**
 * The CSV side of the bed pages, without the DOM (tested with Jest): the template of `$capacity-import` prefilled
 * with the establishment's zones and their current figures (one row per capacity entry, codes of the TRE systems,
 * `;` as French spreadsheets expect), and the operation's OperationOutcome turned into a report row by row, in
 * French (the server words its diagnostics in English for API clients; the known ones are translated, the others
 * are shown as they are, marked as such).
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Unit } from './beds';

const TEMPLATE_COLUMNS = [
  'location',
  'capacityType',
  'capacityStatus',
  'temporalityCapacity',
  'genderCapacityAvailable',
  'capacityClosingType',
  'additionalBedType',
  'crisisType',
  'temporaryAssignement',
  'nbCapacity',
] as const;

function cell(v: string | number | undefined): string {
  const s = v === undefined ? '' : String(v);
  return /[";\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The template: a header, then one row per capacity entry of every zone (its current figure, to be overwritten).
 * A first comment-free file: the import reads every row, so the zone's name is not in it (the Location id is).
 */
export function capacityTemplate(units: Unit[]): string {
  const lines = [TEMPLATE_COLUMNS.join(';')];
  const seen = new Set<string>();
  for (const unit of units) {
    for (const zone of unit.zones) {
      if (seen.has(zone.id)) continue;
      seen.add(zone.id);
      for (const { record } of zone.entries) {
        lines.push(TEMPLATE_COLUMNS.map((c) => cell(c === 'location' ? zone.id : record[c])).join(';'));
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

const COLUMN_NAMES: Record<string, string> = {
  location: 'zone (location)',
  capacityType: 'nature (capacityType)',
  capacityStatus: 'statut (capacityStatus)',
  temporalityCapacity: 'temporalité (temporalityCapacity)',
  genderCapacityAvailable: 'genre (genderCapacityAvailable)',
  nbCapacity: 'nombre (nbCapacity)',
  capacitySourceType: 'source (capacitySourceType)',
  capacityClosingType: 'type de fermeture (capacityClosingType)',
  additionalBedType: 'lit supplémentaire (additionalBedType)',
  crisisType: 'crise (crisisType)',
  temporaryAssignement: 'affectation (temporaryAssignement)',
  capacityUpdateDate: 'date de mise à jour (capacityUpdateDate)',
};

export interface ReportRow {
  row: number;
  column?: string;
  ok: boolean;
  /** In French. */
  message: string;
}

export interface ImportReport {
  /** Every row would apply / was applied. */
  ok: boolean;
  /** In French: what happened to the file as a whole. */
  summary: string;
  rows: ReportRow[];
}

/** Known diagnostics of the import, English → French; `names` turns Location ids into zone names. */
const TRANSLATIONS: [RegExp, (m: RegExpMatchArray, zone: (id: string) => string) => string][] = [
  [/^valid, not applied because other rows failed$/, () => 'valide, mais non appliquée car d’autres lignes sont en erreur (import tout ou rien)'],
  [
    /^Location\/([^ ]+) (.+): (\d+) \((?:was (\d+|unset)|new entry)\)(?:, (would be applied|version (\d+)))?$/,
    (m, zone) =>
      `${zone(m[1])} — ${m[2]} : ${m[3]}${m[4] === undefined ? ' (nouvelle capacité)' : m[4] === 'unset' ? '' : ` (avant : ${m[4]})`}` +
      (m[5] === 'would be applied' ? ' — serait appliquée' : m[6] ? ' — enregistrée' : ''),
  ],
  [/^(\w+) is required(?: \(.*\))?$/, (m) => `la colonne ${COLUMN_NAMES[m[1]] ?? m[1]} est obligatoire`],
  [/^nbCapacity must be 0 or more, got (-?\d+)$/, (m) => `le nombre doit être 0 ou plus (reçu : ${m[1]})`],
  [/^nbCapacity must be a whole number(?: of beds or places)?, got (.*)$/, (m) => `le nombre doit être un entier (reçu : ${m[1]})`],
  [/^nbCapacity (\d+) is too large$/, (m) => `le nombre ${m[1]} est trop grand`],
  [/^"(.*)" is not a code of ([^:]+): expected one of (.*)$/, (m) => `« ${m[1]} » n’est pas un code de ${m[2]} ; codes possibles : ${m[3]}`],
  [/^(\w+) is empty: .*$/, (m) => `${COLUMN_NAMES[m[1]] ?? m[1]} est vide`],
  [/^no Location has the id or identifier "(.*)"$/, (m) => `aucune zone n’a l’identifiant « ${m[1]} »`],
  [/^Location\/([^ ]+) was deleted$/, (m) => `la zone ${m[1]} a été supprimée`],
  [/^Location\/([^ ]+) may not be changed by you: .*$/, (m, zone) => `vous n’avez pas le droit de modifier la zone ${zone(m[1])} (elle n’appartient pas à votre établissement)`],
  [/^Location\/([^ ]+) would be invalid with the rows of this file: (.*)$/, (m, zone) => `la zone ${zone(m[1])} serait invalide avec ces lignes : ${m[2]}`],
  [/^row (\d+) already sets this entry of Location\/([^ ]+) \((.*)\): keep one row per entry$/, (m) => `la ligne ${m[1]} donne déjà cette capacité (${m[3]}) : une seule ligne par capacité`],
  [/^capacityUpdateDate must be a date-time.*got (.*)$/, (m) => `la date de mise à jour doit être une date et heure avec fuseau, par exemple 2026-11-21T08:30:00+01:00 (reçu : ${m[1]})`],
  [/^\d+ capacity entries match .*$/, () => 'plusieurs capacités de la zone correspondent à cette ligne : précisez la colonne de fermeture, de lit supplémentaire, de crise ou d’affectation'],
  [/^the row has (\d+) cells but the header has (\d+) columns.*$/, (m) => `la ligne a ${m[1]} cellules mais l’en-tête ${m[2]} colonnes (un séparateur dans une valeur ? mettez-la entre guillemets)`],
];

/** A diagnostic in French (a known one translated; another one kept as it is, marked as the server's words). */
export function frenchDiagnostic(text: string, zone: (id: string) => string = (id) => id): string {
  for (const [pattern, render] of TRANSLATIONS) {
    const m = text.match(pattern);
    if (m) return render(m, zone);
  }
  return `détail du serveur : ${text}`;
}

const ROW = /^row (\d+)(?:, column (\w+))?$/;

/** The OperationOutcome of `$capacity-import` (dry run or not, success or 422/403) as a report in French. */
export function importReport(outcome: OperationOutcome | undefined, options: { dryRun: boolean; zoneNames?: Record<string, string> }): ImportReport {
  const zone = (id: string) => (options.zoneNames?.[id] ? `« ${options.zoneNames[id]} »` : id);
  const rows: ReportRow[] = [];
  const loose: string[] = [];
  for (const issue of (outcome?.issue ?? []) as OperationOutcomeIssue[]) {
    const where = issue.location?.[0]?.match(ROW);
    const text = (issue.diagnostics ?? '').replace(/^row \d+(?:, column \w+)?: /, '');
    if (!where) {
      loose.push(text);
      continue;
    }
    rows.push({
      row: Number(where[1]),
      column: where[2] ? (COLUMN_NAMES[where[2]] ?? where[2]) : undefined,
      ok: issue.severity === 'information' || issue.severity === 'warning',
      message: frenchDiagnostic(text, zone),
    });
  }
  rows.sort((a, b) => a.row - b.row);
  const failed = new Set(rows.filter((r) => !r.ok).map((r) => r.row));
  const total = new Set(rows.map((r) => r.row)).size;
  const ok = failed.size === 0 && total > 0;
  let summary: string;
  if (!total) summary = loose.length ? `Le fichier n’a pas pu être lu : ${loose.map((t) => frenchDiagnostic(t)).join(' ; ')}` : 'Aucune ligne dans le rapport.';
  else if (ok) {
    const rowsWord = total === 1 ? 'La ligne' : `Les ${total} lignes`;
    summary = options.dryRun
      ? `${rowsWord} ${total === 1 ? 'est valide' : 'sont valides'} : rien n’est encore enregistré. Envoyez le fichier pour l’appliquer.`
      : `${rowsWord} ${total === 1 ? 'a été enregistrée' : 'ont été enregistrées'}.`;
  }
  else
    summary =
      `${failed.size} ligne${failed.size > 1 ? 's' : ''} sur ${total} ${failed.size > 1 ? 'sont' : 'est'} en erreur : ` +
      (options.dryRun ? 'l’import serait refusé en entier.' : 'rien n’a été importé (l’import est tout ou rien).') +
      ' Corrigez-les, puis envoyez à nouveau tout le fichier.';
  return { ok, summary, rows };
}
