/**
 * "Verify a document": checks a file against its notary receipt entirely in
 * the browser.
 *
 *   1. the file is hashed here with WebCrypto SHA-256 (it is never uploaded);
 *   2. `checkReceipt` — the very module the node runs, served compiled from
 *      /lib/ — redoes every hash link of the receipt against the genesis;
 *   3. each commit-certificate signature is checked with WebCrypto Ed25519,
 *      and the signers must hold more than two thirds of the voting power —
 *      for the block, and for each validator-set handover that leads to its
 *      set from the genesis set.
 *
 * The genesis (the validator set to trust) comes from this node by default,
 * or from a file for a check that trusts no node.
 *
 * The result element (#verify-result) carries data-status="verified" or
 * "failed" once a check has finished, and no data-status otherwise.
 */
import { fromHex, toHex } from '/lib/crypto/bytes.js';
import { ed25519Verify } from '/web/lib/webcrypto.js';
import { certificateChecks, hasQuorum } from '/lib/ledger/block.js';
import { genesisHash, parseGenesis } from '/lib/ledger/genesis.js';
import { checkReceipt } from '/lib/ledger/receipt.js';
import { h, fetchJson, numberFormat, shortHex, hashText, sentence, fields } from '/web/lib/ui.js';

const RECEIPT_BYTES_MAX = 4 * 1024 * 1024;
const GENESIS_BYTES_MAX = 4 * 1024 * 1024;

const $ = (id) => document.getElementById(id);
const docInput = $('doc-input');
const receiptInput = $('receipt-input');
const genesisInput = $('genesis-input');
const result = $('verify-result');

/** What the person has given so far. */
const state = {
  /** {file, hash} once hashed, {file, hashing: true} while hashing, {file, error} when unreadable. */
  doc: null,
  /** {file, value} once parsed, {file, error} otherwise. */
  receipt: null,
  /** 'node' or 'file'. */
  genesisSource: 'node',
  /** {file, genesis} or {file, error}. */
  genesisFile: null,
};

/** Incremented on every change, so a slow check never paints over a newer one. */
let runToken = 0;

// --- small helpers ------------------------------------------------------------

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
function formatBytes(n) {
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  const units = ['kB', 'MB', 'GB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}


async function readJson(file, bytesMax, what) {
  if (file.size > bytesMax) throw new Error(`this file is ${formatBytes(file.size)}, too large to be ${what}`);
  const text = await file.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`this file is not JSON, so it cannot be ${what}`);
  }
}

/** SHA-256 of a file with WebCrypto. The bytes stay in this tab. */
async function hashFile(file) {
  if (!globalThis.crypto?.subtle) {
    throw new Error('this page was not opened over HTTPS (or from localhost), so the browser does not offer WebCrypto; open it over HTTPS');
  }
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return toHex(new Uint8Array(digest));
}

// --- chain status and the node's genesis ------------------------------------------

let nodeGenesis;
function loadNodeGenesis() {
  nodeGenesis ??= fetchJson('/v1/genesis')
    .then((value) => parseGenesis(value))
    .catch((e) => {
      nodeGenesis = undefined;
      throw e;
    });
  return nodeGenesis;
}

async function refreshStatus() {
  try {
    const status = await fetchJson('/v1/status');
    $('chain-id').textContent = status.chainId;
    $('chain-height').textContent = numberFormat.format(status.height);
  } catch {
    $('chain-height').textContent = 'offline';
  }
}

// --- taking files in -------------------------------------------------------------

async function setDoc(file) {
  if (!file) return;
  const entry = { file, hashing: true };
  state.doc = entry;
  update();
  try {
    entry.hash = await hashFile(file);
  } catch (e) {
    entry.error = e.message;
  }
  entry.hashing = false;
  if (state.doc === entry) update();
}

async function setReceipt(file) {
  if (!file) return;
  const entry = { file, reading: true };
  state.receipt = entry;
  update();
  try {
    entry.value = await readJson(file, RECEIPT_BYTES_MAX, 'a receipt');
  } catch (e) {
    entry.error = e.message;
  }
  entry.reading = false;
  if (state.receipt === entry) update();
}

async function setGenesisFile(file) {
  if (!file) return;
  const entry = { file, reading: true };
  state.genesisFile = entry;
  state.genesisSource = 'file';
  document.querySelector('input[name="genesis-source"][value="file"]').checked = true;
  update();
  try {
    entry.genesis = parseGenesis(await readJson(file, GENESIS_BYTES_MAX, 'a genesis'));
  } catch (e) {
    entry.error = e.message;
  }
  entry.reading = false;
  if (state.genesisFile === entry) update();
}

const looksLikeReceipt = (file) => /\.receipt\.json$/i.test(file.name);

/** Files dropped on a zone (kind) or anywhere on the page (kind null). */
function takeFiles(files, kind) {
  const list = [...files];
  if (list.length === 1 && kind) {
    (kind === 'receipt' ? setReceipt : setDoc)(list[0]);
    return;
  }
  for (const file of list) (looksLikeReceipt(file) ? setReceipt : setDoc)(file);
}

// --- painting -----------------------------------------------------------------------

function paintSummaries() {
  const doc = state.doc;
  $('doc-drop').classList.toggle('has-file', Boolean(doc));
  $('doc-summary').replaceChildren(
    ...(doc
      ? [
          h('p', { class: 'file-name' }, doc.file.name || 'document', h('span', { class: 'muted' }, ` · ${formatBytes(doc.file.size)}`)),
          doc.hashing
            ? h('p', { class: 'muted' }, 'Computing its SHA-256…')
            : doc.error
              ? h('p', { class: 'error-text' }, sentence(doc.error))
              : h('p', { class: 'file-hash' }, h('span', { class: 'muted' }, 'SHA-256 '), h('code', { class: 'hash hash-full', id: 'doc-hash' }, doc.hash)),
        ]
      : []),
  );

  const receipt = state.receipt;
  $('receipt-drop').classList.toggle('has-file', Boolean(receipt));
  const r = receipt?.value;
  $('receipt-summary').replaceChildren(
    ...(receipt
      ? [
          h('p', { class: 'file-name' }, receipt.file.name || 'receipt', h('span', { class: 'muted' }, ` · ${formatBytes(receipt.file.size)}`)),
          receipt.reading
            ? h('p', { class: 'muted' }, 'Reading…')
            : receipt.error
              ? h('p', { class: 'error-text' }, sentence(receipt.error))
              : h(
                  'p',
                  { class: 'muted' },
                  r && typeof r === 'object' && r.header && typeof r.header.height === 'number'
                    ? `Receipt for block ${numberFormat.format(r.header.height)} of chain ${String(r.chainId)}`
                    : 'This JSON does not look like a Polity receipt.',
                ),
        ]
      : []),
  );

  const fileRow = $('genesis-file-row');
  fileRow.classList.toggle('is-inactive', state.genesisSource !== 'file');
}

async function paintGenesisSummary(genesis, sourceLabel) {
  const el = $('genesis-summary');
  if (!genesis) {
    el.textContent = sourceLabel;
    return;
  }
  const n = genesis.validators.length;
  el.textContent = `${sourceLabel}: chain ${genesis.chainId}, ${n} ${n === 1 ? 'validator' : 'validators'}, genesis hash ${shortHex(genesisHash(genesis))}.`;
}

function showIdle(message) {
  delete result.dataset.status;
  result.className = 'result';
  result.replaceChildren(h('p', { class: 'result-idle' }, message));
}

function showChecking(message) {
  delete result.dataset.status;
  result.className = 'result result-checking';
  result.replaceChildren(h('p', { class: 'result-idle' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), message));
}

function showFailed(reason, { title = 'Not verified', hint, details } = {}) {
  result.className = 'result result-failed';
  result.replaceChildren(
    h(
      'div',
      { class: 'result-head' },
      h('span', { class: 'result-icon', 'aria-hidden': 'true' }, '✗'),
      h('div', {}, h('h2', { class: 'result-title' }, title), h('p', { class: 'result-reason', id: 'verify-reason' }, sentence(reason)), hint ? h('p', { class: 'result-hint' }, hint) : null),
    ),
  );
  if (details) result.append(fields(details));
  result.dataset.status = 'failed';
  revealResult();
}

function showVerified(facts, { signedPower, totalPower, signers, validators, handovers, genesis, genesisLabel, docName }) {
  const names = new Map([...genesis.validators, ...validators].map((v) => [v.pubKey, v.name]));
  const when = timeFormat.format(new Date(facts.time));
  const meta = facts.meta ? Object.entries(facts.meta) : [];
  result.className = 'result result-verified';
  result.replaceChildren(
    h(
      'div',
      { class: 'result-head' },
      h('span', { class: 'result-icon', 'aria-hidden': 'true' }, '✓'),
      h(
        'div',
        {},
        h('h2', { class: 'result-title' }, `Verified — anchored in block ${numberFormat.format(facts.height)} at ${when}`),
        h(
          'p',
          { class: 'result-reason' },
          `This file is exactly the document anchored on chain ${genesis.chainId}: not a byte has changed. Validators holding ${signedPower} of ${totalPower} voting power signed the block.`,
        ),
      ),
    ),
    fields([
      ['Document', docName],
      ['SHA-256', hashText(facts.hash)],
      ['Block', h('a', { href: `/explorer#/block/${facts.height}` }, `Block ${numberFormat.format(facts.height)}`)],
      ['Time', when],
      ['Block hash', hashText(facts.blockHash)],
      ['Anchored by', facts.mode === 'batch' ? 'Aggregated batch — one Merkle root for many documents, signed by the node' : 'Signed transaction'],
      ['Signer', h('span', {}, names.get(facts.signer) ? h('span', { class: 'validator-name' }, names.get(facts.signer)) : null, hashText(facts.signer))],
      ['Metadata', meta.length ? h('dl', { class: 'meta' }, meta.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])) : null],
      [
        'Signatures',
        `${signers.length} valid ${signers.length === 1 ? 'signature' : 'signatures'} (${signers.map((k) => names.get(k) ?? shortHex(k)).join(', ')}) holding ${signedPower} of ${totalPower} voting power; more than two thirds needed.`,
      ],
      ['Validators from', handovers > 0 ? `${genesisLabel}, followed through ${handovers} validator-set ${handovers === 1 ? 'change' : 'changes'} signed by the outgoing validators` : genesisLabel],
    ]),
  );
  result.dataset.status = 'verified';
  revealResult();
}

/** On a small screen the result may be below the fold: bring its top into view. */
function revealResult() {
  const top = result.getBoundingClientRect().top;
  if (top > window.innerHeight - 120) {
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    result.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
  }
}

// --- the check -----------------------------------------------------------------------

async function update() {
  const token = ++runToken;
  const current = () => token === runToken;
  paintSummaries();

  // Which genesis to trust.
  let genesis;
  let genesisLabel;
  let genesisError;
  if (state.genesisSource === 'node') {
    try {
      genesis = await loadNodeGenesis();
      genesisLabel = 'this node’s genesis (/v1/genesis)';
    } catch (e) {
      genesisError = `the genesis could not be fetched from this node (${e.message}); load a genesis file instead`;
    }
  } else if (!state.genesisFile) {
    genesisError = null;
  } else if (state.genesisFile.reading) {
    genesisError = null;
  } else if (state.genesisFile.error) {
    genesisError = `the genesis file is not usable: ${state.genesisFile.error}`;
  } else {
    genesis = state.genesisFile.genesis;
    genesisLabel = `the genesis file ${state.genesisFile.file.name}`;
  }
  if (!current()) return;
  paintGenesisSummary(
    genesis,
    state.genesisSource === 'node' ? (genesis ? 'This node’s genesis' : 'Fetching this node’s genesis…') : state.genesisFile ? `File ${state.genesisFile.file.name}` : 'Choose the genesis file published by the consortium.',
  );

  const { doc, receipt } = state;
  if (!doc && !receipt) return showIdle('Add the document and its receipt: the check runs as soon as both are here.');
  if (!doc) return showIdle('Now add the document the receipt is for.');
  if (!receipt) return showIdle('Now add the receipt (.receipt.json) of this document.');
  if (doc.hashing) return showChecking('Computing the document’s SHA-256…');
  if (receipt.reading) return showChecking('Reading the receipt…');
  if (doc.error) return showFailed(`the document could not be read: ${doc.error}`);
  if (receipt.error) return showFailed(`the receipt could not be read: ${receipt.error}`);
  if (genesisError) return showFailed(genesisError);
  if (!genesis) return showIdle('Choose a genesis file, or check against this node’s genesis.');

  showChecking('Checking the receipt…');
  const check = checkReceipt(receipt.value, genesis, doc.hash);
  if (!check.ok) {
    if (!current()) return;
    const r = receipt.value && typeof receipt.value === 'object' ? receipt.value : {};
    const mismatch = typeof r.hash === 'string' && r.hash !== doc.hash && /^[0-9a-f]{64}$/.test(r.hash);
    const otherChain = typeof r.chainId === 'string' && r.chainId !== genesis.chainId;
    return showFailed(check.reason, {
      title: mismatch ? 'Not verified — the document does not match its receipt' : 'Not verified',
      hint: mismatch
        ? 'Changing even one byte of a file changes its fingerprint completely. Compare the two fingerprints below.'
        : otherChain
          ? 'This receipt is from another chain. To check it, load that chain’s genesis file.'
          : 'The receipt was altered or damaged, or it does not come from this chain. The ledger itself is unaffected.',
      details: [
        ['Document', doc.file.name],
        ['Document SHA-256', hashText(doc.hash)],
        ['Anchored SHA-256', mismatch ? hashText(r.hash) : null],
        ['Validators from', genesisLabel],
      ],
    });
  }

  // Every signature of every certificate, with WebCrypto Ed25519: the validator-set handovers
  // from genesis (when the chain changed its set), then the block's own certificate, last.
  if (!globalThis.crypto?.subtle) {
    return showFailed('this page was not opened over HTTPS (or from localhost), so the browser cannot check the validators’ signatures');
  }
  let signedPower = 0;
  let totalPower = 0;
  let signers = [];
  let validators = genesis.validators;
  for (const c of check.certificates) {
    const what = c.blockHash === check.facts.blockHash ? 'commit certificate' : `validator-set handover at block ${c.height}`;
    const prepared = certificateChecks(genesis.chainId, c.certificate, c.validators);
    // A malformed certificate (unknown or repeated signer) fails before any signature is checked.
    if (prepared.error) return showFailed(`${what}: ${prepared.error}`);
    signedPower = 0;
    totalPower = prepared.totalPower;
    signers = [];
    validators = c.validators;
    for (const s of prepared.checks) {
      const ok = await ed25519Verify(s.pubKey, s.message, s.sig);
      if (!current()) return;
      if (!ok) {
        const name = c.validators.find((v) => v.pubKey === s.pubKey)?.name;
        return showFailed(`${what}: the signature of validator ${name ?? shortHex(s.pubKey)} is not valid for this block`, {
          hint: 'The block header or its certificate was altered.',
        });
      }
      signedPower += s.power;
      signers.push(s.pubKey);
    }
    if (!hasQuorum(signedPower, totalPower)) {
      return showFailed(`${what}: the signers hold ${signedPower} of ${totalPower} voting power; more than two thirds is needed`);
    }
  }
  showVerified(check.facts, { signedPower, totalPower, signers, validators, handovers: check.certificates.length - 1, genesis, genesisLabel, docName: doc.file.name });
}

// --- wiring ------------------------------------------------------------------------

docInput.addEventListener('change', () => setDoc(docInput.files?.[0]));
receiptInput.addEventListener('change', () => setReceipt(receiptInput.files?.[0]));
genesisInput.addEventListener('change', () => setGenesisFile(genesisInput.files?.[0]));
for (const radio of document.querySelectorAll('input[name="genesis-source"]')) {
  radio.addEventListener('change', () => {
    if (radio.checked) state.genesisSource = radio.value;
    update();
  });
}

for (const zone of document.querySelectorAll('.drop')) {
  let depth = 0;
  zone.addEventListener('dragenter', (event) => {
    event.preventDefault();
    depth++;
    zone.classList.add('is-dragging');
  });
  zone.addEventListener('dragover', (event) => event.preventDefault());
  zone.addEventListener('dragleave', () => {
    if (--depth <= 0) {
      depth = 0;
      zone.classList.remove('is-dragging');
    }
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    event.stopPropagation();
    depth = 0;
    zone.classList.remove('is-dragging');
    if (event.dataTransfer?.files.length) takeFiles(event.dataTransfer.files, zone.dataset.kind);
  });
}
// A file dropped beside the zones must not make the browser navigate away from the page.
window.addEventListener('dragover', (event) => event.preventDefault());
window.addEventListener('drop', (event) => {
  event.preventDefault();
  if (event.dataTransfer?.files.length) takeFiles(event.dataTransfer.files, null);
});

refreshStatus();
setInterval(() => document.hidden || refreshStatus(), 5000);
update();
