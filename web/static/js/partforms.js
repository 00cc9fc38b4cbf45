// The forms that change a part: its status, its outline, a split, its parcels. Each
// builder takes the editor (see editor.js) and returns {form, cleanup}.

import {changeStatus, linkParcels, replaceGeometry, splitPart, unlinkParcel} from './api.js';
import {dateHint} from './dates.js';
import {h, replace} from './dom.js';
import {preciseDate, reasonField} from './fields.js';
import {checkbox, editForm, field, select, textArea, textInput, value} from './forms.js';
import {formatDay} from './format.js';
import {geometryInput} from './geometryinput.js';
import {parcelID} from './model.js';
import {GEOMETRY_QUALITIES, nextStatuses, qualityLabel, statusLabel} from './vocab.js';

// statusForm moves a part to one of the statuses the service allows from its own, or with a correction to any.
export function statusForm(ed, part) {
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
    key: 'status', title: `Changer le statut${(ed.detail().parts || []).length > 1 ? ` — ${part.label}` : ''}`,
    intro: `Statut actuel : ${statusLabel(part.status)}${since ? `, depuis ${part.status_since_label}` : ''}.` +
      (part.status === 'ceded' ? ' Un terrain cédé ne change plus de statut, sauf correction.' : ''),
    fields: [
      field('Nouveau statut', status, {required: true, hint: 'Seuls les changements permis depuis le statut actuel sont proposés.'}),
      field('Date du changement', textInput('date', formatDay(ed.getToday()), {inputmode: 'numeric'}),
        {required: true, hint: `${dateHint()} Pas dans le futur${since ? `, et après ${part.status_since_label}` : ''}.`}),
      correction,
      reasonField('Motif'),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const body = {status: value(form, 'status'), date: preciseDate(form, 'date'), reason: value(form, 'reason')};
      if (form.elements.correction.checked) body.correction = true;
      return {
        write: (etag) => changeStatus(part.id, body, etag),
        success: `Statut enregistré : ${statusLabel(body.status)}.`,
      };
    }),
  });
  return {form};
}

// geometryForm places a part on the map or replaces its outline.
export function geometryForm(ed, part) {
  const located = Boolean(part.geometry);
  const geom = geometryInput(ed, {initial: part.geometry, purpose: `Contour de « ${part.label} »`});
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
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const {geometry, crs} = geom.read();
      const body = {geometry, crs, quality: form.elements.quality.value, source: value(form, 'source')};
      const reason = value(form, 'reason');
      if (reason) body.reason = reason;
      return {
        write: (etag) => replaceGeometry(part.id, body, etag),
        success: located ? 'Nouveau contour enregistré.' : 'La partie est placée sur la carte.',
      };
    }),
  });
  return {form, cleanup: geom.stop};
}

// splitForm cuts a new part out of a part.
export function splitForm(ed, part) {
  const geom = geometryInput(ed, {purpose: `Partie cédée de « ${part.label} »`});
  const form = editForm({
    key: 'split', title: `Scinder — ${part.label}`,
    intro: 'Dessinez (ou importez) la partie qui se détache, par exemple la partie cédée. Elle devient une nouvelle partie, avec le statut de l’actuelle ; le reste garde son identifiant. Les surfaces s’additionnent.',
    fields: [
      field('Libellé de la nouvelle partie', textInput('label', '', {maxlength: 300, placeholder: 'ex. Partie cédée en 2019'}), {required: true}),
      geom.node,
      reasonField('Motif', {requiredReason: false}),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const label = value(form, 'label');
      const {geometry, crs} = geom.read();
      const body = {geometry, crs, label};
      const reason = value(form, 'reason');
      if (reason) body.reason = reason;
      return {write: (etag) => splitPart(part.id, body, etag), success: `Partie « ${label} » créée.`};
    }),
  });
  return {form, cleanup: geom.stop};
}

// parcelsForm attaches cadastral parcels to a part.
export function parcelsForm(ed, part) {
  const form = editForm({
    key: 'parcels', title: `Rattacher des parcelles${(ed.detail().parts || []).length > 1 ? ` — ${part.label}` : ''}`,
    fields: [
      field('Parcelles cadastrales', textArea('ids', '', {rows: 2, spellcheck: 'false', placeholder: 'AZ 56, AZ 57 ou 94041000AZ0056'}),
        {required: true, hint: 'Section et numéro (AZ 56) ou identifiant à 14 caractères, séparés par des virgules ou des retours à la ligne.'}),
      reasonField('Motif', {requiredReason: false}),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      // Short references become ids of the commune; the service checks every id.
      const ids = value(form, 'ids').split(/[,;\n]+/).map((t) => t.trim()).filter(Boolean).map(parcelID);
      const body = {ids};
      const reason = value(form, 'reason');
      if (reason) body.reason = reason;
      return {
        write: (etag) => linkParcels(part.id, body, etag),
        success: `${ids.length} parcelle${ids.length > 1 ? 's rattachées' : ' rattachée'}.`,
      };
    }),
  });
  return {form};
}

// unlinkForm detaches a parcel from its part.
export function unlinkForm(ed, parcel) {
  const form = editForm({
    key: 'unlink', title: `Détacher la parcelle ${parcel.id}`, submitLabel: 'Détacher',
    fields: [reasonField('Motif', {requiredReason: false})],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const reason = value(form, 'reason');
      return {
        write: (etag) => unlinkParcel(parcel.part_id, parcel.id, reason ? {reason} : undefined, etag),
        success: `Parcelle ${parcel.id} détachée.`,
      };
    }),
  });
  return {form};
}
