// The forms that change a site as a whole: its facts, its deletion and, for an admin,
// its restoration. Each builder takes the editor (see editor.js) and returns {form}.

import {deleteSite, restoreSite, updateSite} from './api.js';
import {h} from './dom.js';
import {changedFields, reasonField} from './fields.js';
import {FieldError, checkbox, editForm, field, select, textArea, textInput, value} from './forms.js';
import {MODALITIES, modalityLabel} from './vocab.js';

// siteForm changes a site's facts; only the changed fields are sent.
export function siteForm(ed) {
  const d = ed.detail();
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
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
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
      return {write: (etag) => updateSite(ed.siteID(), body, etag), success: 'Fiche du site enregistrée.'};
    }),
  });
  return {form};
}

// deleteForm deletes a site.
export function deleteForm(ed) {
  const form = editForm({
    key: 'site-delete', title: 'Supprimer le site', danger: true, submitLabel: 'Supprimer le site',
    intro: 'Le site disparaît de la carte, des listes et des exports. Rien n’est effacé : son historique est gardé et un compte administrateur peut le restaurer.',
    fields: [reasonField('Motif de la suppression')],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => ({
      write: (etag) => deleteSite(ed.siteID(), {reason: value(form, 'reason')}, etag),
      success: 'Site supprimé. Un compte administrateur peut le restaurer depuis cette fiche.',
    })),
  });
  return {form};
}

// restoreForm restores, for an admin, a deleted site.
export function restoreForm(ed, etag) {
  const form = editForm({
    key: 'site-restore', title: 'Restaurer le site', submitLabel: 'Restaurer',
    fields: [reasonField('Motif', {requiredReason: false})],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const reason = value(form, 'reason');
      return {
        write: () => restoreSite(ed.siteID(), reason ? {reason} : undefined, etag),
        success: 'Site restauré : il est de nouveau sur la carte.',
      };
    }),
  });
  return {form};
}

// hooks are the tools renderPanel places beside each thing an editor may change.
