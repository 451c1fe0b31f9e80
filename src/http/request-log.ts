/**
 * One request id per request, carried by every log line of that request (`req.log`) and echoed in X-Request-Id;
 * one line per completed request with its status and duration. The per-request child logger is created only when
 * something logs through it, so the common path pays for one line, not for a logger.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const SAFE_ID = /^[A-Za-z0-9\-_.:]{1,64}$/;

export function requestLogger(logger: Logger, app: Express) {
  // `req.log` is a getter on this app's request prototype, so a request that logs nothing creates no logger.
  Object.defineProperty(app.request, 'log', {
    get(this: Request & { childLog?: Logger }) {
      return (this.childLog ??= logger.child({ reqId: this.id }));
    },
    configurable: true,
  });
  const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}-`;
  let counter = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && SAFE_ID.test(given) ? given : prefix + (++counter).toString(36);
    req.id = reqId;
    res.setHeader('X-Request-Id', reqId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info({ reqId, method: req.method, url: loggedUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
    });
    next();
  };
}

/** The URL as logged: the query of sign-in callbacks carries one-time codes and states, which logs must not keep. */
function loggedUrl(url: string): string {
  return url.startsWith('/auth/') && url.includes('?') ? `${url.slice(0, url.indexOf('?'))}?…` : url;
}
