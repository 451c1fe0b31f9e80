import fs from 'node:fs';
import path from 'node:path';
import type { Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Express } from 'express';
import pino from 'pino';
import type { Actor } from '../../src/kernel/actor';
import { composeKernel, fhirServices, type ComposedKernel } from '../../src/main';
import { createApp } from '../../src/http/app';
import type { Kernel } from '../../src/kernel/kernel';
import type { Validator } from '../../src/fhir/validation';
import { runSync } from '../../src/sync/run';
import type { RunOptions, SourceSpecs } from '../../src/sync/run';
import { findConditionalMatches } from '../../src/fhir/search/conditional';
import { tempDir } from '../helpers/tmp';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'referentiels');
export const ET_EXCERPT = path.join(FIXTURES, 'finess', 'etalab-cs1100502-stock-20260512-0339.EXCERPT.csv');

export function realEtLines(): string[] {
  return fs.readFileSync(ET_EXCERPT, 'utf8').split('\n').filter(Boolean);
}

export interface SyncEnv {
  store: SqliteStore;
  /** The kernel the server composes (validator, hooks, subscription notifier): the sync writes through it. */
  kernel: Kernel<Validator>;
  composed: ComposedKernel;
  dir: string;
  run(sources: SourceSpecs, opts?: Partial<RunOptions>): ReturnType<typeof runSync>;
  /** Writes a file in the env's directory and returns its path. */
  file(name: string, content: string | Buffer): string;
  find<T extends Resource>(type: string, query: string): Promise<T[]>;
  /** The HTTP app on this env's store and kernel, as the server composes it. */
  app(limits?: { maxCount?: number }): Express;
  close(): Promise<void>;
}

const TEST_ADMIN: Actor = { kind: 'admin', name: 'test' };

export function syncEnv(): SyncEnv {
  const dir = tempDir('ror-sync-');
  const composed = composeKernel();
  const { kernel } = composed;
  const store = new SqliteStore({ dataDir: dir }, kernel.indexer);
  return {
    store,
    kernel,
    composed,
    dir,
    run: (sources, opts = {}) => runSync({ store, kernel, sources, ...opts }),
    file(name, content) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, content);
      return p;
    },
    app: (limits = {}) =>
      createApp(fhirServices(composed, store, { baseUrl: 'http://fhir.test', defaultCount: 20, maxCount: limits.maxCount ?? 1000 }), {
        logger: pino({ level: 'silent' }),
        maxBodyBytes: 1 << 20,
        // These tests look at what the sync wrote, as an administrator would (runs are AuditEvents).
        authenticate: (_req, res, next) => {
          res.locals.actor = TEST_ADMIN;
          next();
        },
      }),
    async find<T extends Resource>(type: string, query: string) {
      return (await findConditionalMatches(store, kernel, type, query, 1000)).map((v) => JSON.parse(v.json) as T);
    },
    async close() {
      await store.close();
    },
  };
}

/** Builds a structureet line from named overrides on a real line. */
export function etLine(base: string, overrides: Record<number, string>): string {
  const f = base.split(';');
  for (const [i, v] of Object.entries(overrides)) f[Number(i)] = v;
  return f.join(';');
}

/**
 * The merged result of the RPPS sample person 10000013994 (three lines: two sites, two savoir-faire at the cabinet):
 * one Practitioner with the three qualifications and two roles, the cabinet's with both savoir-faire. Returns the
 * roles for further checks.
 */
export async function expectMergedSamplePerson(env: SyncEnv): Promise<PractitionerRole[]> {
  const [p] = await env.find<Practitioner>('Practitioner', 'identifier=https://rpps.esante.gouv.fr|10000013994');
  expect(p.qualification?.map((q) => q.code.coding?.[0].code)).toEqual(['10', 'SM53', 'CEX01']);
  const roles = await env.find<PractitionerRole>('PractitionerRole', `practitioner=Practitioner/${p.id}`);
  expect(roles).toHaveLength(2);
  const cabinet = roles.find((r) => r.identifier?.[0].value?.endsWith('R10000000001'))!;
  expect(cabinet.specialty?.map((s) => s.coding?.[0].code)).toEqual(['SM53', 'CEX01']);
  expect(cabinet.code?.map((c) => c.coding?.[0].code)).toEqual(['10', 'FON-01']);
  return roles;
}
