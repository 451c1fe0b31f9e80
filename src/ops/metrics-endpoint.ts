/**
 * `GET /metrics`: the Prometheus exposition (./metrics.ts). Not public — it tells how busy the server is, what
 * fails and how far its queues lag. Served to:
 * - the addresses of ROR_METRICS_ALLOW (addresses or CIDR blocks, comma-separated; default loopback only,
 *   `127.0.0.0/8,::1`; `none`: no address is trusted). The address is the client's as Express sees it: behind a
 *   reverse proxy named in ROR_TRUSTED_PROXIES, the forwarded one. A request that carries forwarding headers while
 *   no proxy is trusted is not judged by its address at all (a local reverse proxy would otherwise make every
 *   client look like loopback);
 * - administrators, with any credential the server accepts (a token of an admin client, the bootstrap token, an
 *   administrator's session).
 * Mount it after authentication (res.locals.actor).
 */
import { BlockList, isIP } from 'node:net';
import { Router, type Request } from 'express';
import type { Env } from '../env';
import type { Actor } from '../kernel/actor';
import type { ServerMetrics } from './metrics';

export const METRICS_PATH = '/metrics';
const DEFAULT_ALLOW = '127.0.0.0/8,::1';

/** ROR_METRICS_ALLOW as a block list; throws, naming the variable, on an entry that is not an address or CIDR. */
export function metricsAllowList(env: Env): BlockList {
  const raw = env.ROR_METRICS_ALLOW?.trim() || DEFAULT_ALLOW;
  const list = new BlockList();
  if (raw === 'none') return list;
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^/]+)(?:\/([0-9]{1,3}))?$/.exec(entry);
    const family = m ? isIP(m[1]) : 0;
    const prefix = m?.[2] === undefined ? (family === 4 ? 32 : 128) : Number(m[2]);
    if (!m || family === 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`ROR_METRICS_ALLOW must list addresses or CIDR blocks (e.g. 127.0.0.0/8,10.0.0.0/8,::1), got '${entry}'`);
    }
    list.addSubnet(m[1], prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function isAdmin(actor: Actor | undefined): boolean {
  return actor?.kind === 'admin' || ((actor?.kind === 'client' || actor?.kind === 'user') && actor.role === 'admin');
}

function trustedAddress(req: Request, allow: BlockList): boolean {
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  const proxiesTrusted = typeof req.app.get('trust proxy') !== 'boolean' || req.app.get('trust proxy') === true;
  if (proxied && !proxiesTrusted) return false;
  const address = req.ip ?? '';
  const family = isIP(address);
  return family !== 0 && allow.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function metricsRouter(metrics: ServerMetrics, allow: BlockList): Router {
  const router = Router();
  router.get(METRICS_PATH, (req, res, next) => {
    const actor = res.locals.actor as Actor | undefined;
    if (!trustedAddress(req, allow) && !isAdmin(actor)) {
      const anonymous = actor === undefined || actor.kind === 'anonymous';
      res.status(anonymous ? 401 : 403).type('text/plain');
      if (anonymous) res.setHeader('WWW-Authenticate', 'Bearer realm="ror"');
      res.send('the metrics are served to the addresses of ROR_METRICS_ALLOW and to administrators\n');
      return;
    }
    metrics.exposition().then(({ contentType, body }) => {
      res.status(200).setHeader('Content-Type', contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    }, next);
  });
  return router;
}
