/**
 * RPPS Personne_activite columns, mapped by header name, never by position: 56 columns as of 2026-10, 52 around
 * 2021, 48 around 2018 (../shared/referentiels/NOTES.md; the full list in rpps/*.columns-56.tsv).
 * `|`-separated, a header line, no quoting, every line ends with `|`.
 */
export const COL = {
  typeId: "Type d'identifiant PP",
  id: 'Identifiant PP',
  idNat: 'Identification nationale PP',
  civExCode: "Code civilité d'exercice",
  civExLabel: "Libellé civilité d'exercice",
  civCode: 'Code civilité',
  civLabel: 'Libellé civilité',
  nom: "Nom d'exercice",
  prenom: "Prénom d'exercice",
  professionCode: 'Code profession',
  professionLabel: 'Libellé profession',
  categorieCode: 'Code catégorie professionnelle',
  categorieLabel: 'Libellé catégorie professionnelle',
  typeSfCode: 'Code type savoir-faire',
  typeSfLabel: 'Libellé type savoir-faire',
  sfCode: 'Code savoir-faire',
  sfLabel: 'Libellé savoir-faire',
  modeCode: 'Code mode exercice',
  modeLabel: 'Libellé mode exercice',
  siret: 'Numéro SIRET site',
  siren: 'Numéro SIREN site',
  finessSite: 'Numéro FINESS site',
  finessEj: 'Numéro FINESS établissement juridique',
  structureId: 'Identifiant technique de la structure',
  raisonSociale: 'Raison sociale site',
  enseigne: 'Enseigne commerciale site',
  tel: 'Téléphone (coord. structure)',
  tel2: 'Téléphone 2 (coord. structure)',
  fax: 'Télécopie (coord. structure)',
  email: 'Adresse e-mail (coord. structure)',
  secteurCode: "Code secteur d'activité",
  secteurLabel: "Libellé secteur d'activité",
  roleCode: 'Code rôle',
  roleLabel: 'Libellé rôle',
  genreCode: 'Code genre activité',
  genreLabel: 'Libellé genre activité',
} as const;

export type ColKey = keyof typeof COL;
export type RppsLine = Partial<Record<ColKey, string>>;

/** Columns without which a line cannot be mapped. */
const REQUIRED: ColKey[] = ['typeId', 'id', 'nom', 'professionCode'];

export interface Header {
  /** Number of fields of a data line, trailing empty field included. */
  fieldCount: number;
  index: Partial<Record<ColKey, number>>;
}

/** Reads the header line; throws when a required column is missing. */
export function parseHeader(text: string): Header {
  const names = text.split('|').map((n) => n.trim());
  const index: Partial<Record<ColKey, number>> = {};
  const byName = new Map(names.map((n, i) => [n, i]));
  for (const [key, name] of Object.entries(COL) as [ColKey, string][]) {
    const i = byName.get(name);
    if (i !== undefined) index[key] = i;
  }
  const missing = REQUIRED.filter((k) => index[k] === undefined).map((k) => `'${COL[k]}'`);
  if (missing.length) throw new Error(`not an RPPS Personne_activite header: missing column(s) ${missing.join(', ')}`);
  return { fieldCount: names.length, index };
}

/** The header's (column, index) pairs, computed once per header: pick runs on each of ~2.3 million lines. */
const ENTRIES = new WeakMap<Header, [ColKey, number][]>();
const KEY_ENTRIES = new WeakMap<Header, [ColKey, number][]>();

/** The columns a line is checked and keyed by (person, site): all an unchanged line needs (the rest is for map()). */
export const KEY_COLUMNS: readonly ColKey[] = ['typeId', 'id', 'idNat', 'nom', 'finessSite', 'structureId', 'siret'];

/** The line's values by column (trimmed, empty ones left out); with `keysOnly`, only KEY_COLUMNS. */
export function pick(header: Header, fields: string[], keysOnly = false): RppsLine {
  const cache = keysOnly ? KEY_ENTRIES : ENTRIES;
  let entries = cache.get(header);
  if (!entries) {
    entries = (Object.entries(header.index) as [ColKey, number][]).filter(([k]) => !keysOnly || KEY_COLUMNS.includes(k));
    cache.set(header, entries);
  }
  const line: RppsLine = {};
  for (let j = 0; j < entries.length; j++) {
    const [key, i] = entries[j];
    const v = fields[i]?.trim();
    if (v) line[key] = v;
  }
  return line;
}
