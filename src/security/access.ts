/**
 * Who may read what, per request: the ReadView of an actor (src/fhir/context.ts) admits or refuses each request
 * (the route table asks it before running any handler), restricts search plans, hides and redacts what the
 * caller may not see. Writes are decided by the kernel's write policy (./write-policy.ts), on every write road.
 *
 * - Anonymous callers read what the operator declares public (ROR_PUBLIC_READS, as access profile
 *   ROR_PUBLIC_ACCESS_PROFILE, default 0); any write needs a credential (401).
 * - Principals read per their access profile (./visibility.ts), narrowed by their SMART scopes (./scopes.ts).
 * - Some types are for analysts and administrators only: AuditEvent (the trail) and Subscription (its channels
 *   carry endpoints and headers).
 * - Indicators (MeasureReport, `$evaluate-measure`): analysts and administrators; an establishment editor those whose
 *   subject is one of its own establishments (the report's `subject.identifier`, a FINESS number of its claims);
 *   consumers and anonymous callers none. Measure definitions are read like the offer.
 * - Data-quality Tasks: analysts and administrators read them all; an establishment editor reads those addressed
 *   to its establishments (the task's owner tags: its FINESS numbers and its legal entity's); nobody else.
 * - Bulk `$export` needs a credential; it exports what the caller may search, through this view (src/bulk).
 * - A search never reveals a hidden resource: the plan excludes hidden units at its root, in chains and in `_has`
 *   (so `_total` does not count them), and refuses criteria on what the caller may not see (bed availability for
 *   profile 0, types it may not read).
 */
import type { Resource } from '@medplum/fhirtypes';
import { allResourceTypes } from '../definitions';
import { FhirError, forbidden } from '../errors';
import type { AccessControl, FhirRequest, ReadView, RouteParams } from '../fhir/context';
import type { Presenter } from '../kernel/hooks';
import { describeActor, isPrincipal, type Actor } from '../kernel/actor';
import type { Condition, SearchPlan } from '../store/search-plan';
import type { StoredVersion } from '../store/store';
import type { AuditSink } from './audit-sink';
import { ExpiringLru } from './lru';
import { hidden, mayRedact, redact } from './redact';
import { ACTION_WORDS, scopesAllow, type ScopeAction } from './scopes';
import { visibilityOf, type Visibility } from './visibility';
import { OWNER_TAG_SYSTEM } from '../quality/tasks/codes';

export interface AccessSettings {
  /** Anonymous callers may read (default true). */
  publicReads: boolean;
  /** The access profile anonymous callers read with (default 0). */
  publicAccessProfile: number;
  /** The realm named in `WWW-Authenticate` challenges. */
  realm: string;
}

/** Types only analysts, administrators and the server read. */
const PRIVILEGED_READ_TYPES = new Set(['AuditEvent', 'Subscription']);
/** Types analysts and administrators read, and establishment editors for their own establishments. */
const INDICATOR_TYPES = new Set(['MeasureReport']);
const FINESS_SYSTEM = 'https://finess.esante.gouv.fr';
/** Read by analysts and administrators, and by establishment editors for their own establishments. */
const TASK = 'Task';
/** Location search parameters on bed availability: profile 0 may not search on them. */
const AVAILABILITY_PARAMS = new Set([
  'capacity-status',
  'nb-capacity',
  'gender-capacity-available',
  'capacity-update-date',
  'temporality-capacity',
  'capacity-closing-type',
  'additional-bed-type',
  'crisis-type',
  'temporary-assignement',
]);
/** Operations that only read, and what they need. */
const READ_OPERATIONS: Record<string, 'availability' | 'privileged' | 'read'> = {
  'capacity-history': 'availability',
  'sync-runs': 'privileged',
  validate: 'read',
};
/** Operations on indicators: analysts, administrators, and establishment editors (for their own establishments). */
const INDICATOR_OPERATIONS = new Set(['evaluate-measure']);
const HIDE_SENSITIVE: Condition = { kind: 'not', condition: { kind: 'token', code: 'sensitive-unit', values: [{ code: 'true' }] } };

/** A 401 with the challenge a client needs to know how to authenticate (RFC 6750). */
export function unauthenticated(message: string, realm: string, error?: 'invalid_token'): FhirError {
  const err = new FhirError(401, message, 'login');
  err.headers['WWW-Authenticate'] = `Bearer realm="${realm}"${error ? `, error="${error}", error_description="${message.replace(/["\\]/g, "'")}"` : ''}`;
  return err;
}

export class RorAccessControl implements AccessControl {
  private readonly anonymousView: View;

  constructor(
    private readonly presenter: Presenter,
    private readonly settings: AccessSettings,
    private readonly audit: AuditSink,
  ) {
    this.anonymousView = new View(this, { kind: 'anonymous' }, visibilityOf({ kind: 'anonymous' }, settings.publicAccessProfile));
  }

  viewFor(actor: Actor): ReadView {
    if (actor.kind === 'anonymous' && actor.address === undefined) return this.anonymousView;
    return new View(this, actor, visibilityOf(actor, this.settings.publicAccessProfile));
  }

  /** @internal for View */
  get parts() {
    return { presenter: this.presenter, settings: this.settings, audit: this.audit, redacted: this.redacted };
  }

  /**
   * Redacted JSON of stored versions, per visibility: a version never changes, so the public's read of an
   * Organization with confidential telecoms parses, prunes and serialises it once, not on every read (that was
   * about a tenth of an anonymous read's CPU). Bounded, least recently used out first.
   */
  private readonly redacted = new ExpiringLru<string>(20_000);
}

class View implements ReadView {
  readonly seesAll: boolean;
  private readonly visKey: string;

  constructor(
    private readonly access: RorAccessControl,
    private readonly actor: Actor,
    private readonly vis: Visibility,
  ) {
    this.seesAll = vis.all;
    this.visKey = `${vis.maxConfidentiality}${vis.sensitiveUnits ? 's' : ''}${vis.availability ? 'a' : ''}`;
  }

  admit(req: FhirRequest, route: { pattern: string; params: RouteParams }): void {
    const { pattern, params } = route;
    if (pattern === 'metadata') return;
    const type = params.type;
    if (params.operation !== undefined) return this.admitOperation(params.operation, type, req);
    const reads = req.method === 'GET' || req.method === 'HEAD' || pattern === ':type/_search';
    if (!reads) {
      // Writes are the kernel policy's to decide (bundles hold reads too); without a credential, say so at once.
      if (this.actor.kind === 'anonymous' && pattern !== '') throw this.unauthenticated(`${req.method} needs a credential`);
      return;
    }
    this.admitReads();
    if (type === undefined) return; // system-level search and history: restrict() and hides() narrow them
    const action: ScopeAction = pattern === ':type/:id' || pattern === ':type/:id/_history' || pattern === ':type/:id/_history/:vid' ? 'r' : 's';
    this.admitType(type, action, pattern === ':type/:id/_history/:vid' ? 'vread' : action === 'r' ? 'read' : 'search');
  }

  hides(version: StoredVersion): boolean {
    if (version.resourceType === TASK && !this.privileged()) return !this.ownsTask(version);
    if (this.vis.all) return false;
    if (PRIVILEGED_READ_TYPES.has(version.resourceType) && !this.privileged()) return true;
    if (INDICATOR_TYPES.has(version.resourceType) && !this.privileged()) return version.deleted || !this.ownsSubject(version.json);
    if (version.deleted || version.resourceType !== 'HealthcareService' || this.vis.sensitiveUnits) return false;
    return version.json.includes('sensitive-unit') && hidden(JSON.parse(version.json) as Resource, this.vis);
  }

  restrict(plan: SearchPlan): SearchPlan {
    const types = this.readableTypes(plan.resourceTypes);
    const own = types.length === 1 && types[0] === TASK ? this.ownTasks() : undefined;
    if (this.vis.all && types === plan.resourceTypes && !own) return plan;
    const where = plan.where.map((c) => this.restrictCondition(c));
    if (own) where.push(own);
    for (const s of plan.sort) if (s.kind === 'param') this.checkCode(s.code);
    if (!this.vis.sensitiveUnits && types.includes('HealthcareService')) where.push(HIDE_SENSITIVE);
    // An establishment's search of indicators finds the reports on its own establishments (hides() filters the rest
    // of mixed-type searches).
    if (types.length === 1 && INDICATOR_TYPES.has(types[0]) && !this.privileged() && isPrincipal(this.actor)) {
      where.push({ kind: 'reference-identifier', code: 'subject', values: this.actor.finess.map((code) => ({ system: FINESS_SYSTEM, code })) });
    }
    return { ...plan, resourceTypes: types, where };
  }

  present(resource: Resource): Resource {
    return redact(this.access.parts.presenter.present(resource), this.vis);
  }

  presentJson(version: StoredVersion): string {
    const json = this.access.parts.presenter.presentJson(version);
    if (!mayRedact(json, this.vis)) return json;
    // Cached only when the present hooks served the stored bytes: what they add may depend on the time (staleness).
    const key = json === version.json ? `${version.resourceType}/${version.id}/${version.versionId}|${this.visKey}` : undefined;
    const cached = key === undefined ? undefined : this.access.parts.redacted.get(key, 0);
    if (cached !== undefined) return cached;
    const served = JSON.parse(json) as Resource;
    const redacted = redact(served, this.vis);
    const out = redacted === served ? json : JSON.stringify(redacted);
    if (key !== undefined) this.access.parts.redacted.set(key, out, Infinity);
    return out;
  }

  private admitReads(): void {
    if (this.actor.kind === 'anonymous' && !this.access.parts.settings.publicReads) {
      throw this.unauthenticated('reading this server needs a credential');
    }
  }

  private admitType(type: string, action: ScopeAction, interaction: string): void {
    if (type === TASK && !this.privileged() && !this.establishment()) {
      if (this.actor.kind === 'anonymous') throw this.unauthenticated('data-quality Tasks are read with a credential');
      throw this.refuse(interaction, type, 'data-quality Tasks are read by analysts, administrators and the establishments they are addressed to');
    }
    if (PRIVILEGED_READ_TYPES.has(type) && !this.privileged()) {
      throw this.refuse(interaction, type, `${type} resources are readable by analysts and administrators only`);
    }
    if (INDICATOR_TYPES.has(type) && !this.privileged() && !this.isEstablishment()) {
      if (this.actor.kind === 'anonymous') throw this.unauthenticated(`reading ${type} resources needs a credential`);
      throw this.refuse(interaction, type, `${type} resources are readable by analysts, administrators and establishments (their own)`);
    }
    if (isPrincipal(this.actor) && !scopesAllow(this.actor.scopes, type, action)) {
      throw this.refuse(interaction, type, `the token's scopes do not allow to ${ACTION_WORDS[action]} ${type} resources`);
    }
  }

  private admitOperation(name: string, type: string | undefined, req: FhirRequest): void {
    if (name === 'export') {
      // Bulk export (src/bulk): any principal, of what it may search; the export runs its searches through this view.
      if (this.actor.kind === 'anonymous') throw this.unauthenticated('$export needs a credential');
      if (type) this.admitType(type, 's', '$export');
      return;
    }
    if (INDICATOR_OPERATIONS.has(name)) {
      if (this.actor.kind === 'anonymous') throw this.unauthenticated(`$${name} needs a credential`);
      if (!this.privileged() && !this.isEstablishment()) throw this.refuse(`$${name}`, type, `$${name} is for analysts, administrators and establishments`);
      return;
    }
    const kind = READ_OPERATIONS[name];
    if (!kind) {
      // Operations that write are decided by the kernel policy; a credential is needed in any case.
      if (this.actor.kind === 'anonymous' && req.method !== 'GET') throw this.unauthenticated(`$${name} needs a credential`);
      if (req.method === 'GET') this.admitReads();
      return;
    }
    this.admitReads();
    if (type) this.admitType(type, 'r', `$${name}`);
    if (kind === 'availability' && !this.vis.availability) {
      throw this.refuse(`$${name}`, type, 'your access profile (0) does not include bed availability');
    }
    if (kind === 'privileged' && !this.privileged()) throw this.refuse(`$${name}`, type, `$${name} is for analysts and administrators`);
  }

  /** The plan's types the caller may search; an explicit request for one it may not is refused. */
  private readableTypes(types: string[]): string[] {
    const implied = types.length === allResourceTypes().size;
    const kept: string[] = [];
    for (const t of types) {
      // A search over several types does not narrow Tasks to the caller's own: they are searched alone.
      const privileged =
        ((PRIVILEGED_READ_TYPES.has(t) || (t === TASK && types.length > 1)) && !this.privileged()) ||
        (INDICATOR_TYPES.has(t) && !this.privileged() && !this.isEstablishment());
      const scoped = !isPrincipal(this.actor) || scopesAllow(this.actor.scopes, t, 's');
      if (!privileged && scoped) kept.push(t);
      else if (!implied) this.admitType(t, 's', 'search');
    }
    return kept.length === types.length ? types : kept;
  }

  private restrictCondition(c: Condition): Condition {
    switch (c.kind) {
      case 'and':
      case 'or':
        return { ...c, conditions: c.conditions.map((x) => this.restrictCondition(x)) };
      case 'not':
        return { ...c, condition: this.restrictCondition(c.condition) };
      case 'same-element':
        for (const leaf of c.conditions) this.checkCode(leaf.code);
        return c;
      case 'chain': {
        for (const t of c.targetTypes) this.admitType(t, 's', 'search');
        const where = c.where.map((x) => this.restrictCondition(x));
        if (!this.vis.sensitiveUnits && c.targetTypes.includes('HealthcareService')) where.push(HIDE_SENSITIVE);
        return { ...c, where };
      }
      case 'has': {
        this.admitType(c.sourceType, 's', 'search');
        const where = c.where.map((x) => this.restrictCondition(x));
        if (!this.vis.sensitiveUnits && c.sourceType === 'HealthcareService') where.push(HIDE_SENSITIVE);
        return { ...c, where };
      }
      case 'id':
      case 'text':
        return c;
      default:
        this.checkCode(c.code);
        return c;
    }
  }

  private checkCode(code: string): void {
    if (!this.vis.availability && AVAILABILITY_PARAMS.has(code)) {
      throw this.refuse('search', undefined, `your access profile (0) does not include bed availability: '${code}' cannot be searched on`);
    }
  }

  private establishment(): boolean {
    return isPrincipal(this.actor) && this.actor.role === 'establishment';
  }

  /** The condition that keeps an establishment editor's Task searches to its own tasks (none: it reads them all). */
  private ownTasks(): Condition | undefined {
    if (this.privileged()) return undefined;
    const finess = isPrincipal(this.actor) ? this.actor.finess : [];
    return { kind: 'token', code: '_tag', values: finess.length ? finess.map((code) => ({ system: OWNER_TAG_SYSTEM, code })) : [{ system: OWNER_TAG_SYSTEM, code: '-' }] };
  }

  private ownsTask(version: StoredVersion): boolean {
    if (!this.establishment() || version.deleted) return false;
    const tags = (JSON.parse(version.json) as Resource).meta?.tag ?? [];
    const mine = new Set(isPrincipal(this.actor) ? this.actor.finess : []);
    return tags.some((t) => t.system === OWNER_TAG_SYSTEM && t.code !== undefined && mine.has(t.code));
  }

  private privileged(): boolean {
    const a = this.actor;
    return a.kind === 'system' || a.kind === 'admin' || (isPrincipal(a) && (a.role === 'analyst' || a.role === 'admin'));
  }

  private isEstablishment(): boolean {
    return isPrincipal(this.actor) && this.actor.role === 'establishment';
  }

  /** The indicator's subject is one of the caller's establishments (by its FINESS number). */
  private ownsSubject(json: string): boolean {
    if (!isPrincipal(this.actor) || this.actor.role !== 'establishment') return false;
    const subject = (JSON.parse(json) as { subject?: { identifier?: { system?: string; value?: string } } }).subject?.identifier;
    return subject?.system === FINESS_SYSTEM && subject.value !== undefined && this.actor.finess.includes(subject.value);
  }

  private unauthenticated(message: string): FhirError {
    const { realm } = this.access.parts.settings;
    this.access.parts.audit.accessRefused({ actor: this.actor, interaction: 'request', reason: message });
    return unauthenticated(message, realm);
  }

  private refuse(interaction: string, target: string | undefined, reason: string): FhirError {
    this.access.parts.audit.accessRefused({ actor: this.actor, interaction, target, reason });
    return forbidden(`${describeActor(this.actor)}: ${reason}`);
  }
}
