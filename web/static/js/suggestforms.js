// The parcel suggestions of an approximate part: the parcels its square covers for at
// least half their area, listed with a check box each (checked unless another part holds
// the parcel), and one "Rattacher" button that links those checked through the audited
// link route, as the "Rattacher des parcelles" form does.

import {fetchParcelSuggestions, linkParcels} from './api.js';
import {h, replace} from './dom.js';
import {reasonField} from './fields.js';
import {editForm, FieldError, problemMessage, value} from './forms.js';
import {formatM2} from './format.js';

// suggestionsForm opens with the list loading; it fills once the service answers.
export function suggestionsForm(ed, part) {
  const list = h('div', {class: 'suggestions', 'aria-live': 'polite'}, h('p', {class: 'empty'}, 'Recherche des parcelles couvertes…'));
  const form = editForm({
    key: 'suggest',
    title: `Parcelles suggérées${(ed.detail().parts || []).length > 1 ? ` — ${part.label}` : ''}`,
    fields: [list, reasonField('Motif', {requiredReason: false})],
    submitLabel: 'Rattacher',
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const ids = [...form.querySelectorAll('input[name="suggested"]:checked')].map((el) => el.value);
      if (ids.length === 0) throw new FieldError('suggested', 'Cochez au moins une parcelle à rattacher.');
      const body = {ids};
      const reason = value(form, 'reason');
      body.reason = reason || 'Parcelles suggérées par le contour approximatif, confirmées';
      return {
        write: (etag) => linkParcels(part.id, body, etag),
        success: `${ids.length} parcelle${ids.length > 1 ? 's rattachées' : ' rattachée'}.`,
      };
    }),
  });
  const controller = new AbortController();
  fetchParcelSuggestions(part.id, {signal: controller.signal})
    .then((sg) => replace(list, ...suggestionNodes(sg)))
    .catch((err) => {
      if (err.name !== 'AbortError') replace(list, h('p', {class: 'form-error'}, problemMessage(err)));
    });
  return {form, cleanup: () => controller.abort()};
}

// suggestionNodes lists the suggestions as check boxes, with the service's note.
function suggestionNodes(sg) {
  const nodes = [h('p', {class: 'edit-form-intro'}, sg.note)];
  if (sg.suggestions.length === 0) return nodes;
  nodes.push(h('fieldset', {class: 'field suggestions-list', dataset: {field: 'suggested'}},
    h('legend', {}, 'Parcelles à rattacher'),
    sg.suggestions.map((p) => {
      const input = h('input', {type: 'checkbox', name: 'suggested', value: p.id, id: `suggest-${p.id}`});
      input.checked = !p.linked_part;
      input.disabled = Boolean(p.linked_part);
      const facts = [`${Math.round(100 * p.share)} % dans le contour`, formatM2(p.area_m2)];
      if (p.linked_part) facts.push(`déjà rattachée à la partie ${p.linked_part}`);
      return h('div', {class: 'field-check'},
        h('label', {for: input.id}, input, ' ', h('strong', {}, p.label), ` (${p.id}) — ${facts.join(', ')}`));
    })));
  return nodes;
}
