/**
 * Baseline "framework floor": a bare Express 5 app (the project's own express) with one route answering the
 * stored bytes of an Organization with the FHIR server's headers. No logging, no body parsing, no store.
 */
import http from 'node:http';
import express from 'express';
import { listenAndStopOnSigterm, loadPayload } from './payload';

const { body, headers } = loadPayload();
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.set('query parser', false);
app.get('/Organization/:id', (_req, res) => {
  res.statusCode = 200;
  for (const [k, v] of headers) res.setHeader(k, v);
  res.end(body);
});
app.get('/healthz', (_req, res) => {
  res.end('ok');
});
listenAndStopOnSigterm(http.createServer(app));
