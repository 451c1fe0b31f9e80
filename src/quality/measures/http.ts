/**
 * Indicators as files and series, beside the FHIR API (mounted after authentication, like offer search):
 * - `GET /MeasureReport/[id]/$csv`: the report as CSV (./csv.ts);
 * - `GET /Measure/[id]/$series?subject=…[&from=…][&to=…][&stratifier=…][&_format=csv]`: the time series of the
 *   Measure's stored reports for a subject (./series.ts), JSON for the dashboard's charts, or CSV.
 * Both read through the FHIR route table as the caller (a read, a search of MeasureReport), so the caller's view
 * decides what they may see exactly as for `GET /MeasureReport`.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Bundle, MeasureReport } from '@medplum/fhirtypes';
import { badRequest, notFound } from '../../errors';
import { builtResource, requestContext, type FhirRequest, type FhirServices } from '../../fhir/context';
import { ANONYMOUS, type Actor } from '../../kernel/actor';
import { measureDefinition } from './definitions';
import { CSV_TYPE, reportCsv } from './csv';
import { seriesCsv, seriesOf } from './series';
import { parseSubject, subjectKey, subjectSearch } from './subject';
import { parsePeriod } from './period';

/** Most reports one series reads (a nightly report a day: almost three years). */
export const MAX_SERIES_REPORTS = 1000;

function get(path: string[], query: [string, string][]): FhirRequest {
  return { method: 'GET', path, query, headers: {} };
}

function queryOf(req: Request): [string, string][] {
  const i = req.originalUrl.indexOf('?');
  return i < 0 ? [] : [...new URLSearchParams(req.originalUrl.slice(i + 1))];
}

export function measuresRouter(services: FhirServices, now: () => number = Date.now): Router {
  const router = Router();
  const ctxOf = (res: Response) => requestContext(services, (res.locals.actor as Actor | undefined) ?? ANONYMOUS);
  const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

  router.get(
    /^\/MeasureReport\/([A-Za-z0-9\-.]{1,64})\/\$csv$/,
    handle(async (req, res) => {
      const id = (req.params as Record<string, string>)[0];
      const ctx = ctxOf(res);
      const out = await ctx.routes.dispatch(ctx, get(['MeasureReport', id], []));
      const report = (out.version ? JSON.parse(ctx.view.presentJson(out.version)) : builtResource(out)) as MeasureReport;
      res.status(200).setHeader('Content-Type', CSV_TYPE);
      res.setHeader('Content-Disposition', `attachment; filename="MeasureReport-${id}.csv"`);
      res.end(reportCsv(report));
    }),
  );

  router.get(
    /^\/Measure\/([A-Za-z0-9\-.]{1,64})\/\$series$/,
    handle(async (req, res) => {
      const id = (req.params as Record<string, string>)[0];
      const measure = measureDefinition(id);
      if (!measure) throw notFound(`Measure/${id} is not one of the indicators this server computes`);
      const q = new Map<string, string>();
      for (const [k, v] of queryOf(req)) {
        if (!['subject', 'from', 'to', 'stratifier', '_format'].includes(k)) throw badRequest(`$series does not take '${k}' (it takes subject, from, to, stratifier, _format)`, [k]);
        q.set(k, v);
      }
      const raw = q.get('subject');
      if (!raw) throw badRequest('subject is required: Organization/[id], region/[code] or department/[code]', ['subject']);
      const subject = parseSubject(raw);
      const format = q.get('_format');
      if (format !== undefined && !['csv', 'text/csv', 'json', 'application/json'].includes(format)) throw badRequest(`_format must be json or csv, got '${format}'`, ['_format']);
      const query: [string, string][] = [['measure', measure.url], subjectSearch(subject), ['_count', String(MAX_SERIES_REPORTS)], ['_sort', '-date']];
      if (q.has('from') || q.has('to')) {
        const window = parsePeriod(q.get('from') ?? '1970', q.get('to'), now());
        query.push(['period', `ge${new Date(window.start).toISOString()}`], ['period', `le${new Date(window.end).toISOString()}`]);
      }
      const ctx = ctxOf(res);
      const out = await ctx.routes.dispatch(ctx, get(['MeasureReport'], query));
      const bundle = builtResource(out) as Bundle<MeasureReport>;
      const reports = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is MeasureReport => r?.resourceType === 'MeasureReport');
      const lines = seriesOf(reports, q.get('stratifier'));
      if (format === 'csv' || format === 'text/csv') {
        res.status(200).setHeader('Content-Type', CSV_TYPE);
        res.setHeader('Content-Disposition', `attachment; filename="${id}-${subjectKey(subject).replace('/', '-')}.csv"`);
        res.end(seriesCsv(measure.url, subjectKey(subject), lines));
        return;
      }
      res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ measure: measure.url, title: measure.title, subject: subjectKey(subject), reports: reports.length, truncated: Boolean(bundle.link?.some((l) => l.relation === 'next')), lines }));
    }),
  );
  return router;
}
