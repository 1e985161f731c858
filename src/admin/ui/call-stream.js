/**
 * callStream: the live feed of call records from `GET /__mock/events` (server-sent events). EventSource
 * cannot send headers, so the session goes in `?session=` (`*` = every session). The browser reconnects on
 * its own; every (re)connection announces itself with `event: hello`, after which the caller reloads the
 * journal so that nothing recorded while disconnected is missed.
 */
import { adminUrl } from './admin-api.js';

/**
 * @param {string} session
 * @param {{ onOpen(): void, onCall(record: object): void, onStatus(status: 'connecting' | 'live' | 'offline'): void }} handlers
 * @returns {() => void} closes the stream
 */
export function callStream(session, { onOpen, onCall, onStatus }) {
  const source = new EventSource(adminUrl(`events?session=${encodeURIComponent(session)}`));
  onStatus('connecting');
  source.addEventListener('hello', () => {
    onStatus('live');
    onOpen();
  });
  source.addEventListener('call', (event) => onCall(JSON.parse(/** @type {MessageEvent} */ (event).data)));
  source.addEventListener('error', () => onStatus(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting'));
  return () => source.close();
}
