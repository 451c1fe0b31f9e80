/**
 * Bulk export status and files, https://hl7.org/fhir/uv/bulkdata/export.html#bulk-data-status-request (mounted
 * after authentication, beside the FHIR API):
 * - `GET /bulk-export/[job]`: 202 with `X-Progress` and `Retry-After` while it runs; 200 with the manifest once
 *   complete (with `Expires`, when its files go); a failed job answers 500 with its OperationOutcome;
 * - `DELETE /bulk-export/[job]`: cancels a running job or removes a finished one's files (202);
 * - `GET /bulk-export/[job]/[file]`: an NDJSON file of the manifest, streamed from the data directory.
 * Only the principal that kicked the export off may do any of this (`requiresAccessToken: true`): anyone else, or
 * an expired job, gets a 404.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { FhirError } from '../errors';
import { ANONYMOUS, type Actor } from '../kernel/actor';
import type { BulkExports } from './exporter';

/** Seconds a client is asked to wait before polling again. */
const RETRY_AFTER = '2';
const JOB = '([0-9a-f-]{36})';
const FILE = '([A-Za-z]{1,64}\\.ndjson)';

export function bulkExportRouter(jobs: BulkExports, realm: string): Router {
  const router = Router();
  const handle = (fn: (req: Request, res: Response, actor: Actor) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    const actor = (res.locals.actor as Actor | undefined) ?? ANONYMOUS;
    if (actor.kind === 'anonymous') {
      const err = new FhirError(401, 'bulk export status and files need the credential that started the export', 'login');
      err.headers['WWW-Authenticate'] = `Bearer realm="${realm}"`;
      next(err);
      return;
    }
    fn(req, res, actor).catch(next);
  };
  const param = (req: Request, i: number) => (req.params as Record<string, string>)[i];

  router.get(
    new RegExp(`^/bulk-export/${JOB}$`),
    handle(async (req, res, actor) => {
      const status = await jobs.status(actor, param(req, 0));
      res.setHeader('Cache-Control', 'no-store');
      if (status.kind === 'running') {
        res.status(202).setHeader('X-Progress', status.progress);
        res.setHeader('Retry-After', RETRY_AFTER);
        res.end();
      } else if (status.kind === 'failed') {
        throw new FhirError(500, status.message, 'exception');
      } else {
        res.status(200).setHeader('Content-Type', 'application/json');
        res.setHeader('Expires', new Date(status.expiresAt).toUTCString());
        res.end(JSON.stringify(status.manifest));
      }
    }),
  );

  router.delete(
    new RegExp(`^/bulk-export/${JOB}$`),
    handle(async (req, res, actor) => {
      await jobs.cancel(actor, param(req, 0));
      res.status(202).end();
    }),
  );

  router.get(
    new RegExp(`^/bulk-export/${JOB}/${FILE}$`),
    handle(async (req, res, actor) => {
      const file = await jobs.file(actor, param(req, 0), param(req, 1));
      const stream = fs.createReadStream(file);
      await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
      res.status(200).setHeader('Content-Type', 'application/fhir+ndjson');
      res.setHeader('Cache-Control', 'no-store');
      await pipeline(stream, res);
    }),
  );
  return router;
}
