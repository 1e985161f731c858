/**
 * Scenarios view: the scenarios the mock knows (description, the question each answers, its rules), which
 * are active in the selected session with per-rule hit counts, and activate / deactivate buttons.
 * Reads and changes only `/__mock/scenarios` for that session.
 */
import { el } from './el.js';
import { adminApi, sessionLoader } from './admin-api.js';
import { t } from './i18n.js';

const compact = (value) => JSON.stringify(value);

/** Keeps keyboard focus on "the same" button when the view is rendered again. */
function withFocusKept(root, render) {
  const key = document.activeElement?.getAttribute?.('data-focus-key');
  render();
  if (key) root.querySelector(`[data-focus-key="${CSS.escape(key)}"]`)?.focus();
}

/** One scenario as a card: its rules, with hit counts when it is active, and its activate / deactivate button. */
function scenarioCard(scenario, active, toggle) {
  const hits = new Map((active?.rules ?? []).map((r) => [r.index, r.hits]));
  return el(
    'article',
    { class: `scenario-card${active ? ' active' : ''}`, 'data-scenario': scenario.name },
    el(
      'header',
      {},
      el('h3', {}, scenario.name),
      active ? el('span', { class: 'badge badge-scenario' }, t('active')) : null,
      el(
        'button',
        {
          type: 'button',
          class: active ? 'deactivate' : 'activate',
          'data-focus-key': `scenario:${scenario.name}`,
          onclick: () => toggle(scenario.name, Boolean(active)),
        },
        active ? t('deactivate') : t('activate'),
      ),
    ),
    scenario.description ? el('p', {}, scenario.description) : null,
    scenario.question
      ? el('p', { class: 'question' }, el('strong', {}, `${t('question')}: `), scenario.question)
      : null,
    el(
      'ul',
      { class: 'rules' },
      (scenario.rules ?? []).map((rule) =>
        el(
          'li',
          { 'data-rule': String(rule.index) },
          el(
            'span',
            { class: 'rule-title' },
            t('ruleNumber', { index: rule.index }),
            rule.description ? ` · ${rule.description}` : '',
          ),
          active ? el('span', { class: 'hits' }, t('hits', { count: hits.get(rule.index) ?? 0 })) : null,
          el('code', { class: 'rule-when' }, `${t('when')} ${compact(rule.when ?? {})}`),
          rule.then ? el('code', {}, `${t('then')} ${compact(rule.then)}`) : null,
          rule.steps ? el('code', {}, `${t('steps')} ${compact(rule.steps)}`) : null,
          rule.times ? el('span', { class: 'muted' }, t('times', { count: rule.times })) : null,
        ),
      ),
    ),
  );
}

/**
 * @param {{ session: () => string, notify(message: string): void }} app
 */
export function createScenariosView(app) {
  const root = document.getElementById('scenario-list');
  const heading = document.getElementById('scenarios-session');
  let data = null;

  async function toggle(name, active) {
    const session = app.session();
    try {
      if (active) await adminApi(`scenarios/active/${encodeURIComponent(name)}`, { session, method: 'DELETE' });
      else await adminApi('scenarios/active', { session, method: 'POST', body: { name } });
      app.notify(t(active ? 'scenarioDeactivated' : 'scenarioActivated', { name, session }));
    } catch (e) {
      app.notify(e.message);
    }
    await load();
  }

  function render() {
    const session = app.session();
    heading.textContent = session === '*' ? '' : t('forSession', { session });
    if (session === '*') return root.replaceChildren(el('p', { class: 'notice-inline' }, t('pickOneSession')));
    if (!data) return root.replaceChildren(el('p', { class: 'muted' }, t('loading')));
    withFocusKept(root, () => {
      const activeByName = new Map(data.active.map((a) => [a.name, a]));
      const available = new Map(data.available.map((s) => [s.name, s]));
      // An active scenario whose file was removed still shows, so that it can be switched off.
      const activeCards = data.active.map((a) =>
        scenarioCard(
          available.get(a.name) ?? { name: a.name, description: t('unknownScenario'), rules: a.rules },
          a,
          toggle,
        ),
      );
      const otherCards = data.available
        .filter((s) => !activeByName.has(s.name))
        .map((s) => scenarioCard(s, null, toggle));
      root.replaceChildren(
        el('h3', { class: 'group-title' }, t('activeScenarios', { count: activeCards.length })),
        activeCards.length
          ? el('div', { class: 'cards' }, activeCards)
          : el('p', { class: 'muted' }, t('noActiveScenarios')),
        el('h3', { class: 'group-title' }, t('availableScenarios', { count: otherCards.length })),
        el('div', { class: 'cards' }, otherCards),
      );
    });
  }

  /** Fetches the session's scenarios; of overlapping loads, the last one wins. */
  const load = sessionLoader(app, 'scenarios', (latest) => {
    data = latest;
    render();
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
