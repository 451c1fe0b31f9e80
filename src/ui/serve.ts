/**
 * Serves the web application (web/, built by scripts/build-ui.ts into dist/ui/) at `/ui`:
 * - `/ui/assets/*`: the bundles, style sheets and images, whose names carry a hash of their content, so browsers
 *   keep them a year without asking again (`immutable`); scripts and style sheets in the compression the browser
 *   accepts (brotli, gzip), compressed once by the build;
 * - every other `GET /ui/...`: the application's page (index.html, `no-cache`: always revalidated, so a new version
 *   reaches browsers at once), which routes the path itself (history API).
 * The server's security headers (src/http/hardening.ts: same-origin scripts and styles only, no framing) apply.
 * Without a build, `/ui` answers 503 and says how to build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

export const UI_PATH = '/ui';

/**
 * dist/ui of this installation, from the sources (src/ui) and from the compiled output (dist/src/ui) alike: the
 * nearest `dist/ui` above this file; when there is none (not built yet), the one beside the project's package.json.
 */
export function defaultUiDir(from = __dirname): string {
  let project: string | undefined;
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'dist', 'ui'))) return path.join(dir, 'dist', 'ui');
    if (!project && fs.existsSync(path.join(dir, 'package.json')) && path.basename(dir) !== 'dist') project = dir;
    if (path.dirname(dir) === dir) return path.join(project ?? path.resolve('.'), 'dist', 'ui');
  }
}

const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** A script or style sheet in the best compression the browser accepts that the build wrote, else next(). */
function precompressed(assets: string): express.RequestHandler {
  return (req, res, next) => {
    const type = req.path.endsWith('.js') ? 'text/javascript; charset=utf-8' : req.path.endsWith('.css') ? 'text/css; charset=utf-8' : undefined;
    if (!type || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const file = path.join(assets, path.normalize(req.path));
    if (!file.startsWith(assets + path.sep)) return next();
    res.vary('Accept-Encoding');
    const accepted = req.acceptsEncodings(ENCODINGS.map((e) => e.name));
    const encoding = ENCODINGS.find((e) => e.name === accepted && fs.existsSync(file + e.suffix));
    if (!encoding) return next();
    res.setHeader('Content-Encoding', encoding.name);
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.sendFile(file + encoding.suffix, answeredOr(res, next));
  };
}

/**
 * sendFile's outcome: a refusal of the request's own making (412 of an If-Match that names no version of this file,
 * 416 of a bad Range) is answered with its status, not handed on as a server error.
 */
function answeredOr(res: express.Response, next: express.NextFunction): (err?: Error) => void {
  return (err) => {
    if (!err) return;
    const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500 && !res.headersSent) res.status(status).end();
    else if (!res.headersSent) next(err);
  };
}

export function uiRouter(dir: string = defaultUiDir()): express.Router {
  // Strict: `/ui` and `/ui/` are different paths (the first redirects to the second).
  const router = express.Router({ strict: true });
  const assets = path.resolve(dir, 'assets');
  router.use(`${UI_PATH}/assets`, precompressed(assets));
  router.use(
    `${UI_PATH}/assets`,
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, etag: true }),
    // A missing asset (an old page asking for a chunk of a previous build) is a 404, never the page.
    (_req: express.Request, res: express.Response) => res.status(404).type('text/plain; charset=utf-8').send('No such asset: reload the page.\n'),
  );
  router.get(UI_PATH, (_req, res) => res.redirect(301, `${UI_PATH}/`));
  router.get(`${UI_PATH}/{*rest}`, (_req, res, next) => {
    const page = path.join(dir, 'index.html');
    if (!fs.existsSync(page)) {
      res.status(503).type('text/plain; charset=utf-8').send('The web application is not built: run `npm run build:ui` (npm ci and npm start do it).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(page, answeredOr(res, next));
  });
  // A newcomer who opens the server's address lands on the application.
  // A browser says it wants HTML; a client that names no type (curl, FHIR libraries) is left to the API.
  router.get('/', (req, res, next) => (/\btext\/html\b/.test(req.get('Accept') ?? '') ? res.redirect(302, `${UI_PATH}/`) : next()));
  return router;
}
