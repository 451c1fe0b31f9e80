/**
 * The route table of the FHIR REST API (https://hl7.org/fhir/R4/http.html): each interaction registers a handler
 * on a method and a path pattern, and `dispatch` finds it. The HTTP layer and the transaction processor both
 * dispatch through it, so an entry of a transaction behaves exactly like the same request sent alone.
 *
 * Patterns are segments separated by `/` (the empty pattern is the base URL):
 * - a literal (`metadata`, `_history`, `_search`);
 * - `$op`: a segment starting with `$`, an operation name;
 * - `:type` (a resource type: an unknown one is a 404), `:id`, `:vid`: any other segment.
 * When several patterns fit a path, the most specific wins, segment by segment (literal, then `$op`, then a
 * parameter): `/Patient/_history` is the type's history, not the Patient with id `_history`. A path that fits a
 * pattern but none of its methods is a 405 listing them in `Allow`; `ANY` routes take every method (operations
 * check their own).
 */
import { notFound, notSupported } from '../errors';
import type { WriteTx } from '../kernel/write-tx';
import type { Dispatcher, FhirContext, FhirMethod, FhirRequest, FhirResponse, RequestIO, RouteParams } from './context';
import { assertKnownType } from './ids';

export type { RouteParams };

export type RouteHandler = (ctx: FhirContext, req: FhirRequest, params: RouteParams, io: RequestIO) => Promise<FhirResponse>;

export interface Route {
  method: Exclude<FhirMethod, 'HEAD'> | 'ANY';
  pattern: string;
  handler: RouteHandler;
}

type Segment = { kind: 'literal'; text: string } | { kind: 'operation' } | { kind: 'param'; name: 'type' | 'id' | 'vid' };

interface PatternEntry {
  pattern: string;
  segments: Segment[];
  handlers: Map<Route['method'], RouteHandler>;
}

const PARAMS = new Set(['type', 'id', 'vid']);
/** Specificity of a segment kind: the higher, the more specific. */
const RANK = { literal: 3, operation: 2, param: 1 } as const;

export class RouteTable implements Dispatcher {
  private readonly byPattern = new Map<string, PatternEntry>();
  /** The patterns by number of segments: a path is compared with those of its length only. */
  private readonly byLength = new Map<number, PatternEntry[]>();

  add(...routes: Route[]): this {
    for (const route of routes) {
      let entry = this.byPattern.get(route.pattern);
      if (!entry) {
        entry = { pattern: route.pattern, segments: parsePattern(route.pattern), handlers: new Map() };
        this.byPattern.set(entry.pattern, entry);
        const sameLength = this.byLength.get(entry.segments.length) ?? [];
        this.byLength.set(entry.segments.length, [...sameLength, entry]);
      }
      if (entry.handlers.has(route.method)) throw new Error(`route ${route.method} /${route.pattern} is registered twice`);
      entry.handlers.set(route.method, route.handler);
    }
    return this;
  }

  async dispatch(ctx: FhirContext, req: FhirRequest, tx?: WriteTx): Promise<FhirResponse> {
    const match = this.match(req.path);
    if (!match) throw notFound(`no FHIR endpoint at /${req.path.join('/')}`);
    const { entry, params } = match;
    if (params.type !== undefined) assertKnownType(params.type);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const handler = entry.handlers.get(method) ?? entry.handlers.get('ANY');
    if (!handler) {
      const allowed = [...entry.handlers.keys()].join(', ');
      const err = notSupported(`${req.method} is not allowed on /${req.path.join('/')} (allowed: ${allowed})`);
      err.headers.Allow = allowed;
      throw err;
    }
    ctx.view.admit(req, { pattern: entry.pattern, params });
    const io: RequestIO = {
      reader: tx ?? ctx.store,
      write: (fn) => (tx ? fn(tx) : ctx.kernel.transaction(ctx.store, ctx.actor, fn)),
    };
    return handler(ctx, req, params, io);
  }

  describe(path: string[]): { pattern: string; operation?: string } | undefined {
    const match = this.match(path);
    return match && { pattern: match.entry.pattern, ...(match.params.operation !== undefined ? { operation: match.params.operation } : {}) };
  }

  /**
   * The most specific pattern fitting the path, and the path's parameters. Specificity is compared segment by
   * segment, the first segment first: with ranks 1 to 3, that is the order of the numbers whose base-4 digits
   * they are (paths of one length only are compared). It runs on every request: no array is built.
   */
  private match(path: string[]): { entry: PatternEntry; params: RouteParams } | undefined {
    let best: { entry: PatternEntry; rank: number } | undefined;
    for (const entry of this.byLength.get(path.length) ?? []) {
      let rank = 0;
      let fits = true;
      for (let i = 0; i < entry.segments.length && fits; i++) {
        const seg = entry.segments[i];
        if (seg.kind === 'literal') fits = path[i] === seg.text;
        else if (seg.kind === 'operation') fits = path[i].startsWith('$');
        rank = rank * 4 + RANK[seg.kind];
      }
      if (fits && (!best || rank > best.rank)) best = { entry, rank };
    }
    if (!best) return undefined;
    const params: RouteParams = {};
    best.entry.segments.forEach((seg, i) => {
      if (seg.kind === 'operation') params.operation = path[i].slice(1);
      else if (seg.kind === 'param') params[seg.name] = path[i];
    });
    return { entry: best.entry, params };
  }
}

function parsePattern(pattern: string): Segment[] {
  if (pattern === '') return [];
  return pattern.split('/').map((text): Segment => {
    if (text === '$op') return { kind: 'operation' };
    if (text.startsWith(':')) {
      const name = text.slice(1);
      if (!PARAMS.has(name)) throw new Error(`route pattern ${pattern}: unknown parameter ${text}`);
      return { kind: 'param', name: name as 'type' | 'id' | 'vid' };
    }
    if (!text || text.startsWith('$')) throw new Error(`route pattern ${pattern}: bad segment '${text}'`);
    return { kind: 'literal', text };
  });
}

