import pino from 'pino';

/** Structured JSON logs on stdout (pipe through `pino-pretty` to read them by eye). */
export function createLogger(level: string): pino.Logger {
  return pino({ level, base: { service: 'ror-fhir-server' }, timestamp: pino.stdTimeFunctions.isoTime });
}
export type Logger = pino.Logger;
