/**
 * el: builds DOM elements from a tag, attributes and children. Every text goes in as a text node, never as
 * HTML, so recorded request data cannot inject markup into the dashboard. Knows nothing of the mock.
 */

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes] `class`, `text`, `on<event>` handlers, booleans, plain attributes
 * @param {...(Node | string | number | null | undefined | false | Array<Node | string>)} children
 * @returns {HTMLElement}
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function')
      node.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (name in node && typeof value !== 'string') /** @type {any} */ (node)[name] = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Appends children (nested arrays flattened; null, undefined and false skipped). */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}
