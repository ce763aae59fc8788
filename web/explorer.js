/**
 * The block explorer: latest blocks, a block with its transactions and
 * commit certificate, a transaction, and the notary record of a document
 * hash. Hash routing (#/, #/block/12, #/tx/<id>, #/doc/<hash>) keeps every
 * page linkable with no server-side routes.
 *
 * Everything shown comes from this node's HTTP API; nothing is trusted
 * blindly where the browser can check it: on a block page the block hash is
 * recomputed from the header and each certificate signature is verified with
 * WebCrypto Ed25519 against the genesis validator set, using the same
 * compiled ledger code as the node (/lib/...).
 *
 * Values from the chain (transaction arguments, metadata) are untrusted text:
 * the page only ever sets them with textContent, never as HTML.
 */
import { fromHex } from '/lib/crypto/bytes.js';
import { ed25519Verify } from '/web/lib/webcrypto.js';
import { blockHash, certificateChecks, hasQuorum } from '/lib/ledger/block.js';
import { validatorSetHash } from '/lib/ledger/genesis.js';
import { followSets, setHashOf } from '/lib/ledger/set-history.js';
import { h, append, ApiError, fetchJson, numberFormat, formatTime, shortHex, hashText, copyButton, badge, fields, notice } from '/web/lib/ui.js';

const REFRESH_MS = 3000;
const BLOCKS_PAGE = 20;
/** Rows of a block's transaction table drawn at first; a block may hold 20,000. */
const TXS_SHOWN = 200;
const HEX32_RE = /^[0-9a-f]{64}$/;

const view = document.getElementById('view');
const main = document.getElementById('main');
const searchForm = document.getElementById('search-form');
const searchInput = document.getElementById('search-input');
const searchMessage = document.getElementById('search-message');

// --- small helpers ----------------------------------------------------------

const api = fetchJson;

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
function formatAgo(ms) {
  const seconds = Math.round((ms - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86400), 'day');
}

function resultBadge(code) {
  return code === 'OK' ? badge('OK', 'ok') : badge(code ?? '—', 'error');
}

function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), children);
}

// --- chain context (status, genesis) ---------------------------------------

let status;
let genesisPromise;

function genesis() {
  genesisPromise ??= api('/v1/genesis').catch((e) => {
    genesisPromise = undefined;
    throw e;
  });
  return genesisPromise;
}

/** Names of every validator this page has seen: the current set, and every earlier set of the history. */
const knownNames = new Map();

function validatorName(pubKey) {
  return status?.validators.find((v) => v.pubKey === pubKey)?.name ?? knownNames.get(pubKey);
}

let setsPromise;
/** The node's validator-set history (/v1/validator-sets), fetched again when a block is newer than what it covers. */
function setHistory(height) {
  setsPromise = (setsPromise ?? Promise.resolve(undefined)).then((known) =>
    known && known.height + 1 >= height
      ? known
      : api('/v1/validator-sets').then((sets) => {
          for (const ho of sets.handovers) for (const v of ho.validators) knownNames.set(v.pubKey, v.name);
          return sets;
        }),
  );
  setsPromise.catch(() => (setsPromise = undefined));
  return setsPromise;
}

/** Handover certificates already checked in this page, by block hash. */
const handoversChecked = new Map();

function validatorLabel(pubKey) {
  const name = validatorName(pubKey);
  return h('span', { class: 'validator' }, name ? h('span', { class: 'validator-name' }, name) : null, hashText(pubKey, { short: true }));
}

async function refreshStatus() {
  status = await api('/v1/status');
  document.getElementById('chain-id').textContent = status.chainId;
  document.getElementById('chain-height').textContent = numberFormat.format(status.height);
  return status;
}

// --- routing -----------------------------------------------------------------

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'block' && parts[1]) return { name: 'block', ref: parts[1] };
  if (parts[0] === 'tx' && parts[1]) return { name: 'tx', id: parts[1] };
  if (parts[0] === 'doc' && parts[1]) return { name: 'doc', hash: parts[1] };
  return { name: 'unknown' };
}

/** Incremented on every navigation, so a slow answer for an old page never paints over a new one. */
let renderToken = 0;
/** What the periodic tick should refresh on the current page, if anything. */
let pageRefresh = null;

async function render({ focus, quiet = false }) {
  const token = ++renderToken;
  pageRefresh = null;
  const route = parseRoute();
  const current = () => token === renderToken;
  if (!quiet) view.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  try {
    let content;
    if (route.name === 'home') content = await renderHome(current);
    else if (route.name === 'block') content = await renderBlock(route.ref, current);
    else if (route.name === 'tx') content = await renderTx(route.id, current);
    else if (route.name === 'doc') content = await renderDoc(route.hash, current);
    else content = pageNotFound();
    if (!current()) return;
    view.replaceChildren(content);
  } catch (e) {
    if (!current()) return;
    document.title = 'Error · Polity explorer';
    view.replaceChildren(
      h('h1', { tabindex: -1 }, 'Something went wrong'),
      notice('error', e instanceof ApiError ? e.message : 'The page could not be shown.', h('p', {}, h('a', { href: location.hash || '#/' }, 'Try again'), ' · ', h('a', { href: '#/' }, 'Latest blocks'))),
    );
    if (!(e instanceof ApiError)) console.warn('explorer render failed', e);
  }
  if (focus && current()) {
    window.scrollTo(0, 0);
    view.querySelector('h1')?.focus({ preventScroll: true });
  }
}

function pageNotFound() {
  document.title = 'Not found · Polity explorer';
  return h('div', {}, h('h1', { tabindex: -1 }, 'Page not found'), h('p', {}, 'This address is not a page of the explorer. ', h('a', { href: '#/' }, 'See the latest blocks'), '.'));
}

function breadcrumbs(...items) {
  return h(
    'nav',
    { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
    h('ol', {}, h('li', {}, h('a', { href: '#/' }, 'Explorer')), items.map((item) => h('li', {}, item))),
  );
}

// --- home: latest blocks -----------------------------------------------------

let live = true;
/** Block summaries shown on the home page, keyed by height (kept across refreshes). */
const blockRows = new Map();
let seenTopHeight = 0;

async function renderHome(current) {
  document.title = 'Explorer · Polity';
  const [, list, { evidence }] = await Promise.all([refreshStatus(), api(`/v1/blocks?limit=${BLOCKS_PAGE}`), api('/v1/evidence')]);
  if (!current()) return null;
  blockRows.clear();
  for (const b of list.blocks) blockRows.set(b.header.height, b);
  seenTopHeight = list.height;
  /** How many rows to keep: a page, plus a page per "Show older blocks". Bounds memory on a page left open for days. */
  let rowsWanted = BLOCKS_PAGE;

  const summary = h('div', { class: 'cards', id: 'summary' });
  const tbody = h('tbody', { id: 'blocks-body' });
  const more = h('button', { type: 'button', class: 'button button-secondary', id: 'older-blocks' }, 'Show older blocks');
  const liveButton = h('button', { type: 'button', class: 'button-link live-toggle', 'aria-pressed': String(live) });
  const liveText = h('span', { class: 'live-text', role: 'status' });

  const paintLive = () => {
    liveButton.setAttribute('aria-pressed', String(live));
    liveButton.textContent = live ? 'Pause updates' : 'Resume updates';
    liveText.textContent = live ? `Updates every ${REFRESH_MS / 1000} seconds` : 'Updates paused';
    liveText.classList.toggle('is-live', live);
  };
  liveButton.addEventListener('click', () => {
    live = !live;
    paintLive();
    if (live) refreshHome();
  });
  paintLive();

  more.addEventListener('click', async () => {
    const oldest = Math.min(...blockRows.keys());
    more.disabled = true;
    try {
      const older = await api(`/v1/blocks?limit=${BLOCKS_PAGE}&before=${oldest}`);
      for (const b of older.blocks) blockRows.set(b.header.height, b);
      rowsWanted = blockRows.size;
      paintRows(tbody, new Set());
      more.hidden = older.blocks.length === 0 || Math.min(...blockRows.keys()) <= 1;
    } finally {
      more.disabled = false;
    }
  });
  more.hidden = list.blocks.length === 0 || list.blocks[list.blocks.length - 1].header.height <= 1;

  paintSummary(summary);
  paintRows(tbody, new Set());

  const refreshHome = async () => {
    const latest = await api(`/v1/blocks?limit=${BLOCKS_PAGE}`);
    if (!current()) return;
    const fresh = new Set();
    for (const b of latest.blocks) {
      if (b.header.height > seenTopHeight) fresh.add(b.header.height);
      blockRows.set(b.header.height, b);
    }
    seenTopHeight = Math.max(seenTopHeight, latest.height);
    const heights = [...blockRows.keys()].sort((a, b) => b - a);
    for (const height of heights.slice(rowsWanted)) blockRows.delete(height);
    if (blockRows.size > 0 && Math.min(...blockRows.keys()) > 1) {
      more.hidden = false;
      more.parentElement.hidden = false;
    }
    paintSummary(summary);
    paintRows(tbody, fresh);
  };
  pageRefresh = () => (live ? refreshHome() : undefined);

  return h(
    'div',
    {},
    h('h1', { tabindex: -1 }, 'Chain overview'),
    summary,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'latest-title' },
      h('div', { class: 'panel-head' }, h('h2', { id: 'latest-title' }, 'Latest blocks'), h('p', { class: 'live' }, liveText, liveButton)),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', id: 'blocks-table' },
          h('caption', { class: 'visually-hidden' }, 'Latest blocks, newest first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Block'),
              h('th', { scope: 'col' }, 'Time'),
              h('th', { scope: 'col', class: 'num' }, 'Transactions'),
              h('th', { scope: 'col', class: 'col-hash' }, 'Block hash'),
              h('th', { scope: 'col', class: 'col-optional' }, 'Proposer'),
            ),
          ),
          tbody,
        ),
      ),
      h('p', { class: 'panel-foot', hidden: more.hidden }, more),
    ),
    validatorsPanel(),
    evidencePanel(evidence),
  );
}

/** Equivocation recorded on the chain: validators that signed two conflicting consensus messages. */
function evidencePanel(list) {
  const nameOf = (key) => status.validators.find((v) => v.pubKey === key)?.name ?? 'unknown validator';
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'evidence-title' },
    h('h2', { id: 'evidence-title' }, 'Evidence of misbehaviour'),
    list.length === 0
      ? h('p', { class: 'muted', id: 'evidence-none' }, 'No validator has been caught signing two conflicting votes.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', id: 'evidence-table' },
            h('caption', { class: 'visually-hidden' }, 'Recorded equivocations'),
            h(
              'thead',
              {},
              h('tr', {}, h('th', { scope: 'col' }, 'Validator'), h('th', { scope: 'col', class: 'num' }, 'Height'), h('th', { scope: 'col', class: 'num' }, 'Round'), h('th', { scope: 'col' }, 'Message'), h('th', { scope: 'col', class: 'num' }, 'Recorded in block')),
            ),
            h(
              'tbody',
              {},
              list.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'strong' }, nameOf(e.validator), ' ', hashText(e.validator, { short: true })),
                  h('td', { class: 'num' }, numberFormat.format(e.height)),
                  h('td', { class: 'num' }, numberFormat.format(e.round)),
                  h('td', {}, `two different ${e.type}s`),
                  h('td', { class: 'num' }, h('a', { href: `#/block/${e.recordedAt}` }, numberFormat.format(e.recordedAt))),
                ),
              ),
            ),
          ),
        ),
  );
}

/** Who signs the blocks: the validators of the latest status, with their voting power. */
function validatorsPanel() {
  const total = status.validators.reduce((sum, v) => sum + v.power, 0);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'validators-title' },
    h('h2', { id: 'validators-title' }, 'Validators'),
    h(
      'p',
      { class: 'muted', id: 'consensus-kind' },
      status.consensus === 'bft'
        ? `Byzantine-fault-tolerant consensus (Tendermint) among ${status.validators.length} organisations: a block is final once validators holding more than two thirds of the voting power have signed it, so the record holds even if fewer than a third of them fail or lie. This node is linked to ${status.peers.length} of its peers.`
        : 'One organisation signs every block (solo consensus, for pilots). A block is final once its validator has signed it.',
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', id: 'validators-table' },
        h('caption', { class: 'visually-hidden' }, 'Validators and their voting power'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Organisation'), h('th', { scope: 'col', class: 'col-hash' }, 'Public key'), h('th', { scope: 'col', class: 'num' }, 'Voting power'))),
        h(
          'tbody',
          {},
          status.validators.map((v) =>
            h(
              'tr',
              {},
              h('td', { class: 'strong' }, v.name),
              h('td', { class: 'col-hash' }, hashText(v.pubKey, { short: true })),
              h('td', { class: 'num' }, `${numberFormat.format(v.power)} `, h('span', { class: 'muted' }, `(${Math.round((v.power / total) * 100)}%)`)),
            ),
          ),
        ),
      ),
    ),
  );
}

function paintSummary(container) {
  if (!status) return;
  const totalPower = status.validators.reduce((sum, v) => sum + v.power, 0);
  const card = (label, value, detail) => h('div', { class: 'card' }, h('p', { class: 'card-label' }, label), h('p', { class: 'card-value' }, value), h('p', { class: 'card-detail' }, detail));
  container.replaceChildren(
    card('Latest block', h('a', { href: `#/block/${status.height}` }, numberFormat.format(status.height)), status.height > 0 ? hashText(status.latestBlockHash, { short: true }) : 'no block yet'),
    card('Last block', status.height > 0 ? formatAgo(status.latestBlockTime) : '—', status.height > 0 ? formatTime(status.latestBlockTime) : ''),
    card(
      'Validators',
      numberFormat.format(status.validators.length),
      `${status.consensus === 'solo' ? 'Single-node' : 'BFT'} consensus · voting power ${numberFormat.format(totalPower)}`,
    ),
    card(
      'Waiting',
      numberFormat.format(status.mempoolTxs),
      `${status.mempoolTxs === 1 ? 'transaction' : 'transactions'} for the next block · ${numberFormat.format(status.notaryPendingHashes)} document ${status.notaryPendingHashes === 1 ? 'hash' : 'hashes'} queued`,
    ),
  );
}

function paintRows(tbody, fresh) {
  const rows = [...blockRows.values()].sort((a, b) => b.header.height - a.header.height);
  if (rows.length === 0) {
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No block has been committed yet.')));
    return;
  }
  tbody.replaceChildren(
    ...rows.map((b) => {
      const hd = b.header;
      return h(
        'tr',
        { class: fresh.has(hd.height) ? 'fresh' : null },
        h('td', {}, h('a', { href: `#/block/${hd.height}`, class: 'strong', 'aria-label': `Block ${hd.height}` }, numberFormat.format(hd.height))),
        h('td', {}, h('time', { datetime: new Date(hd.time).toISOString() }, formatTime(hd.time)), h('span', { class: 'muted block' }, formatAgo(hd.time))),
        h('td', { class: 'num' }, numberFormat.format(hd.txCount)),
        h('td', { class: 'col-hash' }, h('a', { href: `#/block/${b.hash}`, 'aria-label': `Block ${hd.height} by hash` }, hashText(b.hash, { short: true }))),
        h('td', { class: 'col-optional' }, validatorLabel(hd.proposer)),
      );
    }),
  );
}

// --- a block -------------------------------------------------------------------

async function renderBlock(ref, current) {
  const [block] = await Promise.all([api(`/v1/blocks/${encodeURIComponent(ref)}`).catch(notFoundAs(null)), refreshStatus()]);
  if (!current()) return null;
  if (!block) {
    document.title = 'Block not found · Polity explorer';
    return h('div', {}, breadcrumbs('Block'), h('h1', { tabindex: -1 }, 'Block not found'), notice('warn', `This node has no block ${HEX32_RE.test(ref) ? 'with hash ' + shortHex(ref) : ref}.`, h('p', {}, h('a', { href: '#/' }, 'See the latest blocks'))));
  }
  const hd = block.header;
  document.title = `Block ${hd.height} · Polity explorer`;
  const certificateBox = h('div', { id: 'certificate' });

  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Neighbouring blocks' },
    hd.height > 1 ? h('a', { href: `#/block/${hd.height - 1}`, rel: 'prev' }, `← Block ${hd.height - 1}`) : h('span'),
    status && hd.height < status.height ? h('a', { href: `#/block/${hd.height + 1}`, rel: 'next' }, `Block ${hd.height + 1} →`) : h('span', { class: 'muted' }, 'Latest block'),
  );

  const content = h(
    'div',
    {},
    breadcrumbs(`Block ${hd.height}`),
    h('div', { class: 'title-row' }, h('h1', { tabindex: -1 }, `Block ${numberFormat.format(hd.height)}`), pager),
    h(
      'p',
      { class: 'lead' },
      'Committed ',
      h('time', { datetime: new Date(hd.time).toISOString() }, formatTime(hd.time)),
      ` (${formatAgo(hd.time)}) · ${hd.txCount} ${hd.txCount === 1 ? 'transaction' : 'transactions'} · proposed by `,
      validatorName(hd.proposer) ?? shortHex(hd.proposer),
    ),
    section(
      'Header',
      fields([
        ['Block hash', h('span', { class: 'with-action' }, hashText(block.hash), copyButton(block.hash, 'block hash')), 'SHA-256 of the canonical header'],
        ['Height', numberFormat.format(hd.height)],
        ['Time', h('time', { datetime: new Date(hd.time).toISOString() }, formatTime(hd.time))],
        ['Chain', hd.chainId],
        ['Previous block', hd.height > 1 ? h('a', { href: `#/block/${hd.height - 1}` }, hashText(hd.prevHash)) : h('span', {}, hashText(hd.prevHash), h('span', { class: 'muted block' }, 'the genesis hash (this is the first block)'))],
        ['Transactions', numberFormat.format(hd.txCount)],
        ['Transactions root', hashText(hd.txRoot), 'Merkle root of the transaction ids'],
        ['Results root', hashText(hd.resultsRoot), 'Merkle root of the transaction results'],
        ['State root', hashText(hd.stateRoot), 'Root of the state after this block'],
        ['History root', hashText(hd.historyRoot), 'Merkle root of all earlier block hashes'],
        ['Validator set', hashText(hd.validatorSetHash), 'Hash of the validators that sign this block'],
        ...(hd.nextValidatorSetHash ? [['Next validator set', hashText(hd.nextValidatorSetHash), 'The last block this set signs: it hands the chain over to the set with this hash']] : []),
        ...(hd.lastCommitHash ? [['Previous certificate', hashText(hd.lastCommitHash), 'Hash of the commit certificate of the previous block, which this block carries; its median vote time is this block\'s time']] : []),
        ['Proposer', validatorLabel(hd.proposer)],
        ['Format version', String(hd.v)],
      ]),
    ),
    section(`Transactions (${numberFormat.format(block.txs.length)})`, transactionsTable(block)),
    section('Commit certificate', certificateBox),
  );
  paintCertificate(certificateBox, block, null);
  checkCertificate(block)
    .then((check) => current() && paintCertificate(certificateBox, block, check))
    .catch((e) => current() && paintCertificate(certificateBox, block, { error: `could not check the signatures here (${e.message})` }));
  return content;
}

const notFoundAs = (value) => (e) => {
  if (e instanceof ApiError && e.status === 404) return value;
  throw e;
};

function transactionsTable(block, shown = TXS_SHOWN) {
  if (block.txs.length === 0) return h('p', { class: 'muted' }, 'This block holds no transactions.');
  const wrap = h('div', {});
  const rest = block.txs.length - shown;
  const showAll = rest > 0 ? h('button', { type: 'button', class: 'button button-secondary' }, `Show the other ${numberFormat.format(rest)} transactions`) : null;
  showAll?.addEventListener('click', () => wrap.replaceWith(transactionsTable(block, block.txs.length)));
  return append(wrap, [txsTableOf(block, shown), showAll ? h('p', { class: 'panel-foot' }, showAll) : null]);
}

function txsTableOf(block, shown) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', id: 'txs-table' },
      h('caption', { class: 'visually-hidden' }, `Transactions of block ${block.header.height}, in order`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col', class: 'num col-optional' }, '#'),
          h('th', { scope: 'col' }, 'Transaction'),
          h('th', { scope: 'col' }, 'Action'),
          h('th', { scope: 'col', class: 'col-optional' }, 'Signer'),
          h('th', { scope: 'col' }, 'Result'),
        ),
      ),
      h(
        'tbody',
        {},
        block.txs.slice(0, shown).map((tx, i) => {
          const result = block.results?.[i];
          const id = result?.txId;
          return h(
            'tr',
            {},
            h('td', { class: 'num muted col-optional' }, String(i)),
            h('td', {}, id ? h('a', { href: `#/tx/${id}` }, hashText(id, { short: true })) : '—'),
            h('td', {}, h('code', { class: 'action' }, `${tx.body.module}.${tx.body.action}`)),
            h('td', { class: 'col-optional' }, validatorName(tx.body.signer) ? validatorLabel(tx.body.signer) : hashText(tx.body.signer, { short: true })),
            h('td', {}, resultBadge(result?.code)),
          );
        }),
      ),
    ),
  );
}

/** Verify the certificate in the browser: recompute the block hash and check every signature with WebCrypto. */
async function checkCertificate(block) {
  const g = await genesis();
  const hd = block.header;
  const recomputed = blockHash(hd);
  if (recomputed !== block.hash || recomputed !== block.certificate.blockHash) {
    return { error: 'the header does not hash to the certified block hash' };
  }
  if (!globalThis.crypto?.subtle) return { error: 'this page is not in a secure context (HTTPS or localhost), so the browser cannot check signatures' };
  // The set that signs this block: the genesis set, or the one reached through the handovers
  // (each certified by the outgoing set, whose signatures are checked here too).
  let validators = g.validators;
  let handovers = 0;
  if (validatorSetHash(g.validators) !== hd.validatorSetHash) {
    const sets = await setHistory(hd.height);
    const followed = followSets(g.chainId, g.validators, sets.handovers, hd.height);
    if (!followed.ok) return { error: followed.reason };
    for (const c of followed.handovers) {
      if (!handoversChecked.has(c.blockHash)) {
        const prepared = certificateChecks(g.chainId, c.certificate, c.validators);
        let power = 0;
        for (const x of prepared.checks) if (await ed25519Verify(x.pubKey, x.message, x.sig)) power += x.power;
        handoversChecked.set(c.blockHash, !prepared.error && hasQuorum(power, prepared.totalPower));
      }
      if (!handoversChecked.get(c.blockHash)) return { error: `the validator-set handover at block ${c.height} does not hold` };
    }
    if (setHashOf(followed.validators) !== hd.validatorSetHash) return { error: 'this block was not signed by the validator set the chain handed over to' };
    validators = followed.validators;
    handovers = followed.handovers.length;
  }
  const { checks, totalPower, error } = certificateChecks(g.chainId, block.certificate, validators);
  if (error) return { error };
  const valid = new Map();
  let signedPower = 0;
  for (const c of checks) {
    const ok = await ed25519Verify(c.pubKey, c.message, c.sig);
    valid.set(c.pubKey, ok);
    if (ok) signedPower += c.power;
  }
  return { valid, signedPower, totalPower, validators, handovers, quorum: hasQuorum(signedPower, totalPower) };
}

function paintCertificate(container, block, check) {
  const cert = block.certificate;
  const validators = check?.validators ?? status?.validators ?? [];
  const powerOf = new Map(validators.map((v) => [v.pubKey, v.power]));
  const totalPower = check?.totalPower ?? validators.reduce((sum, v) => sum + v.power, 0);
  const claimedPower = cert.signatures.reduce((sum, s) => sum + (powerOf.get(s.validator) ?? 0), 0);
  const signedPower = check?.valid ? check.signedPower : claimedPower;
  const quorum = hasQuorum(signedPower, totalPower);

  let verdict;
  if (!check) verdict = h('p', { class: 'check check-pending', role: 'status' }, 'Checking the signatures in your browser…');
  else if (check.error) verdict = h('p', { class: 'check check-warn', role: 'status' }, `Not checked in your browser: ${check.error}.`);
  else if (check.quorum && [...check.valid.values()].every(Boolean)) {
    verdict = h('p', { class: 'check check-ok', role: 'status' }, h('span', { 'aria-hidden': 'true' }, '✓ '), 'Checked in your browser: the header hashes to the block hash, and every signature is valid.', check.handovers ? ` The signing set was followed from the genesis set through ${check.handovers} validator-set ${check.handovers === 1 ? 'change' : 'changes'}, each signed by the outgoing validators.` : '');
  } else verdict = h('p', { class: 'check check-error', role: 'status' }, h('span', { 'aria-hidden': 'true' }, '✗ '), 'The certificate does not hold: some signatures are invalid or the signers lack a two-thirds majority.');

  container.replaceChildren(
    h(
      'div',
      { class: `quorum ${quorum ? 'quorum-ok' : 'quorum-bad'}` },
      h('p', { class: 'quorum-figure', id: 'quorum' }, h('strong', {}, `${numberFormat.format(signedPower)} of ${numberFormat.format(totalPower)}`), ' voting power signed'),
      h(
        'p',
        { class: 'quorum-text' },
        quorum ? 'Final: more than two thirds of the voting power signed this block.' : 'Not final: more than two thirds of the voting power must sign.',
        ` Round ${cert.round} · ${cert.signatures.length} of ${validators.length || '?'} validators.`,
      ),
    ),
    verdict,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', id: 'signatures-table' },
        h('caption', { class: 'visually-hidden' }, 'Validator signatures of the commit certificate'),
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, 'Validator'), h('th', { scope: 'col', class: 'num col-optional' }, 'Power'), h('th', { scope: 'col' }, 'Signed at'), h('th', { scope: 'col', class: 'col-optional' }, 'Signature'), h('th', { scope: 'col' }, 'Check')),
        ),
        h(
          'tbody',
          {},
          cert.signatures.map((s) => {
            const ok = check?.valid?.get(s.validator);
            return h(
              'tr',
              {},
              h('td', {}, validatorLabel(s.validator)),
              h('td', { class: 'num col-optional' }, numberFormat.format(powerOf.get(s.validator) ?? 0)),
              h('td', {}, h('time', { datetime: new Date(s.time).toISOString() }, formatTime(s.time))),
              h('td', { class: 'col-optional' }, hashText(s.sig, { short: true })),
              h('td', {}, ok === undefined ? h('span', { class: 'muted' }, '—') : ok ? badge('Valid', 'ok') : badge('Invalid', 'error')),
            );
          }),
        ),
      ),
    ),
  );
}

// --- a transaction -------------------------------------------------------------------

async function renderTx(id, current) {
  if (!HEX32_RE.test(id)) return pageNotFound();
  const tx = await api(`/v1/txs/${id}`).catch(notFoundAs(null));
  if (!current()) return null;
  document.title = `Transaction ${shortHex(id)} · Polity explorer`;
  const head = [breadcrumbs('Transaction'), h('h1', { tabindex: -1 }, 'Transaction'), h('p', { class: 'lead with-action' }, hashText(id), copyButton(id, 'transaction id'))];
  if (!tx) return h('div', {}, head, notice('warn', 'This node does not know this transaction.', h('p', {}, 'It may not have been submitted, or it expired before being included in a block.')));
  if (tx.status === 'pending') {
    pageRefresh = () => render({ focus: false, quiet: true });
    return h('div', {}, head, notice('info', 'Waiting to be included in a block.', h('p', {}, 'This page updates by itself.')));
  }
  const body = tx.tx?.body;
  const result = tx.result ?? {};
  return h(
    'div',
    {},
    head,
    section(
      'Summary',
      fields([
        ['Status', h('span', {}, badge('Committed', 'ok'), ' ', result.code === 'OK' ? 'and succeeded' : 'but failed')],
        ['Block', h('a', { href: `#/block/${tx.height}` }, `Block ${numberFormat.format(tx.height)}`, `, position ${tx.index}`)],
        ['Time', tx.time !== undefined ? h('time', { datetime: new Date(tx.time).toISOString() }, formatTime(tx.time)) : null],
        ['Action', body ? h('code', { class: 'action' }, `${body.module}.${body.action}`) : null],
        ['Signer', body ? h('span', {}, validatorName(body.signer) ? h('span', { class: 'validator-name' }, validatorName(body.signer)) : null, hashText(body.signer)) : null],
        ['Nonce', body ? String(body.nonce) : null],
        ['Expires at', body?.expiresAt !== undefined ? `block ${body.expiresAt}` : null],
        ['Result', h('span', {}, resultBadge(result.code), result.message ? h('span', { class: 'result-message' }, ` ${result.message}`) : null)],
        ['Events', result.events?.length ? eventsList(result.events) : null],
        ['Anchored document', body?.module === 'notary' && body.action === 'anchor' && typeof body.args?.hash === 'string' ? h('a', { href: `#/doc/${body.args.hash}` }, hashText(body.args.hash, { short: true })) : null],
      ]),
    ),
    section('Transaction as signed', h('pre', { class: 'code', tabindex: 0, 'aria-label': 'Transaction JSON' }, JSON.stringify(tx.tx, null, 2))),
  );
}

function eventsList(events) {
  return h(
    'ul',
    { class: 'events' },
    events.map((event) => {
      const { type, ...rest } = event;
      const detail = Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === 'string' && v.length > 24 ? shortHex(v) : JSON.stringify(v)}`);
      return h('li', {}, h('code', {}, type), detail.length ? h('span', { class: 'muted' }, ` ${detail.join(' · ')}`) : null);
    }),
  );
}

// --- a document hash (notary) ----------------------------------------------------

async function renderDoc(hash, current) {
  if (!HEX32_RE.test(hash)) return pageNotFound();
  const record = await api(`/v1/notary/hashes/${hash}`);
  if (!current()) return null;
  document.title = `Document ${shortHex(hash)} · Polity explorer`;
  const head = [breadcrumbs('Document'), h('h1', { tabindex: -1 }, 'Document'), h('p', { class: 'lead' }, 'SHA-256 ', hashText(hash), ' ', copyButton(hash, 'document hash'))];
  if (record.status === 'pending') {
    pageRefresh = () => render({ focus: false, quiet: true });
    return h('div', {}, head, notice('info', 'Queued for anchoring.', h('p', {}, 'This hash is in the batch for the next block; its receipt is ready once that block commits. This page updates by itself.')));
  }
  if (record.status !== 'anchored') {
    return h(
      'div',
      {},
      head,
      notice('warn', 'Not anchored on this chain.', h('p', {}, 'No document with this SHA-256 has been anchored. Check that the hash is of the right file (for example with the ', h('a', { href: '/verify' }, 'verify page'), ').')),
    );
  }
  const meta = record.meta && typeof record.meta === 'object' ? Object.entries(record.meta) : [];
  return h(
    'div',
    {},
    head,
    h('div', { class: 'notice notice-ok', id: 'doc-status' }, h('p', { class: 'notice-title' }, `Anchored in block ${numberFormat.format(record.height)} at ${formatTime(record.time)}`), h('p', {}, 'The ledger holds this fingerprint of the document, never the document itself.')),
    section(
      'Record',
      fields([
        ['Block', h('a', { href: `#/block/${record.height}` }, `Block ${numberFormat.format(record.height)}`)],
        ['Block hash', hashText(record.blockHash)],
        ['Anchored by', record.mode === 'batch' ? 'Aggregated batch (one Merkle root for many documents)' : 'Signed transaction'],
        ['Transaction', h('a', { href: `#/tx/${record.txId}` }, hashText(record.txId, { short: true }))],
        ['Signer', h('span', {}, validatorName(record.signer) ? h('span', { class: 'validator-name' }, validatorName(record.signer)) : null, hashText(record.signer))],
        ['Metadata', meta.length ? h('dl', { class: 'meta' }, meta.map(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v))])) : null],
      ]),
      h(
        'p',
        { class: 'actions' },
        h('a', { class: 'button', href: `/v1/notary/receipts/${hash}`, download: `${hash.slice(0, 16)}.receipt.json` }, 'Download the receipt'),
        h('a', { class: 'button button-secondary', href: '/verify' }, 'Verify a file against it'),
      ),
    ),
  );
}

// --- search ---------------------------------------------------------------------------

async function search(raw) {
  const q = raw.trim().toLowerCase().replace(/^0x/, '');
  searchMessage.textContent = '';
  searchMessage.className = 'search-message';
  if (q === '') return;
  if (/^\d{1,15}$/.test(q) || q === 'latest') return go(`#/block/${q}`);
  if (!HEX32_RE.test(q)) {
    say('Enter a block height, or a 64-character hash: a block hash, a transaction id or the SHA-256 of a document.');
    return;
  }
  searchMessage.textContent = 'Searching…';
  try {
    // The notary look-up answers for any hash, so it goes first; only then
    // are the transaction and block look-ups tried (they answer 404 when absent).
    const doc = await api(`/v1/notary/hashes/${q}`);
    if (doc.status === 'anchored' || doc.status === 'pending') return go(`#/doc/${q}`);
    const tx = await api(`/v1/txs/${q}`).catch(notFoundAs(null));
    if (tx) return go(`#/tx/${q}`);
    const block = await api(`/v1/blocks/${q}`).catch(notFoundAs(null));
    if (block) return go(`#/block/${q}`);
    say('Nothing on this chain has this hash: it is not a block, a transaction, or an anchored document.');
  } catch (e) {
    say(e instanceof ApiError ? e.message : 'The search failed.');
  }
}

function say(message) {
  searchMessage.textContent = message;
  searchMessage.className = 'search-message search-message-error';
}

function go(hash) {
  searchMessage.textContent = '';
  searchInput.value = '';
  if (location.hash === hash) render({ focus: true });
  else location.hash = hash;
}

// --- start -----------------------------------------------------------------------------

searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  search(searchInput.value);
});

window.addEventListener('hashchange', () => render({ focus: true }));

let ticking = false;
setInterval(async () => {
  if (ticking || document.hidden) return;
  ticking = true;
  try {
    await refreshStatus();
    const refresh = pageRefresh;
    if (refresh) await refresh();
  } catch {
    // A missed refresh is not an error worth showing; the next tick retries.
  } finally {
    ticking = false;
  }
}, REFRESH_MS);

render({ focus: false });
