/**
 * Baseline "physical limit": node:http alone answering the stored bytes of an Organization with the FHIR server's
 * headers, for any GET. What one Node process can serve on this machine before any framework or work.
 */
import http from 'node:http';
import { listenAndStopOnSigterm, loadPayload } from './payload';

const { body, headers } = loadPayload();
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.end('ok');
    return;
  }
  res.statusCode = 200;
  for (const [k, v] of headers) res.setHeader(k, v);
  res.end(body);
});
listenAndStopOnSigterm(server);
