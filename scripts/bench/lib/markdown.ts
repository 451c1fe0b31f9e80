/**
 * BENCHMARKS.md is shared by the benches: a `# Benchmarks` introduction, then one `## <Name>` section per bench.
 * A bench replaces only its own section (from its `## ` heading to the next `## ` heading or the end), appending it
 * when absent, and leaves every other section byte for byte as it was.
 */
import fs from 'node:fs';

export const BENCHMARKS_INTRO = `# Benchmarks

Measured on the project's development machine with \`npm run bench\` (all benches) or \`npm run bench:<name>\`;
each bench rewrites only its own \`## \` section below. Load comes from autocannon on 127.0.0.1 only, the servers
under test each run in their own child process. Figures are medians of repeated runs; compare ratios more than
absolute numbers, which depend on the machine and on whatever else it was doing.
`;

/** Returns `doc` with section `## heading` replaced by `body` (which starts with that heading line). */
export function replaceSection(doc: string, heading: string, body: string): string {
  const title = `## ${heading}`;
  const text = doc.trim() === '' ? BENCHMARKS_INTRO : doc;
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === title);
  const section = body.trimEnd().split('\n');
  if (start < 0) {
    const head = text.trimEnd();
    return `${head}\n\n${section.join('\n')}\n`;
  }
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  return `${before}${before ? '\n' : ''}${section.join('\n')}\n${after ? `\n${after}` : ''}`;
}

export function writeSection(file: string, heading: string, body: string): void {
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  fs.writeFileSync(file, replaceSection(doc, heading, body));
}

/** A GitHub-flavoured Markdown table; numeric-looking cells are right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+]?[0-9.,]+ ?(%|×|ms)?$/.test(r[c] ?? '')));
  const sep = numeric.map((n) => (n ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'),
  ms: (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : 'n/a'),
  pct: (n: number) => (Number.isFinite(n) ? `${n.toFixed(0)} %` : 'n/a'),
};
