/** Time formats the documents use: `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8, no DST). */

const pad = (n: number): string => (n < 10 ? '0' + n : String(n));

/** The last second formatted: a busy mock formats the same second for many calls. */
let cachedSecond = NaN;
let cachedText = '';

export function formatDateTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second === cachedSecond) return cachedText;
  const d = new Date(second * 1000 + 8 * 3600 * 1000);
  cachedText = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  cachedSecond = second;
  return cachedText;
}
