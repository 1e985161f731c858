/**
 * callStream: the live feed of call records from `GET /__mock/events` (server-sent events). EventSource
 * cannot send headers, so the session goes in `?session=` (`*` = every session). The browser reconnects on
 * its own (and after a refusal, such as the 503 when every stream is taken, this tries again every 10 s); every
 * (re)connection announces itself with `event: hello`, after which the caller reloads the
 * journal so that nothing recorded while disconnected is missed.
 */
import { adminUrl } from './admin-api.js';

/**
 * @param {string} session
 * @param {{ onOpen(): void, onCall(record: object): void, onStatus(status: 'connecting' | 'live' | 'offline'): void }} handlers
 * @returns {() => void} closes the stream
 */
export function callStream(session, { onOpen, onCall, onStatus }) {
  /** @type {EventSource} */
  let source;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;
  const open = () => {
    source = new EventSource(adminUrl(`events?session=${encodeURIComponent(session)}`));
    onStatus('connecting');
    source.addEventListener('hello', () => {
      onStatus('live');
      onOpen();
    });
    source.addEventListener('call', (event) => onCall(JSON.parse(/** @type {MessageEvent} */ (event).data)));
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) return onStatus('connecting');
      // The browser gives up on an answer other than a stream (503 when the mock's streams are all taken): try again later.
      onStatus('offline');
      retry = setTimeout(open, 10_000);
    });
  };
  open();
  return () => {
    clearTimeout(retry);
    source.close();
  };
}
