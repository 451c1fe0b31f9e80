/**
 * The web application's only way to the server: JSON and FHIR requests on the same origin, with the session cookie,
 * and the session's CSRF token on every state-changing request (the server refuses a write made with a session
 * without it). Errors become ApiError with a message a person can act on: the OperationOutcome's diagnostics, the
 * OAuth-style `error_description`, or the HTTP status in words.
 */

let csrfToken: string | undefined;

/** Set by the session (lib/session.tsx) once `GET /auth/session` has answered. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The body of the answer (an OperationOutcome for the FHIR API), when it was JSON. */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STATUS_WORDS: Record<number, string> = {
  400: 'la demande est incorrecte',
  401: 'vous devez vous connecter',
  403: 'vous n’avez pas le droit de faire cela',
  404: 'introuvable',
  409: 'conflit avec une autre modification',
  412: 'quelqu’un a modifié ces données entre-temps',
  422: 'les données ne sont pas valides',
  429: 'trop de demandes, réessayez dans un instant',
  500: 'erreur du serveur',
  503: 'service momentanément indisponible',
};

/** What went wrong, in words, from an answer's body. */
export function errorMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (b.resourceType === 'OperationOutcome' && Array.isArray(b.issue)) {
      const texts = (b.issue as Array<Record<string, any>>)
        .map((i) => i.diagnostics ?? i.details?.text)
        .filter((t): t is string => typeof t === 'string' && t.length > 0);
      if (texts.length) return texts.join(' ; ');
    }
    if (typeof b.error_description === 'string') return b.error_description;
    if (typeof b.error === 'string') return b.error;
  }
  return STATUS_WORDS[status] ?? `erreur ${status}`;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the body as is (a CSV file, form data) instead of JSON. */
  rawBody?: BodyInit;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** A request; rejects with ApiError for any status ≥ 400. */
export async function request<T = unknown>(url: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: url.startsWith('/offer') || url.startsWith('/auth') ? 'application/json' : 'application/fhir+json', ...options.headers };
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= url.startsWith('/offer') || url.startsWith('/auth') ? 'application/json' : 'application/fhir+json';
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(url, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (res.status >= 400) throw new ApiError(res.status, errorMessage(res.status, parsed), parsed);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function getJson<T = unknown>(url: string, signal?: AbortSignal): Promise<T> {
  return (await request<T>(url, { signal })).body;
}

/** A query string from parameters; arrays repeat the parameter, empty values are left out. */
export function query(params: Record<string, string | number | boolean | undefined | (string | number)[]>): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === '' || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) q.append(name, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
