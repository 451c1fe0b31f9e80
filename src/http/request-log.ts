/**
 * One request id per request, carried by every log line of that request (`req.log`) and echoed in X-Request-Id;
 * one line per completed request with its status and duration.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const SAFE_ID = /^[A-Za-z0-9\-_.:]{1,64}$/;

export function requestLogger(logger: Logger) {
  const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}-`;
  let counter = 0;
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && SAFE_ID.test(given) ? given : prefix + (++counter).toString(36);
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      req.log.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
    });
    next();
  };
}
