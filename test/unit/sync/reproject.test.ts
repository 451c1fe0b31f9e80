import fs from 'node:fs';
import path from 'node:path';
import { projectionOf, toWgs84 } from '../../../src/sync/finess/reproject';

const CSV = path.join(__dirname, '..', '..', 'fixtures', 'referentiels', 'finess', 'reprojection-control-points.csv');
const points = fs
  .readFileSync(CSV, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(';'))
  .map(([epsg, x, y, lon, lat, territory]) => ({ epsg, x: +x, y: +y, lon: +lon, lat: +lat, territory }));

const DEP: Record<string, string> = { 'EPSG:2154': '01', 'EPSG:5490': '9A', 'EPSG:2972': '9C', 'EPSG:2975': '9D', 'EPSG:4471': '9F', 'EPSG:32621': '9E' };

function metres(a: { longitude: number; latitude: number }, lon: number, lat: number): number {
  const dy = (a.latitude - lat) * 111_320;
  const dx = (a.longitude - lon) * 111_320 * Math.cos((lat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

describe('FINESS reprojection to WGS84', () => {
  test.each(points)('$territory ($epsg) within 1 m of the control point', ({ epsg, x, y, lon, lat }) => {
    const pos = toWgs84(x, y, epsg, DEP[epsg]);
    if (typeof pos === 'string') throw new Error(pos);
    expect(metres(pos, lon, lat)).toBeLessThan(1);
  });

  test.each(points)('$territory: the department default projection gives the same point', ({ epsg, x, y, lon, lat }) => {
    const pos = toWgs84(x, y, projectionOf('', DEP[epsg])!, DEP[epsg]);
    if (typeof pos === 'string') throw new Error(pos);
    expect(metres(pos, lon, lat)).toBeLessThan(1);
  });

  test('the projection is read from sourcecoordet, old and new spellings', () => {
    expect(projectionOf('1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole)', '01')).toBe('EPSG:2154');
    expect(projectionOf('2,ATLASANTE,96,BAN,EPSG:5490 RGAF09/UTM Zone 20N (Antilles)', '9A')).toBe('EPSG:5490');
    expect(projectionOf('2,ATLASANTE,100,BDADRESSE,EPSG:4471 RGM04/UTM zone 38S (Mayotte)', '9F')).toBe('EPSG:4471');
    expect(projectionOf('2,ATLASANTE,90,BAN,WGS84/UTM zone 21N (St-Pierre-et-Miquelon)', '9E')).toBe('EPSG:32621');
    expect(projectionOf('1,ATLASANTE,96,BAN,L93_METROPOLE', '01')).toBe('EPSG:2154');
    expect(projectionOf('1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93', '01')).toBe('EPSG:2154');
    expect(projectionOf('', '9D')).toBe('EPSG:2975');
    expect(projectionOf('', '2A')).toBe('EPSG:2154');
  });

  test('coordinates outside the territory (wrong projection, swapped X/Y) are refused', () => {
    expect(typeof toWgs84(6571540.8, 870262.2, 'EPSG:2154', '01')).toBe('string');
    expect(typeof toWgs84(870262.2, 6571540.8, 'EPSG:2154', '9D')).toBe('string');
  });
});
