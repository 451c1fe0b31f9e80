/**
 * The response the floor servers send: the stored bytes and headers of one Organization as the FHIR server served
 * them, handed over in the JSON file named by BENCH_PAYLOAD_FILE.
 */
import fs from 'node:fs';

export interface FloorPayload {
  body: string;
  contentType: string;
  etag: string;
  lastModified: string;
}

export function loadPayload(): { body: Buffer; headers: [string, string][] } {
  const file = process.env.BENCH_PAYLOAD_FILE;
  if (!file) throw new Error('BENCH_PAYLOAD_FILE is not set');
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as FloorPayload;
  const body = Buffer.from(p.body, 'utf8');
  return {
    body,
    headers: [
      ['Content-Type', p.contentType],
      ['ETag', p.etag],
      ['Last-Modified', p.lastModified],
      ['Content-Length', String(body.length)],
    ],
  };
}

export function listenAndStopOnSigterm(server: import('node:http').Server): void {
  const port = Number(process.env.PORT ?? 0);
  server.keepAliveTimeout = 65_000;
  server.listen(port, process.env.HOST ?? '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
