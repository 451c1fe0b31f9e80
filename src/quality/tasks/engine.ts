/**
 * Judges a resource and keeps its tasks in step (README "Data quality", task lifecycle): gathers what the rules of
 * its type need (the establishment, the practitioner, the national value the sync last wrote, how many units
 * point to a Location…), runs them, and for each rule of the type
 * - raises a task when the rule finds a discrepancy and none is open (a closed task of the same resource and rule
 *   is reopened: same id, a new version), unless the declared value was kept ("$keep-declared") for exactly this
 *   declared and national value;
 * - updates the open task when the discrepancy's content changed (values, description, owner);
 * - closes the open task (completed, 08 Corrigé) when the discrepancy is gone; a deleted resource's open tasks
 *   are closed as 03 Annulé.
 * Everything is written through the kernel's write path in the caller's transaction (the worker's, as
 * `system:quality`), so tasks are validated against RORTask, authorised, audited and notified like any write.
 */
import type { Location, Organization, Practitioner, Reference, Resource, Task } from '@medplum/fhirtypes';
import type { ResourceStore, StoreReader } from '../../store/store';
import type { WriteTx } from '../../kernel/write-tx';
import { NATIONAL_KIND, nationalKey } from '../../sync/reconcile/national';
import { rulesFor, run, type Discrepancy, type RuleInput } from '../rules';
import type { QualityConfig } from './config';
import { BUSINESS_STATUS } from './codes';
import { businessStatusOf, closedTask, fromDiscrepancy, inputString, isOpen, openTask, ownerOf, taskId, updatedTask, type TaskOwner } from './task';

export interface ReconcileCounts {
  raised: number;
  updated: number;
  closed: number;
  /** Discrepancies kept quiet by a "keep declared" decision. */
  quiet: number;
}

export const emptyCounts = (): ReconcileCounts => ({ raised: 0, updated: 0, closed: 0, quiet: 0 });

export interface Judgement {
  resource?: Resource & { id: string };
  discrepancies: Discrepancy[];
  owner?: TaskOwner;
}

const idOf = (ref: Reference | undefined, type: string) => {
  const m = new RegExp(`^(?:.*/)?${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/.*)?$`).exec(ref?.reference ?? '');
  return m?.[1];
};

export class QualityEngine {
  constructor(
    private readonly store: Pick<ResourceStore, 'syncStateRow' | 'vread'>,
    private readonly config: QualityConfig,
  ) {}

  /** The resource's discrepancies, as of what `reader` sees. */
  async judge(reader: StoreReader, type: string, id: string): Promise<Judgement> {
    const rules = rulesFor(type);
    const stored = rules.length ? await reader.read(type, id) : undefined;
    if (!stored || stored.deleted) return { discrepancies: [] };
    const resource = JSON.parse(stored.json) as Resource & { id: string };
    const input = await this.inputOf(reader, resource);
    const discrepancies = rules.flatMap((rule) => run(rule, input));
    return { resource, discrepancies, owner: await this.ownerOf(reader, resource, input) };
  }

  /** Judges `type/id` and writes what its tasks become through `tx`. */
  async reconcile(tx: WriteTx, type: string, id: string, counts: ReconcileCounts = emptyCounts()): Promise<ReconcileCounts> {
    const rules = rulesFor(type);
    if (!rules.length) return counts;
    const { resource, discrepancies, owner } = await this.judge(tx, type, id);
    const now = this.config.now().toISOString();
    for (const rule of rules) {
      const tid = taskId(rule.id, type, id);
      const current = await tx.read('Task', tid);
      const task = current && !current.deleted ? (JSON.parse(current.json) as Task & { id: string }) : undefined;
      const found = discrepancies.find((d) => d.rule === rule.id);
      if (found) {
        const inputs = fromDiscrepancy(found, owner, this.config.region);
        if (task && isOpen(task)) {
          const next = updatedTask(task, inputs, now);
          if (next) {
            await tx.store(next, { id: tid, current });
            counts.updated++;
          }
        } else if (task && kept(task, found)) {
          counts.quiet++;
        } else {
          await tx.store(openTask(tid, inputs, now, task), { id: tid, current });
          counts.raised++;
        }
      } else if (task && isOpen(task)) {
        const code = resource ? BUSINESS_STATUS.corrected.code : BUSINESS_STATUS.cancelled.code;
        await tx.store(closedTask(task, code, now), { id: tid, current });
        counts.closed++;
      }
    }
    return counts;
  }

  /** The national value of an Organization: the version the referential sync last wrote, when it recorded one. */
  async nationalOf(type: string, id: string): Promise<Organization | undefined> {
    const row = await this.store.syncStateRow(NATIONAL_KIND, nationalKey(type, id));
    if (!row) return undefined;
    const v = await this.store.vread(type, id, String(row.hash));
    return v && !v.deleted ? (JSON.parse(v.json) as Organization) : undefined;
  }

  private async inputOf(reader: StoreReader, resource: Resource & { id: string }): Promise<RuleInput> {
    const input: RuleInput = { resource, now: this.config.now(), staleHours: this.config.staleHours };
    switch (resource.resourceType) {
      case 'Organization':
        input.national = await this.nationalOf('Organization', resource.id);
        break;
      case 'HealthcareService': {
        if (resource.providedBy) input.organization = await readRef<Organization>(reader, resource.providedBy, 'Organization');
        const locations: Location[] = [];
        for (const ref of resource.location ?? []) {
          const l = await readRef<Location>(reader, ref, 'Location');
          if (l) locations.push(l);
        }
        input.locations = locations;
        break;
      }
      case 'PractitionerRole':
        if (resource.organization) input.organization = await readRef<Organization>(reader, resource.organization, 'Organization');
        if (resource.practitioner) input.practitioner = await readRef<Practitioner>(reader, resource.practitioner, 'Practitioner');
        break;
      case 'Location': {
        const page = await reader.search({
          resourceTypes: ['HealthcareService'],
          where: [{ kind: 'reference', code: 'location', values: [{ type: 'Location', id: resource.id }] }],
          sort: [],
          count: 1,
          total: 'none',
        });
        input.units = page.entries.length;
        break;
      }
    }
    return input;
  }

  /** The establishment that owns the resource's tasks (`input`: what the rules were given, when at hand). */
  async ownerOf(reader: StoreReader, resource: Resource & { id: string }, input?: RuleInput): Promise<TaskOwner | undefined> {
    let org: Organization | null | undefined;
    switch (resource.resourceType) {
      case 'Organization':
        org = resource;
        break;
      case 'HealthcareService':
        org = input ? input.organization : resource.providedBy && (await readRef<Organization>(reader, resource.providedBy, 'Organization'));
        break;
      case 'PractitionerRole':
        org = input ? input.organization : resource.organization && (await readRef<Organization>(reader, resource.organization, 'Organization'));
        break;
      case 'Location':
        org = resource.managingOrganization ? await readRef<Organization>(reader, resource.managingOrganization, 'Organization') : undefined;
        break;
    }
    if (!org?.id) return undefined;
    const legal = org.partOf ? ((await readRef<Organization>(reader, org.partOf, 'Organization')) ?? undefined) : undefined;
    return ownerOf(org as Organization & { id: string }, legal);
  }
}

/** A "keep declared" decision covers this discrepancy: same declared value, same national (proposed) value. */
function kept(task: Task, d: Discrepancy): boolean {
  return businessStatusOf(task) === BUSINESS_STATUS.toleratedForGood.code && inputString(task, 'errorValue') === d.declared && inputString(task, 'proposedValue') === d.proposed;
}

/** The resource a literal reference names: undefined when it names none (identifier only), null when it is gone. */
async function readRef<T extends Resource>(reader: StoreReader, ref: Reference, type: string): Promise<T | null | undefined> {
  const id = idOf(ref, type);
  if (!id) return undefined;
  const v = await reader.read(type, id);
  return v && !v.deleted ? (JSON.parse(v.json) as T) : null;
}
