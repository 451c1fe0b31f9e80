/**
 * The searchset Bundle: https://hl7.org/fhir/R4/bundle.html#searchset and https://hl7.org/fhir/R4/http.html#paging
 *
 * A `Searchset` keeps the parts of the Bundle. `toResource()` builds it as an object (a transaction entry, pretty
 * output); `toJson()` writes its compact JSON around the entries' stored JSON, which is copied rather than parsed
 * and serialized again. Both give the same bytes: the stored JSON is JSON.stringify's own output (see
 * presentJson), and the Bundle's JSON is written in the object's key order (resourceType, type, total, link, entry).
 */
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { SearchResult } from '../../store/search-plan';
import type { StoredVersion } from '../../store/store';
import type { Presenter } from '../../kernel/hooks';
import { CURSOR_PARAM } from './plan';

export interface SearchsetInput {
  baseUrl: string;
  /** The single type searched, or undefined for system-level search. */
  resourceType?: string;
  linkParams: [string, string][];
  result: SearchResult;
  included: StoredVersion[];
  outcome?: OperationOutcome;
  /** Turns a served resource into the one to return (`_summary` / `_elements`); undefined: returned whole. */
  render?: (resource: Resource) => Resource;
  /** How stored versions are served (the kernel's present hooks). */
  presenter: Presenter;
}

type Mode = 'match' | 'include';

export class Searchset {
  private readonly base: string;

  constructor(private readonly input: SearchsetInput) {
    this.base = input.baseUrl.replace(/\/$/, '');
  }

  /** The Bundle as an object. */
  toResource(): Bundle {
    const { result, included, outcome, render } = this.input;
    const entry = (v: StoredVersion, mode: Mode): BundleEntry => {
      const resource = this.input.presenter.present(JSON.parse(v.json) as Resource);
      return { fullUrl: this.fullUrl(v), resource: render ? render(resource) : resource, search: { mode } };
    };
    const entries: BundleEntry[] = [...result.entries.map((v) => entry(v, 'match')), ...included.map((v) => entry(v, 'include'))];
    if (outcome) entries.push(outcomeEntry(outcome));

    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
    if (result.total !== undefined) bundle.total = result.total;
    bundle.link = this.links();
    if (entries.length) bundle.entry = entries;
    return bundle;
  }

  /** The Bundle's compact JSON: byte for byte JSON.stringify(toResource()). */
  toJson(): string {
    if (this.input.render) return JSON.stringify(this.toResource());
    const { result, included, outcome } = this.input;
    const entry = (v: StoredVersion, mode: Mode) =>
      `{"fullUrl":${JSON.stringify(this.fullUrl(v))},"resource":${this.input.presenter.presentJson(v)},"search":{"mode":"${mode}"}}`;
    const entries = [...result.entries.map((v) => entry(v, 'match')), ...included.map((v) => entry(v, 'include'))];
    if (outcome) entries.push(JSON.stringify(outcomeEntry(outcome)));

    let json = '{"resourceType":"Bundle","type":"searchset"';
    if (result.total !== undefined) json += `,"total":${JSON.stringify(result.total)}`;
    json += `,"link":${JSON.stringify(this.links())}`;
    if (entries.length) json += `,"entry":[${entries.join(',')}]`;
    return `${json}}`;
  }

  private fullUrl(v: StoredVersion): string {
    return `${this.base}/${v.resourceType}/${v.id}`;
  }

  private links(): BundleLink[] {
    const { result, linkParams, resourceType } = this.input;
    const url = (cursor?: string) => {
      const q = new URLSearchParams(linkParams);
      if (cursor) q.append(CURSOR_PARAM, cursor);
      const qs = q.toString();
      return `${this.base}${resourceType ? `/${resourceType}` : ''}${qs ? `?${qs}` : ''}`;
    };
    const link: BundleLink[] = [{ relation: 'self', url: url(result.self) }, { relation: 'first', url: url() }];
    if (result.previous) link.push({ relation: 'previous', url: url(result.previous) });
    if (result.next) link.push({ relation: 'next', url: url(result.next) });
    return link;
  }
}

function outcomeEntry(outcome: OperationOutcome): BundleEntry {
  return { resource: outcome, search: { mode: 'outcome' } };
}
