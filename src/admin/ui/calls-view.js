/**
 * Calls view: the live journal, newest first, with filters (API, operation, violations only) and the call
 * detail beside it. Holds the records the dashboard has seen for the selected session (or every session);
 * the stream and the session are the shell's (app.js).
 */
import { el } from './el.js';
import { adminApi } from './admin-api.js';
import { t } from './i18n.js';
import { formatClockTime } from './format-time.js';
import { createCallDetail } from './call-detail.js';

/** Rows kept on screen and records kept in memory: a dashboard, not an archive (the journal has them all). */
const MAX_ROWS = 500;
const MAX_RECORDS = 2000;
const HISTORY = 200;
const MAX_SESSIONS = 50;

/**
 * A mark: its symbol, its words, and the short form (symbol and count) shown while a call is open, when the
 * marks column is narrow; the words stay for screen readers and in the tooltip, so no badge is ever clipped.
 */
const badge = (kind, symbol, words, short = '', title = words) =>
  el(
    'span',
    { class: `badge badge-${kind}`, title },
    `${symbol} `,
    el('span', { class: 'badge-words' }, words),
    el('span', { class: 'badge-short', 'aria-hidden': 'true' }, short),
  );

/** One call in the list: time, method, path, operation, code, duration and its marks. */
function callRow(r, { allSessions, selected, onOpen }) {
  const button = el(
    'button',
    {
      type: 'button',
      class: 'call-row',
      'data-id': r.id,
      'aria-current': selected ? 'true' : null,
      onclick: () => onOpen(r.id),
    },
    el('span', { class: 'c-time' }, formatClockTime(r.time)),
    el('span', { class: `c-method method method-${r.method.toLowerCase()}` }, r.method),
    el(
      'span',
      { class: 'c-path' },
      allSessions ? el('span', { class: 'c-session', title: t('session') }, r.session) : null,
      r.path,
    ),
    el('span', { class: 'c-operation' }, r.operationId ?? t('noOperation')),
    el(
      'span',
      { class: 'c-code', title: t('code') },
      r.response.code ?? '—',
      r.response.status !== 200 ? el('small', {}, ` HTTP ${r.response.status}`) : null,
    ),
    el('span', { class: 'c-duration' }, `${r.durationMs.toFixed(1)} ms`),
    el(
      'span',
      { class: 'c-marks' },
      r.violations.length
        ? badge('violation', '⚠', t('violationCount', { count: r.violations.length }), String(r.violations.length))
        : null,
      r.scenarios.length
        ? badge('scenario', '⚡', t('scenarioMark'), '', r.scenarios.map((s) => s.scenario).join(', '))
        : null,
      r.response.fault ? badge('fault', '✕', r.response.fault) : null,
    ),
  );
  return el('li', { class: r.violations.length ? 'has-violations' : null }, button);
}

/**
 * The API, operation and violations-only filters above the list; `onChange` renders the list again.
 * @param {() => void} onChange
 */
function createCallFilters(onChange) {
  const apiFilter = /** @type {HTMLSelectElement} */ (document.getElementById('filter-api'));
  const operationFilter = /** @type {HTMLSelectElement} */ (document.getElementById('filter-operation'));
  const violationsOnly = /** @type {HTMLInputElement} */ (document.getElementById('filter-violations'));
  let apis = [];

  function fillOperations() {
    const current = operationFilter.value;
    const operations = apis
      .filter((a) => !apiFilter.value || a.name === apiFilter.value)
      .flatMap((a) => a.operations.map((o) => /\(([^)]+)\)$/.exec(o)?.[1] ?? o));
    operationFilter.replaceChildren(
      el('option', { value: '' }, t('allOperations')),
      ...operations.map((o) => el('option', { value: o }, o)),
    );
    operationFilter.value = operations.includes(current) ? current : '';
  }

  function fillApis() {
    const current = apiFilter.value;
    apiFilter.replaceChildren(
      el('option', { value: '' }, t('allApis')),
      ...apis.map((a) => el('option', { value: a.name }, a.name)),
    );
    apiFilter.value = apis.some((a) => a.name === current) ? current : '';
    fillOperations();
  }

  apiFilter.addEventListener('change', () => {
    fillOperations();
    onChange();
  });
  operationFilter.addEventListener('change', onChange);
  violationsOnly.addEventListener('change', onChange);
  return {
    matches: (r) =>
      (!apiFilter.value || r.api === apiFilter.value) &&
      (!operationFilter.value || r.operationId === operationFilter.value) &&
      (!violationsOnly.checked || r.violations.length > 0),
    /** The API list from /__mock/health. */
    setApis(list) {
      apis = list;
      fillApis();
    },
    /** Fills the options again (after a language switch). */
    refresh: fillApis,
  };
}

/** The records the dashboard holds: oldest first, as the journal answers (rendered newest first), each id once. */
function createCallRecords() {
  let records = [];
  const ids = new Set();
  const remember = (r) => {
    if (ids.has(r.id)) return false;
    ids.add(r.id);
    records.push(r);
    if (records.length > MAX_RECORDS) ids.delete(records.shift().id);
    return true;
  };
  const replaceAll = (list) => {
    records = [];
    ids.clear();
    for (const r of list) remember(r);
  };
  return {
    get all() {
      return records;
    },
    /** Holds a new record; false when one with its id is held already. */
    remember,
    find: (id) => records.find((x) => x.id === id),
    /** A newer version of a held record replaces it. */
    update(r) {
      const i = records.findIndex((x) => x.id === r.id);
      if (i !== -1) records[i] = r;
    },
    /** Keeps only the records `keep` accepts. */
    keep: (keep) => replaceAll(records.filter(keep)),
    /** Loaded history and what the stream already delivered, in time order. */
    merge: (history) =>
      replaceAll([...history, ...records].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))),
    clear: () => replaceAll([]),
  };
}

/** The call the detail pane shows, marked in the list with aria-current. */
function createCallSelection(list, layout) {
  let selectedId = null;
  const detail = createCallDetail(document.getElementById('call-detail'), { onClose: close });

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && selectedId && !document.getElementById('view-calls').hidden) close();
  });

  /** Shows a record (none: the call is no longer held, nothing happens). */
  function open(r) {
    if (!r) return;
    selectedId = r.id;
    list.querySelector('[aria-current]')?.removeAttribute('aria-current');
    list.querySelector(`[data-id="${CSS.escape(r.id)}"]`)?.setAttribute('aria-current', 'true');
    layout.classList.add('showing-detail');
    detail.show(r);
  }

  function close() {
    const id = selectedId;
    selectedId = null;
    detail.hide();
    layout.classList.remove('showing-detail');
    list.querySelector('[aria-current]')?.removeAttribute('aria-current');
    // Back to the row the detail came from, for keyboard users.
    if (id) list.querySelector(`[data-id="${CSS.escape(id)}"]`)?.focus();
  }

  return {
    get id() {
      return selectedId;
    },
    get record() {
      return detail.record;
    },
    open,
    close,
    /** A newer version of the shown record. */
    show: (r) => detail.show(r),
    refresh: () => detail.refresh(),
  };
}

/** The journal of a session; for "all sessions", of at most MAX_SESSIONS of them (a load test may hold thousands; the stream has the rest). */
async function loadHistory(session) {
  const sessions = session === '*' ? (await adminApi('sessions')).sessions.slice(0, MAX_SESSIONS) : [session];
  return (await Promise.all(sessions.map((s) => adminApi(`calls?limit=${HISTORY}`, { session: s })))).flat();
}

/**
 * @param {{ session: () => string, notify(message: string): void }} app
 */
export function createCallsView(app) {
  const list = /** @type {HTMLOListElement} */ (document.getElementById('call-list'));
  const empty = document.getElementById('calls-empty');
  const count = document.getElementById('calls-count');
  const layout = document.getElementById('calls-layout');
  const clearButton = /** @type {HTMLButtonElement} */ (document.getElementById('clear-calls'));

  const records = createCallRecords();
  const selection = createCallSelection(list, layout);

  const filters = createCallFilters(() => render());
  const open = (id) => selection.open(records.find(id));
  const row = (r) => callRow(r, { allSessions: app.session() === '*', selected: r.id === selection.id, onOpen: open });

  function updateCounts() {
    const shown = list.children.length;
    empty.hidden = shown > 0;
    empty.textContent = records.all.length ? t('noMatchingCalls') : t('noCallsYet');
    count.textContent = t('callsShown', { shown, total: records.all.length });
  }

  function render() {
    const focusedId = document.activeElement?.closest?.('.call-row')?.getAttribute('data-id');
    // Newest first, at most MAX_ROWS of the records the filters let through.
    list.replaceChildren(...records.all.filter(filters.matches).slice(-MAX_ROWS).reverse().map(row));
    clearButton.disabled = app.session() === '*';
    if (focusedId) list.querySelector(`[data-id="${CSS.escape(focusedId)}"]`)?.focus();
    updateCounts();
  }

  clearButton.addEventListener('click', async () => {
    const session = app.session();
    try {
      await adminApi('calls', { session, method: 'DELETE' });
      forgetSession(session);
    } catch (e) {
      app.notify(e.message);
    }
  });

  function forgetSession(session) {
    records.keep((r) => r.session !== session);
    if (selection.record?.session === session) selection.close();
    render();
  }

  return {
    /** The API list from /__mock/health, for the filters. */
    setApis: filters.setApis,
    /** A record from the live stream. */
    add(r) {
      if (!records.remember(r)) {
        // The same call again: its deliveries have settled (the record is sent when the answer is, then once more).
        records.update(r);
        if (selection.id === r.id) selection.show(r);
        return;
      }
      if (filters.matches(r)) {
        list.prepend(row(r));
        while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
      }
      updateCounts();
    },
    /**
     * Loads the journal of the selected session(s) and merges what the stream already delivered.
     * @returns {Promise<{ ok: true } | { ok: false, error: Error }>} a failure is the shell's to show
     */
    async reload() {
      const session = app.session();
      try {
        const history = await loadHistory(session);
        if (app.session() !== session) return { ok: true };
        records.merge(history);
        render();
        return { ok: true };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
      }
    },
    /** A new session was picked: forget everything shown. */
    reset() {
      records.clear();
      if (selection.id) selection.close();
      render();
    },
    forgetSession,
    /** Renders again (after a language switch). */
    refresh() {
      filters.refresh();
      render();
      selection.refresh();
    },
  };
}
