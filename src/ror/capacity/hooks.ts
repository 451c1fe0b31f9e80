/**
 * The capacity rules on the Location write and read paths (registered by ./index.ts):
 *
 * prepare (before validation, every create/update/patch/transaction entry of a Location):
 * - capacityUpdateDate: an entry that is new, or whose content changed compared with the current version, gets
 *   the server's time when it has no date or still carries the previous version's date (the client did not say
 *   when it updated); a date the client changed is kept. An unchanged entry that lost its date (a PUT of the
 *   whole resource without dates) gets its previous date back: re-sending data does not make it fresher;
 * - new and changed entries of a Location that does not claim RORLocation are checked (./check.ts): 422 naming the
 *   entry (a Location claiming the profile is checked in full by the profile validator, after this hook);
 * - the computed `stale-capacity` tag is removed: it is never stored.
 *
 * present (on the way out): the `stale-capacity` tag when the most recent capacityUpdateDate of the Location is
 * older than the threshold (ROR_CAPACITY_STALE_HOURS), computed at read time.
 */
import type { Coding, Extension, Location, Meta, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { SERVER_CANONICAL_BASE } from '../../canonical';
import type { StoredVersion } from '../../store/store';
import { FhirError } from '../../errors';
import { ROR_LOCATION_PROFILE, SUPPORTED_CAPACITY_URL } from './codes';
import { checkCapacityEntry } from './check';
import type { CapacityConfig } from './config';
import { capacityEntries, entryKey, isCapacityExtension, readRecord } from './model';

export const DATA_QUALITY_SYSTEM = `${SERVER_CANONICAL_BASE}/CodeSystem/data-quality`;
export const STALE_CAPACITY_CODE = 'stale-capacity';

const isStaleTag = (t: unknown) =>
  !!t && typeof t === 'object' && (t as Coding).system === DATA_QUALITY_SYSTEM && (t as Coding).code === STALE_CAPACITY_CODE;

/** Canonical JSON (sorted keys), for content comparison that ignores key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An entry's content without its update date. */
function contentOf(ext: Extension): string {
  const subs = Array.isArray(ext.extension) ? ext.extension.filter((s) => !(s && typeof s === 'object' && s.url === 'capacityUpdateDate')) : ext.extension;
  return canonical({ ...ext, extension: subs });
}

function withDate(ext: Extension, date: string): Extension {
  if (!Array.isArray(ext.extension)) return ext; // malformed: reported by the checks, not repaired
  const subs = ext.extension;
  const i = subs.findIndex((s) => s && typeof s === 'object' && s.url === 'capacityUpdateDate');
  const sub: Extension = { url: 'capacityUpdateDate', valueDateTime: date };
  if (i < 0) {
    // Before the optional sub-extensions, as in the StructureDefinition's order, when the entry has that order.
    const after = subs.findIndex((s) => s && typeof s === 'object' && ['capacityClosingType', 'additionalBedType', 'crisisType', 'temporaryAssignement'].includes(s.url));
    const at = after < 0 ? subs.length : after;
    return { ...ext, extension: [...subs.slice(0, at), sub, ...subs.slice(at)] };
  }
  return { ...ext, extension: subs.map((s, j) => (j === i ? sub : s)) };
}

interface Previous {
  content: string;
  date?: string;
  used: boolean;
}

function claimsRorLocation(resource: Resource): boolean {
  const profiles = resource.meta?.profile;
  return Array.isArray(profiles) && profiles.some((p) => typeof p === 'string' && p.split('|')[0] === ROR_LOCATION_PROFILE);
}

export function prepareLocation(resource: Resource, current: StoredVersion | undefined, config: CapacityConfig): Resource {
  let out = stripStaleTag(resource);
  const location = out as Location;
  if (!Array.isArray(location.extension) || !location.extension.some(isCapacityExtension)) return out;

  const previous = new Map<string, Previous[]>();
  if (current && !current.deleted) {
    for (const e of capacityEntries(JSON.parse(current.json))) {
      const key = entryKey(e.record);
      previous.set(key, [...(previous.get(key) ?? []), { content: contentOf(e.extension), date: e.record.capacityUpdateDate, used: false }]);
    }
  }
  const now = config.now().toISOString();
  const checked = !claimsRorLocation(out);
  const issues: OperationOutcomeIssue[] = [];
  let changed = false;
  const extension = location.extension.map((ext, index) => {
    if (!isCapacityExtension(ext)) return ext;
    const record = readRecord(ext);
    const content = contentOf(ext);
    const candidates = (previous.get(entryKey(record)) ?? []).filter((p) => !p.used);
    const prev = candidates.find((p) => p.content === content) ?? candidates[0];
    if (prev) prev.used = true;
    const unchanged = prev?.content === content;
    let next = ext;
    if (unchanged) {
      if (record.capacityUpdateDate === undefined && prev.date !== undefined) next = withDate(ext, prev.date);
    } else {
      if (record.capacityUpdateDate === undefined || record.capacityUpdateDate === prev?.date) next = withDate(ext, now);
      const found = checked ? checkCapacityEntry(next, `Location.extension[${index}]`) : [];
      for (const issue of found) {
        issues.push({ severity: 'error', code: 'business-rule', diagnostics: issue.message, expression: [issue.expression] });
      }
    }
    if (next !== ext) changed = true;
    return next;
  });
  if (issues.length) throw new FhirError(422, { resourceType: 'OperationOutcome', issue: issues });
  if (changed) out = { ...location, extension } as Resource;
  return out;
}

function stripStaleTag(resource: Resource): Resource {
  const tags = resource.meta?.tag;
  if (!Array.isArray(tags) || !tags.some(isStaleTag)) return resource;
  const kept = tags.filter((t) => !isStaleTag(t));
  const { tag: _tag, ...meta } = resource.meta as Meta;
  const nextMeta: Meta = kept.length ? { ...meta, tag: kept } : meta;
  if (Object.keys(nextMeta).length) return { ...resource, meta: nextMeta };
  const { meta: _meta, ...rest } = resource;
  return rest as Resource;
}

/** The most recent capacityUpdateDate of a Location, in epoch ms; undefined without dated entries. */
export function latestCapacityUpdate(location: unknown): number | undefined {
  let latest: number | undefined;
  for (const { record } of capacityEntries(location)) {
    const t = record.capacityUpdateDate ? Date.parse(record.capacityUpdateDate) : NaN;
    if (!Number.isNaN(t) && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

export function staleTag(staleHours: number): Coding {
  return {
    system: DATA_QUALITY_SYSTEM,
    code: STALE_CAPACITY_CODE,
    display: `Capacités non mises à jour depuis plus de ${staleHours} h`,
  };
}

/**
 * The Location as served: tagged `stale-capacity` when it has capacity entries and none was updated within the
 * threshold (entries without a readable date count as stale).
 */
/**
 * Whether presentLocation may change a stored Location, from its JSON text: only one with a capacity entry can get
 * the tag, and such an entry's url appears verbatim in the JSON (JSON.stringify escapes neither ':' nor '/').
 */
export function mayPresentDifferently(json: string): boolean {
  return json.includes(SUPPORTED_CAPACITY_URL);
}

export function presentLocation(resource: Resource, config: CapacityConfig): Resource {
  const entries = capacityEntries(resource);
  if (!entries.length) return resource;
  const latest = latestCapacityUpdate(resource);
  const threshold = config.now().getTime() - config.staleHours * 3600_000;
  if (latest !== undefined && latest >= threshold) return resource;
  if (resource.meta?.tag?.some(isStaleTag)) return resource;
  const meta: Meta = { ...resource.meta, tag: [...(resource.meta?.tag ?? []), staleTag(config.staleHours)] };
  return { ...resource, meta };
}
