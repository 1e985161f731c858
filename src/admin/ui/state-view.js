/**
 * State and clock view: browses the selected session's state from `GET /__mock/state` (every collection of
 * every API as a table: tokens with their time left, ios-datasyn users with their devices and table
 * versions, push projects ...), advances the session's mock clock and resets the session.
 */
import { el } from './el.js';
import { adminApi, sessionLoader } from './admin-api.js';
import { t, hasMessage } from './i18n.js';
import { formatMockTime, formatSeconds } from './format-time.js';

/** Collections shown first, in this order; any other collection follows under its own name. */
const FIRST = {
  'platform-sync': ['tokens', 'apps', 'schools', 'classes', 'users'],
  'ios-datasyn': ['users', 'tables', 'tokens', 'tracks'],
  'wx-push': ['projects'],
};

/** Mock-clock timestamps in the state are epoch milliseconds. */
const TIME_FIELDS = new Set(['expiresAt', 'lastModTime', 'createdAt', 'updatedAt', 'at']);

/** ios-datasyn keeps one record per user: `{ tableName: { synId, version, lastModTime, rows } }`; shown one row per table. */
function tableVersions(records) {
  return records.flatMap((tables, i) => {
    const userId =
      Object.values(tables)
        .flatMap((table) => table.rows ?? [])
        .find((row) => row && row.userId !== undefined)?.userId ?? `#${i + 1}`;
    return Object.entries(tables).map(([synTable, table]) => ({
      userId,
      synTable,
      synId: table.synId,
      version: table.version,
      lastModTime: table.lastModTime,
      rows: (table.rows ?? []).length,
    }));
  });
}

function cell(key, value) {
  if (key === 'secondsLeft' && typeof value === 'number') {
    return el(
      'td',
      { class: `seconds-left${value <= 0 ? ' expired' : ''}` },
      value <= 0 ? t('expired') : formatSeconds(value),
    );
  }
  if (TIME_FIELDS.has(key) && typeof value === 'number' && value > 1e11)
    return el('td', { title: String(value) }, formatMockTime(value));
  if (key === 'devices' && value && typeof value === 'object') {
    return el(
      'td',
      {},
      Object.entries(value).map(([device, flag]) =>
        el(
          'span',
          { class: `device device-${flag}` },
          `${device}: ${hasMessage(`device_${flag}`) ? t(`device_${flag}`) : flag}`,
        ),
      ),
    );
  }
  if (value !== null && typeof value === 'object')
    return el('td', {}, el('code', { class: 'cell-json' }, JSON.stringify(value)));
  return el('td', {}, value === undefined || value === null ? '' : String(value));
}

function collectionTable(api, kind, records) {
  const isRecord = (r) => r !== null && typeof r === 'object' && !Array.isArray(r);
  const listed = api === 'ios-datasyn' && kind === 'tables' ? tableVersions(records) : records;
  // Collections of plain values (lists of token strings ...) get a single column.
  const rows = listed.every(isRecord) ? listed : listed.map((value) => ({ value }));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  // Time left next to the token it belongs to, rather than last.
  const left = columns.indexOf('secondsLeft');
  if (left > 1) columns.splice(1, 0, ...columns.splice(left, 1));
  const title = hasMessage(`collection_${kind}`) ? `${t(`collection_${kind}`)} (${kind})` : kind;
  return el(
    'section',
    { class: 'collection', 'data-collection': `${api}/${kind}` },
    el('h4', {}, `${title} · ${rows.length}`),
    rows.length === 0
      ? el('p', { class: 'muted' }, t('emptyCollection'))
      : el(
          'div',
          { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${api} ${kind}` },
          el(
            'table',
            {},
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                columns.map((c) => el('th', { scope: 'col' }, c === 'secondsLeft' ? t('timeLeft') : c)),
              ),
            ),
            el(
              'tbody',
              {},
              rows.map((r) =>
                el(
                  'tr',
                  {},
                  columns.map((c) => cell(c, r[c])),
                ),
              ),
            ),
          ),
        ),
  );
}

/**
 * @param {{ session: () => string, notify(message: string): void, afterReset(session: string): void, apiTitle(name: string): string }} app
 */
export function createStateView(app) {
  const root = document.getElementById('state-apis');
  const heading = document.getElementById('state-session');
  const clockNow = document.getElementById('clock-now');
  const clockOffset = document.getElementById('clock-offset');
  const clockForm = /** @type {HTMLFormElement} */ (document.getElementById('clock-form'));
  const advanceInput = /** @type {HTMLInputElement} */ (document.getElementById('advance-seconds'));
  const resetButton = /** @type {HTMLButtonElement} */ (document.getElementById('reset-session'));
  const controls = document.getElementById('state-controls');
  let data = null;

  function render() {
    const session = app.session();
    const single = session !== '*';
    heading.textContent = single ? t('forSession', { session }) : '';
    controls.hidden = !single;
    if (!single) return root.replaceChildren(el('p', { class: 'notice-inline' }, t('pickOneSession')));
    if (!data) return root.replaceChildren(el('p', { class: 'muted' }, t('loading')));
    clockNow.textContent = data.clock.formatted;
    clockOffset.textContent =
      data.clock.offsetSeconds > 0 ? t('clockOffset', { offset: formatSeconds(data.clock.offsetSeconds) }) : '';
    root.replaceChildren(
      ...Object.entries(data.apis).map(([api, collections]) => {
        const kinds = [
          ...(FIRST[api] ?? []).filter((k) => k in collections),
          ...Object.keys(collections).filter((k) => !(FIRST[api] ?? []).includes(k)),
        ];
        return el(
          'section',
          { class: 'api-state', 'data-api': api },
          el('h3', {}, app.apiTitle(api)),
          kinds.map((kind) => collectionTable(api, kind, collections[kind])),
        );
      }),
    );
  }

  /** Fetches the session's state; of overlapping loads, the last one wins. */
  const load = sessionLoader(app, 'state', (latest) => {
    data = latest;
    render();
  });

  async function advance(seconds) {
    const session = app.session();
    try {
      const result = await adminApi('clock', { session, method: 'POST', body: { advanceSeconds: seconds } });
      app.notify(t('clockAdvanced', { seconds, now: result.formatted }));
    } catch (e) {
      app.notify(e.message);
    }
    await load();
  }

  clockForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const seconds = Number(advanceInput.value);
    if (!Number.isFinite(seconds) || seconds < 0) return app.notify(t('badSeconds'));
    void advance(seconds);
  });
  for (const preset of clockForm.querySelectorAll('[data-advance]')) {
    preset.addEventListener('click', () => void advance(Number(preset.getAttribute('data-advance'))));
  }
  resetButton.addEventListener('click', async () => {
    const session = app.session();
    try {
      await adminApi('reset', { session, method: 'POST' });
      app.notify(t('sessionReset', { session }));
      app.afterReset(session);
    } catch (e) {
      app.notify(e.message);
    }
    await load();
  });

  return {
    load,
    reset() {
      data = null;
      render();
    },
    refresh: render,
  };
}
