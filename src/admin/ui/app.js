/**
 * Dashboard shell: the selected session (picker fed by /__mock/sessions, remembered, `?session=` wins), the
 * language toggle, the three views behind #calls / #scenarios / #state, and the live stream that feeds the
 * calls view and refreshes the visible scenarios or state when a call of the session arrives; a loading state
 * until the first data, an error state (with a retry) while the mock cannot be reached.
 */
import { AdminError, adminApi, adminUrl } from './admin-api.js';
import { callStream } from './call-stream.js';
import { el } from './el.js';
import { applyLabels, language, setLanguage, t } from './i18n.js';
import { createCallsView } from './calls-view.js';
import { createScenariosView } from './scenarios-view.js';
import { createStateView } from './state-view.js';

const SESSION_KEY = 'contract-mock.dashboard.session';
const VIEWS = ['calls', 'scenarios', 'state'];
/** The mock's own rule for X-Mock-Session (src/mock/pipeline.ts validSessionId). */
const SESSION_ID = /^[\x21-\x7e]{1,128}$/;

const sessionSelect = /** @type {HTMLSelectElement} */ (document.getElementById('session-select'));
const sessionForm = /** @type {HTMLFormElement} */ (document.getElementById('session-form'));
const sessionInput = /** @type {HTMLInputElement} */ (document.getElementById('session-input'));
const streamStatus = document.getElementById('stream-status');
const languageToggle = document.getElementById('language-toggle');
const notice = document.getElementById('notice');
const loadState = document.getElementById('load-state');
const loadMessage = document.getElementById('load-message');
const loadRetry = document.getElementById('load-retry');

let session = initialSession();
const knownSessions = new Set(['default', session].filter((s) => s !== '*'));
const apiTitles = new Map();
let view = 'calls';
let closeStream = () => {};
let noticeTimer;
let healthLoaded = false;
/** @type {{ state: 'loading' } | { state: 'ready' } | { state: 'error', error: Error }} */
let load = { state: 'loading' };

function initialSession() {
  const fromUrl = new URLSearchParams(location.search).get('session');
  if (fromUrl && (fromUrl === '*' || SESSION_ID.test(fromUrl))) return fromUrl;
  try {
    const saved = localStorage.getItem(SESSION_KEY);
    if (saved && (saved === '*' || SESSION_ID.test(saved))) return saved;
  } catch {
    // No storage: start from the default session.
  }
  return 'default';
}

function notify(message) {
  notice.textContent = message;
  notice.classList.add('visible');
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => notice.classList.remove('visible'), 6000);
}

const app = {
  session: () => session,
  notify,
  apiTitle: (name) => apiTitles.get(name) ?? name,
  /** A reset cleared the session's journal on the server: drop its calls here too. */
  afterReset: (id) => {
    calls.forgetSession(id);
    void scenarios.load();
  },
};

const calls = createCallsView(app);
const scenarios = createScenariosView(app);
const state = createStateView(app);

/** Why the first data did not come: the mock unreachable (a network error), or an admin refusal (its problem). */
function loadErrorText(error) {
  const url = adminUrl('');
  return error instanceof AdminError
    ? t('loadRefused', { url, reason: error.message })
    : t('unreachable', { url, reason: error.message });
}

function setLoad(next) {
  load = next;
  loadState.setAttribute('data-state', next.state);
  loadMessage.textContent = next.state === 'error' ? loadErrorText(next.error) : t('loading');
  loadRetry.hidden = next.state !== 'error';
}

/** The API list for the filters and the version; false (and the error state) when the mock cannot answer. */
async function loadHealth() {
  try {
    const health = await adminApi('health');
    document.getElementById('version').textContent = `v${health.version}`;
    for (const api of health.apis) apiTitles.set(api.name, api.title);
    calls.setApis(health.apis);
    state.refresh();
    healthLoaded = true;
  } catch (e) {
    setLoad({ state: 'error', error: e });
  }
  return healthLoaded;
}

/** The journal of the session (the first data the page waits for); the page is ready once it and health are in. */
async function loadJournal() {
  const result = await calls.reload();
  if (!result.ok) {
    if (load.state === 'ready') notify(result.error.message);
    else setLoad({ state: 'error', error: result.error });
    return;
  }
  if (healthLoaded || (await loadHealth())) setLoad({ state: 'ready' });
}

function fillSessions() {
  const ids = [...knownSessions].sort();
  sessionSelect.replaceChildren(
    el('option', { value: '*' }, t('allSessions')),
    ...ids.map((id) => el('option', { value: id }, id)),
  );
  sessionSelect.value = session;
}

function noteSession(id) {
  if (knownSessions.has(id)) return;
  knownSessions.add(id);
  fillSessions();
}

async function loadSessions() {
  try {
    for (const id of (await adminApi('sessions')).sessions) knownSessions.add(id);
  } catch (e) {
    // While the page shows it cannot reach the mock, a toast would only repeat that.
    if (load.state !== 'error') notify(e.message);
  }
  fillSessions();
}

/** Loads the visible view's data; overlapping requests collapse into one more load after the current one. */
let refreshing = null;
let refreshAgain = false;
async function refreshVisible() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  do {
    refreshAgain = false;
    refreshing = view === 'scenarios' ? scenarios.load() : view === 'state' ? state.load() : Promise.resolve();
    await refreshing;
  } while (refreshAgain);
  refreshing = null;
}

function setStreamStatus(status) {
  streamStatus.setAttribute('data-status', status);
  streamStatus.textContent = t(
    status === 'live' ? 'streamLive' : status === 'offline' ? 'streamOffline' : 'streamConnecting',
  );
}

function connect() {
  closeStream();
  closeStream = callStream(session, {
    onStatus: (status) => {
      setStreamStatus(status);
      // No stream (its answer was not one): the journal still shows what it holds, or why it cannot.
      if (status === 'offline' && load.state !== 'ready') void loadJournal();
    },
    // After every (re)connection: reload what the journal holds, so nothing recorded meanwhile is missed.
    onOpen: () => {
      void loadJournal();
      void refreshVisible();
    },
    onCall: (record) => {
      noteSession(record.session);
      calls.add(record);
      if (record.session === session) void refreshVisible();
    },
  });
}

function selectSession(id) {
  session = id;
  noteSession(id);
  sessionSelect.value = id;
  try {
    localStorage.setItem(SESSION_KEY, id);
  } catch {
    // No storage: the choice lasts for this page only.
  }
  const url = new URL(location.href);
  url.searchParams.set('session', id);
  history.replaceState(null, '', url);
  calls.reset();
  scenarios.reset();
  state.reset();
  connect();
}

function showView(name) {
  view = VIEWS.includes(name) ? name : 'calls';
  for (const v of VIEWS) document.getElementById(`view-${v}`).hidden = v !== view;
  for (const link of document.querySelectorAll('.tabs a')) {
    if (link.getAttribute('data-view') === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  void refreshVisible();
}

sessionSelect.addEventListener('change', () => selectSession(sessionSelect.value));
// The stream only carries the selected session's calls: ask for the list again whenever the picker is used.
sessionSelect.addEventListener('focus', () => void loadSessions());
sessionForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const id = sessionInput.value.trim();
  if (!SESSION_ID.test(id)) return notify(t('badSession'));
  sessionInput.value = '';
  selectSession(id);
});
/** The toggle names the other language, in that language. */
const labelLanguageToggle = () => languageToggle.setAttribute('lang', language() === 'zh' ? 'en' : 'zh-CN');

languageToggle.addEventListener('click', () => {
  setLanguage(language() === 'zh' ? 'en' : 'zh');
  labelLanguageToggle();
  fillSessions();
  setStreamStatus(streamStatus.getAttribute('data-status'));
  setLoad(load);
  calls.refresh();
  scenarios.refresh();
  state.refresh();
});
window.addEventListener('hashchange', () => {
  // Only the view links change the view; other anchors (the skip link) leave it alone.
  const name = location.hash.slice(1);
  if (VIEWS.includes(name)) showView(name);
});

// Try again now rather than at the stream's next attempt: the journal is asked directly, the stream reopened.
loadRetry.addEventListener('click', () => {
  setLoad({ state: 'loading' });
  connect();
  void loadJournal();
});

async function start() {
  applyLabels(document);
  labelLanguageToggle();
  setLoad(load);
  fillSessions();
  showView(location.hash.slice(1));
  await loadHealth();
  connect();
  await loadSessions();
  document.body.setAttribute('data-ready', 'true');
}

void start();
