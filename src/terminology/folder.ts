/** CodeSystems and ValueSets from the JSON files of a folder and its subfolders (Bundles are opened). */
import fs from 'node:fs';
import path from 'node:path';
import type { TerminologyResource } from './resources';

export function readTerminologyFolder(root: string): TerminologyResource[] {
  const out: TerminologyResource[] = [];
  for (const file of jsonFiles(root)) {
    let json: { resourceType?: string; entry?: { resource?: { resourceType?: string } }[] };
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // not JSON: not ours to judge here
    }
    const resources = json.resourceType === 'Bundle' ? (json.entry ?? []).map((e) => e.resource) : [json];
    for (const r of resources) {
      if (r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet') out.push(r as TerminologyResource);
    }
  }
  return out;
}

function jsonFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...jsonFiles(p));
    else if (e.name.endsWith('.json')) out.push(p);
  }
  return out;
}
