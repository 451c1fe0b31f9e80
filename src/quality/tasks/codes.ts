/**
 * The vocabulary of RORTask (ROR IG profile `ror-task`): anomaly themes (JDV_J241, code system TRE_R350), proposed
 * actions (JDV_J242, TRE_R349), business statuses (JDV_J244, TRE_R352), and the input / output slices' code
 * systems of the IG. Codes and labels are the ANS nomenclatures' (TRE_R350 2024-01-26, TRE_R349 2023-12-15,
 * TRE_R352 2023-09-22), also shipped as terminology resources in fhir-profiles/terminology.
 */
import { SERVER_CANONICAL_BASE } from '../../canonical';

const tre = (name: string) => `https://mos.esante.gouv.fr/NOS/TRE_${name}/FHIR/TRE-${name}`;

export const ROR_TASK_PROFILE = 'https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/ror-task';
export const THEME_SYSTEM = tre('R350-ThematiqueAnomalie');
export const ACTION_SYSTEM = tre('R349-ActionAnomalie');
export const BUSINESS_STATUS_SYSTEM = tre('R352-StatutMetierAnomalie');
export const REGION_SYSTEM = tre('R30-RegionOM');
export const INPUT_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/input-task-ror-codesystem';
export const OUTPUT_SYSTEM = 'https://interop.esante.gouv.fr/ig/fhir/ror/CodeSystem/output-task-ror-codesystem';
export const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';
/**
 * meta.tag of a task: the FINESS numbers of its owner establishment and of that establishment's legal entity, so
 * an establishment editor's reads are narrowed to its own tasks in one indexed condition (src/security/access.ts).
 */
export const OWNER_TAG_SYSTEM = `${SERVER_CANONICAL_BASE}/CodeSystem/task-owner-finess`;
/** `systemRequester` of the tasks the rules raise. */
export const RULES_REQUESTER = 'ROR - contrôle qualité';

export const BUSINESS_STATUS = {
  created: { code: '01', display: 'Créé' },
  toDo: { code: '02', display: 'À traiter' },
  cancelled: { code: '03', display: 'Annulé' },
  sent: { code: '05', display: 'Envoyé au destinataire' },
  toleratedForGood: { code: '07', display: 'Toléré définitivement' },
  corrected: { code: '08', display: 'Corrigé' },
  refused: { code: '09', display: 'Refusé' },
} as const;

export const BUSINESS_STATUS_LABELS: Record<string, string> = {
  '01': 'Créé',
  '02': 'À traiter',
  '03': 'Annulé',
  '04': 'Bloqué (destinataire manquant)',
  '05': 'Envoyé au destinataire',
  '06': 'Toléré temporairement',
  '07': 'Toléré définitivement',
  '08': 'Corrigé',
  '09': 'Refusé',
  '10': 'À vérifier',
  '11': 'Bloqué (destinataire erroné)',
};

/** Task.status values of a task still to work. */
export const OPEN_STATUSES: ReadonlySet<string> = new Set(['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold']);
