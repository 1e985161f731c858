/** The wall-clock time a call is recorded at, as ISO text, written once per millisecond. */

let isoAt = 0;
let isoText = '';

/** `new Date().toISOString()`, computed once per millisecond (a busy mock answers several calls in one). */
export function isoNow(): string {
  const now = Date.now();
  if (now !== isoAt) {
    isoAt = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}
