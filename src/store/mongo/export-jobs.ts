/**
 * Bulk export jobs in MongoDB (collection `export_jobs`), the ExportJobStore part of the ResourceStore port
 * (src/store/export-jobs.ts; contract test/contract/export-jobs.contract.ts). One document per job; each change is a
 * single-document write, run among this instance's conditional writes (see MongoStore.conditional). Values are
 * written as literals (./safe.ts): nothing a caller gives becomes an operator.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { ExportJob, ExportJobChange, ExportJobStore } from '../export-jobs';
import { eq, lit } from './safe';

interface JobDoc {
  _id: string;
  owner: string;
  status: ExportJob['status'];
  request: string;
  transactionTime: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  state: string;
}

export class MongoExportJobs implements ExportJobStore {
  private readonly jobs: Collection<JobDoc>;

  constructor(
    db: Db,
    private readonly ready: Promise<unknown>,
    private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {
    this.jobs = db.collection('export_jobs');
  }

  create(job: ExportJob): Promise<void> {
    return this.exclusive(async () => {
      await this.ready;
      try {
        await this.jobs.insertOne({
          _id: lit(job.id),
          owner: lit(job.owner),
          status: lit(job.status),
          request: lit(job.request),
          transactionTime: lit(job.transactionTime),
          createdAt: lit(job.createdAt),
          updatedAt: lit(job.updatedAt),
          expiresAt: job.expiresAt === undefined ? null : lit(job.expiresAt),
          state: lit(job.state),
        });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) throw new Error(`export job ${job.id} already exists`);
        throw err;
      }
    });
  }

  async get(id: string): Promise<ExportJob | undefined> {
    await this.ready;
    const doc = await this.jobs.findOne({ _id: eq(id) as never });
    return doc ? toJob(doc) : undefined;
  }

  update(id: string, change: ExportJobChange): Promise<boolean> {
    return this.exclusive(async () => {
      await this.ready;
      const set: Partial<JobDoc> = { updatedAt: lit(change.updatedAt) };
      if (change.status !== undefined) set.status = lit(change.status);
      if (change.state !== undefined) set.state = lit(change.state);
      if (change.expiresAt !== undefined) set.expiresAt = lit(change.expiresAt);
      const r = await this.jobs.updateOne({ _id: eq(id) as never }, { $set: set });
      return r.matchedCount === 1;
    });
  }

  remove(id: string): Promise<boolean> {
    return this.exclusive(async () => {
      await this.ready;
      return (await this.jobs.deleteOne({ _id: eq(id) as never })).deletedCount === 1;
    });
  }

  async unfinished(): Promise<ExportJob[]> {
    await this.ready;
    const docs = await this.jobs.find({ status: eq('in-progress') as never }).toArray();
    return docs.map(toJob).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async expired(now: number): Promise<ExportJob[]> {
    await this.ready;
    const docs = await this.jobs.find({ status: { $ne: lit('in-progress') }, expiresAt: { $ne: null, $lte: lit(now) } } as never).toArray();
    return docs.map(toJob).sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function toJob(d: JobDoc): ExportJob {
  return {
    id: d._id,
    owner: d.owner,
    status: d.status,
    request: d.request,
    transactionTime: d.transactionTime,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    expiresAt: d.expiresAt ?? undefined,
    state: d.state,
  };
}
