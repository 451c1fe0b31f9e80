/**
 * The shape of the code (ARCHITECTURE.md): arrows point inward, http → fhir → kernel → indexing and ports →
 * adapters, with no import cycle (type-only imports included), and nothing but the composition roots (src/main.ts,
 * and src/offer-search-thread.ts for a search thread) importing an adapter. Read off the real import graph of src/.
 */
import { cycles, importGraph } from './imports';

const graph = importGraph();
const layer = (module: string) => module.split('/')[0];
/** The modules of `from` that import a module of one of `to`, as `from -> to` lines. */
const arrows = (from: (m: string) => boolean, to: (m: string) => boolean) =>
  [...graph].flatMap(([m, targets]) => targets.filter((t) => from(m) && to(t)).map((t) => `${m} -> ${t}`));
const inLayers = (...layers: string[]) => (m: string) => layers.includes(layer(m));
const adapter = (m: string) => /^store\/[^/]+\//.test(m); // store/<adapter>/…

test('the graph is read (a sanity check of the test itself)', () => {
  expect(graph.get('main')).toEqual(expect.arrayContaining(['kernel/kernel', 'store/sqlite/sqlite-store']));
  expect(graph.get('kernel/write-path')).toEqual(expect.arrayContaining(['kernel/hooks', 'store/store']));
});

test('no import cycle, type-only imports included', () => {
  expect(cycles(graph)).toEqual([]);
});

test('the storage port and its adapters know nothing of the FHIR layer, the kernel or the domain modules', () => {
  expect(arrows(inLayers('store'), inLayers('fhir', 'http', 'kernel', 'ror', 'sync', 'subscriptions', 'demo', 'terminology'))).toEqual([]);
});

test('indexing and terminology sit below the kernel and the FHIR layer', () => {
  expect(arrows(inLayers('indexing', 'terminology'), inLayers('fhir', 'http', 'kernel', 'store', 'ror', 'sync', 'subscriptions', 'demo'))).toEqual([]);
});

test('the kernel knows the ports, indexing and terminology, not the FHIR layer, HTTP or the domain modules', () => {
  expect(arrows(inLayers('kernel'), inLayers('fhir', 'http', 'ror', 'sync', 'subscriptions', 'demo'))).toEqual([]);
});

test('the FHIR layer knows neither HTTP nor the domain modules that plug into it', () => {
  expect(arrows(inLayers('fhir'), inLayers('http', 'ror', 'sync', 'subscriptions', 'demo'))).toEqual([]);
});

test('security plugs into the FHIR layer and the kernel through their interfaces: neither imports it', () => {
  expect(arrows(inLayers('fhir', 'kernel', 'store', 'indexing', 'terminology'), inLayers('security'))).toEqual([]);
  expect(arrows(inLayers('security'), inLayers('http', 'sync', 'subscriptions', 'demo'))).toEqual([]);
});

/** The composition roots: the server's, and that of an offer search thread (which opens its replica of the index). */
const ROOTS = new Set(['main', 'offer-search-thread']);

test('only the composition roots import a storage adapter', () => {
  expect(arrows((m) => !ROOTS.has(m) && !adapter(m), adapter)).toEqual([]);
  expect(graph.get('offer-search-thread')).toEqual(expect.arrayContaining(['store/sqlite/offer-replica']));
});
