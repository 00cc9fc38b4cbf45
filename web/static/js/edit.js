// The editing tools of the site panel, for editors: a button beside what it changes opens
// a form in place; the form sends one write with the site's ETag in If-Match, and once it
// is saved every view reloads. A stale ETag (412) reloads the site and says why; any
// other refusal shows next to the field the service names.

import {send} from './api.js';
import {h, replace} from './dom.js';
import {approximateArea, readGeoJSONFile, startDrawing} from './draw.js';
import {
  FieldError, checkbox, clearProblems, editForm, field, problemMessage, required, select, setBusy, showProblem, textArea, textInput, uid,
  value,
} from './forms.js';
import {formatDay, formatHa, formatPreciseDate, inputPreciseDate, parseDay, parsePreciseDate} from './format.js';
import {parcelID} from './model.js';
import {isAdmin} from './session.js';
import {
  EVENT_KIND_KEYS, GEOMETRY_QUALITIES, MILESTONE_KINDS, MODALITIES, eventKindLabel, milestoneLabel, modalityLabel, nextStatuses,
  qualityLabel, statusLabel,
} from './vocab.js';

const DATE_HINT = 'Année (2027), trimestre (T2 2027), mois (06/2027) ou jour (15/06/2027).';

// STALE is what the user is told when someone else changed the site first.
export const STALE_MESSAGE = 'Ce site a été modifié par quelqu’un d’autre entre-temps : la fiche a été rechargée avec ses données à jour. Vérifiez-les, puis refaites votre modification.';

// preciseDate reads a form's date-with-precision field into the API's form.
function preciseDate(form, name, {optional = false} = {}) {
  const text = value(form, name);
  if (!text) {
    if (optional) return null;
    throw new FieldError(name, 'Indiquez une date.');
  }
  const d = parsePreciseDate(text);
  if (!d) throw new FieldError(name, `« ${text} » n’est pas une date reconnue. ${DATE_HINT}`);
  return d;
}

// day reads a JJ/MM/AAAA field into an ISO day.
function day(form, name) {
  const text = value(form, name);
  if (!text) return null;
  const d = parseDay(text);
  if (!d) throw new FieldError(name, `« ${text} » n’est pas un jour JJ/MM/AAAA.`);
  return d;
}

// amount reads a number typed the French way (« 12 500,5 »), or null when empty.
function amount(form, name) {
  const text = value(form, name).replace(/[\s\u202f\u00a0]/g, '').replace(',', '.');
  if (!text) return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new FieldError(name, 'Saisissez un nombre positif.');
  return n;
}

// numberText writes a number for a form's field.
function numberText(n) {
  return n === null || n === undefined ? '' : String(n).replace('.', ',');
}

function reasonField(label = 'Motif', {hint = 'Gardé dans l’historique du site.', requiredReason = true} = {}) {
  return field(label, textArea('reason', '', {rows: 2}), {hint, required: requiredReason});
}

function partOptions(detail, first = 'Tout le site') {
  return [['', first], ...(detail.parts || []).map((p) => [p.id, p.label])];
}

// changedFields keeps the members of next that differ from before.
function changedFields(next, before) {
  const out = {};
  for (const [k, v] of Object.entries(next)) {
    if (JSON.stringify(v ?? null) !== JSON.stringify(before[k] ?? null)) out[k] = v;
  }
  return out;
}

// createEditor makes the panel's editing tools. getMap returns the Leaflet map, showMap
// brings the map view forward, beginDrawing(what) and endDrawing() frame a drawing on
// it, showPreview(geometry|null) outlines a file's geometry on it, getToday is the
// service's today, onSaved(siteID) reloads every view after a write, onSignedOut is
// called when the session turns out to be over and onSessionChanged when another tab
// changed it.
export function createEditor({getMap, showMap, beginDrawing, endDrawing, showPreview, getToday, onSaved, onSignedOut, onSessionChanged}) {
  const state = {
    siteID: null,
    etag: '',
    detail: null,
    open: null, // {form, opener, cleanup}
    flash: null, // {siteID, text, kind}
  };

  // setSite records the site the panel shows and its ETag; a re-render closes any form.
  function setSite(siteID, detail, etag) {
    closeForm({restoreFocus: false});
    if (state.flash && state.flash.siteID !== siteID) state.flash = null;
    state.siteID = siteID;
    state.detail = detail;
    state.etag = etag;
  }

  // closeForm closes the open form, if any, and tells whether there was one.
  function closeForm({restoreFocus = true} = {}) {
    const open = state.open;
    if (!open) return false;
    state.open = null;
    open.cleanup?.();
    open.form.remove();
    open.opener.setAttribute('aria-expanded', 'false');
    if (restoreFocus && open.opener.isConnected) open.opener.focus();
    return true;
  }

  // openForm opens the form build() makes in slot, in place of any other.
  function openForm(opener, slot, build) {
    closeForm({restoreFocus: false});
    state.flash = null;
    document.getElementById('panel-alert')?.remove();
    const {form, cleanup} = build();
    slot.append(form);
    opener.setAttribute('aria-expanded', 'true');
    state.open = {form, opener, cleanup};
    form.scrollIntoView({block: 'nearest'});
    form.querySelector('input:not([type="hidden"]):not([type="radio"]), select, textarea')?.focus();
  }

  // builders maps each action button to the form it opens.
  const builders = new WeakMap();

  // action is a button that opens a form; key names it (and the thing it changes), so
  // that tests and the focus can find it again.
  // context, read by screen readers only, says which of several alike things it is for.
  function action(label, key, build, {className = '', context = ''} = {}) {
    const b = h('button', {
      type: 'button', class: `btn btn-small edit-action ${className}`.trim(), 'aria-expanded': 'false',
      dataset: {action: key.split(':')[0], key},
    }, label, context ? h('span', {class: 'visually-hidden'}, ` — ${context}`) : null);
    builders.set(b, build);
    return b;
  }

  // bind makes button open its form in slot.
  function bind(button, slot) {
    button.addEventListener('click', () => {
      if (state.open?.opener === button) closeForm();
      else openForm(button, slot, builders.get(button));
    });
    return button;
  }

  // tools holds a section's buttons and the slot their forms open in.
  function tools(className, ...buttons) {
    const slot = h('div', {class: 'edit-slot'});
    return h('div', {class: `edit-tools ${className}`},
      h('div', {class: 'edit-buttons'}, buttons.filter(Boolean).map((b) => bind(b, slot))), slot);
  }

  // submit runs a form's write: build() checks the form and returns the request; the
  // answer's ETag replaces the one kept.
  async function submit(form, build) {
    clearProblems(form);
    let req;
    try {
      req = build();
    } catch (err) {
      showProblem(form, err);
      return;
    }
    setBusy(form, true);
    try {
      const res = await send(req.method, req.url, {body: req.body, etag: req.etag ?? state.etag});
      if (res.etag) state.etag = res.etag;
    } catch (err) {
      setBusy(form, false);
      if (err.status === 412 || err.status === 428) {
        closeForm({restoreFocus: false});
        state.flash = {siteID: state.siteID, text: STALE_MESSAGE, kind: 'warning'};
        await onSaved(state.siteID);
        return;
      }
      if (err.status === 401) {
        showProblem(form, err);
        onSignedOut(); // the sign-in dialog takes the focus
        return;
      }
      if (err.status === 403 && err.field === 'X-CSRF-Token') {
        // Another tab signed in or out: take up the session there is now, and say so,
        // in the form or, if the panel was redrawn for another account, above it.
        state.flash = {siteID: state.siteID, text: problemMessage(err), kind: 'warning'};
        await onSessionChanged();
        if (!form.isConnected) {
          focusFlash();
          return;
        }
        state.flash = null;
      }
      showProblem(form, err);
      return;
    }
    closeForm({restoreFocus: false});
    state.flash = {siteID: state.siteID, text: req.success, kind: 'ok'};
    await onSaved(state.siteID);
  }

  // flashNode shows the outcome of the last write above the panel's sections.
  function flashNode() {
    const f = state.flash;
    if (!f || f.siteID !== state.siteID) return null;
    return h('p', {
      id: 'panel-alert', class: `panel-alert panel-alert-${f.kind}`, role: f.kind === 'warning' ? 'alert' : 'status', tabindex: '-1',
    }, f.text);
  }

  // focusFlash moves the focus to the outcome, so that it is read out.
  function focusFlash() {
    document.getElementById('panel-alert')?.focus({preventScroll: false});
  }

  const siteURL = () => `/api/sites/${encodeURIComponent(state.siteID)}`;

  // ---- the site ----

  function siteForm() {
    const d = state.detail;
    const f = {
      name: textInput('name', d.name, {maxlength: 300}),
      address: textInput('address', d.address, {maxlength: 300}),
      department: textInput('department', d.department, {maxlength: 300}),
      current_use: textInput('current_use', d.current_use, {maxlength: 300}),
      occupant: textInput('occupant', d.occupant, {maxlength: 300}),
      owner: textInput('owner', d.owner, {maxlength: 300}),
      modality: select('modality', MODALITIES.map((m) => [m, modalityLabel(m)]), d.modality),
      counterparty: textInput('counterparty', d.counterparty, {maxlength: 300}),
      notes: textArea('notes', d.notes, {rows: 4}),
      sources: textArea('sources', (d.sources || []).join('\n'), {rows: 3}),
    };
    const form = editForm({
      key: 'site-edit', title: 'Modifier la fiche du site',
      fields: [
        field('Nom', f.name, {required: true}),
        field('Adresse', f.address),
        field('Service ou organisme', f.department),
        field('Usage actuel', f.current_use),
        field('Occupant', f.occupant),
        field('Propriétaire', f.owner),
        h('div', {class: 'field-row'},
          field('Modalité de cession', f.modality),
          checkbox('modality_done', 'Modalité réalisée', d.modality_done)),
        field('Contrepartie', f.counterparty),
        field('Notes', f.notes, {hint: 'Réservées aux personnes connectées.'}),
        field('Sources', f.sources, {hint: 'Une source par ligne.'}),
        reasonField('Motif', {requiredReason: false}),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        required(form, 'name', 'Le site doit garder un nom.');
        const next = {};
        for (const k of ['name', 'address', 'department', 'current_use', 'occupant', 'owner', 'counterparty']) next[k] = value(form, k);
        next.modality = form.elements.modality.value;
        next.modality_done = form.elements.modality_done.checked;
        next.notes = form.elements.notes.value;
        next.sources = form.elements.sources.value.split('\n').map((s) => s.trim()).filter(Boolean);
        const body = changedFields(next, d);
        if (!Object.keys(body).length) throw new FieldError('', 'Aucune modification à enregistrer.');
        const reason = value(form, 'reason');
        if (reason) body.reason = reason;
        return {method: 'PATCH', url: siteURL(), body, success: 'Fiche du site enregistrée.'};
      }),
    });
    return {form};
  }

  function deleteForm() {
    const form = editForm({
      key: 'site-delete', title: 'Supprimer le site', danger: true, submitLabel: 'Supprimer le site',
      intro: 'Le site disparaît de la carte, des listes et des exports. Rien n’est effacé : son historique est gardé et un compte administrateur peut le restaurer.',
      fields: [reasonField('Motif de la suppression')],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => ({
        method: 'DELETE', url: siteURL(), body: {reason: required(form, 'reason', 'Indiquez pourquoi le site est supprimé.')},
        success: 'Site supprimé. Un compte administrateur peut le restaurer depuis cette fiche.',
      })),
    });
    return {form};
  }

  // ---- a part ----

  function statusForm(part) {
    const since = part.status_since;
    const options = (correction) => {
      const next = nextStatuses(part.status, correction);
      return next.length ? [['', '— Choisir —'], ...next.map((k) => [k, statusLabel(k)])] : [['', '— aucun changement permis —']];
    };
    const status = select('status', options(false));
    const correction = checkbox('correction', 'Correction d’une erreur de saisie',
      false, {hint: 'Permet tout statut, pour rectifier un enregistrement erroné ; le motif est obligatoire.'});
    correction.querySelector('input').addEventListener('change', (e) => {
      replace(status, options(e.target.checked).map(([v, label]) => h('option', {value: v}, label)));
    });
    const form = editForm({
      key: 'status', title: `Changer le statut${(state.detail.parts || []).length > 1 ? ` — ${part.label}` : ''}`,
      intro: `Statut actuel : ${statusLabel(part.status)}${since ? `, depuis ${formatPreciseDate(since)}` : ''}.` +
        (part.status === 'ceded' ? ' Un terrain cédé ne change plus de statut, sauf correction.' : ''),
      fields: [
        field('Nouveau statut', status, {required: true, hint: 'Seuls les changements permis depuis le statut actuel sont proposés.'}),
        field('Date du changement', textInput('date', formatDay(getToday()), {inputmode: 'numeric'}),
          {required: true, hint: `${DATE_HINT} Pas dans le futur${since ? `, et après ${formatPreciseDate(since)}` : ''}.`}),
        correction,
        reasonField('Motif'),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const body = {status: required(form, 'status', 'Choisissez le nouveau statut.'), date: preciseDate(form, 'date')};
        body.reason = required(form, 'reason', 'Indiquez pourquoi le statut change.');
        if (form.elements.correction.checked) body.correction = true;
        return {
          method: 'POST', url: `/api/parts/${encodeURIComponent(part.id)}/status`, body,
          success: `Statut enregistré : ${statusLabel(body.status)}.`,
        };
      }),
    });
    return {form};
  }

  // geometryInput is the outline of a form: drawn on the map or read from a GeoJSON file.
  function geometryInput({initial = null, purpose}) {
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
      showMap();
      if (!drawing) {
        beginDrawing(purpose);
        try {
          drawing = await startDrawing(getMap(), {
            initial: start,
            onChange: (g) => {
              drawn = g;
              describe(g, 'Dessin');
            },
          });
        } catch (err) {
          endDrawing();
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
        endDrawing();
      }
    };
    const stop = () => {
      stopDrawing();
      showPreview(null);
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
      if (wgs84) showMap();
      showPreview(wgs84 ? loaded.geometry : null);
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

  function geometryForm(part) {
    const located = Boolean(part.geometry);
    const geom = geometryInput({initial: part.geometry, purpose: `Contour de « ${part.label} »`});
    const quality = select('quality', GEOMETRY_QUALITIES.map((q) => [q, qualityLabel(q)]),
      part.geometry_quality === 'unlocated' ? 'approximate' : part.geometry_quality);
    const form = editForm({
      key: 'geometry', title: located ? `Remplacer le contour — ${part.label}` : `Placer sur la carte — ${part.label}`,
      intro: located ? 'Le nouveau contour remplace l’actuel ; l’ancien reste dans l’historique.' : 'Cette partie n’a pas encore de contour : dessinez-le ou importez-le.',
      fields: [
        geom.node,
        field('Qualité du contour', quality, {hint: 'Levé par un géomètre, repris du cadastre, ou approximatif (dessin à main levée).'}),
        field('Source du contour', textInput('source', '', {maxlength: 2000, placeholder: 'ex. plan du géomètre du 12/03/2024'}), {required: true}),
        reasonField('Motif', {requiredReason: false}),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const {geometry, crs} = geom.read();
        const body = {geometry, crs, quality: form.elements.quality.value, source: required(form, 'source', 'Indiquez d’où vient ce contour.')};
        const reason = value(form, 'reason');
        if (reason) body.reason = reason;
        return {
          method: 'PUT', url: `/api/parts/${encodeURIComponent(part.id)}/geometry`, body,
          success: located ? 'Nouveau contour enregistré.' : 'La partie est placée sur la carte.',
        };
      }),
    });
    return {form, cleanup: geom.stop};
  }

  function splitForm(part) {
    const geom = geometryInput({purpose: `Partie cédée de « ${part.label} »`});
    const form = editForm({
      key: 'split', title: `Scinder — ${part.label}`,
      intro: 'Dessinez (ou importez) la partie qui se détache, par exemple la partie cédée. Elle devient une nouvelle partie, avec le statut de l’actuelle ; le reste garde son identifiant. Les surfaces s’additionnent.',
      fields: [
        field('Libellé de la nouvelle partie', textInput('label', '', {maxlength: 300, placeholder: 'ex. Partie cédée en 2019'}), {required: true}),
        geom.node,
        reasonField('Motif', {requiredReason: false}),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const label = required(form, 'label', 'Donnez un libellé à la nouvelle partie.');
        const {geometry, crs} = geom.read();
        const body = {geometry, crs, label};
        const reason = value(form, 'reason');
        if (reason) body.reason = reason;
        return {method: 'POST', url: `/api/parts/${encodeURIComponent(part.id)}/split`, body, success: `Partie « ${label} » créée.`};
      }),
    });
    return {form, cleanup: geom.stop};
  }

  function parcelsForm(part) {
    const form = editForm({
      key: 'parcels', title: `Rattacher des parcelles${(state.detail.parts || []).length > 1 ? ` — ${part.label}` : ''}`,
      fields: [
        field('Parcelles cadastrales', textArea('ids', '', {rows: 2, spellcheck: 'false', placeholder: 'AZ 56, AZ 57 ou 94041000AZ0056'}),
          {required: true, hint: 'Section et numéro (AZ 56) ou identifiant à 14 caractères, séparés par des virgules ou des retours à la ligne.'}),
        reasonField('Motif', {requiredReason: false}),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const tokens = required(form, 'ids', 'Indiquez au moins une parcelle.').split(/[,;\n]+/).map((t) => t.trim()).filter(Boolean);
        const ids = tokens.map((t) => {
          const id = parcelID(t);
          if (!id) throw new FieldError('ids', `« ${t} » n’est pas une référence cadastrale (ex. AZ 56 ou 94041000AZ0056).`);
          return id;
        });
        const body = {ids};
        const reason = value(form, 'reason');
        if (reason) body.reason = reason;
        return {
          method: 'POST', url: `/api/parts/${encodeURIComponent(part.id)}/parcels`, body,
          success: `${ids.length} parcelle${ids.length > 1 ? 's rattachées' : ' rattachée'}.`,
        };
      }),
    });
    return {form};
  }

  function unlinkForm(parcel) {
    const form = editForm({
      key: 'unlink', title: `Détacher la parcelle ${parcel.id}`, submitLabel: 'Détacher',
      fields: [reasonField('Motif', {requiredReason: false})],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const reason = value(form, 'reason');
        return {
          method: 'DELETE', url: `/api/parts/${encodeURIComponent(parcel.part_id)}/parcels/${encodeURIComponent(parcel.id)}`,
          body: reason ? {reason} : undefined, success: `Parcelle ${parcel.id} détachée.`,
        };
      }),
    });
    return {form};
  }

  // ---- timeline events ----

  function eventFields(e) {
    const detail = state.detail;
    const multiple = (detail.parts || []).length > 1;
    return [
      h('div', {class: 'field-row'},
        field('Type', select('kind', EVENT_KIND_KEYS.map((k) => [k, eventKindLabel(k)]), e?.kind || 'decision')),
        field('Date', textInput('date', e ? inputPreciseDate(e.date) : '', {inputmode: 'numeric'}), {required: true})),
      h('p', {class: 'field-hint'}, DATE_HINT),
      checkbox('planned', 'À venir (date prévue)', e ? e.planned : false, {hint: 'Un événement passé a eu lieu ; un événement à venir est prévu.'}),
      e ? checkbox('cancelled', 'Annulé', e.cancelled) : null,
      field('Titre', textInput('title', e?.title || '', {maxlength: 300}), {required: true}),
      field('Description', textArea('description', e?.description || '', {rows: 3})),
      field('Source', textInput('source', e?.source || '', {maxlength: 2000})),
      multiple ? field('Partie concernée', select('part_id', partOptions(detail), e?.part_id || '')) : null,
      h('div', {class: 'field-row'},
        field('Surface (m²)', textInput('area_m2', numberText(e?.area_m2), {inputmode: 'decimal'})),
        field('Montant (€)', textInput('amount_eur', numberText(e?.amount_eur), {inputmode: 'decimal'}))),
    ];
  }

  function readEvent(form) {
    const out = {
      kind: form.elements.kind.value,
      date: preciseDate(form, 'date'),
      planned: form.elements.planned.checked,
      title: required(form, 'title', 'Donnez un titre à l’événement.'),
      description: form.elements.description.value.trim(),
      source: value(form, 'source'),
      area_m2: amount(form, 'area_m2'),
      amount_eur: amount(form, 'amount_eur'),
    };
    if (form.elements.part_id) out.part_id = form.elements.part_id.value || null;
    if (form.elements.cancelled) out.cancelled = form.elements.cancelled.checked;
    return out;
  }

  function addEventForm() {
    const form = editForm({
      key: 'event-add', title: 'Ajouter un événement',
      fields: [...eventFields(null), reasonField('Motif', {requiredReason: false})],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const body = readEvent(form);
        for (const k of ['area_m2', 'amount_eur', 'part_id']) if (body[k] === null) delete body[k];
        for (const k of ['description', 'source']) if (!body[k]) delete body[k];
        const reason = value(form, 'reason');
        if (reason) body.reason = reason;
        return {method: 'POST', url: `${siteURL()}/events`, body, success: `Événement « ${body.title} » ajouté.`};
      }),
    });
    return {form};
  }

  function editEventForm(e) {
    const form = editForm({
      key: 'event-edit', title: `Modifier l’événement « ${e.title} »`,
      fields: [...eventFields(e), reasonField('Motif', {requiredReason: false})],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const body = changedFields(readEvent(form), e);
        if (!Object.keys(body).length) throw new FieldError('', 'Aucune modification à enregistrer.');
        const reason = value(form, 'reason');
        if (reason) body.reason = reason;
        return {method: 'PATCH', url: `/api/events/${e.id}`, body, success: 'Événement enregistré.'};
      }),
    });
    return {form};
  }

  function cancelEventForm(e) {
    const option = (v, label, hint, checked) => {
      const input = h('input', {type: 'radio', name: 'mode', value: v, id: uid('f-mode')});
      input.checked = checked;
      return h('label', {for: input.id, class: 'radio radio-block'}, input, ' ', h('span', {}, h('strong', {}, label), h('br', {}), h('span', {class: 'field-hint'}, hint)));
    };
    const form = editForm({
      key: 'event-cancel', title: `Retirer l’événement « ${e.title} »`, submitLabel: 'Retirer', danger: true,
      fields: [
        h('fieldset', {class: 'radio-group'},
          h('legend', {}, 'Que faire de cet événement ?'),
          option('cancel', 'L’annuler', 'Il n’aura pas lieu : il reste barré dans la chronologie.', true),
          option('delete', 'Le supprimer', 'C’était une erreur de saisie : il disparaît de la chronologie (un compte administrateur peut le rétablir).', false)),
        reasonField('Motif'),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const mode = form.elements.mode.value;
        return {
          method: 'DELETE', url: `/api/events/${e.id}?mode=${mode}`,
          body: {reason: required(form, 'reason', 'Indiquez pourquoi.')},
          success: mode === 'delete' ? 'Événement supprimé.' : 'Événement annulé.',
        };
      }),
    });
    return {form};
  }

  // ---- calendar milestones ----

  function milestoneName(m) {
    return [milestoneLabel(m.kind), m.label].filter(Boolean).join(' — ');
  }

  function planForm(m) {
    const form = editForm({
      key: 'plan', title: m.planned ? `Déplacer la date prévue — ${milestoneName(m)}` : `Fixer la date prévue — ${milestoneName(m)}`,
      intro: m.planned ? `Date prévue actuelle : ${m.planned_label || formatPreciseDate(m.planned)}. L’ancienne date reste visible dans l’historique du calendrier.` : null,
      fields: [
        field('Nouvelle date prévue', textInput('date', '', {inputmode: 'numeric'}), {required: true, hint: DATE_HINT}),
        reasonField('Motif du report', {hint: 'Affiché dans l’historique des dates prévues.'}),
        h('div', {class: 'field-row'},
          field('Décidé le', textInput('decided_on', '', {inputmode: 'numeric', placeholder: 'JJ/MM/AAAA'}), {hint: 'Facultatif : date de la décision.'}),
          field('Source', textInput('source', '', {maxlength: 2000}))),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const body = {date: preciseDate(form, 'date'), reason: required(form, 'reason', 'Indiquez pourquoi la date change.')};
        const decided = day(form, 'decided_on');
        if (decided) body.decided_on = decided;
        const source = value(form, 'source');
        if (source) body.source = source;
        return {method: 'POST', url: `/api/milestones/${m.id}/plans`, body, success: `Nouvelle date prévue : ${formatPreciseDate(body.date)}.`};
      }),
    });
    return {form};
  }

  function actualForm(m) {
    const form = editForm({
      key: 'actual', title: m.actual ? `Corriger la date réalisée — ${milestoneName(m)}` : `Date réalisée — ${milestoneName(m)}`,
      intro: m.actual ? 'Laissez la date vide pour effacer une date réalisée saisie par erreur (le motif est alors obligatoire).' : null,
      fields: [
        field('Date réalisée', textInput('date', m.actual ? inputPreciseDate(m.actual) : '', {inputmode: 'numeric'}),
          {required: !m.actual, hint: `${DATE_HINT} Pas dans le futur.`}),
        reasonField('Motif', {requiredReason: false}),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const date = preciseDate(form, 'date', {optional: Boolean(m.actual)});
        const reason = value(form, 'reason');
        if (!date && !reason) throw new FieldError('reason', 'Indiquez pourquoi la date réalisée est effacée.');
        const body = {date};
        if (reason) body.reason = reason;
        return {
          method: 'PUT', url: `/api/milestones/${m.id}/actual`, body,
          success: date ? `Date réalisée enregistrée : ${formatPreciseDate(date)}.` : 'Date réalisée effacée.',
        };
      }),
    });
    return {form};
  }

  function addMilestoneForm() {
    const detail = state.detail;
    const multiple = (detail.parts || []).length > 1;
    const form = editForm({
      key: 'milestone-add', title: 'Ajouter une échéance au calendrier',
      fields: [
        h('div', {class: 'field-row'},
          field('Type', select('kind', MILESTONE_KINDS.map((k) => [k.key, k.label]), 'release')),
          field('Date prévue', textInput('date', '', {inputmode: 'numeric'}), {required: true})),
        h('p', {class: 'field-hint'}, DATE_HINT),
        field('Libellé', textInput('label', '', {maxlength: 300, placeholder: 'ex. Libération pour les travaux'})),
        multiple ? field('Partie concernée', select('part_id', partOptions(detail), '')) : null,
        field('Source', textInput('source', '', {maxlength: 2000})),
        reasonField('Motif', {requiredReason: false}),
      ],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const body = {kind: form.elements.kind.value, date: preciseDate(form, 'date')};
        for (const k of ['label', 'source', 'reason']) {
          const v = value(form, k);
          if (v) body[k] = v;
        }
        if (form.elements.part_id?.value) body.part_id = form.elements.part_id.value;
        return {method: 'POST', url: `${siteURL()}/milestones`, body, success: 'Échéance ajoutée au calendrier.'};
      }),
    });
    return {form};
  }

  function restoreEventForm(record) {
    const title = record.before?.title || `événement ${record.entity_id}`;
    const form = editForm({
      key: 'event-restore', title: `Rétablir l’événement « ${title} »`, submitLabel: 'Rétablir',
      fields: [reasonField('Motif', {requiredReason: false})],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const reason = value(form, 'reason');
        return {
          method: 'POST', url: `/api/events/${encodeURIComponent(record.entity_id)}/restore`,
          body: reason ? {reason} : undefined, success: `Événement « ${title} » rétabli.`,
        };
      }),
    });
    return {form};
  }

  // ---- a deleted site ----

  function restoreForm(etag) {
    const form = editForm({
      key: 'site-restore', title: 'Restaurer le site', submitLabel: 'Restaurer',
      fields: [reasonField('Motif', {requiredReason: false})],
      onCancel: () => closeForm(),
      onSubmit: (form) => submit(form, () => {
        const reason = value(form, 'reason');
        return {
          method: 'POST', url: `${siteURL()}/restore`, body: reason ? {reason} : undefined, etag,
          success: 'Site restauré : il est de nouveau sur la carte.',
        };
      }),
    });
    return {form};
  }

  // hooks are the tools renderPanel places beside each thing an editor may change.
  const hooks = {
    siteTools: () => tools('edit-tools-site',
      action('Modifier la fiche', 'site-edit', siteForm),
      action('Supprimer le site…', 'site-delete', deleteForm, {className: 'btn-danger-ghost'})),
    partTools: (part) => {
      const context = (state.detail.parts || []).length > 1 ? part.label : '';
      return tools('edit-tools-part',
        action('Changer le statut', `status:${part.id}`, () => statusForm(part), {context}),
        action(part.geometry ? 'Remplacer le contour' : 'Placer sur la carte', `geometry:${part.id}`, () => geometryForm(part), {context}),
        part.geometry ? action('Scinder', `split:${part.id}`, () => splitForm(part), {context}) : null,
        action('Rattacher des parcelles', `parcels:${part.id}`, () => parcelsForm(part), {context}));
    },
    timelineTools: () => tools('edit-tools-timeline', action('Ajouter un événement', 'event-add', addEventForm)),
    eventTools: (e) => tools('edit-tools-event',
      action('Modifier', `event-edit:${e.id}`, () => editEventForm(e), {context: e.title}),
      e.cancelled ? null : action('Retirer…', `event-cancel:${e.id}`, () => cancelEventForm(e), {className: 'btn-danger-ghost', context: e.title})),
    milestoneTools: (m) => tools('edit-tools-milestone',
      action(m.planned ? 'Déplacer la date prévue' : 'Fixer la date prévue', `plan:${m.id}`, () => planForm(m), {context: milestoneName(m)}),
      action(m.actual ? 'Corriger la date réalisée' : 'Date réalisée', `actual:${m.id}`, () => actualForm(m), {context: milestoneName(m)})),
    // historyTools lets an admin bring back an event deleted by mistake.
    historyTools: (record) => (isAdmin() && record.action === 'event.delete'
      ? tools('edit-tools-history', action('Rétablir l’événement', `event-restore:${record.entity_id}`, () => restoreEventForm(record)))
      : null),
    calendarTools: () => tools('edit-tools-calendar', action('Ajouter une échéance', 'milestone-add', addMilestoneForm)),
    // parcelTools gives the parcels table a button per row, whose forms open below it.
    parcelTools: () => {
      const slot = h('div', {class: 'edit-slot'});
      return {
        node: h('div', {class: 'edit-tools edit-tools-parcels'}, slot),
        rowAction: (p) => bind(action('Détacher', `unlink:${p.id}`, () => unlinkForm(p), {className: 'btn-ghost', context: p.id}), slot),
      };
    },
  };

  // restoreTools is what a deleted site's panel offers an admin.
  function restoreTools(etag) {
    if (!isAdmin()) return h('p', {class: 'empty'}, 'Seul un compte administrateur peut restaurer un site supprimé.');
    return tools('edit-tools-restore', action('Restaurer le site', 'site-restore', () => restoreForm(etag)));
  }

  return {setSite, closeForm, hooks, flashNode, focusFlash, restoreTools, isOpen: () => Boolean(state.open)};
}
