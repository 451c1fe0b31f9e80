/**
 * The OpenSearch test engine: a single-node OpenSearch 2.19.6 in one JVM (test/engines/opensearch: a Maven project
 * whose dependencies come from Maven Central), on a free loopback port, its data in `.engines/opensearch/`. Built
 * with `mvn package` the first time and again only when the pom, the launcher or its resources change.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext, TestEngine } from './types';
import { freePort } from './ports';

const PROJECT = 'test/engines/opensearch';

/** A digest of what the build depends on: a new one rebuilds. */
function sourceDigest(project: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (p: string) => {
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p).sort()) walk(path.join(p, f));
    else hash.update(p).update(fs.readFileSync(p));
  };
  walk(path.join(project, 'pom.xml'));
  walk(path.join(project, 'src'));
  return hash.digest('hex');
}

export const opensearch: TestEngine = {
  name: 'opensearch',
  startTimeoutSeconds: 180,

  async build(ctx: EngineContext) {
    const project = path.join(ctx.root, PROJECT);
    const stamp = path.join(project, 'target', '.built');
    const digest = sourceDigest(project);
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return;
    ctx.log('opensearch: building the launcher (mvn package; the first build downloads OpenSearch from Maven Central)');
    const started = Date.now();
    execFileSync('mvn', ['-B', '-q', 'package', '-DskipTests'], { cwd: project, stdio: ['ignore', 'inherit', 'inherit'] });
    fs.writeFileSync(stamp, digest);
    ctx.log(`opensearch: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },

  async launch(ctx: EngineContext) {
    const project = path.join(ctx.root, PROJECT);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return {
      command: 'java',
      args: [
        '-Xms512m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        '-cp',
        `${path.join(project, 'target', 'classes')}${path.delimiter}${path.join(project, 'target', 'lib', '*')}`,
        'org.ror.engines.EmbeddedOpenSearch',
        path.join(ctx.dir, 'home'),
        String(port),
      ],
      cwd: ctx.dir,
      env: { OPENSEARCH_URL: url },
      url,
    };
  },

  async healthy({ url }) {
    try {
      const res = await fetch(`${url}/_cluster/health?wait_for_status=green&timeout=1s`, { signal: AbortSignal.timeout(3000) });
      if (!res.ok) return false;
      const body = (await res.json()) as { status?: string };
      return body.status === 'green';
    } catch {
      return false;
    }
  },
};
