/**
 * What every Polity page builds its markup with: one element helper, the
 * number, time and hash formats, and the small pieces (badges, field lists,
 * notices, copy buttons) the explorer, the verify page, the console and the
 * DID page share, so they look and behave alike.
 */

/** Build an element. `attrs` are properties or attributes; children are nodes or text (null/false skipped). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return append(el, children);
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A failed API call: the HTTP status and the node's error code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * A JSON request to this node: `{status, body}` for a 2xx answer; an ApiError
 * with the node's code and message otherwise, or NODE_UNREACHABLE when no
 * answer came.
 */
export async function request(path, init) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  } catch {
    throw new ApiError(0, 'NODE_UNREACHABLE', 'The node did not answer. Check your connection and try again.');
  }
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body?.code ?? `HTTP_${response.status}`, body?.message ?? `the node answered ${response.status}`);
  return { status: response.status, body };
}

/** GET a JSON document from this node (see `request`). */
export const fetchJson = async (path) => (await request(path)).body;

export const numberFormat = new Intl.NumberFormat();
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export const formatTime = (ms) => dateFormat.format(new Date(ms));

export const shortHex = (hex) => (typeof hex === 'string' && hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : String(hex));

/** A hash or key in monospace; the short form shows the full value on hover and to screen readers. */
export function hashText(text, { short = false, shorten = shortHex } = {}) {
  if (!short) return h('code', { class: 'hash hash-full' }, text);
  return h('code', { class: 'hash', title: text, 'aria-label': text }, shorten(text));
}

export function copyButton(text, what) {
  if (!navigator.clipboard) return null;
  const button = h('button', { type: 'button', class: 'button-link copy', 'aria-label': `Copy ${what}` }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
  return button;
}

export const badge = (text, tone) => h('span', { class: `badge badge-${tone}` }, text);

/** A definition list laid out as a two-column grid; rows whose value is null are left out; a third element is help text. */
export function fields(rows) {
  return h(
    'dl',
    { class: 'fields' },
    rows
      .filter((row) => row && row[1] !== null && row[1] !== undefined)
      .map(([label, value, help]) => h('div', { class: 'field' }, h('dt', {}, label, help ? h('span', { class: 'help' }, help) : null), h('dd', {}, value))),
  );
}

export function notice(tone, title, ...children) {
  return h('div', { class: `notice notice-${tone}`, role: tone === 'error' ? 'alert' : null }, title ? h('p', { class: 'notice-title' }, title) : null, children);
}

/** First letter up, full stop at the end: the ledger's messages are sentence fragments. */
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (s === '') return s;
  return s[0].toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}
