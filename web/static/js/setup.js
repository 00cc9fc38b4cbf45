// The service's settings, loaded once: the map page's start-up and a sign-in into a private
// service both wait for them.

import {fetchBoundary, fetchConfig} from './api.js';
import {$, app, notify} from './app.js';
import {checkLinkDate, statusOptions, syncControls} from './controls.js';
import {setDateForms} from './dates.js';
import {replace} from './dom.js';
import {setGovernanceVocabulary} from './govstate.js';
import {setParcelIDPrefix} from './model.js';
import {setVocabulary} from './vocab.js';

// loadSetup applies the service's settings (base map, today, vocabulary, date forms,
// parcel-id prefix) and draws the commune's outline, once; a private service gives them only after sign-in.
export function loadSetup() {
  app.setup ??= (async () => {
    let config = {tile_url: '', tile_attribution: ''};
    try {
      config = await fetchConfig();
      app.today = config.today || '';
      notify('config', '');
    } catch (err) {
      notify('config', `Configuration indisponible (${err.message}) : carte sans fond de plan.`);
    }
    // The statuses, their labels and allowed moves, the modalities, the milestone kinds,
    // the forms of a date and the parcel ids are the service's.
    setVocabulary(config);
    setDateForms(config.date_forms);
    setGovernanceVocabulary(config.governance);
    setParcelIDPrefix(config.parcel_id_prefix);
    replace($('status-options'), statusOptions());
    app.map.setBaseMap(config);
    syncControls();
    checkLinkDate();
    fetchBoundary().then((b) => app.map.setBoundary(b)).catch((err) => {
      notify('boundary', `La limite communale n’a pas pu être chargée (${err.message}).`);
    });
  })();
  return app.setup;
}
