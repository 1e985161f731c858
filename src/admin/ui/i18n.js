/**
 * i18n: the dashboard's labels in Chinese and English, and the language choice: the one picked with the toggle
 * (kept in localStorage), else the browser's (navigator.languages, issue 29). Static labels in index.html carry `data-i18n` (text), `data-i18n-placeholder`,
 * `data-i18n-aria-label` or `data-i18n-title`; views call t() when they render.
 */

const STORAGE_KEY = 'contract-mock.dashboard.language';

const MESSAGES = {
  zh: {
    pageTitle: 'contract-mock 控制台',
    skipToContent: '跳到主要内容',
    dashboard: '控制台',
    session: '会话',
    allSessions: '全部会话',
    otherSession: '其他会话 ID',
    useSession: '切换',
    badSession: '会话 ID 须为 1-128 个可打印 ASCII 字符，不含空格。',
    language: 'English',
    languageName: '切换到英文界面',
    views: '视图',
    navCalls: '调用',
    navScenarios: '场景',
    navState: '状态与时钟',
    streamConnecting: '连接中…',
    streamLive: '实时',
    streamOffline: '已断开',
    callsTitle: '实时调用',
    filters: '筛选',
    filterApi: '接口',
    filterOperation: '操作',
    allApis: '全部接口',
    allOperations: '全部操作',
    violationsOnly: '仅看违约',
    clearCalls: '清空日志',
    callsShown: '显示 {shown} / {total} 条',
    noCallsYet: '还没有调用。让你的应用带上 X-Mock-Session 头调用 mock，调用会实时出现在这里。',
    noMatchingCalls: '没有符合筛选条件的调用。',
    colTime: '时间',
    colMethod: '方法',
    colPath: '路径',
    colOperation: '操作',
    colCode: '业务码',
    colDuration: '耗时',
    colMarks: '标记',
    noOperation: '（未匹配）',
    violationCount: '违约 {count}',
    scenarioMark: '场景',
    close: '关闭',
    api: '接口',
    operation: '操作',
    time: '时间',
    mockTime: '模拟时钟',
    duration: '耗时',
    httpStatus: 'HTTP 状态',
    code: '业务码',
    fault: '网络故障',
    copyCurl: '复制为 curl',
    showCurl: 'curl 命令',
    copied: '已复制到剪贴板',
    copyManually: '无法访问剪贴板，已选中命令，请按 Ctrl+C 复制',
    curlMasked: '日志中被遮盖的值（***）需替换为真实值。',
    violationsTitle: '违约（{count}）',
    wholeRequest: '（整个请求）',
    sideRequest: '请求',
    sideResponse: '响应',
    showInBody: '在正文中定位',
    scenarioEffectsTitle: '生效的场景规则',
    ruleNumber: '规则 #{index}',
    deliveriesTitle: '推送投递（{count}）',
    deliveryOk: '成功',
    deliveryFailed: '失败',
    deliveryPending: '投递中',
    request: '请求',
    response: '响应',
    query: '查询参数',
    requestHeaders: '请求头',
    responseHeaders: '响应头',
    body: '正文',
    none: '（无）',
    missingValue: '缺失',
    scenariosTitle: '故障场景',
    forSession: '会话：{session}',
    pickOneSession: '请在上方选择一个具体会话（而不是“全部会话”）。',
    loading: '加载中…',
    retry: '重试',
    unreachable: '无法连接 mock（{url}）：{reason}。mock 恢复后会自动重新连接。',
    loadRefused: 'mock（{url}）拒绝了请求：{reason}',
    activeScenarios: '已激活（{count}）',
    availableScenarios: '可用场景（{count}）',
    noActiveScenarios: '本会话没有激活的场景。',
    active: '已激活',
    activate: '激活',
    deactivate: '停用',
    question: '回答的问题',
    when: '条件',
    then: '效果',
    steps: '步骤',
    times: '最多 {count} 次',
    hits: '命中 {count} 次',
    unknownScenario: '场景文件已不存在',
    scenarioActivated: '已在会话 {session} 激活场景 {name}',
    scenarioDeactivated: '已在会话 {session} 停用场景 {name}',
    stateTitle: '状态与时钟',
    mockClock: '模拟时钟',
    clockOffset: '（已快进 {offset}）',
    advanceSeconds: '快进秒数',
    advanceClock: '快进时钟',
    plusMinute: '+1 分钟',
    plusHour: '+1 小时',
    expireTokens: '+7201 秒（令牌过期）',
    resetSession: '重置会话',
    resetHint: '恢复种子数据，清空日志、激活的场景和时钟偏移。',
    clockAdvanced: '时钟已快进 {seconds} 秒，现在是 {now}',
    badSeconds: '请输入不小于 0 的秒数。',
    sessionReset: '会话 {session} 已重置',
    emptyCollection: '（空）',
    timeLeft: '剩余时间',
    expired: '已过期',
    collection_tokens: '令牌',
    collection_apps: '应用',
    collection_schools: '学校',
    collection_classes: '班级',
    collection_users: '用户',
    collection_orgs: '组织',
    collection_tables: '同步表版本',
    collection_tracks: '轨迹',
    collection_projects: '推送项目',
    device_clean: '已同步',
    device_dirty: '未同步',
    device_failed: '同步失败',
  },
  en: {
    pageTitle: 'contract-mock dashboard',
    skipToContent: 'Skip to main content',
    dashboard: 'dashboard',
    session: 'Session',
    allSessions: 'All sessions',
    otherSession: 'Other session id',
    useSession: 'Switch',
    badSession: 'A session id is 1-128 printable ASCII characters without spaces.',
    language: '中文',
    languageName: 'Switch to Chinese',
    views: 'Views',
    navCalls: 'Calls',
    navScenarios: 'Scenarios',
    navState: 'State & clock',
    streamConnecting: 'connecting…',
    streamLive: 'live',
    streamOffline: 'disconnected',
    callsTitle: 'Live calls',
    filters: 'Filters',
    filterApi: 'API',
    filterOperation: 'Operation',
    allApis: 'All APIs',
    allOperations: 'All operations',
    violationsOnly: 'Violations only',
    clearCalls: 'Clear journal',
    callsShown: '{shown} of {total} shown',
    noCallsYet:
      'No calls yet. Point your app at the mock with an X-Mock-Session header and its calls appear here as they happen.',
    noMatchingCalls: 'No call matches the filters.',
    colTime: 'Time',
    colMethod: 'Method',
    colPath: 'Path',
    colOperation: 'Operation',
    colCode: 'Code',
    colDuration: 'Duration',
    colMarks: 'Marks',
    noOperation: '(no match)',
    violationCount: '{count} violation(s)',
    scenarioMark: 'scenario',
    close: 'Close',
    api: 'API',
    operation: 'Operation',
    time: 'Time',
    mockTime: 'Mock clock',
    duration: 'Duration',
    httpStatus: 'HTTP status',
    code: 'Business code',
    fault: 'Network fault',
    copyCurl: 'Copy as curl',
    showCurl: 'curl command',
    copied: 'Copied to the clipboard',
    copyManually: 'No clipboard access: the command is selected, press Ctrl+C',
    curlMasked: 'Values the journal masked (***) must be replaced by real ones.',
    violationsTitle: 'Violations ({count})',
    wholeRequest: '(whole request)',
    sideRequest: 'request',
    sideResponse: 'response',
    showInBody: 'Show in the body',
    scenarioEffectsTitle: 'Scenario rules that fired',
    ruleNumber: 'rule #{index}',
    deliveriesTitle: 'Push deliveries ({count})',
    deliveryOk: 'delivered',
    deliveryFailed: 'failed',
    deliveryPending: 'pending',
    request: 'Request',
    response: 'Response',
    query: 'Query',
    requestHeaders: 'Headers',
    responseHeaders: 'Headers',
    body: 'Body',
    none: '(none)',
    missingValue: 'missing',
    scenariosTitle: 'Failure scenarios',
    forSession: 'Session: {session}',
    pickOneSession: 'Pick one session above (not "All sessions").',
    loading: 'Loading…',
    retry: 'Retry',
    unreachable: 'Cannot reach the mock at {url} ({reason}). The dashboard reconnects on its own once it is back.',
    loadRefused: 'The mock at {url} refused: {reason}',
    activeScenarios: 'Active ({count})',
    availableScenarios: 'Available ({count})',
    noActiveScenarios: 'No scenario is active in this session.',
    active: 'active',
    activate: 'Activate',
    deactivate: 'Deactivate',
    question: 'Question',
    when: 'when',
    then: 'then',
    steps: 'steps',
    times: 'at most {count} time(s)',
    hits: '{count} hit(s)',
    unknownScenario: 'its file no longer exists',
    scenarioActivated: 'Scenario {name} activated in session {session}',
    scenarioDeactivated: 'Scenario {name} deactivated in session {session}',
    stateTitle: 'State & clock',
    mockClock: 'Mock clock',
    clockOffset: '(advanced by {offset})',
    advanceSeconds: 'Seconds to advance',
    advanceClock: 'Advance clock',
    plusMinute: '+1 minute',
    plusHour: '+1 hour',
    expireTokens: '+7201 s (expire tokens)',
    resetSession: 'Reset session',
    resetHint: 'Back to the seed data; clears the journal, active scenarios and clock offset.',
    clockAdvanced: 'Clock advanced by {seconds} s, now {now}',
    badSeconds: 'Enter a number of seconds of 0 or more.',
    sessionReset: 'Session {session} reset',
    emptyCollection: '(empty)',
    timeLeft: 'time left',
    expired: 'expired',
    collection_tokens: 'Tokens',
    collection_apps: 'Apps',
    collection_schools: 'Schools',
    collection_classes: 'Classes',
    collection_users: 'Users',
    collection_orgs: 'Orgs',
    collection_tables: 'Table versions',
    collection_tracks: 'Tracks',
    collection_projects: 'Push projects',
    device_clean: 'synced',
    device_dirty: 'not synced',
    device_failed: 'sync failed',
  },
};

let current = readLanguage();

/**
 * The browser's language: the first of its preferred languages the dashboard speaks (zh* → Chinese, en* →
 * English), English when it speaks none of them.
 */
export function browserLanguage(preferred = navigator.languages?.length ? navigator.languages : [navigator.language]) {
  for (const tag of preferred) {
    const lang = String(tag ?? '').toLowerCase();
    if (lang === 'zh' || lang.startsWith('zh-')) return 'zh';
    if (lang === 'en' || lang.startsWith('en-')) return 'en';
  }
  return 'en';
}

function readLanguage() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh') return saved;
  } catch {
    // No storage: the browser's language.
  }
  return browserLanguage();
}

/** `zh` or `en`. */
export const language = () => current;

export const hasMessage = (key) => key in MESSAGES[current];

/** The label `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** Switches language, remembers it, and relabels the static page. */
export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'zh';
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  applyLabels(document);
}

/** Sets every `data-i18n*` label under `root`. */
export function applyLabels(root) {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  document.title = t('pageTitle');
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
  for (const attribute of ['placeholder', 'aria-label', 'title']) {
    for (const node of root.querySelectorAll(`[data-i18n-${attribute}]`))
      node.setAttribute(attribute, t(node.getAttribute(`data-i18n-${attribute}`)));
  }
}
