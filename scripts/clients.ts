/**
 * `npm run clients` — the API clients of the built-in token endpoint, and its signing key, in the store selected
 * by the environment (ROR_DATA_DIR):
 *
 *   npm run clients -- add <clientId> --role <consumer|establishment|analyst|admin> [--finess <F>]… [--access-profile <0-5>]
 *                          [--jwks <path|url>] [--mtls-subject <DN>] [--scope <s>]… [--label <text>]
 *   npm run clients -- list
 *   npm run clients -- revoke <clientId>
 *   npm run clients -- rotate-secret <clientId>
 *   npm run clients -- rotate-key
 *
 * `add` prints the client's secret once (only its hash is kept); a client registered with its keys (--jwks) or its
 * certificate (--mtls-subject) gets none. Clients are not FHIR resources: these changes are made to the store's
 * AuthStore directly, by the operator acting as `admin:cli`, and each one is printed with who made it and when.
 * Exit status: 0 done, 1 refused (the message says why).
 */
import fs from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../src/config';
import { composeKernel } from '../src/main';
import { describeActor, type Actor } from '../src/kernel/actor';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import type { ApiClient, AuthStore } from '../src/store/auth';
import { ClientAdminError, registerClient, revokeClient, rotateClientSecret, type NewClient } from '../src/security/clients/admin';
import { allowedScopes } from '../src/security/clients/token-endpoint';
import { SigningKeys } from '../src/security/clients/keys';
import { loadTokenConfig } from '../src/security/clients/config';
import { optionValue } from './lib/cli-args';

const USAGE = `usage: npm run clients -- <command>
  add <clientId> --role <consumer|establishment|analyst|admin> [--finess <FINESS>]... [--access-profile <0-5>]
      [--jwks <path|url>] [--mtls-subject <DN>] [--scope <scope>]... [--label <text>]
  list
  revoke <clientId>
  rotate-secret <clientId>
  rotate-key`;

const ACTOR: Actor = { kind: 'admin', name: 'cli' };

class UsageError extends Error {}

/** Who made the change, for the record the output is: the CLI's actor and the operating-system account. */
function who(): string {
  let account = '';
  try {
    account = ` (system user ${os.userInfo().username})`;
  } catch {
    // no account name on this system
  }
  return `${describeActor(ACTOR)}${account}`;
}

function parseAdd(argv: string[]): NewClient {
  const [clientId, ...rest] = argv;
  if (!clientId || clientId.startsWith('--')) throw new UsageError('add needs a client id');
  const input: NewClient = { clientId, role: '' };
  const value = (i: number) => optionValue(rest, i, (message) => new UsageError(message));
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    switch (a) {
      case '--role': input.role = value(i++); break;
      case '--finess': (input.finess ??= []).push(value(i++)); break;
      case '--access-profile': {
        const v = value(i++);
        if (!/^[0-9]+$/.test(v)) throw new ClientAdminError(`--access-profile must be a whole number from 0 to 5, got '${v}'`);
        input.accessProfile = Number(v);
        break;
      }
      case '--jwks': {
        const v = value(i++);
        if (/^https?:\/\//i.test(v)) input.jwksUrl = v;
        else input.jwks = readJwks(v);
        break;
      }
      case '--mtls-subject': input.mtlsSubject = value(i++); break;
      case '--scope': (input.scopes ??= []).push(...value(i++).split(/\s+/).filter(Boolean)); break;
      case '--label': input.label = value(i++); break;
      default: throw new UsageError(`unknown argument ${a}`);
    }
  }
  if (!input.role) throw new UsageError('add needs --role');
  return input;
}

function readJwks(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ClientAdminError(`cannot read the JWKS file '${file}': ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ClientAdminError(`the JWKS file '${file}' is not JSON`);
  }
}

function oneId(argv: string[], command: string): string {
  if (argv.length !== 1 || argv[0].startsWith('--')) throw new UsageError(`${command} takes one client id`);
  return argv[0];
}

function authMethods(c: ApiClient): string {
  return [c.secretHash && 'secret', c.jwks && 'jwks', c.jwksUrl && `jwks-url ${c.jwksUrl}`, c.mtlsSubject && `mtls "${c.mtlsSubject}"`].filter(Boolean).join(', ') || 'none';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

async function run(command: string, argv: string[], auth: AuthStore, keys: () => SigningKeys): Promise<void> {
  switch (command) {
    case 'add': {
      const input = parseAdd(argv);
      const { client, secret } = await registerClient(auth, input);
      console.log(`${who()} added client '${client.clientId}' at ${client.createdAt}: role ${client.role}, access profile ${client.accessProfile}` +
        `${client.finess.length ? `, FINESS ${client.finess.join(' ')}` : ''}, scopes ${allowedScopes(client).join(' ')}, authenticates with ${authMethods(client)}`);
      if (secret) {
        console.log(`client secret: ${secret}`);
        console.log('Give it to the client now: it is shown only this once, the server keeps only its hash.');
      }
      return;
    }
    case 'list': {
      if (argv.length) throw new UsageError('list takes no argument');
      const clients = await auth.listClients();
      if (clients.length === 0) {
        console.log('no API client');
        return;
      }
      const rows = [['CLIENT', 'ROLE', 'PROFILE', 'FINESS', 'SCOPES', 'AUTHENTICATION', 'CREATED', 'REVOKED', 'LABEL']];
      for (const c of clients) {
        rows.push([c.clientId, c.role, String(c.accessProfile), c.finess.join(' ') || '-', allowedScopes(c).join(' '), authMethods(c), c.createdAt, c.revokedAt ?? '-', c.label ?? '']);
      }
      console.log(table(rows));
      return;
    }
    case 'revoke': {
      const client = await revokeClient(auth, oneId(argv, command));
      console.log(`${who()} revoked client '${client.clientId}' at ${client.revokedAt}: it gets no more tokens, and those it holds are refused within 30 s`);
      return;
    }
    case 'rotate-secret': {
      const { client, secret } = await rotateClientSecret(auth, oneId(argv, command));
      console.log(`${who()} gave client '${client.clientId}' a new secret at ${new Date().toISOString()}; the former one no longer works`);
      console.log(`client secret: ${secret}`);
      console.log('Give it to the client now: it is shown only this once, the server keeps only its hash.');
      return;
    }
    case 'rotate-key': {
      if (argv.length) throw new UsageError('rotate-key takes no argument');
      const signing = keys();
      const kid = await signing.rotate();
      console.log(`${who()} made signing key ${kid} (${signing.alg}) the current one at ${new Date().toISOString()}; ` +
        `the former keys verify the tokens they signed for ${Math.round(signing.retentionMs() / 1000)} s more`);
      return;
    }
    default:
      throw new UsageError(command ? `unknown command '${command}'` : 'give a command');
  }
}

async function main(): Promise<number> {
  const [command, ...argv] = process.argv.slice(2);
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  let config;
  let tokenConfig;
  try {
    config = loadConfig();
    tokenConfig = loadTokenConfig();
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
  // The store as the server opens it (its indexer comes from the kernel every process composes).
  const { kernel } = composeKernel();
  const store = new SqliteStore({ dataDir: config.dataDir }, kernel.indexer);
  try {
    await run(command, argv, store.auth, () => new SigningKeys(store.auth, { alg: tokenConfig.signingAlg, tokenTtlSeconds: tokenConfig.tokenTtlSeconds }));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) console.error(`${err.message}\n${USAGE}`);
    else if (err instanceof ClientAdminError) console.error(err.message);
    else console.error(err);
    return 1;
  } finally {
    await store.close();
  }
}

main().then((code) => process.exit(code));
