// The Emprises map page: wires the URL state, the data from the API and the views
// (map and site list, calendar, dashboard, table, site panel) together. Every view shows
// the same portfolio as of the same date; the rules and labels are the service's
// (GET /api/config, /api/dashboard and the dates, periods and flags of every answer).
// The work is split by job: app.js (shared state), data.js (loading and drawing),
// sitepanel.js, controls.js, account.js, and the editor (editor.js).

import {onSessionChanged, onSessionOver, renderAccountArea, requireSignIn} from './account.js';
import {$, app, notify, writeURL} from './app.js';
import {bindControls, setView, showView, syncControls} from './controls.js';
import {loadData, onSelect} from './data.js';
import {loadSetup} from './setup.js';
import {createEditor} from './editor.js';
import {createMap} from './map.js';
import {loadSession, session} from './session.js';

// afterSave reloads every view (map colours, list, table, calendar, dashboard, panel)
// after a write, then reads out its outcome.
async function afterSave() {
  await loadData();
  app.editor.focusFlash();
}

// ---- start ----

async function start() {
  showView(app.state.view); // lay the page out before the map measures its box
  app.map = createMap($('map'), {
    onSelect,
    view: app.state.map,
    onMove: (view) => {
      app.state.map = view;
      writeURL();
    },
    parcels: app.state.parcels,
    onParcelsToggle: (shown) => {
      app.state.parcels = shown;
      writeURL();
    },
  });
  app.editor = createEditor({
    getMap: () => app.map.map,
    showMap: () => {
      setView('carte');
      app.map.invalidate();
    },
    beginDrawing: (what) => app.map.beginDrawing(what),
    endDrawing: () => app.map.endDrawing(),
    showPreview: (geometry) => app.map.showPreview(geometry),
    getToday: () => app.today,
    onSaved: afterSave,
    onSignedOut: onSessionOver,
    onSessionChanged,
  });
  bindControls();
  syncControls();
  try {
    await loadSession();
  } catch (err) {
    notify('session', `La session n’a pas pu être lue (${err.message}).`);
  }
  renderAccountArea();
  if (session.private && !session.signedIn) {
    requireSignIn();
    return;
  }
  await loadSetup();
  await loadData();
}

start();
