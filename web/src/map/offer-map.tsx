/**
 * The map of the search results: France's departments and regions drawn from the committed outlines
 * (web/data/france.topo.json, Natural Earth, public domain — no tile server is reached), the units as circles
 * coloured by availability, a popup per unit linking to its page, and a legend. The map follows the results: it
 * shows the zone (metropole or a DROM) holding most of them, fitted to their bounds; a button per zone jumps to the
 * others (Guyane, La Réunion…), with the number of results there.
 *
 * Loaded on demand by the search page (with Leaflet), so no other page ships it. The result list next to it says
 * everything the map shows, for keyboard and screen-reader users.
 */
import L from 'leaflet';
import { useEffect, useRef, useState } from 'preact/hooks';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import topoData from '../../data/france.topo.json';
import { AVAILABILITY_ORDER, AVAILABILITY_STYLE, type Availability } from '../lib/offer-availability';
import { boundsOf, countByZone, mainZone, ZONES, type ZoneId } from '../lib/offer-zones';

export interface MapPoint {
  id: string;
  name: string;
  organization: string;
  lat: number;
  lon: number;
  availability: Availability;
  /** Lines of the popup under the unit's name (free beds, age of the figure…). */
  details: string[];
}

const topo = topoData as unknown as Topology<{ departments: GeometryCollection<{ code: string; name: string }>; regions: GeometryCollection<{ code: string; name: string }> }>;

/** The outlines, built once: department fills and borders, region borders drawn thicker. */
function outlines(): L.Layer[] {
  const departments = feature(topo, topo.objects.departments);
  const regionBorders = mesh(topo, topo.objects.regions, (a, b) => a !== b);
  const coast = mesh(topo, topo.objects.regions, (a, b) => a === b);
  return [
    L.geoJSON(departments, { style: { color: '#9aa5b1', weight: 0.6, fillColor: '#fdfcf8', fillOpacity: 1 }, interactive: false }),
    L.geoJSON(regionBorders, { style: { color: '#4a5568', weight: 1.4, fill: false }, interactive: false }),
    L.geoJSON(coast, { style: { color: '#4a5568', weight: 1, fill: false }, interactive: false }),
  ];
}

function popupContent(p: MapPoint): HTMLElement {
  // Built as DOM nodes (never HTML strings): names come from the data.
  const box = document.createElement('div');
  const link = document.createElement('a');
  link.href = `/ui/unites/${encodeURIComponent(p.id)}`;
  link.textContent = p.name;
  const title = document.createElement('strong');
  title.append(link);
  box.append(title);
  for (const line of [p.organization, AVAILABILITY_STYLE[p.availability].label, ...p.details]) {
    const div = document.createElement('div');
    div.textContent = line;
    box.append(div);
  }
  return box;
}

export function OfferMap({ points }: { points: MapPoint[] }) {
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | undefined>(undefined);
  const markers = useRef<L.LayerGroup | undefined>(undefined);
  const [zone, setZone] = useState<ZoneId>('metropole');

  useEffect(() => {
    const m = L.map(container.current!, { zoomSnap: 0.25, attributionControl: true, minZoom: 3, maxZoom: 14, keyboard: true });
    m.attributionControl.setPrefix(false).addAttribution('Contours : Natural Earth (domaine public)');
    for (const layer of outlines()) layer.addTo(m);
    markers.current = L.layerGroup().addTo(m);
    map.current = m;
    m.fitBounds(ZONES[0].bounds);
    // The container's size changes with the layout (phone, results arriving): Leaflet must measure it again.
    const resize = new ResizeObserver(() => m.invalidateSize());
    resize.observe(container.current!);
    return () => {
      resize.disconnect();
      m.remove();
      map.current = undefined;
    };
  }, []);

  useEffect(() => {
    const m = map.current;
    const group = markers.current;
    if (!m || !group) return;
    group.clearLayers();
    // The view first (without animation), then the markers: each is drawn in a renderer that already covers it.
    const first = mainZone(points);
    setZone(first);
    m.invalidateSize();
    m.fitBounds(boundsOf(points, first, 1), { padding: [24, 24], maxZoom: 8, animate: false });
    for (const p of points) {
      const style = AVAILABILITY_STYLE[p.availability];
      L.circleMarker([p.lat, p.lon], {
        radius: 8,
        color: '#ffffff',
        weight: 2,
        fillColor: style.colour,
        fillOpacity: 0.95,
        className: `offer-marker offer-marker-${p.availability}`,
      })
        .bindTooltip(`${p.name} — ${style.label}`)
        .bindPopup(() => popupContent(p))
        .addTo(group);
    }
  }, [points]);

  const counts = countByZone(points);
  const byAvailability = Object.fromEntries(AVAILABILITY_ORDER.map((a) => [a, points.filter((p) => p.availability === a).length])) as Record<Availability, number>;

  return (
    <figure class="offer-map">
      <div class="offer-map-zones" role="group" aria-label="Zone affichée sur la carte">
        {ZONES.map((z) => (
          <button
            key={z.id}
            type="button"
            aria-pressed={zone === z.id}
            onClick={() => {
              setZone(z.id);
              map.current?.fitBounds(boundsOf(points, z.id, 1), { padding: [24, 24], maxZoom: 8 });
            }}
          >
            {z.label}
            {counts[z.id] ? ` (${counts[z.id]})` : ''}
          </button>
        ))}
      </div>
      <div ref={container} class="offer-map-canvas" aria-label="Carte des unités trouvées" role="region" />
      <figcaption>
        <ul class="offer-map-legend" aria-label="Légende">
          {AVAILABILITY_ORDER.map((a) => (
            <li key={a}>
              <span class="swatch" style={{ background: AVAILABILITY_STYLE[a].colour }} aria-hidden="true" />
              {AVAILABILITY_STYLE[a].label} ({byAvailability[a]})
            </li>
          ))}
        </ul>
        <p class="offer-map-note">{points.length} unité{points.length > 1 ? 's' : ''} placée{points.length > 1 ? 's' : ''} sur la carte ; la liste donne le détail de chacune.</p>
      </figcaption>
    </figure>
  );
}

export default OfferMap;
