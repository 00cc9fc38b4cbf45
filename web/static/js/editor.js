// The editing tools of the site panel, for editors: a button beside what it changes opens
// a form in place; the form sends one write with the site's ETag in If-Match, and once it
// is saved every view reloads. A stale ETag (412) reloads the site and says why; any
// other refusal shows next to the field the service names. The forms themselves live by
// what they change: siteforms.js, partforms.js, timelineforms.js, calendarforms.js.

import {addMilestoneForm, actualForm, milestoneName, planForm} from './calendarforms.js';
import {h} from './dom.js';
import {clearProblems, problemMessage, setBusy, showProblem} from './forms.js';
import {geometryForm, parcelsForm, splitForm, statusForm, unlinkForm} from './partforms.js';
import {isAdmin} from './session.js';
import {deleteForm, restoreForm, siteForm} from './siteforms.js';
import {suggestionsForm} from './suggestforms.js';
import {addEventForm, cancelEventForm, editEventForm, restoreEventForm} from './timelineforms.js';

// STALE_MESSAGE is what the user is told when someone else changed the site first.
export const STALE_MESSAGE = 'Ce site a été modifié par quelqu’un d’autre entre-temps : la fiche a été rechargée avec ses données à jour. Vérifiez-les, puis refaites votre modification.';

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

  // submit runs a form's write: build() reads the form and returns the request, whose
  // write(etag) calls the API (see api.js) and whose success is said once it is saved;
  // the answer's ETag replaces the one kept.
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
      const res = await req.write(state.etag);
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

  // ed is what the forms need of the editor.
  const ed = {
    detail: () => state.detail,
    siteID: () => state.siteID,
    closeForm,
    submit,
    getToday,
    getMap, showMap, beginDrawing, endDrawing, showPreview,
  };

  // hooks are the tools renderPanel places beside each thing an editor may change.
  const hooks = {
    siteTools: () => tools('edit-tools-site',
      action('Modifier la fiche', 'site-edit', () => siteForm(ed)),
      action('Supprimer le site…', 'site-delete', () => deleteForm(ed), {className: 'btn-danger-ghost'})),
    partTools: (part) => {
      const context = (state.detail.parts || []).length > 1 ? part.label : '';
      return tools('edit-tools-part',
        action('Changer le statut', `status:${part.id}`, () => statusForm(ed, part), {context}),
        action(part.geometry ? 'Remplacer le contour' : 'Placer sur la carte', `geometry:${part.id}`, () => geometryForm(ed, part), {context}),
        part.geometry ? action('Scinder', `split:${part.id}`, () => splitForm(ed, part), {context}) : null,
        action('Rattacher des parcelles', `parcels:${part.id}`, () => parcelsForm(ed, part), {context}),
        part.geometry_quality === 'approximate'
          ? action('Parcelles suggérées', `suggest:${part.id}`, () => suggestionsForm(ed, part), {context})
          : null);
    },
    timelineTools: () => tools('edit-tools-timeline', action('Ajouter un événement', 'event-add', () => addEventForm(ed))),
    eventTools: (e) => tools('edit-tools-event',
      action('Modifier', `event-edit:${e.id}`, () => editEventForm(ed, e), {context: e.title}),
      e.cancelled ? null : action('Retirer…', `event-cancel:${e.id}`, () => cancelEventForm(ed, e), {className: 'btn-danger-ghost', context: e.title})),
    milestoneTools: (m) => tools('edit-tools-milestone',
      action(m.planned ? 'Déplacer la date prévue' : 'Fixer la date prévue', `plan:${m.id}`, () => planForm(ed, m), {context: milestoneName(m)}),
      action(m.actual ? 'Corriger la date réalisée' : 'Date réalisée', `actual:${m.id}`, () => actualForm(ed, m), {context: milestoneName(m)})),
    // historyTools lets an admin bring back an event deleted by mistake.
    historyTools: (record) => (isAdmin() && record.action === 'event.delete'
      ? tools('edit-tools-history', action('Rétablir l’événement', `event-restore:${record.entity_id}`, () => restoreEventForm(ed, record)))
      : null),
    calendarTools: () => tools('edit-tools-calendar', action('Ajouter une échéance', 'milestone-add', () => addMilestoneForm(ed))),
    // parcelTools gives the parcels table a button per row, whose forms open below it.
    parcelTools: () => {
      const slot = h('div', {class: 'edit-slot'});
      return {
        node: h('div', {class: 'edit-tools edit-tools-parcels'}, slot),
        rowAction: (p) => bind(action('Détacher', `unlink:${p.id}`, () => unlinkForm(ed, p), {className: 'btn-ghost', context: p.id}), slot),
      };
    },
  };

  // restoreTools is what a deleted site's panel offers an admin.
  function restoreTools(etag) {
    if (!isAdmin()) return h('p', {class: 'empty'}, 'Seul un compte administrateur peut restaurer un site supprimé.');
    return tools('edit-tools-restore', action('Restaurer le site', 'site-restore', () => restoreForm(ed, etag)));
  }

  return {setSite, closeForm, hooks, flashNode, focusFlash, restoreTools, isOpen: () => Boolean(state.open)};
}