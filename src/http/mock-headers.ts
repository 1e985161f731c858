/** The `X-Mock-*` response headers the mock adds to answers, and how their values are written. */

export const VIOLATIONS_HEADER = 'X-Mock-Violations';
export const LIMIT_HEADER = 'X-Mock-Limit';
export const ERROR_HEADER = 'X-Mock-Error';
export const SCENARIO_APPLIED_HEADER = 'X-Mock-Scenario-Applied';
export const JOURNAL_LOST_HEADER = 'X-Mock-Journal-Lost';

/** What a browser may read of an answer (CORS `Access-Control-Expose-Headers`): the session and every header above. */
export const EXPOSED_HEADERS = ['X-Mock-Violations', 'X-Mock-Session', 'X-Mock-Error', 'X-Mock-Scenario-Applied', 'X-Mock-Limit', 'X-Mock-Journal-Lost'].join(', ');

/** Header values must be Latin-1: escape everything else the JSON way. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
