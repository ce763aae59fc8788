/**
 * "Resolve a DID": anyone looks up a DID on this node — the W3C DID document
 * (keys with their multibase, services), its metadata (created, updated,
 * deactivated, version) and, for did:polity, every version as a table.
 *
 * Everything comes from this node's API (GET /v1/dids/{did}, …/history,
 * /v1/status); nothing is loaded from anywhere else. The address keeps the
 * question (?did=…&height=… or &version=…), so a result can be linked to.
 *
 * Values from the chain are untrusted text: the page sets them with
 * textContent only, and shows service endpoints as text, not as links.
 */
import { h, numberFormat, formatTime, hashText, copyButton, badge, fields, notice } from '/web/lib/ui.js';

const DID_RE = /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/;
const DID_LENGTH_MAX = 256;
const HEIGHT_RE = /^[1-9][0-9]{0,14}$/;

const form = document.getElementById('resolve-form');
const didInput = document.getElementById('did-input');
const heightInput = document.getElementById('height-input');
const button = document.getElementById('resolve-button');
const message = document.getElementById('form-message');
const result = document.getElementById('result');

// --- small helpers (as in the explorer) -------------------------------------------

/** GET a JSON answer: `{status, body}`, whatever the status (410 and the errors carry a resolution result). */
async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } });
  } catch {
    return { status: 0, body: { code: 'NETWORK', message: 'The node did not answer. Check your connection and try again.' } };
  }
  let body;
  try {
    body = await response.json();
  } catch {
    body = { code: `HTTP_${response.status}`, message: `the node answered ${response.status}` };
  }
  return { status: response.status, body };
}

const shortMultibase = (mb) => (mb.length > 20 ? `${mb.slice(0, 12)}…${mb.slice(-6)}` : mb);

function panel(id, title, ...children) {
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), children);
}

const blockLink = (height) => h('a', { href: `/explorer#/block/${height}` }, numberFormat.format(height));

// --- chain context -----------------------------------------------------------------

let chainHeight;

async function refreshStatus() {
  const { status, body } = await getJson('/v1/status');
  if (status !== 200) return;
  chainHeight = body.height;
  document.getElementById('chain-id').textContent = body.chainId;
  document.getElementById('chain-height').textContent = numberFormat.format(body.height);
}

// --- the form ------------------------------------------------------------------------

function setMessage(text, isError) {
  message.textContent = text;
  message.classList.toggle('search-message-error', Boolean(isError));
}

/** What is wrong with the typed DID, said so a person can fix it, or undefined. */
function didProblem(text) {
  if (text.length === 0) return 'Enter a DID, for example did:polity: followed by 32 characters.';
  if (text.length > DID_LENGTH_MAX) return `That is too long for a DID (${text.length} characters; at most ${DID_LENGTH_MAX}).`;
  if (!text.startsWith('did:')) return 'A DID starts with "did:", then the method (polity or key), a colon and the identifier.';
  if (!DID_RE.test(text)) return 'This is not a valid DID: after "did:" come a method name in lowercase, a colon and an identifier of letters, digits, ".", "-" or "_".';
  return undefined;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const did = didInput.value.trim();
  const height = heightInput.value.trim();
  const problem = didProblem(did);
  didInput.setAttribute('aria-invalid', String(Boolean(problem)));
  heightInput.setAttribute('aria-invalid', 'false');
  if (problem) {
    setMessage(problem, true);
    result.replaceChildren();
    didInput.focus();
    return;
  }
  if (height && !HEIGHT_RE.test(height)) {
    heightInput.setAttribute('aria-invalid', 'true');
    setMessage('The block is a whole number from 1 upwards. Leave it empty for the latest version.', true);
    result.replaceChildren();
    heightInput.focus();
    return;
  }
  const query = new URLSearchParams({ did });
  if (height) query.set('height', height);
  history.pushState(null, '', `${location.pathname}?${query}`);
  resolve({ did, height: height || undefined, focus: true });
});

window.addEventListener('popstate', () => fromAddress(false));

function fromAddress(focus) {
  const params = new URLSearchParams(location.search);
  const did = params.get('did');
  if (!did) {
    result.replaceChildren();
    return;
  }
  didInput.value = did;
  heightInput.value = params.get('height') ?? '';
  resolve({ did, height: params.get('height') ?? undefined, version: params.get('version') ?? undefined, focus });
}

// --- resolving ----------------------------------------------------------------------------

let token = 0;

async function resolve({ did, height, version, focus }) {
  const mine = ++token;
  button.disabled = true;
  setMessage(`Resolving ${did.length > 60 ? `${did.slice(0, 60)}…` : did}…`, false);
  try {
    const query = new URLSearchParams();
    if (height) query.set('height', height);
    else if (version) query.set('versionId', version);
    const path = `/v1/dids/${encodeURIComponent(did)}${query.size ? `?${query}` : ''}`;
    const isPolity = did.startsWith('did:polity:');
    const [answer, historyAnswer] = await Promise.all([getJson(path), isPolity ? getJson(`/v1/dids/${encodeURIComponent(did)}/history`) : Promise.resolve(undefined), refreshStatus()]);
    if (mine !== token) return;
    const { status, body } = answer;
    if (status === 200 || status === 410) {
      setMessage('', false);
      result.replaceChildren(...renderResult(did, body, historyAnswer?.status === 200 ? historyAnswer.body : undefined, { height, version }));
    } else {
      setMessage('', false);
      result.replaceChildren(renderError(body, { height }));
    }
    if (focus) result.querySelector('h2, .notice')?.focus({ preventScroll: false });
  } finally {
    if (mine === token) button.disabled = false;
  }
}

function renderError(body, { height }) {
  const error = body?.didResolutionMetadata?.error;
  const detail = body?.message ? h('p', {}, capitalise(body.message), '.') : null;
  let out;
  if (error === 'invalidDid') {
    out = notice('error', 'This is not a valid DID', detail, h('p', {}, 'A did:polity DID is "did:polity:" followed by 32 characters 0-9 and a-f. A did:key for an Ed25519 key starts with "did:key:z6Mk".'));
  } else if (error === 'notFound') {
    out = notice('error', height ? `This DID did not exist at block ${numberFormat.format(Number(height))}` : 'No such DID on this ledger', detail, height ? null : h('p', {}, 'Check the identifier, or ask its holder for it again. A DID created on another Polity chain is not known here.'));
  } else if (error === 'methodNotSupported') {
    out = notice('error', 'This kind of DID is not resolved here', detail, h('p', {}, 'This ledger resolves its own did:polity DIDs, and did:key DIDs of Ed25519 keys. Other DIDs, such as did:web, are resolved by their own method.'));
  } else if (error === 'invalidOptions') {
    out = notice('error', 'The question cannot be answered as asked', detail);
  } else {
    out = notice('error', 'The DID could not be resolved', detail ?? h('p', {}, 'Try again in a moment.'));
  }
  out.setAttribute('tabindex', '-1');
  out.id = 'resolve-error';
  return out;
}

const capitalise = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);

const OPERATION = {
  create: 'Created',
  rotate: 'Key rotated',
  update: 'Services updated',
  deactivate: 'Deactivated by the holder',
  recover: 'Recovered by a registrar',
  registrarDeactivate: 'Deactivated by a registrar',
};
const REASON = {
  'lost-key': 'Lost key',
  'compromised-key': 'Compromised key',
  'holder-request': "Holder's request",
  'court-order': 'Court order',
  'subject-ceased': 'Identity ended',
  duplicate: 'Duplicate',
};

function renderResult(did, body, historyBody, asked) {
  const doc = body.didDocument ?? { id: did };
  const meta = body.didDocumentMetadata ?? {};
  const isKey = did.startsWith('did:key:');
  const deactivated = meta.deactivated === true;
  const atBlock = asked.height ? ` at block ${numberFormat.format(Number(asked.height))}` : '';
  const out = [];

  // Status.
  let status;
  if (isKey) {
    status = notice('info', 'did:key — derived from the key itself', h('p', {}, 'This DID is not recorded on the ledger: its document follows from the key in its name and never changes. Anyone holding the key can use it.'));
  } else if (deactivated) {
    status = notice(
      'warn',
      `Deactivated${meta.versionHeight ? ` in block ${numberFormat.format(meta.versionHeight)}` : ''}${atBlock}`,
      h('p', {}, 'No key of this DID is valid any more, and it cannot be changed again. A signature made before the deactivation is still judged by the key that was valid at the block it was made in.'),
    );
  } else {
    status = notice('ok', `Active${atBlock} — version ${meta.versionId}`, h('p', {}, `This version has been in force since block ${numberFormat.format(meta.versionHeight)}${meta.updated || meta.created ? `, ${formatTime(meta.updated ?? meta.created)}` : ''}.`, meta.nextVersionId ? ` A newer version (${meta.nextVersionId}) was made on ${formatTime(meta.nextUpdate)}.` : ''));
  }
  status.id = 'did-status';
  status.setAttribute('tabindex', '-1');
  out.push(status);

  // The document.
  const methods = doc.verificationMethod ?? [];
  const uses = (id) =>
    [
      (doc.authentication ?? []).includes(id) && 'authentication',
      (doc.assertionMethod ?? []).includes(id) && 'signing statements',
      (doc.capabilityInvocation ?? []).includes(id) && 'changing this DID',
    ].filter(Boolean);
  const keysTable =
    methods.length === 0
      ? h('p', { class: 'muted', id: 'no-keys' }, deactivated ? 'None: a deactivated DID has no valid key.' : 'None.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', id: 'keys-table' },
            h('caption', { class: 'visually-hidden' }, 'Verification keys'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'col-optional' }, 'Key'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Public key (multibase)'), h('th', { scope: 'col' }, 'Used for'))),
            h(
              'tbody',
              {},
              methods.map((vm) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'col-optional' }, hashText(`#${vm.id.split('#')[1] ?? ''}`, { short: true, shorten: shortMultibase })),
                  h('td', {}, vm.type),
                  h('td', {}, h('span', { class: 'with-action' }, hashText(vm.publicKeyMultibase), copyButton(vm.publicKeyMultibase, 'public key'))),
                  h('td', {}, h('ul', { class: 'did-uses' }, uses(vm.id).map((u) => h('li', {}, u)))),
                ),
              ),
            ),
          ),
        );
  const services = doc.service ?? [];
  const servicesTable =
    services.length === 0
      ? h('p', { class: 'muted', id: 'no-services' }, 'No services are listed.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', id: 'services-table' },
            h('caption', { class: 'visually-hidden' }, 'Services'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Service'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Address'))),
            h('tbody', {}, services.map((s) => h('tr', {}, h('td', {}, h('code', {}, `#${String(s.id).split('#')[1] ?? s.id}`)), h('td', {}, s.type), h('td', {}, h('code', { class: 'hash-full' }, String(s.serviceEndpoint)))))),
          ),
        );
  out.push(
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'doc-title' },
      h('div', { class: 'did-title' }, h('h2', { id: 'doc-title', tabindex: -1 }, 'DID document'), h('span', { class: 'with-action' }, hashText(doc.id), copyButton(doc.id, 'DID'))),
      h('h3', {}, 'Keys'),
      keysTable,
      h('h3', {}, 'Services'),
      servicesTable,
    ),
  );

  // Metadata.
  if (!isKey) {
    out.push(
      panel(
        'meta-title',
        'Metadata',
        h(
          'div',
          { id: 'metadata' },
          fields([
            ['Status', deactivated ? badge('Deactivated', 'error') : badge('Active', 'ok')],
            ['Created', meta.created ? formatTime(meta.created) : null],
            ['Updated', meta.updated ? formatTime(meta.updated) : 'Never', 'When the version shown was made (never for the first)'],
            ['Version', meta.versionId ? `${meta.versionId}${historyBody ? ` of ${historyBody.total}` : ''}` : null],
            ['Made in block', meta.versionHeight ? blockLink(meta.versionHeight) : null],
            ['Newer version', meta.nextVersionId ? h('span', {}, `${meta.nextVersionId}, made ${formatTime(meta.nextUpdate)} · `, h('a', { href: `?did=${encodeURIComponent(did)}` }, 'See the latest')) : null],
            ['Answered at chain height', body.didResolutionMetadata?.height !== undefined ? numberFormat.format(body.didResolutionMetadata.height) : null],
          ]),
        ),
      ),
    );
  }

  // History.
  if (historyBody) out.push(historyPanel(did, historyBody, meta.versionId));

  out.push(h('details', { class: 'explain did-raw' }, h('summary', {}, 'The resolution result as JSON'), h('pre', { class: 'code' }, JSON.stringify(stripPolity(body), null, 2))));
  return out;
}

/** The resolution result without Polity's {code, message} (present on 410). */
function stripPolity(body) {
  const { code, message: text, ...rest } = body;
  return rest;
}

function historyPanel(did, body, currentVersion) {
  const rows = body.versions.map((v) => {
    const current = String(v.version) === currentVersion;
    const by = v.org ? h('span', {}, h('span', { class: 'strong' }, 'Registrar'), `, ${v.org} `, hashText(v.by, { short: true })) : h('span', {}, 'Holder ', hashText(v.by, { short: true }));
    const reason = v.reason ? h('span', {}, REASON[v.reason] ?? v.reason, v.caseRef ? h('span', { class: 'muted block' }, 'case ', hashText(v.caseRef, { short: true })) : null) : h('span', { class: 'muted' }, '—');
    return h(
      'tr',
      { class: current ? 'did-current' : null, 'aria-current': current ? 'true' : null },
      h('td', { class: 'num' }, h('a', { href: `?did=${encodeURIComponent(did)}&version=${v.version}`, 'aria-label': `Version ${v.version}${current ? ' (shown above)' : ''}` }, String(v.version))),
      h('td', { class: 'num' }, blockLink(v.height)),
      h('td', { class: 'col-optional' }, formatTime(v.time)),
      h('td', {}, OPERATION[v.operation] ?? v.operation),
      h('td', {}, v.deactivated ? h('span', { class: 'muted' }, '—') : hashText(multikeyOf(v), { short: true, shorten: shortMultibase })),
      h('td', {}, by),
      h('td', {}, reason),
    );
  });
  return panel(
    'history-title',
    'Version history',
    h('p', { class: 'muted' }, `Every change to this DID, oldest first. Each version is in force from its block until the next one.`),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', id: 'history-table' },
        h('caption', { class: 'visually-hidden' }, 'Versions of the DID, oldest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', class: 'num' }, 'Version'),
            h('th', { scope: 'col', class: 'num' }, 'From block'),
            h('th', { scope: 'col', class: 'col-optional' }, 'Time'),
            h('th', { scope: 'col' }, 'Operation'),
            h('th', { scope: 'col' }, 'Key'),
            h('th', { scope: 'col' }, 'By'),
            h('th', { scope: 'col' }, 'Reason'),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    body.next ? h('p', { class: 'panel-foot muted' }, `Showing versions ${body.from} to ${body.next - 1} of ${body.total}. The rest: `, h('code', {}, `GET /v1/dids/${did}/history?from=${body.next}`)) : null,
  );
}

// --- Multikey for the history table (the API lists keys in hex) -------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** "z" + base58btc(0xed01 || key): the key's publicKeyMultibase, as in the document above. */
function multikeyOf(version) {
  const bytes = [0xed, 0x01, ...version.key.match(/../g).map((x) => parseInt(x, 16))];
  const digits = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  return 'z' + digits.reverse().map((d) => B58[d]).join('');
}

// --- start ------------------------------------------------------------------------------------

refreshStatus();
fromAddress(false);
