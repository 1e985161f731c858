/** JSON pointers (RFC 6901) over plain JSON values: read, write, and build from path segments. */

const unescape = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');
const escape = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function splitPointer(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return pointer === '/' ? [''] : [];
  return pointer.slice(1).split('/').map(unescape);
}

export function joinPointer(...segments: Array<string | number>): string {
  return segments.map((s) => '/' + escape(String(s))).join('');
}

export function getPointer(value: unknown, pointer: string): unknown {
  return getPath(value, splitPointer(pointer));
}

/** getPointer over a pointer already split into segments (split once where one pointer is read often). */
export function getPath(value: unknown, segments: readonly string[]): unknown {
  let current: unknown = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Sets a value at an existing parent; returns false when the parent is missing. */
export function setPointer(value: unknown, pointer: string, next: unknown): boolean {
  const segments = splitPointer(pointer);
  const last = segments.pop();
  if (last === undefined) return false;
  const parent = getPointer(value, segments.length ? joinPointer(...segments) : '');
  if (parent === null || typeof parent !== 'object') return false;
  (parent as Record<string, unknown>)[last] = next;
  return true;
}
