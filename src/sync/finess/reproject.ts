/**
 * FINESS coordinates → WGS84 (Location.position), with proj4. The projection is read from `sourcecoordet`
 * (its last comma-separated part, e.g. `EPSG:2154 RGF93 / Lambert-93 (Métropole)`, or older names such as
 * `LAMBERT_93`, `L93_METROPOLE`, `WGS84/UTM zone 21N`); failing that, from the department
 * (../shared/referentiels/NOTES.md: metropole Lambert-93; Antilles UTM 20N; Guyane UTM 22N; Réunion UTM 40S;
 * Saint-Pierre-et-Miquelon UTM 21N; Mayotte UTM 38S; Wallis-et-Futuna UTM 1S).
 * Checked against finess/reprojection-control-points.csv (test/unit/sync/reproject.test.ts).
 *
 * The French geodetic frames (RGF93, RGAF09, RGFG95, RGR92, RGM04, RGSPM06, RGWF96) coincide with WGS84 at the
 * metre level, hence the null datum shifts (as the EPSG registry's transformations to WGS 84).
 */
import proj4 from 'proj4';

const GRS80_UTM = (zone: number, south = false) =>
  `+proj=utm +zone=${zone}${south ? ' +south' : ''} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`;

const DEFS: Record<string, string> = {
  'EPSG:2154': '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  'EPSG:5490': GRS80_UTM(20), // RGAF09 / UTM 20N (Guadeloupe, Martinique)
  'EPSG:4559': GRS80_UTM(20), // RRAF 1991 / UTM 20N (older Antilles files)
  'EPSG:2972': GRS80_UTM(22), // RGFG95 / UTM 22N (Guyane)
  'EPSG:2975': GRS80_UTM(40, true), // RGR92 / UTM 40S (Réunion)
  'EPSG:4471': GRS80_UTM(38, true), // RGM04 / UTM 38S (Mayotte)
  'EPSG:4467': GRS80_UTM(21), // RGSPM06 / UTM 21N (Saint-Pierre-et-Miquelon)
  'EPSG:32621': '+proj=utm +zone=21 +datum=WGS84 +units=m +no_defs', // WGS 84 / UTM 21N
  'EPSG:8903': GRS80_UTM(1, true), // RGWF96 / UTM 1S (Wallis-et-Futuna)
  'EPSG:32620': '+proj=utm +zone=20 +datum=WGS84 +units=m +no_defs',
  'EPSG:32622': '+proj=utm +zone=22 +datum=WGS84 +units=m +no_defs',
  'EPSG:32738': '+proj=utm +zone=38 +south +datum=WGS84 +units=m +no_defs',
  'EPSG:32740': '+proj=utm +zone=40 +south +datum=WGS84 +units=m +no_defs',
};

/** Default projection of a FINESS department code (`01`…`95`, `2A`, `2B`, `9A`…`9J`). */
const BY_DEPARTMENT: Record<string, string> = {
  '9A': 'EPSG:5490',
  '9B': 'EPSG:5490',
  '9C': 'EPSG:2972',
  '9D': 'EPSG:2975',
  '9E': 'EPSG:32621',
  '9F': 'EPSG:4471',
  '9J': 'EPSG:8903',
};

/** Rough bounding boxes [minLon, minLat, maxLon, maxLat] to catch a wrong projection or swapped coordinates. */
const BOUNDS: Record<string, [number, number, number, number]> = {
  metropole: [-5.8, 41.2, 9.9, 51.3],
  '9A': [-63.3, 14.3, -60.7, 18.2],
  '9B': [-63.3, 14.3, -60.7, 18.2],
  '9C': [-54.7, 2.0, -51.5, 6.0],
  '9D': [55.1, -21.5, 55.9, -20.8],
  '9E': [-56.5, 46.7, -56.0, 47.2],
  '9F': [44.9, -13.1, 45.4, -12.5],
  '9J': [-178.3, -14.5, -176.0, -13.1],
};

const converters = new Map<string, proj4.Converter>();

function converter(epsg: string): proj4.Converter {
  let c = converters.get(epsg);
  if (!c) {
    c = proj4(DEFS[epsg], 'EPSG:4326');
    converters.set(epsg, c);
  }
  return c;
}

/** The EPSG code named by a sourcecoordet value, or undefined when it names none we know. */
export function projectionOf(sourcecoordet: string, departement: string): string | undefined {
  const text = sourcecoordet.toUpperCase();
  const epsg = /EPSG:(\d{4,5})/.exec(text);
  if (epsg) return DEFS[`EPSG:${epsg[1]}`] ? `EPSG:${epsg[1]}` : undefined;
  if (/LAMBERT[_ -]?93|\bL93\b|L93_/.test(text)) return 'EPSG:2154';
  const utm = /UTM[ _]?(?:ZONE)?[ _]?(\d{1,2})\s*([NS])/.exec(text);
  if (utm) {
    const zone = Number(utm[1]);
    const wgs84 = /WGS ?84/.test(text);
    const candidates = Object.entries(DEFS).filter(([code, def]) =>
      def.includes(`+zone=${zone} `) && def.includes('+south') === (utm[2] === 'S') && (wgs84 ? code.startsWith('EPSG:326') || code.startsWith('EPSG:327') : !code.startsWith('EPSG:32')),
    );
    if (candidates.length) return candidates[0][0];
  }
  return defaultProjection(departement);
}

export function defaultProjection(departement: string): string {
  return BY_DEPARTMENT[departement] ?? 'EPSG:2154';
}

export interface Position {
  longitude: number;
  latitude: number;
}

/**
 * WGS84 position (rounded to 1e-6 degree, ~0.1 m) of projected coordinates, or an error message when the
 * projection is unknown or the result falls outside the department's territory.
 */
export function toWgs84(x: number, y: number, epsg: string, departement: string): Position | string {
  if (!DEFS[epsg]) return `unknown projection ${epsg}`;
  const [lon, lat] = converter(epsg).forward([x, y]);
  const box = BOUNDS[departement] ?? BOUNDS.metropole;
  if (!(lon >= box[0] && lon <= box[2] && lat >= box[1] && lat <= box[3])) {
    return `coordinates ${x}, ${y} (${epsg}) fall outside department ${departement} (${lon.toFixed(4)}, ${lat.toFixed(4)})`;
  }
  return { longitude: round6(lon), latitude: round6(lat) };
}

export function knownProjection(epsg: string): boolean {
  return DEFS[epsg] !== undefined;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
