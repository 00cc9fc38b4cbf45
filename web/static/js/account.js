// The account in the header, signing in and out, and what follows a change of session.

import {$, app, notify} from './app.js';
import {loadData, refresh} from './data.js';
import {loadSetup} from './setup.js';
import {closePanel} from './sitepanel.js';
import {forgetSession, loadSession, openSignIn, renderAccount, session, signOut} from './session.js';


export function renderAccountArea() {
  renderAccount($('account'), {onSignIn: () => signIn(), onSignOut: onSignOutClicked});
}

// signIn opens the sign-in dialog; once signed in, the page reloads what the account may
// see and edit.
export function signIn(message = '') {
  openSignIn({
    message,
    onSignedIn: async () => {
      renderAccountArea();
      notify('session', '');
      await loadSetup();
      await loadData();
      ($('panel').hidden ? $('signout-button') : $('panel-title'))?.focus();
    },
  });
}

export async function onSignOutClicked() {
  app.editor.closeForm({restoreFocus: false});
  try {
    await signOut();
  } catch (err) {
    notify('session', `La déconnexion n’a pas abouti (${err.message}).`);
  }
  renderAccountArea();
  $('signin-button')?.focus();
  if (session.private) {
    requireSignIn();
    return;
  }
  await loadData();
}

// onSessionOver is called when a write finds the session gone (expired, or closed
// elsewhere).
export function onSessionOver() {
  forgetSession();
  renderAccountArea();
  signIn('Votre session a expiré : reconnectez-vous, puis recommencez votre modification.');
}

// onSessionChanged takes up the session another tab opened or closed: the header says
// who is signed in now, and the page shows what that account may see and do.
export async function onSessionChanged() {
  const before = `${session.user}/${session.role}`;
  try {
    await loadSession();
  } catch {
    return;
  }
  renderAccountArea();
  if (`${session.user}/${session.role}` !== before) await loadData();
}

// requireSignIn is the private service's page before sign-in: no data, the dialog.
export function requireSignIn() {
  app.features = [];
  app.sites = [];
  app.calendar = [];
  refresh();
  if (!$('panel').hidden) closePanel();
  notify('data', 'Ce service est réservé aux personnes connectées : connectez-vous pour voir les sites.');
  document.body.dataset.ready = 'true';
  signIn('Ce service est réservé aux personnes connectées.');
}
