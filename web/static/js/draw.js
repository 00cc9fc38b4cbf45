// Outlines for editors: drawing polygons on the map with Leaflet-Geoman, and reading a
// GeoJSON file. Both give a GeoJSON MultiPolygon that the service checks (validity, area,
// within 500 m of the commune) before it stores it.

import {leafletGlobal} from './classic.js';

let loading = null;

// loadGeoman loads Leaflet-Geoman once, when an editor first draws. It is a classic
// script that extends the global L leafletGlobal makes.
export function loadGeoman() {
  if (!loading) {
    leafletGlobal();
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/vendor/leaflet-geoman/leaflet-geoman.css';
    document.head.append(css);
    loading = import('/vendor/leaflet-geoman/leaflet-geoman.min.js').then(() => {
      if (!window.L.PM) throw new Error('Leaflet-Geoman ne s’est pas initialisé');
      return window.L.PM;
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

// DRAWN_STYLE is the look of an outline being drawn: unmistakably not a status colour.
const DRAWN_STYLE = {color: '#c2185b', weight: 3, fillColor: '#f06292', fillOpacity: 0.35};

// FRENCH are the hints Geoman shows beside the cursor.
const FRENCH = {
  tooltips: {
    firstVertex: 'Cliquez pour placer le premier sommet',
    continueLine: 'Cliquez pour continuer le contour',
    finishPoly: 'Cliquez sur le premier sommet pour fermer le polygone',
  },
};

// polygonsOf returns the polygons (coordinate arrays) of a GeoJSON geometry, feature or
// collection, or throws when it holds anything else.
export function polygonsOf(obj) {
  if (!obj || typeof obj !== 'object') throw new Error('le fichier ne contient pas d’objet GeoJSON');
  switch (obj.type) {
    case 'FeatureCollection':
      if (!Array.isArray(obj.features) || !obj.features.length) throw new Error('la collection ne contient aucun objet');
      return obj.features.flatMap((f) => polygonsOf(f));
    case 'Feature':
      if (!obj.geometry) throw new Error('un objet n’a pas de géométrie');
      return polygonsOf(obj.geometry);
    case 'GeometryCollection':
      return (obj.geometries || []).flatMap((g) => polygonsOf(g));
    case 'Polygon':
      return [obj.coordinates];
    case 'MultiPolygon':
      return obj.coordinates;
  }
  throw new Error(`une géométrie de type ${String(obj.type)} n’est pas une surface (Polygon ou MultiPolygon attendu)`);
}

// multiPolygon makes one MultiPolygon of polygons.
export function multiPolygon(polygons) {
  return {type: 'MultiPolygon', coordinates: polygons};
}

// guessCRS tells from a GeoJSON object which CRS its coordinates are in: its "crs" member
// when it names Lambert-93, else the size of the first coordinates (Lambert-93 counts
// metres in the hundreds of thousands, WGS84 degrees stay within ±180). Degrees are CRS84,
// longitude first, as GeoJSON files hold them even when their "crs" member names
// EPSG:4326 (which the service reads latitude first).
export function guessCRS(obj, polygons) {
  const name = String(obj?.crs?.properties?.name || '');
  if (/2154/.test(name)) return 'EPSG:2154';
  if (/4326|CRS84/.test(name)) return 'CRS84';
  const first = polygons?.[0]?.[0]?.[0];
  if (Array.isArray(first) && Math.abs(first[0]) > 1000) return 'EPSG:2154';
  return 'CRS84';
}

// readGeoJSONFile reads a file chosen by the user: its polygons as one MultiPolygon, and
// the CRS its coordinates seem to be in.
export function readGeoJSONFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error('le fichier n’a pas pu être lu'));
    reader.onload = () => {
      let obj;
      try {
        obj = JSON.parse(String(reader.result));
      } catch {
        reject(new Error('ce n’est pas du JSON valide'));
        return;
      }
      try {
        const polygons = polygonsOf(obj);
        resolve({geometry: multiPolygon(polygons), crs: guessCRS(obj, polygons), polygons: polygons.length});
      } catch (err) {
        reject(err);
      }
    };
    reader.readAsText(file);
  });
}

// ringArea is the area in m² of a lon/lat ring, on a sphere (as Leaflet measures).
function ringArea(ring) {
  const R = 6378137;
  const rad = Math.PI / 180;
  let area = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[i + 1];
    area += (x2 - x1) * rad * (2 + Math.sin(y1 * rad) + Math.sin(y2 * rad));
  }
  return Math.abs((area * R * R) / 2);
}

// approximateArea is the area in m² of a lon/lat MultiPolygon, holes removed: a hint for
// the user while drawing; the service computes the real one in Lambert-93.
export function approximateArea(geometry) {
  let total = 0;
  for (const polygon of geometry.coordinates) {
    polygon.forEach((ring, i) => {
      total += i === 0 ? ringArea(ring) : -ringArea(ring);
    });
  }
  return total;
}

// startDrawing turns the map into a drawing board: the user draws one or more polygons
// (starting from initial, a MultiPolygon, when given) and moves their vertices. It
// returns the drawing's controls; onChange(geometry|null) follows every change.
export async function startDrawing(map, {initial = null, onChange = () => {}} = {}) {
  await loadGeoman();
  const GL = window.L;
  if (!map.pm) {
    // The map was made before Geoman loaded: give it what Geoman's hook gives new maps.
    map.pm = new GL.PM.Map(map);
    map.pm.setGlobalOptions({});
  }
  map.pm.setLang('fr', FRENCH, 'fr');
  const group = GL.featureGroup().addTo(map);
  map.pm.setGlobalOptions({
    layerGroup: group,
    allowSelfIntersection: false,
    snappable: true,
    snapDistance: 12,
    finishOnEnter: true,
    templineStyle: {color: DRAWN_STYLE.color},
    hintlineStyle: {color: DRAWN_STYLE.color, dashArray: [5, 5]},
    pathOptions: DRAWN_STYLE,
  });

  const geometry = () => {
    const polygons = [];
    group.eachLayer((layer) => {
      const g = layer.toGeoJSON().geometry;
      if (g.type === 'Polygon') polygons.push(g.coordinates);
      else if (g.type === 'MultiPolygon') polygons.push(...g.coordinates);
    });
    return polygons.length ? multiPolygon(polygons) : null;
  };
  const changed = () => onChange(geometry());
  const editable = (layer) => {
    layer.pm.enable({allowSelfIntersection: false, snappable: true});
    layer.on('pm:edit pm:vertexremoved pm:markerdragend', changed);
  };

  if (initial) {
    GL.geoJSON(initial, {style: DRAWN_STYLE}).eachLayer((layer) => {
      group.addLayer(layer);
      editable(layer);
    });
    if (group.getLayers().length) map.fitBounds(group.getBounds(), {maxZoom: 17, padding: [40, 40]});
  }
  const onCreate = (e) => {
    editable(e.layer);
    changed();
  };
  // The map's element says when a polygon is being drawn (for styles and tests).
  const container = map.getContainer();
  const onDrawStart = () => {
    container.dataset.drawMode = 'polygon';
  };
  const onDrawEnd = () => {
    delete container.dataset.drawMode;
  };
  map.on('pm:create', onCreate);
  map.on('pm:drawstart', onDrawStart);
  map.on('pm:drawend', onDrawEnd);

  return {
    // draw starts a new polygon: a click per vertex, a click on the first one closes it.
    draw() {
      map.pm.enableDraw('Polygon', {allowSelfIntersection: false, finishOnEnter: true, pathOptions: DRAWN_STYLE});
    },
    drawing() {
      return map.pm.globalDrawModeEnabled();
    },
    // clear removes everything drawn.
    clear() {
      map.pm.disableDraw();
      group.clearLayers();
      changed();
    },
    geometry,
    // stop ends the drawing and removes it from the map.
    stop() {
      map.pm.disableDraw();
      group.eachLayer((layer) => layer.pm?.disable());
      map.off('pm:create', onCreate);
      map.off('pm:drawstart', onDrawStart);
      map.off('pm:drawend', onDrawEnd);
      onDrawEnd();
      map.removeLayer(group);
      map.pm.setGlobalOptions({layerGroup: map});
    },
  };
}
