/**
 * The real server, composed as src/main.ts composes it (composeServer, hardening included), with a configuration
 * the test chooses (testServer in test/helpers/app.ts keeps the defaults of loadConfig), listening on an
 * ephemeral port of the loopback for the tests that need a real socket.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig, type Config } from '../../../src/config';
import { composeServer, type ComposedServer, type ServerSettings } from '../../../src/main';
import { tempDir } from '../../helpers/tmp';

export const BASE = 'http://fhir.test';

export type ConfigOverrides = Partial<Omit<Config, 'search'>> & { search?: Partial<Config['search']> };

/**
 * `env` is read as the server reads the environment; `overrides` are applied on top of it. Requests without a
 * credential run as a test administrator unless `settings` says otherwise (the hostile run meets the real
 * security: `{ unauthenticatedActor: undefined }`).
 */
export function hardenedServer(
  overrides: ConfigOverrides = {},
  settings: Partial<Omit<ServerSettings, 'config' | 'logger'>> = {},
  env: Record<string, string> = {},
): ComposedServer {
  const base = loadConfig(env);
  const config: Config = {
    ...base,
    dataDir: tempDir(),
    baseUrl: BASE,
    maxBodyBytes: 1024 * 1024,
    demoData: false,
    ...overrides,
    search: { ...base.search, ...overrides.search },
  };
  const testAdmin = { unauthenticatedActor: { kind: 'admin', name: 'test' } as const, auditWrites: false };
  return composeServer({ background: false, ...testAdmin, ...settings, config, logger: pino({ level: 'silent' }) });
}

export interface Listening {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

/** Serves `app` on 127.0.0.1, on a port the system picks. */
export async function listen(app: http.RequestListener): Promise<Listening> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `text` on a fresh connection and reads until the server closes it (or 10 s pass). */
export function rawExchange(port: number, text: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => (chunks.length ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(text);
  });
}
