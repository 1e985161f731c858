/**
 * jsonView: pretty-prints a recorded body (or headers, or query) as DOM and wraps the members that
 * violations point at in <mark>. A pointer to a member that is absent ("is required") is shown as a marked
 * placeholder member inside its parent object; a pointer deeper than what exists marks the deepest part that
 * exists. Knows JSON pointers (RFC 6901) and nothing of the mock's APIs.
 */
import { el } from './el.js';

/** @typedef {{ pointer: string, fullPointer: string, label: string, id: string, title: string }} Mark  `pointer` is relative to the value shown, `fullPointer` as the violation says it */

const escapeToken = (key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeToken = (token) => token.replace(/~1/g, '/').replace(/~0/g, '~');
const indentOf = (depth) => '  '.repeat(depth);

/** The value at `pointer` inside `root`, as `{ found, value }`. */
function resolve(root, pointer) {
  if (pointer === '') return { found: true, value: root };
  let value = root;
  for (const token of pointer.slice(1).split('/').map(unescapeToken)) {
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, token))
      return { found: false, value: undefined };
    value = value[token];
  }
  return { found: true, value };
}

const parentOf = (pointer) => pointer.slice(0, pointer.lastIndexOf('/'));
const lastToken = (pointer) => unescapeToken(pointer.slice(pointer.lastIndexOf('/') + 1));

/**
 * Where each mark lands: on an existing member, as a placeholder for a missing member of an existing object,
 * or on the deepest existing ancestor.
 */
function placeMarks(root, marks) {
  /** @type {Map<string, Mark>} */
  const onMember = new Map();
  /** @type {Map<string, Array<{ key: string, mark: Mark }>>} */
  const missing = new Map();
  for (const mark of marks) {
    let pointer = mark.pointer;
    if (!resolve(root, pointer).found) {
      const parent = resolve(root, parentOf(pointer));
      if (
        pointer !== '' &&
        parent.found &&
        parent.value &&
        typeof parent.value === 'object' &&
        !Array.isArray(parent.value)
      ) {
        const list = missing.get(parentOf(pointer)) ?? [];
        if (!list.some((m) => m.key === lastToken(pointer))) list.push({ key: lastToken(pointer), mark });
        missing.set(parentOf(pointer), list);
        continue;
      }
      while (pointer !== '' && !resolve(root, pointer).found) pointer = parentOf(pointer);
    }
    if (!onMember.has(pointer)) onMember.set(pointer, mark);
  }
  return { onMember, missing };
}

/**
 * @param {unknown} value parsed JSON (a top-level string is shown as raw text: a body that could not be parsed)
 * @param {Mark[]} [marks] pointers relative to `value`
 * @param {{ missingLabel?: string }} [options]
 */
export function jsonView(value, marks = [], { missingLabel = 'missing' } = {}) {
  const pre = el('pre', { class: 'json' });
  const { onMember, missing } = placeMarks(value, marks);

  const markElement = (mark) =>
    el(
      'mark',
      { id: mark.id, tabindex: '-1', title: mark.title, 'data-pointer': mark.fullPointer },
      el('span', { class: 'mark-label' }, mark.label),
    );

  function writeScalar(parent, v) {
    const kind =
      v === null ? 'literal' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'literal' : 'string';
    parent.append(el('span', { class: `json-${kind}` }, JSON.stringify(v) ?? String(v)));
  }

  function writeValue(parent, v, pointer, depth) {
    const ghosts = missing.get(pointer) ?? [];
    if (Array.isArray(v)) {
      if (v.length === 0) return parent.append('[]');
      parent.append('[\n');
      v.forEach((item, i) => writeMember(parent, null, item, `${pointer}/${i}`, depth + 1, i < v.length - 1));
      return parent.append(`${indentOf(depth)}]`);
    }
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0 && ghosts.length === 0) return parent.append('{}');
      parent.append('{\n');
      keys.forEach((key, i) =>
        writeMember(
          parent,
          key,
          v[key],
          `${pointer}/${escapeToken(key)}`,
          depth + 1,
          i < keys.length - 1 || ghosts.length > 0,
        ),
      );
      ghosts.forEach(({ key, mark }, i) => {
        const placeholder = markElement(mark);
        placeholder.classList.add('json-missing');
        placeholder.append(
          el('span', { class: 'json-key' }, JSON.stringify(key)),
          ': ',
          el('em', {}, `(${missingLabel})`),
        );
        parent.append(indentOf(depth + 1), placeholder, i < ghosts.length - 1 ? ',\n' : '\n');
      });
      return parent.append(`${indentOf(depth)}}`);
    }
    writeScalar(parent, v);
  }

  function writeMember(parent, key, v, pointer, depth, comma) {
    parent.append(indentOf(depth));
    const mark = onMember.get(pointer);
    const target = mark ? markElement(mark) : parent;
    if (mark) parent.append(target);
    if (key !== null) target.append(el('span', { class: 'json-key' }, JSON.stringify(key)), ': ');
    writeValue(target, v, pointer, depth);
    if (comma !== undefined) parent.append(comma ? ',\n' : '\n');
  }

  if (typeof value === 'string') {
    // A body the mock could not parse is recorded as its raw text: show it as sent.
    const mark = onMember.get('');
    if (mark) pre.append(markElement(mark));
    (mark ? pre.lastChild : pre).append(value);
    return pre;
  }
  writeMember(pre, null, value, '', 0, undefined);
  return pre;
}
