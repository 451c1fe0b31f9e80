/**
 * The SQLite bulk export jobs (table `export_jobs`, migration 11; port: ../export-jobs.ts). Changes run on the writer
 * connection through `exclusive`, the store's transaction lock; reads on the read-only connection.
 */
import type Database from 'better-sqlite3';
import type { ExportJob, ExportJobChange, ExportJobStore } from '../export-jobs';

interface JobRow {
  id: string;
  owner: string;
  status: ExportJob['status'];
  request: string;
  transaction_time: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  state: string;
}

export class SqliteExportJobs implements ExportJobStore {
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement<[string], JobRow>;
  private readonly change: Database.Statement;
  private readonly drop: Database.Statement<[string]>;
  private readonly running: Database.Statement<[], JobRow>;
  private readonly due: Database.Statement<[number], JobRow>;

  constructor(
    writer: Database.Database,
    reader: Database.Database,
    private readonly exclusive: <T>(fn: () => T) => Promise<T>,
  ) {
    this.insert = writer.prepare(
      `INSERT INTO export_jobs (id, owner, status, request, transaction_time, created_at, updated_at, expires_at, state)
       VALUES (@id, @owner, @status, @request, @transaction_time, @created_at, @updated_at, @expires_at, @state)`,
    );
    this.byId = reader.prepare('SELECT * FROM export_jobs WHERE id = ?');
    this.change = writer.prepare(
      `UPDATE export_jobs SET status = coalesce(@status, status), state = coalesce(@state, state),
         expires_at = coalesce(@expires_at, expires_at), updated_at = @updated_at WHERE id = @id`,
    );
    this.drop = writer.prepare('DELETE FROM export_jobs WHERE id = ?');
    this.running = reader.prepare("SELECT * FROM export_jobs WHERE status = 'in-progress' ORDER BY created_at, id");
    this.due = reader.prepare("SELECT * FROM export_jobs WHERE status <> 'in-progress' AND expires_at <= ? ORDER BY expires_at, id");
  }

  async create(job: ExportJob): Promise<void> {
    await this.exclusive(() =>
      this.insert.run({
        id: job.id,
        owner: job.owner,
        status: job.status,
        request: job.request,
        transaction_time: job.transactionTime,
        created_at: job.createdAt,
        updated_at: job.updatedAt,
        expires_at: job.expiresAt ?? null,
        state: job.state,
      }),
    );
  }

  async get(id: string): Promise<ExportJob | undefined> {
    const row = this.byId.get(id);
    return row && toJob(row);
  }

  update(id: string, change: ExportJobChange): Promise<boolean> {
    return this.exclusive(
      () =>
        this.change.run({
          id,
          status: change.status ?? null,
          state: change.state ?? null,
          expires_at: change.expiresAt ?? null,
          updated_at: change.updatedAt,
        }).changes === 1,
    );
  }

  remove(id: string): Promise<boolean> {
    return this.exclusive(() => this.drop.run(id).changes === 1);
  }

  async unfinished(): Promise<ExportJob[]> {
    return this.running.all().map(toJob);
  }

  async expired(now: number): Promise<ExportJob[]> {
    return this.due.all(now).map(toJob);
  }
}

function toJob(row: JobRow): ExportJob {
  return {
    id: row.id,
    owner: row.owner,
    status: row.status,
    request: row.request,
    transactionTime: row.transaction_time,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at ?? undefined,
    state: row.state,
  };
}
