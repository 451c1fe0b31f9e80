/**
 * The searchset Bundle: https://hl7.org/fhir/R4/bundle.html#searchset and https://hl7.org/fhir/R4/http.html#paging
 */
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { SearchResult } from '../../store/search-plan';
import type { StoredVersion } from '../../store/store';
import { presentResource } from '../hooks';
import { CURSOR_PARAM } from './plan';

export interface SearchsetInput {
  baseUrl: string;
  /** The single type searched, or undefined for system-level search. */
  resourceType?: string;
  linkParams: [string, string][];
  result: SearchResult;
  included: StoredVersion[];
  outcome?: OperationOutcome;
  /** Turns stored JSON into the resource to return (`_summary` / `_elements`). */
  render: (resource: Resource) => Resource;
}

export function searchsetBundle(input: SearchsetInput): Bundle {
  const base = input.baseUrl.replace(/\/$/, '');
  const url = (cursor?: string) => {
    const q = new URLSearchParams(input.linkParams);
    if (cursor) q.append(CURSOR_PARAM, cursor);
    const qs = q.toString();
    return `${base}${input.resourceType ? `/${input.resourceType}` : ''}${qs ? `?${qs}` : ''}`;
  };
  const { result } = input;
  const link: BundleLink[] = [{ relation: 'self', url: url(result.self) }, { relation: 'first', url: url() }];
  if (result.previous) link.push({ relation: 'previous', url: url(result.previous) });
  if (result.next) link.push({ relation: 'next', url: url(result.next) });

  const entry = (v: StoredVersion, mode: 'match' | 'include'): BundleEntry => ({
    fullUrl: `${base}/${v.resourceType}/${v.id}`,
    resource: input.render(presentResource(JSON.parse(v.json) as Resource)),
    search: { mode },
  });
  const entries: BundleEntry[] = [
    ...result.entries.map((v) => entry(v, 'match')),
    ...input.included.map((v) => entry(v, 'include')),
  ];
  if (input.outcome) entries.push({ resource: input.outcome, search: { mode: 'outcome' } });

  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (result.total !== undefined) bundle.total = result.total;
  bundle.link = link;
  if (entries.length) bundle.entry = entries;
  return bundle;
}
