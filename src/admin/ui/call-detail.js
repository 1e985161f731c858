/**
 * Call detail: one CallRecord in full: request and response (headers, pretty-printed bodies with JSON carried
 * in form fields shown parsed, as the journal records them), each violation with its JSON pointer marked in
 * the body it points into, the scenario rules that fired, push deliveries, and "copy as curl".
 * Renders only; the calls view decides which record is shown.
 */
import { append, el } from './el.js';
import { jsonView } from './json-view.js';
import { curlCommand } from './curl-command.js';
import { t } from './i18n.js';
import { formatMockTime, formatWallTime } from './format-time.js';

/** Which recorded part a violation points into, and its pointer relative to that part. */
function placeOf(violation) {
  const { side, pointer } = violation;
  if (side === 'response') return { part: 'response-body', pointer };
  for (const part of ['body', 'query', 'headers']) {
    if (pointer === `/${part}` || pointer.startsWith(`/${part}/`))
      return { part: `request-${part}`, pointer: pointer.slice(part.length + 1) };
  }
  return { part: null, pointer };
}

const markId = (index) => `violation-${index + 1}`;

/** Marks for one recorded part: every violation that points into it. */
function marksFor(record, part) {
  return record.violations
    .map((v, index) => ({ v, index, place: placeOf(v) }))
    .filter(({ place }) => place.part === part)
    .map(({ v, index, place }) => ({
      pointer: place.pointer,
      fullPointer: v.pointer,
      label: String(index + 1),
      id: markId(index),
      title: `${v.pointer}: ${v.message}`,
    }));
}

function block(title, value, marks = []) {
  const empty =
    value === undefined ||
    value === null ||
    value === '' ||
    (typeof value === 'object' && Object.keys(value).length === 0 && marks.length === 0);
  return el(
    'div',
    { class: 'part' },
    el('h4', {}, title),
    empty ? el('p', { class: 'muted' }, t('none')) : jsonView(value, marks, { missingLabel: t('missingValue') }),
  );
}

function fact(label, value) {
  return [el('dt', {}, label), el('dd', {}, value)];
}

/** Scrolls to a violation's mark and gives it focus, so keyboard users land on it too. */
function revealMark(index, pointer) {
  const mark =
    document.getElementById(markId(index)) ?? document.querySelector(`mark[data-pointer="${CSS.escape(pointer)}"]`);
  if (!mark) return;
  mark.scrollIntoView({ block: 'center' });
  mark.focus({ preventScroll: true });
}

function violationsSection(record) {
  if (!record.violations.length) return null;
  return el(
    'section',
    { class: 'detail-section violations', 'aria-labelledby': 'violations-title' },
    el('h3', { id: 'violations-title' }, t('violationsTitle', { count: record.violations.length })),
    el(
      'ol',
      { class: 'violation-list' },
      record.violations.map((v, index) => {
        const where = placeOf(v).part;
        const pointerText = v.pointer === '' ? t('wholeRequest') : v.pointer;
        return el(
          'li',
          {},
          el('span', { class: 'mark-label' }, String(index + 1)),
          el('span', { class: `side side-${v.side}` }, t(v.side === 'response' ? 'sideResponse' : 'sideRequest')),
          where
            ? el(
                'button',
                {
                  type: 'button',
                  class: 'pointer-link',
                  title: t('showInBody'),
                  onclick: () => revealMark(index, v.pointer),
                },
                el('code', {}, pointerText),
              )
            : el('code', { class: 'pointer' }, pointerText),
          el('span', { class: 'violation-message' }, v.message),
          el('span', { class: 'rule' }, v.rule),
        );
      }),
    ),
  );
}

function scenariosSection(record) {
  if (!record.scenarios.length) return null;
  return el(
    'section',
    { class: 'detail-section scenario-effects' },
    el('h3', {}, t('scenarioEffectsTitle')),
    el(
      'ul',
      {},
      record.scenarios.map((s) =>
        el(
          'li',
          {},
          el('strong', {}, s.scenario),
          ` · ${t('ruleNumber', { index: s.rule })}`,
          s.description ? ` · ${s.description}` : '',
        ),
      ),
    ),
  );
}

function deliveriesSection(record) {
  if (!record.deliveries.length) return null;
  return el(
    'section',
    { class: 'detail-section deliveries' },
    el('h3', {}, t('deliveriesTitle', { count: record.deliveries.length })),
    record.deliveries.map((d) =>
      el(
        'div',
        { class: `delivery ${d.ok ? 'ok' : d.pending ? 'pending' : 'failed'}` },
        el(
          'p',
          {},
          el(
            'span',
            { class: `badge ${d.ok ? 'badge-ok' : d.pending ? '' : 'badge-violation'}` },
            d.ok ? t('deliveryOk') : d.pending ? t('deliveryPending') : t('deliveryFailed'),
          ),
          ' ',
          el('code', {}, d.url),
        ),
        el(
          'p',
          { class: 'muted' },
          [
            d.status !== undefined ? `HTTP ${d.status}` : null,
            d.error ?? null,
            `${Math.round(d.durationMs)} ms`,
            formatMockTime(d.at),
          ]
            .filter(Boolean)
            .join(' · '),
        ),
      ),
    ),
  );
}

function curlSection(record) {
  const command = curlCommand(record, location.origin);
  const text = el('pre', { class: 'curl-text', 'data-testid': 'curl' }, command);
  const status = el('span', { class: 'copy-status', role: 'status' });
  const details = el(
    'details',
    { class: 'curl' },
    el('summary', {}, t('showCurl')),
    text,
    command.includes('***') ? el('p', { class: 'muted' }, t('curlMasked')) : null,
  );
  const copy = async () => {
    details.open = true;
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(command);
      status.textContent = t('copied');
    } catch {
      // No clipboard API (plain http on a non-loopback host): select the text for Ctrl+C instead.
      getSelection()?.selectAllChildren(text);
      status.textContent = t('copyManually');
    }
  };
  return el(
    'div',
    { class: 'detail-actions' },
    el('button', { type: 'button', class: 'copy-curl', onclick: copy }, t('copyCurl')),
    status,
    details,
  );
}

/**
 * @param {HTMLElement} root the detail panel
 * @param {{ onClose(): void }} handlers
 */
export function createCallDetail(root, { onClose }) {
  let shown = null;

  function render() {
    root.replaceChildren();
    if (!shown) return;
    const r = shown;
    const title = el(
      'h2',
      { id: 'detail-title', tabindex: '-1' },
      el('span', { class: `method method-${r.method.toLowerCase()}` }, r.method),
      ' ',
      r.path,
    );
    append(root, [
      el(
        'header',
        { class: 'detail-head' },
        title,
        el('button', { type: 'button', class: 'close-detail', onclick: onClose }, t('close')),
      ),
      el(
        'dl',
        { class: 'facts' },
        fact(t('api'), r.api ?? '—'),
        fact(t('operation'), r.operationId ?? t('noOperation')),
        fact(t('session'), r.session),
        fact(t('time'), formatWallTime(r.time)),
        fact(t('mockTime'), formatMockTime(r.mockTime)),
        fact(t('duration'), `${r.durationMs.toFixed(1)} ms`),
        fact(t('httpStatus'), String(r.response.status)),
        fact(t('code'), r.response.code ?? '—'),
        r.response.fault ? fact(t('fault'), r.response.fault) : null,
      ),
      curlSection(r),
      violationsSection(r),
      scenariosSection(r),
      el(
        'section',
        { class: 'detail-section request' },
        el('h3', {}, t('request')),
        Object.keys(r.query ?? {}).length || marksFor(r, 'request-query').length
          ? block(t('query'), r.query, marksFor(r, 'request-query'))
          : null,
        block(t('body'), r.request.body, marksFor(r, 'request-body')),
        block(t('requestHeaders'), r.request.headers, marksFor(r, 'request-headers')),
      ),
      el(
        'section',
        { class: 'detail-section response' },
        el('h3', {}, t('response')),
        block(t('body'), r.response.body, marksFor(r, 'response-body')),
        block(t('responseHeaders'), r.response.headers),
      ),
      deliveriesSection(r),
    ]);
    return title;
  }

  return {
    /** Shows a record and moves focus to its title. */
    show(record) {
      shown = record;
      root.hidden = false;
      render()?.focus();
    },
    hide() {
      shown = null;
      root.hidden = true;
      render();
    },
    get record() {
      return shown;
    },
    /** Renders again (after a language switch). */
    refresh: () => void render(),
  };
}
