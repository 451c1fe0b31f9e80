/**
 * `npm run build:ui` (run by `npm ci`'s prepare and by `npm start`): bundles the web application (web/) with
 * esbuild into dist/ui/, which the server serves at /ui (src/ui/serve.ts).
 * - one ES module entry (web/src/main.tsx) split per page (each page is a lazy import), so a page loads only its
 *   own code; names carry a content hash, so browsers may keep them a year;
 * - style sheets imported by the code (the application's, Leaflet's) bundled beside them;
 * - index.html from web/index.html with the entry's script and style links;
 * - each script and style sheet also compressed (`.br`, `.gz`), once here rather than on every request; the server
 *   sends the variant the browser accepts (src/ui/serve.ts);
 * - dist/ui/meta.json: esbuild's metafile, read by `npm run bench:ui` to weigh what each page ships.
 * Flags: --dev (no minification, inline source maps), --out=DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { build, type Metafile } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');
const WEB = path.join(ROOT, 'web');

export interface UiBuild {
  outDir: string;
  entryScript: string;
  entryStyles: string[];
  metafile: Metafile;
}

export async function buildUi(options: { outDir?: string; dev?: boolean } = {}): Promise<UiBuild> {
  const outDir = options.outDir ?? path.join(ROOT, 'dist', 'ui');
  const assets = path.join(outDir, 'assets');
  fs.rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(WEB, 'src', 'main.tsx')],
    outdir: assets,
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    publicPath: '/ui/assets',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.png': 'file', '.svg': 'file', '.woff2': 'file' },
    minify: !options.dev,
    sourcemap: options.dev ? 'inline' : 'linked',
    metafile: true,
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': JSON.stringify(options.dev ? 'development' : 'production') },
    logLevel: 'warning',
  });
  const entry = Object.entries(result.metafile.outputs).find(([, out]) => out.entryPoint?.endsWith('web/src/main.tsx'));
  if (!entry) throw new Error('esbuild produced no output for web/src/main.tsx');
  const [entryFile, entryOut] = entry;
  const url = (file: string) => `/ui/assets/${path.relative(assets, path.resolve(ROOT, file)).split(path.sep).join('/')}`;
  const entryScript = url(entryFile);
  const entryStyles = entryOut.cssBundle ? [url(entryOut.cssBundle)] : [];
  const html = fs
    .readFileSync(path.join(WEB, 'index.html'), 'utf8')
    .replace('<!-- styles -->', entryStyles.map((href) => `<link rel="stylesheet" href="${href}" />`).join('\n    '))
    .replace('<!-- scripts -->', `<script type="module" src="${entryScript}"></script>`);
  fs.writeFileSync(path.join(outDir, 'index.html'), html);
  fs.writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(result.metafile));
  if (!options.dev) precompress(assets);
  return { outDir, entryScript, entryStyles, metafile: result.metafile };
}

/** Writes `.br` and `.gz` beside every script and style sheet of `dir`. */
function precompress(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (!/\.(js|css)$/.test(name)) continue;
    const file = path.join(dir, name);
    const data = fs.readFileSync(file);
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
  }
}

if (require.main === module) {
  const dev = process.argv.includes('--dev');
  const out = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);
  const started = Date.now();
  buildUi({ dev, outDir: out ? path.resolve(out) : undefined })
    .then((b) => console.log(`web application built into ${path.relative(process.cwd(), b.outDir) || '.'} in ${Date.now() - started} ms`))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
