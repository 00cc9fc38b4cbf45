// The Leaflet map: the commune outline, one shape per located site part coloured by its
// status over the cadastral parcels (parcels.js), and a legend drawn with the same colour
// function.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import {h, replace} from './dom.js';
import {datePhrase, formatHa} from './format.js';
import {formatPreciseDate} from './dates.js';
import {createParcels} from './parcels.js';
import {projectionBadge} from './projection.js';
import {STATUSES, darken, qualityLabel, statusColor, statusLabel} from './vocab.js';

const IVRY_CENTER = [48.8125, 2.3870];

// style is the look of one site part: filled with its status colour, outlined darker,
// dashed when the outline is only approximate, thicker when its site is selected.
export function style(feature, selectedSite) {
  const p = feature.properties;
  const color = statusColor(p.status);
  const selected = p.site_id === selectedSite;
  return {
    color: selected ? '#111' : darken(color),
    weight: selected ? 4 : 2,
    opacity: 1,
    dashArray: p.geometry_quality === 'approximate' ? '6 4' : null,
    fillColor: color,
    fillOpacity: selected ? 0.75 : 0.5,
  };
}

// tooltipContent is the hover label of a part, built as DOM nodes.
function tooltipContent(feature) {
  const p = feature.properties;
  const lines = [h('strong', {}, p.name)];
  if (p.part_label && p.part_label !== p.name) lines.push(h('span', {}, p.part_label));
  lines.push(h('span', {class: 'tt-status'}, statusLabel(p.status), p.status_since ? ` ${datePhrase('depuis', formatPreciseDate(p.status_since))}` : ''));
  if (p.area_m2) lines.push(h('span', {}, formatHa(p.area_m2)));
  if (p.geometry_quality !== 'surveyed' && p.geometry_quality !== 'cadastre') {
    lines.push(h('em', {class: 'tt-approx'}, qualityLabel(p.geometry_quality)));
  }
  return h('div', {class: 'tt'}, lines);
}

// selectedContent is the label kept beside each part of the selected site.
function selectedContent(feature) {
  const p = feature.properties;
  return h('div', {class: 'tt'},
    h('strong', {}, p.name),
    p.part_label && p.part_label !== p.name ? h('span', {}, p.part_label) : null,
    p.geometry_quality === 'approximate' ? h('em', {class: 'tt-approx'}, 'emprise approximative') : null);
}

// PREVIEW_STYLE outlines a file's geometry before it is saved: not a status colour.
const PREVIEW_STYLE = {color: '#c2185b', weight: 3, dashArray: '4 4', fillColor: '#f06292', fillOpacity: 0.3};

const HOVER = {sticky: true, direction: 'top', opacity: 1, className: 'part-tooltip'};
const PINNED = {permanent: true, direction: 'right', offset: [10, 0], opacity: 1, className: 'part-tooltip part-label'};

// partLabel is the accessible name of a part's shape.
function partLabel(p) {
  const part = p.part_label && p.part_label !== p.name ? ` — ${p.part_label}` : '';
  return `${p.name}${part} : ${statusLabel(p.status)}, ${qualityLabel(p.geometry_quality)}`;
}

// outsideMask is a polygon covering the surroundings with the commune cut out, to dim
// what lies outside Ivry-sur-Seine.
function outsideMask(boundary) {
  const holes = [];
  for (const f of boundary.features || []) {
    const g = f.geometry;
    if (!g) continue;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const poly of polygons) holes.push(poly[0].map(([lon, lat]) => [lat, lon]));
  }
  const [lat, lon] = IVRY_CENTER;
  const around = [[lat - 2, lon - 3], [lat - 2, lon + 3], [lat + 2, lon + 3], [lat + 2, lon - 3]];
  return L.polygon([around, ...holes], {
    pane: 'commune', stroke: false, fillColor: '#1b2733', fillOpacity: 0.18, interactive: false,
  });
}

// legendControl builds the legend: one entry per status (same colour function as the
// shapes), the approximate outline and the commune limit.
function legendControl() {
  const control = L.control({position: 'topright'});
  control.onAdd = () => {
    const el = h('details', {class: 'legend', id: 'legend', open: true});
    L.DomEvent.disableClickPropagation(el);
    L.DomEvent.disableScrollPropagation(el);
    return el;
  };
  return control;
}

// renderLegend fills the legend with the number of shapes of each status, then the
// switch of the parcel layer.
function renderLegend(el, features, layers) {
  const counts = new Map();
  for (const f of features) counts.set(f.properties.status, (counts.get(f.properties.status) || 0) + 1);
  const rows = STATUSES.map((st) => {
    const swatch = h('span', {class: 'swatch', 'aria-hidden': 'true'});
    swatch.style.backgroundColor = statusColor(st.key);
    swatch.style.borderColor = darken(statusColor(st.key));
    const n = counts.get(st.key) || 0;
    return h('li', {class: n ? '' : 'legend-empty'}, swatch, h('span', {class: 'legend-label'}, st.label), h('span', {class: 'legend-count'}, String(n)));
  });
  replace(el,
    h('summary', {class: 'legend-title'}, 'Légende', projectionBadge()),
    h('ul', {class: 'legend-list'}, rows),
    h('ul', {class: 'legend-list legend-extra'},
      h('li', {}, h('span', {class: 'swatch swatch-approx', 'aria-hidden': 'true'}), h('span', {class: 'legend-label'}, 'emprise approximative')),
      h('li', {}, h('span', {class: 'swatch swatch-commune', 'aria-hidden': 'true'}), h('span', {class: 'legend-label'}, 'limite communale'))),
    layers);
}

// attributionControl shows the base map's attribution as text (Leaflet's own control
// would read it as HTML) and what became of the base map.
function attributionControl() {
  const control = L.control({position: 'bottomright'});
  control.onAdd = () => h('div', {class: 'attribution', id: 'attribution'});
  return control;
}

// createMap sets up the map in el, on view ({zoom, lat, lng}, from a shared link) or else
// on the whole commune. onSelect(siteID) is called when a shape is chosen, onMove(view)
// when the user has moved the map, onParcelsToggle(shown) when they switch the parcel
// layer, shown at first when parcels is true.
export function createMap(el, {onSelect, view = null, onMove = () => {}, parcels: showParcels = true, onParcelsToggle}) {
  const map = L.map(el, {
    center: view ? [view.lat, view.lng] : IVRY_CENTER, zoom: view ? view.zoom : 14,
    zoomSnap: 0.25, attributionControl: false, zoomControl: false, minZoom: 11, maxZoom: 19,
  });
  // Leaflet's own control, named in French
  map.zoomControl = L.control.zoom({zoomInTitle: 'Zoom avant', zoomOutTitle: 'Zoom arrière'}).addTo(map);
  map.createPane('commune').style.zIndex = 350;
  // What the map keeps in view as its box changes: the whole commune until something
  // else places it; a site once one is selected; the shapes a search leaves; nothing
  // once the user moves the map (or a link places it).
  const legend = legendControl().addTo(map);
  let ready = false; // set once every part of the map below exists
  let keep = view ? 'user' : 'commune';
  // Only a view the user chose (or a link gave) is written in the URL.
  let userMoved = Boolean(view);
  const moved = () => {
    keep = 'user';
    userMoved = true;
  };
  el.dataset.zoom = String(map.getZoom());
  map.on('moveend', () => {
    el.dataset.zoom = String(map.getZoom());
    fitLegend();
    if (!userMoved) return;
    const c = map.getCenter();
    onMove({zoom: map.getZoom(), lat: c.lat, lng: c.lng});
  });
  map.on('dragstart', moved);
  for (const type of ['wheel', 'dblclick', 'keydown']) el.addEventListener(type, moved, {passive: true});
  map.zoomControl.getContainer().addEventListener('click', moved);
  // The legend folds away where it would hide a shape, unless the user opened or
  // closed it.
  let legendTouched = false;
  // Leaflet only watches the window; the map's box also changes when the panel opens
  // or the view switches (a hidden map has no box: what it should show waits for one).
  new ResizeObserver(() => {
    if (!ready || !el.clientWidth || !el.clientHeight) return;
    map.invalidateSize({debounceMoveend: true});
    keepInView();
    fitLegend();
  }).observe(el);
  legend.getContainer().addEventListener('click', (e) => {
    // the user opens or closes it: the page no longer does
    if (e.target.closest('summary')) legendTouched = true;
  });
  const parcels = createParcels(map, el, {enabled: showParcels, onToggle: onParcelsToggle});
  // The tiles start with the map, beside the page's own first requests: at most
  // MAX_FETCHES of the browser's six connections go to them, so the page's requests still
  // find one. Waiting for the sites first held a cold map at zoom 15 over 100 000 parcels
  // back by the 0.65 s the sites took.
  parcels.start();
  const attribution = attributionControl().addTo(map);
  L.control.scale({imperial: false, position: 'bottomleft'}).addTo(map);

  let parts = L.layerGroup().addTo(map);
  let shown = [];
  let selected = null;
  let partsFitted = false;
  let boundaryBounds = null;

  // keepInView places the map on what it keeps in view (see keep).
  function keepInView() {
    if (keep === 'commune') fitCommune();
    else if (keep === 'site') fitSite(selected);
    else if (keep === 'shown') fitShown();
  }

  // fitLegend folds the legend where, open, it would cover a shape drawn on the map.
  function fitLegend() {
    const box = legend.getContainer();
    if (!ready || legendTouched || drawingWhat || !el.clientWidth) return;
    box.open = true;
    const l = box.getBoundingClientRect();
    const m = el.getBoundingClientRect();
    const covered = L.bounds([l.left - m.left, l.top - m.top], [l.right - m.left, l.bottom - m.top]);
    let hides = false;
    parts.eachLayer((layer) => {
      const b = layer.getBounds();
      if (!b.isValid()) return;
      const px = L.bounds(map.latLngToContainerPoint(b.getSouthWest()), map.latLngToContainerPoint(b.getNorthEast()));
      if (px.intersects(covered)) hides = true;
    });
    box.open = !hides;
  }

  function setBaseMap(config) {
    const box = attribution.getContainer();
    if (!config.tile_url) {
      replace(box, 'Sans fond de plan');
      el.dataset.basemap = 'none';
      return;
    }
    const tiles = L.tileLayer(config.tile_url, {maxZoom: 19, maxNativeZoom: 19, crossOrigin: false}).addTo(map);
    replace(box, config.tile_attribution || '');
    el.dataset.basemap = 'loading';
    let loaded = 0;
    let failed = 0;
    tiles.on('tileload', () => {
      loaded++;
      el.dataset.basemap = 'ok';
    });
    tiles.on('tileerror', () => {
      failed++;
      if (failed >= 4 && loaded === 0) {
        el.dataset.basemap = 'failed';
        map.removeLayer(tiles);
        replace(box, 'Fond de plan indisponible — la carte reste utilisable');
      }
    });
  }

  function setBoundary(boundary) {
    outsideMask(boundary).addTo(map);
    const outline = L.geoJSON(boundary, {
      pane: 'commune', interactive: false,
      style: {color: '#1b2733', weight: 2.5, opacity: 0.9, fill: false, dashArray: '1 0'},
    }).addTo(map);
    boundaryBounds = outline.getBounds();
    if (keep === 'commune') fitCommune();
  }

  // fitCommune shows the whole commune and every shape drawn, some of which straddle
  // its limit.
  function fitCommune() {
    if (!boundaryBounds?.isValid()) return;
    const bounds = L.latLngBounds(boundaryBounds.getSouthWest(), boundaryBounds.getNorthEast());
    parts.eachLayer((layer) => bounds.extend(layer.getBounds()));
    map.fitBounds(bounds, {padding: [12, 12], animate: false});
  }

  // onEachFeature wires a part's shape: tooltip, click, keyboard, and data attributes
  // that say what it shows.
  function onEachFeature(feature, layer) {
    const p = feature.properties;
    layer.bindTooltip(tooltipContent(feature), HOVER);
    layer.on('click', () => {
      // a shape clicked is in view already: the map stays where the user put it
      if (!drawingWhat) onSelect(p.site_id, {focusMap: false});
    });
    layer.on('add', () => {
      const path = layer.getElement();
      if (!path) return;
      path.dataset.partId = feature.id;
      path.dataset.siteId = p.site_id;
      path.dataset.status = p.status;
      path.setAttribute('tabindex', '0');
      path.setAttribute('role', 'button');
      path.setAttribute('aria-label', partLabel(p));
      path.addEventListener('keydown', (e) => {
        if ((e.key === 'Enter' || e.key === ' ') && !drawingWhat) {
          e.preventDefault();
          onSelect(p.site_id, {focusMap: false});
        }
      });
      path.addEventListener('focus', () => layer.openTooltip(layer.getBounds().getCenter()));
      path.addEventListener('blur', () => layer.closeTooltip());
    });
  }

  function setParts(features, selectedSite) {
    selected = selectedSite;
    shown = features.filter((f) => f.geometry);
    map.removeLayer(parts);
    parts = L.geoJSON({type: 'FeatureCollection', features: shown}, {
      style: (f) => style(f, selected),
      onEachFeature,
    }).addTo(map);
    bringSelectedToFront();
    if (!partsFitted && keep === 'commune' && shown.length) {
      partsFitted = true;
      fitCommune();
    }
    el.dataset.shapeCount = String(shown.length);
    renderLegend(legend.getContainer(), shown, parcels.legend);
    fitLegend();
  }

  // showFound places the map on the shapes a search or a filter leaves, or back on the
  // commune when they are all shown again; the user's own view is kept.
  function showFound(all) {
    if (keep === 'user') return;
    keep = all || !shown.length ? 'commune' : 'shown';
    keepInView();
  }

  // fitShown shows every shape drawn.
  function fitShown() {
    const bounds = L.latLngBounds([]);
    parts.eachLayer((layer) => bounds.extend(layer.getBounds()));
    if (bounds.isValid() && el.clientWidth) map.fitBounds(bounds, {maxZoom: 17, padding: [40, 40], animate: false});
  }

  // bringSelectedToFront raises the selected site's shapes and pins their labels; the
  // others keep their hover labels.
  function bringSelectedToFront() {
    parts.eachLayer((layer) => {
      const mine = layer.feature.properties.site_id === selected;
      if (mine) layer.bringToFront();
      if (mine === Boolean(layer.getTooltip()?.options.permanent)) return;
      layer.unbindTooltip();
      layer.bindTooltip(mine ? selectedContent(layer.feature) : tooltipContent(layer.feature), mine ? PINNED : HOVER);
    });
  }

  function highlight(siteID) {
    selected = siteID;
    parts.setStyle((f) => style(f, selected));
    bringSelectedToFront();
  }

  // focusSite pans and zooms the map to the selected site's located parts; the map
  // keeps it in view as its box changes, until the user moves the map. A site with no
  // located part leaves the map where it is.
  function focusSite(siteID) {
    if (!partsOf(siteID).isValid()) return;
    keep = 'site';
    fitSite(siteID);
  }

  function partsOf(siteID) {
    const bounds = L.latLngBounds([]);
    parts.eachLayer((layer) => {
      if (layer.feature.properties.site_id === siteID) bounds.extend(layer.getBounds());
    });
    return bounds;
  }

  // fitSite zooms to a site, not closer than a street's scale; the pinned labels stand
  // on the right of the shapes, hence the wider padding there.
  function fitSite(siteID) {
    const bounds = partsOf(siteID);
    if (!bounds.isValid() || !el.clientWidth) return;
    map.fitBounds(bounds, {maxZoom: 17, paddingTopLeft: [50, 50], paddingBottomRight: [Math.min(220, el.clientWidth / 3), 50], animate: false});
  }

  function invalidate() {
    map.invalidateSize();
  }

  // While an editor draws, a click on a shape places a vertex instead of opening its site,
  // and a banner over the map says what is being drawn.
  let drawingWhat = '';
  const banner = h('div', {class: 'draw-banner', id: 'draw-banner', role: 'status', hidden: true});
  L.DomEvent.disableClickPropagation(banner);
  el.append(banner);

  let legendWasOpen = null;

  function beginDrawing(what) {
    drawingWhat = what || 'Contour';
    el.classList.add('is-drawing');
    if (legendWasOpen === null) {
      // the legend folds away, out of the drawing's way
      legendWasOpen = legend.getContainer().open;
      legend.getContainer().open = false;
    }
    replace(banner, h('strong', {}, 'Mode dessin'), ` — ${drawingWhat}. Un clic par sommet, un clic sur le premier pour fermer ; enregistrez dans la fiche.`);
    banner.hidden = false;
  }

  function endDrawing() {
    drawingWhat = '';
    el.classList.remove('is-drawing');
    banner.hidden = true;
    if (legendWasOpen !== null) {
      legend.getContainer().open = legendWasOpen;
      legendWasOpen = null;
    }
  }

  // showPreview outlines a WGS84 geometry read from a file, before it is saved; null
  // removes it.
  let preview = null;
  function showPreview(geometry) {
    if (preview) map.removeLayer(preview);
    preview = null;
    if (!geometry) return;
    preview = L.geoJSON(geometry, {interactive: false, style: PREVIEW_STYLE}).addTo(map);
    const bounds = preview.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, {maxZoom: 17, padding: [40, 40]});
  }

  ready = true;
  return {
    setBaseMap, setBoundary, setParts, highlight, focusSite, showFound, invalidate, beginDrawing, endDrawing, showPreview,
    setParcels: parcels.setEnabled, map,
  };
}
