/** The Redis keys of one session, all under the session's hash tag (one Cluster slot); knows nothing of what they hold. */

/** The keys of one session, all with the session's hash tag. */
export interface SessionKeys {
  tag: string;
  /** hash: `clock` (offset ms), `records` (count), `bytes` (of the records' JSON), `n:NAME` (counters) */
  meta: string;
  /** set: the session's collection keys (what expiry and reset walk) */
  keys: string;
  journal: string;
  lock: string;
  /** string: the instance last refused the lock (so its holder lets go soon) */
  wait: string;
}

/** `{prefix:session}` plus a suffix per key. Session ids are printable ASCII without `{}` mattering: the tag is the first `{...}`. */
export function sessionKeys(prefix: string, session: string): SessionKeys {
  const tag = `{${prefix}:${session.replaceAll('}', '%7D')}}`;
  return { tag, meta: `${tag}:m`, keys: `${tag}:k`, journal: `${tag}:j`, lock: `${tag}:l`, wait: `${tag}:w` };
}

/** The hash holding one collection of the session's records. */
export const collectionKey = (k: SessionKeys, collection: string): string => `${k.tag}:c:${collection}`;
