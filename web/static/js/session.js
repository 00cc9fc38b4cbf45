// Who is signed in: the header's account area, the sign-in dialog, and the session the
// writes run under (its CSRF token goes with each of them, see api.js).

import {ApiError, fetchSession, setCSRFToken, signIn as apiSignIn, signOut as apiSignOut} from './api.js';
import {h, replace} from './dom.js';

const ROLE_LABELS = {viewer: 'lecture', editor: 'édition', admin: 'administration'};

// session is the current account: signedIn, user, role, and whether the whole service is
// private.
export const session = {signedIn: false, user: '', role: '', private: false};

// canEdit tells whether the account may edit sites.
export function canEdit() {
  return session.signedIn && (session.role === 'editor' || session.role === 'admin');
}

// isAdmin tells whether the account may also restore what was deleted.
export function isAdmin() {
  return session.signedIn && session.role === 'admin';
}

function adopt(info) {
  session.signedIn = Boolean(info?.signed_in);
  session.user = session.signedIn ? info.user || '' : '';
  session.role = session.signedIn ? info.role || '' : '';
  session.private = Boolean(info?.private);
  setCSRFToken(session.signedIn ? info.csrf_token : '');
}

// loadSession asks the service who is signed in.
export async function loadSession() {
  adopt(await fetchSession());
  return session;
}

// forgetSession records that the session is over (expired, or signed out elsewhere).
export function forgetSession() {
  adopt({signed_in: false, private: session.private});
}

const $ = (id) => document.getElementById(id);

// renderAccount draws the header's account area: who is signed in and a sign-out button,
// or a sign-in button.
export function renderAccount(el, {onSignIn, onSignOut}) {
  if (!session.signedIn) {
    replace(el, h('button', {type: 'button', class: 'btn btn-ghost', id: 'signin-button', onclick: onSignIn}, 'Se connecter'));
    return;
  }
  replace(el,
    h('span', {class: 'account-who'},
      h('span', {class: 'visually-hidden'}, 'Connecté : '),
      h('span', {class: 'account-name', id: 'account-name'}, session.user),
      h('span', {class: 'account-role', id: 'account-role'}, ROLE_LABELS[session.role] || session.role)),
    h('button', {type: 'button', class: 'btn btn-ghost', id: 'signout-button', onclick: onSignOut}, 'Se déconnecter'));
}

// signInMessage says in French why a sign-in was refused.
function signInMessage(err) {
  if (!(err instanceof ApiError)) return `La connexion a échoué (${err.message}).`;
  switch (err.status) {
    case 400:
      return err.field === 'password' ? 'Saisissez le mot de passe.' : 'Saisissez le nom du compte.';
    case 401:
      return 'Nom de compte ou mot de passe incorrect.';
    case 429: {
      const minutes = Math.max(1, Math.ceil(err.retryAfter / 60));
      return `Trop d’essais infructueux : réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`;
    }
  }
  return `La connexion a échoué (${err.message}).`;
}

// openSignIn shows the sign-in dialog; onSignedIn runs once the session is open. The
// dialog is modal: it keeps the focus, and Escape closes it.
export function openSignIn({message = '', onSignedIn}) {
  const dialog = $('signin-dialog');
  const form = $('signin-form');
  const error = $('signin-error');
  const opener = document.activeElement;
  replace($('signin-intro'), message || 'Connectez-vous pour voir les champs réservés et, selon votre rôle, modifier les sites.');
  error.hidden = true;
  form.reset();
  for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');

  const close = () => {
    form.removeEventListener('submit', onSubmit);
    $('signin-cancel').removeEventListener('click', onCancel);
    dialog.removeEventListener('close', onClose);
    if (dialog.open) dialog.close();
  };
  const onClose = () => {
    close();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  };
  const onCancel = () => {
    dialog.close();
  };
  const onSubmit = async (e) => {
    e.preventDefault();
    const name = form.elements.name.value.trim();
    const password = form.elements.password.value;
    const missing = !name ? form.elements.name : !password ? form.elements.password : null;
    for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');
    if (missing) {
      missing.setAttribute('aria-invalid', 'true');
      replace(error, missing === form.elements.name ? 'Saisissez le nom du compte.' : 'Saisissez le mot de passe.');
      error.hidden = false;
      missing.focus();
      return;
    }
    $('signin-submit').disabled = true;
    try {
      const {body} = await apiSignIn(name, password);
      adopt(body);
    } catch (err) {
      replace(error, signInMessage(err));
      error.hidden = false;
      const field = err instanceof ApiError && err.field === 'password' ? form.elements.password : form.elements.name;
      if (err instanceof ApiError && err.status === 401) form.elements.password.setAttribute('aria-invalid', 'true');
      else field.setAttribute('aria-invalid', 'true');
      form.elements.password.value = '';
      (err instanceof ApiError && err.status === 401 ? form.elements.password : field).focus();
      return;
    } finally {
      $('signin-submit').disabled = false;
    }
    close();
    onSignedIn?.();
  };
  form.addEventListener('submit', onSubmit);
  $('signin-cancel').addEventListener('click', onCancel);
  dialog.addEventListener('close', onClose);
  if (!dialog.open) dialog.showModal();
  form.elements.name.focus();
}

// signOut ends the session on the service.
export async function signOut() {
  try {
    await apiSignOut();
  } finally {
    forgetSession();
  }
}
