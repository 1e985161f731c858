/**
 * Time formats of the dashboard: wall times in the viewer's zone, mock-clock times in China time (as the
 * mock's own `clock.formatted` and the upstream APIs write them), and durations as h:mm:ss.
 */

const pad = (n, width = 2) => String(n).padStart(width, '0');

const chinaTime = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `14:23:11.030`, the viewer's local time of an ISO instant (for the call list). */
export function formatClockTime(iso) {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `2026-11-22 14:23:11.030`, the viewer's local date and time of an ISO instant. */
export function formatWallTime(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClockTime(iso)}`;
}

/** `2018-07-18 15:08:43`, a mock-clock epoch-ms time in China time. */
export function formatMockTime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const parts = Object.fromEntries(chinaTime.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** `1:59:45` for 7185 seconds (rounded down to whole seconds). */
export function formatSeconds(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
