// The outline of a part in an editing form: drawn on the map (Leaflet-Geoman, see
// draw.js) or read from a GeoJSON file, with the file's coordinate system.

import {h, replace} from './dom.js';
import {approximateArea, readGeoJSONFile, startDrawing} from './draw.js';
import {FieldError, field, select, uid} from './forms.js';
import {formatHa} from './format.js';

// geometryInput is the outline field of a form. ed gives the map: getMap() the Leaflet
// map, showMap() brings it forward, beginDrawing(what) and endDrawing() frame a drawing,
// showPreview(geometry|null) outlines a file's geometry. Its read() returns the outline
// and its CRS, and stop() ends any drawing or preview.
export function geometryInput(ed, {initial = null, purpose}) {
  const statusID = uid('geom-status');
  const status = h('p', {class: 'geom-status', id: statusID, tabindex: '-1', 'data-problem-field': 'geometry', 'aria-live': 'polite'},
    'Aucun contour pour l’instant.');
  const error = h('p', {class: 'field-error', id: `${statusID}-error`, hidden: true});
  status.setAttribute('aria-describedby', error.id);
  let drawing = null;
  let drawn = null;
  let loaded = null;
  const mode = () => (fileBox.hidden ? 'draw' : 'file');

  const describe = (geometry, what) => {
    if (!geometry) {
      replace(status, 'Aucun contour pour l’instant.');
      return;
    }
    const n = geometry.coordinates.length;
    replace(status, `${what} : ${n} polygone${n > 1 ? 's' : ''}, environ ${formatHa(approximateArea(geometry))}.`);
  };
  const ensureDrawing = async (start) => {
    ed.showMap();
    if (!drawing) {
      ed.beginDrawing(purpose);
      try {
        drawing = await startDrawing(ed.getMap(), {
          initial: start,
          onChange: (g) => {
            drawn = g;
            describe(g, 'Dessin');
          },
        });
      } catch (err) {
        ed.endDrawing();
        replace(status, `Le dessin n’est pas disponible (${err.message}) : importez un fichier GeoJSON.`);
        return null;
      }
      drawn = drawing.geometry();
      describe(drawn, 'Dessin');
    }
    return drawing;
  };
  const stopDrawing = () => {
    if (drawing) {
      drawing.stop();
      drawing = null;
      ed.endDrawing();
    }
  };
  const stop = () => {
    stopDrawing();
    ed.showPreview(null);
  };

  const drawButtons = h('div', {class: 'edit-buttons'},
    h('button', {
      type: 'button', class: 'btn btn-small', dataset: {draw: 'polygon'},
      onclick: async () => (await ensureDrawing(null))?.draw(),
    }, 'Dessiner un polygone'),
    initial ? h('button', {
      type: 'button', class: 'btn btn-small', dataset: {draw: 'current'},
      onclick: async () => {
        if (drawing) {
          stopDrawing();
        }
        await ensureDrawing(initial);
      },
    }, 'Partir du contour actuel') : null,
    h('button', {type: 'button', class: 'btn btn-small btn-ghost', onclick: () => drawing?.clear()}, 'Effacer le dessin'));
  const drawBox = h('div', {class: 'geom-draw'},
    drawButtons,
    h('p', {class: 'field-hint'}, 'Cliquez sur la carte pour placer chaque sommet, puis sur le premier sommet pour fermer le polygone (ou Entrée). Les sommets se déplacent ensuite à la souris ; un clic droit en retire un.'));

  const file = h('input', {type: 'file', name: 'file', accept: '.geojson,.json,application/geo+json,application/json'});
  const crs = select('crs', [['CRS84', 'WGS84, lon/lat (CRS84)'], ['EPSG:2154', 'Lambert-93 (EPSG:2154)']]);
  file.addEventListener('change', async () => {
    loaded = null;
    error.hidden = true;
    file.removeAttribute('aria-invalid');
    const chosen = file.files?.[0];
    if (!chosen) {
      replace(status, 'Aucun fichier choisi.');
      return;
    }
    try {
      loaded = await readGeoJSONFile(chosen);
    } catch (err) {
      file.setAttribute('aria-invalid', 'true');
      replace(status, `Fichier refusé : ${err.message}.`);
      return;
    }
    crs.value = loaded.crs;
    replace(status, `${chosen.name} : ${loaded.polygons} polygone${loaded.polygons > 1 ? 's' : ''}, lu en ${loaded.crs === 'EPSG:2154' ? 'Lambert-93' : 'WGS84'}.`);
    previewFile();
  });
  // A WGS84 file shows on the map before it is saved (the page cannot project Lambert-93).
  const previewFile = () => {
    const wgs84 = loaded && crs.value === 'CRS84' && mode() === 'file';
    if (wgs84) ed.showMap();
    ed.showPreview(wgs84 ? loaded.geometry : null);
  };
  crs.addEventListener('change', previewFile);
  const fileBox = h('div', {class: 'geom-file', hidden: true},
    field('Fichier GeoJSON', file, {hint: 'Un Polygon, un MultiPolygon, un Feature ou une FeatureCollection de polygones.'}),
    field('Système de coordonnées du fichier', crs, {hint: 'Deviné à la lecture du fichier ; corrigez-le au besoin.'}));

  const radioName = uid('geom-mode');
  const radio = (v, label, checked) => {
    const input = h('input', {type: 'radio', name: radioName, value: v, id: uid('f-mode')});
    input.checked = checked;
    input.addEventListener('change', () => {
      drawBox.hidden = v !== 'draw';
      fileBox.hidden = v !== 'file';
      if (v === 'file') stopDrawing();
      previewFile();
      describe(v === 'draw' ? drawn : loaded?.geometry || null, v === 'draw' ? 'Dessin' : 'Fichier');
    });
    return h('label', {for: input.id, class: 'radio'}, input, ' ', label);
  };
  const node = h('fieldset', {class: 'geom-input'},
    h('legend', {}, 'Contour'),
    h('div', {class: 'radio-row'}, radio('draw', 'Dessiner sur la carte', true), radio('file', 'Importer un fichier GeoJSON', false)),
    drawBox, fileBox, status, error);

  return {
    node,
    mode,
    // read returns the outline and its CRS, or throws a FieldError.
    read() {
      if (mode() === 'file') {
        if (!loaded) throw new FieldError('file', 'Choisissez un fichier GeoJSON contenant le contour.');
        return {geometry: loaded.geometry, crs: crs.value};
      }
      if (drawing?.drawing()) throw new FieldError('geometry', 'Fermez d’abord le polygone en cours (clic sur son premier sommet).');
      const g = drawing ? drawing.geometry() : drawn;
      if (!g) throw new FieldError('geometry', 'Dessinez le contour sur la carte (bouton « Dessiner un polygone »).');
      return {geometry: g, crs: 'CRS84'};
    },
    stop,
  };
}
