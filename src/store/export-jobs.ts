/**
 * Bulk export jobs, part of the ResourceStore port: the durable state of each `$export` kick-off
 * (https://hl7.org/fhir/uv/bulkdata/export.html), so that a job survives a restart of the server (an unfinished
 * one is taken up again) and its files can be found, served and expired.
 *
 * The store does not interpret `state`: it is the exporter's (src/bulk/), kept as JSON text. Times are milliseconds
 * since the epoch, given by the caller. Contract: test/contract/export-jobs.contract.ts.
 */

export type ExportJobStatus = 'in-progress' | 'completed' | 'failed';

export interface ExportJob {
  id: string;
  /** Who asked for it: only the same principal may poll it, fetch its files or cancel it. */
  owner: string;
  status: ExportJobStatus;
  /** The kick-off request's URL, as the manifest's `request` repeats it. */
  request: string;
  /** The instant the export reads the store as of (ISO 8601). */
  transactionTime: string;
  createdAt: number;
  updatedAt: number;
  /** When a finished job's files are removed (undefined while it runs). */
  expiresAt?: number;
  /** The exporter's parameters and progress, opaque to the store. */
  state: string;
}

export type ExportJobChange = Partial<Pick<ExportJob, 'status' | 'state' | 'expiresAt'>> & { updatedAt: number };

export interface ExportJobStore {
  /** Records a new job; an id already used is an error. */
  create(job: ExportJob): Promise<void>;
  get(id: string): Promise<ExportJob | undefined>;
  /** Changes the given fields; false when the job no longer exists (cancelled meanwhile). */
  update(id: string, change: ExportJobChange): Promise<boolean>;
  /** Forgets the job; false when it did not exist. */
  remove(id: string): Promise<boolean>;
  /** The jobs still in progress, oldest first (taken up again at start). */
  unfinished(): Promise<ExportJob[]>;
  /** The finished jobs whose `expiresAt` is at or before `now`. */
  expired(now: number): Promise<ExportJob[]>;
}
