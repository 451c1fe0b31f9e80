/**
 * The search engine behind the Elasticsearch offer index, reached through the engine's own official client:
 * `@opensearch-project/opensearch` for OpenSearch (`OPENSEARCH_URL`), `@elastic/elasticsearch` for Elasticsearch
 * (`ELASTICSEARCH_URL`; that client refuses to talk to OpenSearch, hence one client per engine). Both speak the same
 * REST API for everything the offer index does (index and alias management, bulk, search, count); this module gives
 * the adapter one small surface over either, so offer-index.ts never knows which engine it talks to.
 *
 * Request bodies are plain objects serialised by the client: nothing a caller sends is ever spliced into a string.
 */
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';

export type EngineKind = 'opensearch' | 'elasticsearch';

export interface EngineRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  body?: unknown;
  /** NDJSON lines (the bulk API). */
  lines?: unknown[];
  querystring?: Record<string, string | number | boolean>;
}

/** Raised when the engine answers with an error status; `status` 404 is "no such index/alias". */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface SearchEngine {
  readonly kind: EngineKind;
  request<T = unknown>(req: EngineRequest): Promise<T>;
  close(): Promise<void>;
}

/** What a client's transport throws: a status and the engine's error body, when it answered. */
function engineError(err: unknown): EngineError {
  const e = err as { meta?: { statusCode?: number; body?: unknown }; message?: string };
  const status = e.meta?.statusCode;
  type Cause = { type?: string; reason?: string };
  const body = e.meta?.body as { error?: (Cause & { root_cause?: Cause[] }) | string } | string | undefined;
  const error = typeof body === 'object' ? body.error : body;
  const root = typeof error === 'object' ? error.root_cause?.[0] : undefined;
  const describe = (c: Cause) => `${c.type ?? 'error'}: ${c.reason ?? ''}`;
  const reason = typeof error === 'object' ? describe(error) + (root && root.reason !== error.reason ? ` (${describe(root)})` : '') : (error ?? e.message ?? String(err));
  return new EngineError(`search engine: ${reason}`, status);
}

const TIMEOUT_MS = 30_000;

export function openSearchEngine(kind: EngineKind, url: string): SearchEngine {
  if (kind === 'opensearch') {
    const client = new OpenSearchClient({ node: url, requestTimeout: TIMEOUT_MS, maxRetries: 1 });
    return {
      kind,
      async request<T>(req: EngineRequest): Promise<T> {
        try {
          const res = await client.transport.request({
            method: req.method,
            path: req.path,
            body: req.body as Record<string, unknown> | undefined,
            bulkBody: req.lines as Record<string, unknown>[] | undefined,
            querystring: req.querystring,
          });
          return res.body as T;
        } catch (err) {
          throw engineError(err);
        }
      },
      close: () => client.close(),
    };
  }
  const client = new ElasticsearchClient({ node: url, requestTimeout: TIMEOUT_MS, maxRetries: 1 });
  return {
    kind,
    async request<T>(req: EngineRequest): Promise<T> {
      try {
        return (await client.transport.request({
          method: req.method,
          path: req.path,
          body: req.body as Record<string, unknown> | undefined,
          bulkBody: req.lines as Record<string, unknown>[] | undefined,
          querystring: req.querystring,
        })) as T;
      } catch (err) {
        throw engineError(err);
      }
    },
    close: () => client.close(),
  };
}
