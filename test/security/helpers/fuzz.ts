/**
 * A seeded generator of hostile HTTP requests for the hostile-input run (test/security/hostile.test.ts): fuzzed
 * search parameters, hostile ids, bad, huge and invalid UTF-8 bodies, wrong content types, injection strings,
 * forged credentials, and raw byte streams for what an HTTP client library refuses to send. The same seed gives
 * the same requests, so a failure is replayed by running with its seed (HOSTILE_SEED).
 */
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';

/** mulberry32: small, fast, good enough to spread the cases; deterministic for a seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }
}

export interface HostileRequest {
  method: string;
  /** The request target, already encoded (it may be malformed on purpose). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What the case is, for the failure report. */
  kind: string;
}

/** What the generator knows of the server: resource types and their search parameter codes. */
export interface Vocabulary {
  params: Record<string, string[]>;
  /** Ids that exist, per type. */
  ids: Record<string, string[]>;
}

export const INJECTIONS = [
  "' OR 1=1 --",
  "x'); DROP TABLE resources; --",
  '" OR ""="',
  "1; SELECT * FROM sqlite_master",
  "' UNION SELECT json FROM resources --",
  '%27%20OR%201%3D1',
  '{"$gt": ""}',
  '{"$where": "sleep(1000)"}',
  '[$ne]=1',
  "Organization.name.where(true) | Patient.name",
  "%resource.id.matches('.*')",
  "iif(true, 'a', 'b').repeat(1)",
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '\u0000',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '*',
  '%',
  '_',
  "\\'",
  '\\',
  'glob*[',
  'NULL',
  'undefined',
  '__proto__',
  'constructor',
];

const UNICODE = ['é', 'Hôpital', '🏥', '\u202egnp.exe', 'e\u0301', 'İstanbul', 'ß', '\uFEFF', '\u2028', '中文', 'ﷺ', '\u{10FFFF}', '\u{1F9D1}\u200D\u{1F91D}\u200D\u{1F9D1}'];

const MODIFIERS = ['exact', 'contains', 'missing', 'text', 'not', 'in', 'not-in', 'below', 'above', 'of-type', 'identifier', 'iterate', 'recurse', 'Organization', 'Location', 'Foo', '', 'EXACT', 'missing:missing', '..'];
const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'zz', 'EQ', ''];
const SPECIALS = ['_id', '_lastUpdated', '_count', '_sort', '_total', '_summary', '_elements', '_include', '_revinclude', '_type', '_text', '_content', '_list', '_filter', '_query', '_contained', '_containedType', '_cursor', '_format', '_pretty', '_profile', '_tag', '_security', '_source', '_score', '_has'];
const GARBAGE_TYPES = ['organization', 'Foo', '', '..', '%2e%2e', '$meta', '_history', 'metadata', 'Resource', 'DomainResource', 'Bundle', '__proto__', 'constructor', 'Organization%00', 'ORGANIZATION'];
const CONTENT_TYPES = [
  'application/fhir+json',
  'application/json',
  'application/fhir+json; charset=utf-8',
  'application/fhir+json; charset=latin1',
  'application/fhir+xml',
  'text/xml',
  'text/plain',
  'text/csv',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json-patch+json',
  'application/octet-stream',
  '',
  ';;;',
  'application/json; charset=utf-16',
  'application/json; charset=x-unknown',
];

export interface Credentials {
  /** Values of an Authorization header. */
  authorizations: string[];
  cookies: string[];
}

/** Forged and broken credentials: random bearer tokens, `alg: none`, expired tokens signed by unknown keys, bad Basic. */
export async function forgedCredentials(): Promise<Credentials> {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'attacker', scope: 'system/*.write', role: 'admin', finess: ['750000001'] };
  const none = new UnsecuredJWT(claims).setIssuedAt(now - 60).setExpirationTime(now + 3600).setIssuer('https://idp.example').encode();
  const hsKey = new TextEncoder().encode('not-the-servers-secret-not-the-servers-secret');
  const expiredHs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(hsKey);
  const validHs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(now).setExpirationTime(now + 3600).sign(hsKey);
  const { privateKey } = await generateKeyPair('ES256');
  const expiredEs = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'unknown' }).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(privateKey);
  const futureEs = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);
  const [h, p] = futureEs.split('.');
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  return {
    authorizations: [
      `Bearer ${none}`,
      `Bearer ${expiredHs}`,
      `Bearer ${validHs}`,
      `Bearer ${expiredEs}`,
      `Bearer ${futureEs}`,
      `Bearer ${h}.${p}.`,
      `Bearer ${b64('{"alg":"none"}')}.${b64(JSON.stringify(claims))}.`,
      `Bearer ${b64('{"alg":"HS256","kid":"../../../../dev/null"}')}.${b64('{}')}.AAAA`,
      `Bearer ${b64('{"alg":"RS256","jku":"http://127.0.0.1:1/jwks"}')}.${b64('{}')}.AAAA`,
      `Bearer ${b64('not json')}.${b64('[]')}.x`,
      'Bearer ',
      'Bearer',
      'Bearer a.b',
      'Bearer ....',
      `Bearer ${'A'.repeat(8000)}`,
      'bearer lowercase',
      'Basic ',
      'Basic !!!not-base64!!!',
      `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      `Basic ${Buffer.from('no-colon').toString('base64')}`,
      `Basic ${Buffer.from(':').toString('base64')}`,
      `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x00]).toString('base64')}`,
      'Digest username="x"',
      'Negotiate YIIB',
      'DPoP xyz',
      '\u00e9\u00e9',
    ],
    cookies: [
      'ror_session=garbage',
      'ror_session=',
      `ror_session=${'x'.repeat(4000)}`,
      'ror_session=a.b.c; ror_csrf=d',
      `ror_session=${b64(JSON.stringify({ sub: 'admin', role: 'admin' }))}`,
      '=; ; ;=;',
      'a=%ZZ; b=%00',
      '__Host-ror_session=1; __Secure-x=2',
      `session=${encodeURIComponent(none)}`,
    ],
  };
}

/** Percent-encodes a string; lone surrogates (which encodeURIComponent refuses) become invalid UTF-8 bytes. */
function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) out += `%ED%${(0xa0 + ((c >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 + (c & 0x3f)).toString(16).toUpperCase()}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}

export class HostileGenerator {
  constructor(
    private readonly rng: Rng,
    private readonly vocab: Vocabulary,
    private readonly creds: Credentials,
    /** Largest body the server accepts (bodies are generated around it). */
    private readonly maxBody: number,
  ) {}

  private get types(): string[] {
    return Object.keys(this.vocab.params);
  }

  private type(): string {
    return this.rng.chance(0.9) ? this.rng.pick(this.types) : this.rng.pick(GARBAGE_TYPES);
  }

  private id(type: string): string {
    const r = this.rng;
    if (r.chance(0.4) && Object.hasOwn(this.vocab.ids, type) && this.vocab.ids[type].length) return enc(r.pick(this.vocab.ids[type]));
    return r.pick([
      () => '..%2F..%2Fetc%2Fpasswd',
      () => '%2e%2e',
      () => '..',
      () => '.',
      () => '%2e%2e%2f%2e%2e',
      () => 'a%00b',
      () => '%00',
      () => '%',
      () => '%zz',
      () => '%c3%28',
      () => '%ff%fe',
      () => enc('x'.repeat(r.int(300))),
      () => enc(r.pick(INJECTIONS)),
      () => enc(r.pick(UNICODE)),
      () => '%ED%A0%80',
      () => 'a'.repeat(64),
      () => 'a'.repeat(65),
      () => enc('id with space'),
      () => '..;',
      () => 'x#frag',
    ])();
  }

  private scalar(): string {
    const r = this.rng;
    return r.pick([
      () => `${r.pick(PREFIXES)}${r.pick(['2020', '2020-01', '2020-01-01', '2020-01-01T10:00:00Z', '2020-13-45', '99999-01-01', '0000-00-00', '2020-02-30T25:61:61+99:00', '-1', '1e400'])}`,
      () => `${r.pick(PREFIXES)}${r.pick(['1', '0', '-0', '1e308', '1e-400', 'NaN', 'Infinity', '0x10', '9'.repeat(400), '1.', '.5', '1,5', '  2 '])}`,
      () => `${r.pick(['', 'http://finess.sante.gouv.fr', 'TRE_R330', 'urn:oid:1.2', r.pick(INJECTIONS)])}|${r.pick(['', '750000001', 'x', r.pick(INJECTIONS)])}`,
      () => r.pick(['Organization/1', 'Location/', '/Organization/1', 'http://fhir.test/Organization/x', 'http://other/Organization/1|2', 'Organization/../../x', 'urn:uuid:1', 'Foo/1', 'Organization/1/_history/2']),
      () => `${r.pick(['5', 'ap5', 'x'])}|${r.pick(['', 'http://unitsofmeasure.org', '|||'])}|${r.pick(['mg', '', '$'])}`,
      () => r.pick(['48.8|2.3|10|km', '91|0', '1|1|1|parsec', '0|0|-5', '48|2|1e308|km', '|||', 'NaN|NaN']),
      () => r.pick(['a$b', '$$$$', 'x$', '$', 'a\\$b$c']),
      () => r.pick(INJECTIONS),
      () => r.pick(UNICODE),
      () => String.fromCharCode(0xd800 + r.int(0x800)),
      () => 'a'.repeat(r.int(6000)),
      () => '',
      () => r.pick(['\\,', '\\', '\\|', 'a\\\\,b', ',,,', ',', '|']),
      () => r.pick(['true', 'false', 'TRUE', '1']),
      () => r.pick(['json', 'xml', 'application/fhir+xml', 'text/html', 'ttl']),
      () => r.pick(['count', 'text', 'data', 'true', 'false', 'none', 'estimate', 'accurate', 'x']),
      () => r.pick(['Organization:partof', 'Location:organization', '*', 'Organization:*', 'Location:organization:Organization', 'Foo:bar', ':', 'Organization:name']),
      () => String(r.int(2000)),
    ])();
  }

  private value(): string {
    const n = this.rng.chance(0.2) ? 1 + this.rng.int(this.rng.chance(0.1) ? 700 : 8) : 1;
    return Array.from({ length: n }, () => this.scalar()).join(',');
  }

  private paramName(type: string): string {
    const r = this.rng;
    const codes = Object.hasOwn(this.vocab.params, type) ? this.vocab.params[type] : this.vocab.params[r.pick(this.types)];
    const base = r.chance(0.7) && codes.length ? r.pick(codes) : r.chance(0.7) ? r.pick(SPECIALS) : r.pick([...INJECTIONS, ...UNICODE, 'x'.repeat(r.int(500))]);
    let name = base;
    if (base === '_has' || r.chance(0.05)) {
      const depth = 1 + r.int(8);
      name = Array.from({ length: depth }, () => `_has:${r.pick([...this.types, 'Foo'])}:${r.pick(['organization', 'location', 'partof', 'subject', 'x'])}`).join(':') + `:${r.pick([...codes, '_id', 'name'])}`;
    } else if (r.chance(0.1)) {
      const depth = 1 + r.int(9);
      name = Array.from({ length: depth }, () => r.pick(['organization', 'partof', 'location', 'endpoint', 'managingOrganization', 'name', '_id', 'x'])).join('.');
      if (r.chance(0.3)) name = name.replace('.', `:${r.pick(['Organization', 'Location', 'Foo'])}.`);
    }
    if (r.chance(0.3)) name += `:${r.pick(MODIFIERS)}`;
    return name;
  }

  private query(type: string): string {
    const r = this.rng;
    const count = r.chance(0.05) ? 90 + r.int(40) : 1 + r.int(5);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = this.paramName(type);
      const value = this.value();
      let part = `${enc(name)}=${enc(value)}`;
      if (r.chance(0.05)) part = `${name}=${value}`.replace(/[^!-~]|#/gu, (c) => enc(c)); // unencoded , | $ : &
      if (r.chance(0.04)) part += r.pick(['%', '%z', '%c3%28', '%ff', '%00', '%2', '%ED%A0%80']);
      parts.push(part);
    }
    if (r.chance(0.05)) parts.push(r.pick(['', '=', '&&', '==', 'a', '=x']));
    return parts.join('&');
  }

  private jsonBody(): Buffer {
    const r = this.rng;
    const type = this.type();
    const make = r.pick([
      () => JSON.stringify({ resourceType: type, id: r.chance(0.5) ? undefined : r.pick(INJECTIONS), name: this.scalar() }),
      () => JSON.stringify({ resourceType: 'Organization', name: 'Hôpital', identifier: [{ system: 'http://finess.sante.gouv.fr', value: '750000001' }] }),
      () => JSON.stringify({ resourceType: 'Location', name: 'x', managingOrganization: { reference: r.pick(['Organization/1', '../../x', 'urn:uuid:zz']) }, position: { latitude: 1e308, longitude: -1e308 } }),
      () => JSON.stringify({ resourceType: 'Organization', __proto__: { admin: true }, constructor: { prototype: { polluted: 1 } } }).replace('"resourceType"', '"__proto__":{"polluted":true},"resourceType"'),
      () => JSON.stringify({ resourceType: 'Organization', extension: Array.from({ length: r.int(3000) }, () => ({ url: 'http://x', valueString: 'y' })) }),
      () => '['.repeat(1 + r.int(200_000)),
      () => `${'{"a":'.repeat(1 + r.int(50_000))}1${'}'.repeat(r.int(50_000))}`,
      () => {
        const levels = 50 + r.int(60_000);
        return `{"resourceType":"Organization","extension":[${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}]}`;
      },
      () => '{"resourceType":"Organization","name":"\\ud800"}',
      () => '{"resourceType": "Organization", "name": "x",}',
      () => '{"resourceType": "Organization", "name": "x"} trailing',
      () => '',
      () => 'null',
      () => '[]',
      () => '"string"',
      () => '1e999999',
      () => JSON.stringify({ resourceType: 'Organization', name: 'x'.repeat(this.maxBody + r.int(1000)) }),
      () => JSON.stringify({ resourceType: 'Bundle', type: r.pick(['transaction', 'batch', 'collection', 'x']), entry: this.bundleEntries() }),
      () => JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: r.pick(['add', 'replace', 'delete', 'insert', 'move', 'x']) }, { name: 'path', valueString: r.pick(INJECTIONS) }, { name: 'name', valueString: 'x' }, { name: 'value', valueString: this.scalar() }] }] }),
      () => JSON.stringify([{ op: r.pick(['add', 'replace', 'remove', 'move', 'copy', 'test', 'x']), path: r.pick(['/name', '/id', '/resourceType', '/meta/versionId', '/__proto__/x', '/constructor/prototype/x', '', '/a/-/b', '~2']), value: this.scalar(), from: '/name' }]),
      () => `resourceType,name\n${this.scalar()}\n`,
      () => this.query('Organization'),
    ]);
    let text = make();
    if (r.chance(0.03)) text = '\uFEFF' + text;
    const buf = Buffer.from(text, 'utf8');
    if (r.chance(0.1)) {
      // invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong encoding, a surrogate
      const bad = r.pick([[0x80], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff, 0xfe], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
      const at = r.int(buf.length + 1);
      return Buffer.concat([buf.subarray(0, at), Buffer.from(bad), buf.subarray(at)]);
    }
    return buf;
  }

  private bundleEntries(): unknown[] {
    const r = this.rng;
    return Array.from({ length: r.int(6) }, () => ({
      fullUrl: r.pick(['urn:uuid:11111111-2222-4333-8444-555555555555', 'urn:uuid:x', 'Organization/1', undefined]),
      resource: r.chance(0.8) ? { resourceType: r.pick(['Organization', 'Location', 'Foo']), name: this.scalar() } : undefined,
      request: r.chance(0.9)
        ? { method: r.pick(['POST', 'PUT', 'DELETE', 'GET', 'PATCH', 'HEAD', 'X']), url: `${this.type()}${r.chance(0.5) ? `/${decodeSafe(this.id('Organization'))}` : ''}${r.chance(0.3) ? `?${this.query('Organization')}` : ''}`, ifNoneExist: r.chance(0.2) ? this.query('Organization') : undefined, ifMatch: r.chance(0.2) ? 'W/"1"' : undefined }
        : undefined,
    }));
  }

  private headers(): Record<string, string> {
    const r = this.rng;
    const h: Record<string, string> = {};
    if (r.chance(0.35)) h.authorization = r.pick(this.creds.authorizations);
    if (r.chance(0.15)) h.cookie = r.pick(this.creds.cookies);
    if (r.chance(0.2)) h.accept = r.pick(['application/fhir+json', 'application/fhir+xml', 'text/html', '*/*', 'application/json;q=0', ';;', 'application/*', 'x'.repeat(200)]);
    if (r.chance(0.1)) h['if-match'] = r.pick(['W/"1"', '"1"', 'W/"x"', '*', '', 'W/"99999999999999999999"', r.pick(INJECTIONS)]);
    if (r.chance(0.1)) h['if-none-match'] = r.pick(['W/"1"', '*', 'garbage']);
    if (r.chance(0.1)) h['if-none-exist'] = r.pick([this.query('Organization'), '', '%', r.pick(INJECTIONS)]);
    if (r.chance(0.1)) h['if-modified-since'] = r.pick(['Tue, 01 Jan 2030 00:00:00 GMT', 'yesterday', '', '0']);
    if (r.chance(0.1)) h.prefer = r.pick(['return=minimal', 'return=OperationOutcome', 'handling=strict', 'respond-async', 'return=', ';;;', 'handling=lenient, return=representation']);
    if (r.chance(0.05)) h['x-forwarded-for'] = r.pick(['1.2.3.4', '::1', 'garbage, 999.999.1.1']);
    if (r.chance(0.05)) h['x-request-id'] = r.pick(['abc', 'x'.repeat(2000), '\u00e9']);
    if (r.chance(0.03)) h.origin = r.pick(['https://evil.example.com', 'null', '']);
    return h;
  }

  /** One request of the run. */
  next(): HostileRequest {
    const r = this.rng;
    const headers = this.headers();
    const roll = r.next();
    if (roll < 0.4) {
      const type = this.type();
      return { kind: 'search', method: r.chance(0.9) ? 'GET' : 'HEAD', path: `/${r.chance(0.05) ? '' : type}?${this.query(type)}`, headers };
    }
    if (roll < 0.45) {
      const type = this.type();
      const body = Buffer.from(this.query(type));
      return { kind: 'search-form', method: 'POST', path: `/${type}/_search${r.chance(0.3) ? `?${this.query(type)}` : ''}`, headers: { ...headers, 'content-type': r.chance(0.8) ? 'application/x-www-form-urlencoded' : r.pick(CONTENT_TYPES) }, body };
    }
    if (roll < 0.6) {
      const type = this.type();
      const id = this.id(type);
      const tail = r.pick(['', '', `/_history`, `/_history/${r.pick(['1', '0', '-1', 'x', '99999999999999999999', '%00', '..'])}`, '/$capacity-history', '/$validate', `/${this.id(type)}`, '/_history?_count=5&_since=' + enc(this.scalar())]);
      return { kind: 'read', method: r.pick(['GET', 'GET', 'HEAD']), path: `/${type}/${id}${tail}`, headers };
    }
    if (roll < 0.85) {
      const method = r.pick(['POST', 'PUT', 'PATCH', 'DELETE', 'POST', 'PUT']);
      const type = this.type();
      const path = method === 'POST' ? (r.chance(0.2) ? '/' : `/${type}`) : `/${type}/${r.chance(0.2) ? '' : this.id(type)}${r.chance(0.1) ? `?${this.query(type)}` : ''}`;
      const body = method === 'DELETE' && r.chance(0.7) ? undefined : this.jsonBody();
      const contentType = r.chance(0.75) ? (method === 'PATCH' ? r.pick(['application/json-patch+json', 'application/fhir+json']) : 'application/fhir+json') : r.pick(CONTENT_TYPES);
      return { kind: 'write', method, path, headers: body ? { ...headers, 'content-type': contentType } : headers, body };
    }
    if (roll < 0.93) {
      const op = r.pick(['$validate', '$set-capacity', '$capacity-import', '$capacity-history', '$sync-runs', '$everything', '$meta', '$', '$' + 'x'.repeat(100), '$validate/x']);
      const where = r.pick([`/${op}`, `/${this.type()}/${op}`, `/${this.type()}/${this.id('Organization')}/${op}`]);
      const post = r.chance(0.6);
      const body = post ? this.jsonBody() : undefined;
      return { kind: 'operation', method: post ? 'POST' : 'GET', path: `${where}${r.chance(0.5) ? `?${this.query('HealthcareService')}` : ''}`, headers: body ? { ...headers, 'content-type': r.chance(0.7) ? r.pick(['application/fhir+json', 'text/csv']) : r.pick(CONTENT_TYPES) } : headers, body };
    }
    if (roll < 0.96) {
      const path = r.pick(['/auth/token', '/auth/login', '/auth/callback', '/auth/saml/acs', '/auth/oidc/callback', '/auth', '/auth/../Organization', '/ui/', '/ui/../../etc/passwd', '/.well-known/smart-configuration', '/.well-known/openid-configuration']);
      const body = r.chance(0.5) ? Buffer.from(r.pick(['grant_type=client_credentials&client_id=x&client_secret=' + enc(r.pick(INJECTIONS)), 'grant_type=password&username=admin&password=admin', 'SAMLResponse=' + 'A'.repeat(r.int(5000)), 'code=x&state=y', '%%%'])) : undefined;
      return { kind: 'auth', method: body ? 'POST' : 'GET', path: `${path}${r.chance(0.3) ? `?${this.query('Organization')}` : ''}`, headers: body ? { ...headers, 'content-type': 'application/x-www-form-urlencoded' } : headers, body };
    }
    // odd methods and paths
    return {
      kind: 'odd',
      method: r.pick(['OPTIONS', 'TRACE', 'PROPFIND', 'GET', 'MERGE', 'SEARCH']),
      path: r.pick(['/', '/metadata', '/_history', '//Organization', '/Organization//x', '/Organization/x/_history/1/extra', '/%2F', '/Organization%2Fx', '/healthz', '/readyz', '/metadata?_format=xml', '/metadata?mode=' + enc(this.scalar())]),
      headers,
    };
  }
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Byte streams no HTTP client library sends: for a raw socket. */
export function rawCases(rng: Rng, n: number): { kind: string; bytes: Buffer }[] {
  const makers: (() => { kind: string; bytes: Buffer })[] = [
    () => ({ kind: 'raw: non-ASCII URL', bytes: Buffer.concat([Buffer.from('GET /Organization?name='), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]) }),
    () => ({ kind: 'raw: UTF-8 path', bytes: Buffer.from('GET /Organization/hôpital HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'utf8') }),
    () => ({ kind: 'raw: NUL in path', bytes: Buffer.from('GET /Organization/a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1') }),
    () => ({ kind: 'raw: huge header', bytes: Buffer.from(`GET /metadata HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(17_000 + rng.int(30_000))}\r\nConnection: close\r\n\r\n`) }),
    () => ({ kind: 'raw: many headers', bytes: Buffer.from(`GET /metadata HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 + rng.int(2000) }, (_, i) => `X-${i}: y\r\n`).join('')}Connection: close\r\n\r\n`) }),
    () => ({ kind: 'raw: huge URL', bytes: Buffer.from(`GET /Organization?name=${'a'.repeat(9000 + rng.int(20_000))} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`) }),
    () => ({ kind: 'raw: bad method', bytes: Buffer.from('G\u00e9T / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1') }),
    () => ({ kind: 'raw: HTTP/1.0 no host', bytes: Buffer.from('GET /metadata HTTP/1.0\r\n\r\n') }),
    () => ({ kind: 'raw: HTTP/9', bytes: Buffer.from('GET /metadata HTTP/9.9\r\nHost: x\r\n\r\n') }),
    () => ({ kind: 'raw: garbage', bytes: Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256))) }),
    () => ({ kind: 'raw: CL and TE', bytes: Buffer.from('POST /Organization HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n') }),
    () => ({ kind: 'raw: bad chunk', bytes: Buffer.from('POST /Organization HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n') }),
    () => ({ kind: 'raw: short body', bytes: Buffer.from('POST /Organization HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 1000\r\n\r\n{"resourceType":') }),
    () => ({ kind: 'raw: negative length', bytes: Buffer.from('POST /Organization HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n') }),
    () => ({ kind: 'raw: two lengths', bytes: Buffer.from('POST /Organization HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}') }),
    () => ({ kind: 'raw: header injection', bytes: Buffer.from('GET /metadata HTTP/1.1\r\nHost: x\r\nX-A: b\rX-B: c\r\nConnection: close\r\n\r\n') }),
    () => ({ kind: 'raw: obs-fold', bytes: Buffer.from('GET /metadata HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\nConnection: close\r\n\r\n') }),
    () => ({ kind: 'raw: absolute URI', bytes: Buffer.from('GET http://evil.example/Organization HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') }),
    // node closes a CONNECT it has no listener for: this server is no proxy
    () => ({ kind: 'raw: CONNECT', bytes: Buffer.from('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n') }),
    () => ({ kind: 'raw: asterisk', bytes: Buffer.from('OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') }),
    () => ({ kind: 'raw: pipelined', bytes: Buffer.from('GET /metadata HTTP/1.1\r\nHost: x\r\n\r\nGET /Organization/%2e%2e HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n') }),
    () => ({ kind: 'raw: invalid UTF-8 JSON', bytes: Buffer.concat([Buffer.from('PUT /Organization/u HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 40\r\nConnection: close\r\n\r\n'), Buffer.from('{"resourceType":"Organization","name":"'), Buffer.from([0xc3])]) }),
  ];
  return Array.from({ length: n }, () => rng.pick(makers)());
}
