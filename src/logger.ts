import pino from 'pino';

/**
 * Structured JSON logs on stdout (pipe through `pino-pretty` to read them by eye). The destination writes
 * asynchronously (buffered), so the access-log line of a request costs no blocking write on the hot path; pino
 * flushes the buffer when the process exits, and `logger.flush()` does it on demand.
 */
export function createLogger(level: string): pino.Logger {
  return pino(
    { level, base: { service: 'ror-fhir-server' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: false, minLength: 0 }),
  );
}
export type Logger = pino.Logger;
