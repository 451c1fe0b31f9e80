/**
 * A local OpenID provider for the OpenID Connect sign-in tests (oidc-provider, which is ES modules only, so it runs
 * in its own process): listens on an ephemeral port of 127.0.0.1 and prints `{"issuer": "..."}` on its first line.
 *
 * Configured from the environment: OIDC_TEST_REDIRECT_URI and OIDC_TEST_POST_LOGOUT_URI (the relying party's URLs),
 * OIDC_TEST_CLIENT_SECRET (client `ror-test`, client_secret_basic), OIDC_TEST_CLIENT_JWK (the public key of client
 * `ror-pkjwt`, private_key_jwt). Accounts are fixed (ACCOUNTS below).
 *
 * No UI: the provider sends the browser to `/interaction/<uid>`; a test signs a person in by posting
 * `login=<account>` (and optionally `acr=...`) to `/interaction/<uid>/login`, or refuses with
 * `/interaction/<uid>/abort`. Consent is granted by `loadExistingGrant` (the provider's recipe for first-party
 * clients). `POST /_test/tamper` with mode `signature`, `audience`, `issuer`, `nonce`, `expired` or `none` makes the token
 * endpoint return an ID token whose signature no longer matches, or one properly signed but for another audience,
 * from another issuer, with another nonce or expired, until set back to `none`.
 */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';
import { URL, URLSearchParams } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, decodeProtectedHeader } from 'jose';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  alice: { name: 'Alice Martin', email: 'alice@example.org', role: 'establishment', finess: ['750712184'], access_profile: 3 },
  bob: { given_name: 'Bob', family_name: 'Durand', email: 'bob@example.org' },
  carol: { given_name: 'Carol', family_name: 'Petit', role: 'ROR_ANALYSTE', access_profile: 4 },
  dave: { name: 'Dave Bad', role: 'establishment', finess: ['not-a-finess'] },
};

const env = process.env;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };
let tamper = 'none';

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const clients = [
  {
    client_id: 'ror-test',
    client_secret: env.OIDC_TEST_CLIENT_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [env.OIDC_TEST_REDIRECT_URI],
    post_logout_redirect_uris: [env.OIDC_TEST_POST_LOGOUT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  },
];
if (env.OIDC_TEST_CLIENT_JWK) {
  clients.push({
    client_id: 'ror-pkjwt',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [JSON.parse(env.OIDC_TEST_CLIENT_JWK)] },
    redirect_uris: [env.OIDC_TEST_REDIRECT_URI],
    post_logout_redirect_uris: [env.OIDC_TEST_POST_LOGOUT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
}

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-provider-cookie-key'] },
  acrValues: ['eidas1', 'low'],
  claims: {
    acr: null,
    auth_time: null,
    sid: null,
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'role', 'finess', 'access_profile'],
    email: ['email'],
  },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    if (!ctx.oidc.session.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});

// Rewrites the ID token of token responses while a tampering mode is on: `signature` changes the payload under the
// provider's signature; the others sign, with the provider's own key, a token that differs in one claim.
const RESIGNED = {
  audience: () => ({ aud: 'another-client' }),
  issuer: () => ({ iss: 'https://another-issuer.example' }),
  nonce: () => ({ nonce: 'a-nonce-this-browser-never-sent' }),
  expired: () => ({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
};
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || tamper === 'none' || !ctx.body?.id_token) return;
  const [header, payload, signature] = ctx.body.id_token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  if (tamper === 'signature') {
    claims.sub = 'mallory';
    ctx.body = { ...ctx.body, id_token: `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}` };
  } else if (RESIGNED[tamper]) {
    const { alg, kid } = decodeProtectedHeader(ctx.body.id_token);
    const id_token = await new SignJWT({ ...claims, ...RESIGNED[tamper]() }).setProtectedHeader({ alg, kid }).sign(privateKey);
    ctx.body = { ...ctx.body, id_token };
  }
});

const callback = provider.callback();

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const interaction = /^\/interaction\/([^/]+)(\/login|\/abort)?$/.exec(url.pathname);
    if (url.pathname === '/_test/tamper' && req.method === 'POST') {
      tamper = (await readForm(req)).get('mode') ?? 'none';
      res.writeHead(204).end();
    } else if (interaction && !interaction[2] && req.method === 'GET') {
      const details = await provider.interactionDetails(req, res);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form method="post" action="/interaction/${details.uid}/login"><input name="login"><button>Sign in</button></form>`);
    } else if (interaction?.[2] === '/login' && req.method === 'POST') {
      const form = await readForm(req);
      const accountId = form.get('login');
      if (!ACCOUNTS[accountId]) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('unknown account');
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId, acr: form.get('acr') ?? 'eidas1' } }, { mergeWithLastSubmission: false });
    } else if (interaction?.[2] === '/abort' && req.method === 'GET') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the person declined to sign in' }, { mergeWithLastSubmission: false });
    } else {
      callback(req, res);
    }
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err?.message ?? err));
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
