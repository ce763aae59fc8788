/**
 * The organisation console: the member organisations, their officials and
 * pending operations, and the consortium's governance proposals — readable
 * by anyone — and, for an organisation's admin who loads their key file,
 * the same changes `polity org` and `polity gov` make:
 *
 *   org.propose {org, op}   registerOfficial / setRoles / removeOfficial /
 *                           setAdmins / rotateNode (runs at the threshold)
 *   org.approve {org, id}   another admin approves a pending operation
 *   gov.propose {change, votingBlocks?}
 *   gov.vote {id, approve}
 *
 * Each write is one transaction signed here with WebCrypto Ed25519
 * (web/lib/tx-sign.js, over the node's own compiled transaction code),
 * posted with ?wait=commit, and its outcome is said in words: done, waiting
 * for approvals, executed, or refused with the node's error code.
 *
 * The key file is read in this tab only: it is never uploaded, never put in
 * storage, and only a non-extractable CryptoKey is kept, until "Forget key"
 * or the page closes. Everything is checked again on chain: the page only
 * enables what the chain will allow, it does not decide it.
 *
 * Values from the chain (names, keys, roles) are untrusted text: they are
 * only ever set with textContent, never as HTML.
 *
 * Outcome regions carry data-outcome (done, waiting, executed, open,
 * rejected, failed, refused, pending, invalid) and data-code once a write has
 * finished, for tests and assistive technology alike.
 */
import { KeyFileError, KEY_FILE_BYTES_MAX, loadSigningKey, signTransaction } from '/web/lib/tx-sign.js';
import { h, ApiError, request, fetchJson, numberFormat, shortHex, badge, sentence, fields } from '/web/lib/ui.js';

/** Roles an organisation gives its officials (runtime/membership.ts COMMON_ROLES, without admin). */
const ROLES = [
  ['registrar', 'registers people and records (e.g. decentralised identifiers)'],
  ['issuer', 'issues credentials and documents'],
  ['approver', 'approves requests'],
  ['auditor', 'reads for audit'],
];
const ORG_ID_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const MODULE_RE = /^[a-z][a-zA-Z0-9]{0,31}$/;
const HEX32_RE = /^[0-9a-f]{64}$/;
/** Bounds the chain sets (modules/gov/gov.ts, runtime/membership.ts, ledger/genesis.ts). */
const VOTING_BLOCKS_MIN = 2;
const VOTING_BLOCKS_MAX = 1_000_000;
const ADMINS_MAX = 20;
const NODES_MAX = 20;
const VALIDATORS_MIN = 2;
const VALIDATORS_MAX = 100;
const TOTAL_POWER_MAX = 2 ** 50;
const REFRESH_MS = 5000;
/** How long the node holds a ?wait=commit request open. */
const COMMIT_WAIT_MS = 20_000;
const LOG_SHOWN = 10;
const PARAM_WORDS = {
  votingBlocks: 'the voting period',
  approvalNumerator: 'the numerator of the approval share',
  approvalDenominator: 'the denominator of the approval share',
};

const $ = (id) => document.getElementById(id);

// --- small helpers ------------------------------------------------------------

const api = fetchJson;

const plural = (n, one, many = `${one}s`) => `${numberFormat.format(n)} ${n === 1 ? one : many}`;

/** A key in monospace; the short form shows the full value on hover and to screen readers. */
function keyText(hex, { short = true } = {}) {
  if (!short) return h('code', { class: 'hash hash-full' }, hex);
  return h('code', { class: 'hash', title: hex, 'aria-label': hex }, shortHex(hex));
}

function table(id, caption, head, rows, empty) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', id },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, head.map(([label, cls]) => h('th', { scope: 'col', class: cls }, label)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: head.length, class: 'empty' }, empty))),
    ),
  );
}

/** Is keyboard focus inside `el`? Regions are not repainted under a person's hands. */
const focusWithin = (el) => el.contains(document.activeElement) && document.activeElement !== document.body;

// --- state ------------------------------------------------------------------------

const state = {
  height: 0,
  /** /v1/orgs organisations and governance parameters. */
  orgs: [],
  governance: null,
  /** The organisation shown (from #/org/<id>, else the admin's, else the first). */
  chosenId: null,
  /** /v1/orgs/:id of the organisation shown. */
  detail: null,
  detailError: null,
  /** /v1/orgs/:id of the admin's own organisation (for the forms). */
  own: null,
  proposals: [],
  proposalsTotal: 0,
  statusFilter: '',
  /** Current validator set (/v1/validator-sets). */
  validators: [],
  /** /v1/modules: the modules the chain runs and the roles officials can hold. */
  catalogue: null,
  /** { publicKey, privateKey: CryptoKey } while a key is in use. */
  key: null,
  /** /v1/members/:key for that key. */
  member: null,
  /** Incremented when the key changes, so a slow look-up never paints over a newer key. */
  keyToken: 0,
  /** What the key panel says while no key is in use: null, or { tone, title, text }. */
  keyNote: null,
  /** A write is being signed or waits for its block. */
  busy: false,
};

/** The admin's organisation id, when the key is an admin key of an active organisation. */
const adminOrg = () => (state.key && state.member?.admin && state.member.org ? state.member.org : null);
const orgById = (id) => state.orgs.find((o) => o.id === id);
const orgName = (id) => orgById(id)?.name ?? id;
const activeOrgs = () => state.orgs.filter((o) => o.status === 'active');
const knownModules = () => (state.catalogue ? state.catalogue.modules.map((m) => m.name) : [...new Set(state.orgs.flatMap((o) => o.permissions))]).sort();

let genesisPromise;
function genesis() {
  genesisPromise ??= api('/v1/genesis').catch((e) => {
    genesisPromise = undefined;
    throw e;
  });
  return genesisPromise;
}

// --- loading ------------------------------------------------------------------------

async function refreshStatus() {
  try {
    const status = await api('/v1/status');
    $('chain-id').textContent = status.chainId;
    $('chain-height').textContent = numberFormat.format(status.height);
  } catch {
    $('chain-height').textContent = 'offline';
  }
}

function chosenFromHash() {
  const m = /^#\/org\/([^/]+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : null;
  return id && ORG_ID_RE.test(id) ? id : null;
}

async function loadMember() {
  if (!state.key) return;
  const token = state.keyToken;
  const member = await api(`/v1/members/${state.key.publicKey}`);
  if (token === state.keyToken) state.member = member;
}

/**
 * Load everything the page shows and repaint the parts not under the
 * person's hands — or all of them (`force`, after the person's own write,
 * whose button may be gone: focus then moves to `focusAfter`).
 */
async function refreshAll({ force = false, focusAfter = null } = {}) {
  const [orgs, , proposals, sets] = await Promise.all([
    api('/v1/orgs'),
    state.catalogue
      ? null
      : api('/v1/modules').then(
          (c) => {
            state.catalogue = c;
            // The role boxes were drawn from this page's list before the chain's arrived.
            roleChecks(registerForm.querySelector('[data-roles="register"]'), 'register');
            roleChecks(officialForm.querySelector('[data-roles="official"]'), 'official');
          },
          () => null,
        ),
    api(`/v1/gov/proposals?limit=200${state.statusFilter ? `&status=${state.statusFilter}` : ''}`),
    api('/v1/validator-sets'),
    loadMember(),
  ]);
  state.height = orgs.height;
  $('chain-height').textContent = numberFormat.format(orgs.height);
  state.orgs = orgs.organisations;
  state.governance = orgs.governance;
  state.proposals = proposals.proposals;
  state.proposalsTotal = proposals.total;
  state.validators = sets.current.validators;

  state.chosenId = chosenFromHash() ?? (state.chosenId && orgById(state.chosenId) ? state.chosenId : null) ?? adminOrg() ?? activeOrgs()[0]?.id ?? state.orgs[0]?.id ?? null;
  const own = adminOrg();
  const [detail, ownDetail] = await Promise.all([
    state.chosenId ? api(`/v1/orgs/${state.chosenId}`).then((d) => ({ d }), (e) => ({ e })) : { d: null },
    own && own !== state.chosenId ? api(`/v1/orgs/${own}`) : null,
  ]);
  state.detail = detail.d ?? null;
  state.detailError = detail.e ?? null;
  state.own = own ? (own === state.chosenId ? state.detail : ownDetail) : null;
  paint(force);
  if (focusAfter && (!document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected)) focusAfter.focus();
}

// --- painting -------------------------------------------------------------------------

function paint(force = false) {
  paintKeyStatus();
  paintOrgs(force);
  paintOrg(force);
  paintManage();
  paintGovernance(force);
  paintPropose();
}

function paintOrgs(force) {
  const el = $('orgs');
  if (!force && focusWithin(el)) return;
  const validatorKeys = new Set(state.validators.map((v) => v.pubKey));
  const rows = state.orgs.map((o) => {
    const chosen = o.id === state.chosenId;
    const validators = o.nodes.filter((k) => validatorKeys.has(k)).length;
    return h(
      'tr',
      { class: chosen ? 'is-chosen' : null, 'data-org': o.id },
      h('td', {}, h('a', { href: `#/org/${encodeURIComponent(o.id)}`, class: 'strong', 'aria-current': chosen ? 'true' : null }, o.name), h('span', { class: 'block muted' }, h('code', {}, o.id))),
      h('td', {}, o.status === 'active' ? badge('Active', 'ok') : badge('Removed', 'error'), h('span', { class: 'block muted hide-narrow' }, o.status === 'active' ? `since block ${numberFormat.format(o.since)}` : `at block ${numberFormat.format(o.removedAt)}`)),
      h('td', { class: 'num' }, `${o.threshold} of ${o.admins.length}`),
      h('td', { class: 'num col-optional' }, numberFormat.format(o.nodes.length), validators ? h('span', { class: 'block muted' }, `${validators} validating`) : null),
      h('td', { class: 'col-optional' }, o.permissions.length ? o.permissions.map((m) => h('code', { class: 'module' }, m)) : h('span', { class: 'muted' }, 'none')),
    );
  });
  el.replaceChildren(
    table('orgs-table', 'Member organisations', [['Organisation'], ['Status'], ['Admins', 'num'], ['Nodes', 'num col-optional'], ['Modules', 'col-optional']], rows, 'No member organisation: this chain was started without any.'),
  );
}

function describeOp(op) {
  switch (op.type) {
    case 'registerOfficial':
      return ['Register official ', keyText(op.key), ` as ${op.roles.join(', ')}`];
    case 'setRoles':
      return ['Change the roles of official ', keyText(op.key), ` to ${op.roles.join(', ')}`];
    case 'removeOfficial':
      return ['Remove official ', keyText(op.key)];
    case 'setAdmins':
      return [`Replace the admin keys: ${plural(op.admins.length, 'key')}, ${op.threshold} of ${op.admins.length} to approve`];
    case 'rotateNode':
      return ['Rotate node key ', keyText(op.from), ' to ', keyText(op.to)];
    default:
      return [String(op.type)];
  }
}

function paintOrg(force) {
  const view = $('org-view');
  if (!force && focusWithin(view)) return;
  const title = $('org-title');
  if (state.detailError) {
    title.textContent = 'Organisation';
    view.replaceChildren(h('div', { class: 'notice notice-warn' }, h('p', {}, sentence(state.detailError.message)), h('p', {}, 'Choose an organisation in the list above.')));
    return;
  }
  const d = state.detail;
  if (!d) {
    title.textContent = 'Organisation';
    view.replaceChildren(h('p', { class: 'muted' }, 'No organisation to show.'));
    return;
  }
  const o = d.organisation;
  const mine = adminOrg() === o.id;
  title.textContent = o.name;
  const validatorOf = new Map(state.validators.map((v) => [v.pubKey, v]));

  const officials = d.officials.map((f) =>
    h(
      'tr',
      { 'data-key': f.key },
      h('td', {}, keyText(f.key)),
      h('td', {}, f.roles.map((r) => h('span', { class: 'role' }, r))),
      h('td', { class: 'num' }, numberFormat.format(f.since)),
      mine ? h('td', {}, h('button', { type: 'button', class: 'button-link', 'aria-label': `Change or remove official ${f.key}`, onclick: () => editOfficial(f.key) }, 'Change')) : null,
    ),
  );

  const pending = d.pending.map((p) => {
    const approved = state.key && p.approvals.includes(state.key.publicKey);
    return h(
      'tr',
      { 'data-op': p.id },
      h('td', {}, describeOp(p.op), h('span', { class: 'block muted' }, 'Operation ', keyText(p.id))),
      h('td', { class: 'col-optional' }, keyText(p.proposer), h('span', { class: 'block muted' }, `at block ${numberFormat.format(p.proposedAt)}`)),
      h('td', { class: 'num' }, `${p.approvals.filter((k) => o.admins.includes(k)).length} of ${o.threshold}`),
      h('td', { class: 'num col-optional' }, numberFormat.format(p.expiresAt)),
      mine
        ? h(
            'td',
            {},
            approved
              ? h('span', { class: 'muted' }, 'You approved')
              : h('button', { type: 'button', class: 'button button-small', 'aria-label': `Approve operation ${p.id}`, onclick: (e) => approveOp(o.id, p.id, e.currentTarget) }, 'Approve'),
          )
        : null,
    );
  });

  const log = d.log.slice(-LOG_SHOWN).reverse().map((entry) =>
    h('li', {}, h('a', { href: `/explorer#/block/${entry.height}` }, `Block ${numberFormat.format(entry.height)}`), ': ', describeOp(entry.op), ' · ', h('a', { href: `/explorer#/tx/${entry.txId}`, 'aria-label': `transaction ${entry.txId}` }, 'transaction')),
  );

  view.replaceChildren(
    fields([
      ['Id', h('code', {}, o.id)],
      ['Status', o.status === 'active' ? h('span', {}, badge('Active', 'ok'), ` member since block ${numberFormat.format(o.since)}`) : h('span', {}, badge('Removed', 'error'), ` at block ${numberFormat.format(o.removedAt)}`)],
      [
        'Admins',
        h(
          'div',
          {},
          h('p', { class: 'tight' }, `${o.threshold} of ${plural(o.admins.length, 'admin')} must approve each change.`),
          h('ul', { class: 'key-list' }, o.admins.map((k) => h('li', {}, keyText(k, { short: false }), state.key?.publicKey === k ? h('span', { class: 'you' }, ' (you)') : null))),
        ),
      ],
      [
        'Nodes',
        o.nodes.length
          ? h(
              'ul',
              { class: 'key-list' },
              o.nodes.map((k) => {
                const v = validatorOf.get(k);
                return h('li', {}, keyText(k, { short: false }), v ? h('span', { class: 'muted' }, ` validator “${v.name}”, voting power ${numberFormat.format(v.power)}`) : null);
              }),
            )
          : h('span', { class: 'muted' }, 'none'),
      ],
      ['Module permissions', o.permissions.length ? h('span', {}, o.permissions.map((m) => h('code', { class: 'module' }, m))) : h('span', { class: 'muted' }, 'none: its officials cannot act in any service')],
    ]),
    h('h3', { id: 'officials-title' }, `Officials (${numberFormat.format(d.officials.length)})`),
    h('p', { class: 'muted small' }, 'An official is a key and its roles: the chain holds no names of people. The organisation keeps who holds each key in its own records.'),
    table('officials-table', `Officials of ${o.name}`, [['Public key'], ['Roles'], ['Since block', 'num'], ...(mine ? [['Action']] : [])], officials, 'No official yet.'),
    h('h3', { id: 'pending-title' }, `Waiting for approval (${numberFormat.format(d.pending.length)})`),
    table(
      'pending-table',
      `Operations of ${o.name} waiting for its admins’ approval`,
      [['Operation'], ['Proposed by', 'col-optional'], ['Approvals', 'num'], ['Until block', 'num col-optional'], ...(mine ? [['Action']] : [])],
      pending,
      o.threshold > 1 ? 'Nothing waits for approval.' : `Nothing waits: with 1 of ${o.admins.length} admins to approve, each change runs at once.`,
    ),
    ...(log.length ? [h('h3', {}, 'Recent changes'), h('ol', { class: 'log-list', id: 'org-log' }, log)] : []),
  );
}

/** Put an option list into a select, keeping the choice; leaves it alone while it has focus. */
function fillSelect(select, options, placeholder) {
  if (document.activeElement === select) return;
  const keep = select.value;
  select.replaceChildren(...(placeholder ? [h('option', { value: '' }, placeholder)] : []), ...options.map(([value, label]) => h('option', { value }, label)));
  if (options.some(([value]) => value === keep)) select.value = keep;
}

/** The roles officials can hold: the chain's list (/v1/modules) when known, with the help texts this page has. */
function knownRoles() {
  if (!state.catalogue) return ROLES;
  const help = new Map(ROLES);
  return state.catalogue.roles.map((role) => [role, help.get(role) ?? 'a role a module defines']);
}

function roleChecks(container, prefix) {
  container.replaceChildren(
    ...knownRoles().map(([role, help]) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'roles', value: role, id: `${prefix}-role-${role}` }), h('span', {}, h('span', { class: 'strong' }, role), h('span', { class: 'muted block small' }, help))),
    ),
  );
}

function paintManage() {
  const own = adminOrg();
  const o = state.own?.organisation;
  const enabled = Boolean(own && o);
  $('manage-title').textContent = enabled ? `Manage ${o.name}` : 'Manage your organisation';
  const hint = $('manage-hint');
  hint.hidden = enabled;
  for (const fs of $('manage-panel').querySelectorAll('fieldset.write')) fs.disabled = !enabled;
  if (!enabled) return;
  fillSelect(
    $('official-select'),
    state.own.officials.map((f) => [f.key, `${shortHex(f.key)} — ${f.roles.join(', ')}`]),
    state.own.officials.length ? '— choose an official —' : '— no official yet —',
  );
  fillSelect($('rotate-from'), o.nodes.map((k) => [k, shortHex(k)]), '— choose a node —');
  const admins = $('admins-keys');
  if (admins.value.trim() === '' && document.activeElement !== admins) admins.value = o.admins.join('\n');
  const threshold = $('admins-threshold');
  if (threshold.value === '' && document.activeElement !== threshold) threshold.value = String(o.threshold);
}

function describeChange(c) {
  switch (c.type) {
    case 'addOrganisation': {
      const o = c.organisation;
      return `Add the organisation “${o.name}” (${o.id}): ${plural(o.admins.length, 'admin')}, ${o.threshold} of ${o.admins.length} to approve, ${plural(o.nodes.length, 'node')}, modules ${o.permissions.length ? o.permissions.join(', ') : 'none'}`;
    }
    case 'removeOrganisation':
      return `Remove the organisation ${orgById(c.id) ? `“${orgName(c.id)}” (${c.id})` : c.id}`;
    case 'setValidators':
      return `Set the validators to ${c.validators.map((v) => `${v.name} (power ${numberFormat.format(v.power)})`).join(', ')}`;
    case 'grantPermission':
      return `Let ${orgName(c.org)} act in the ${c.module} module`;
    case 'revokePermission':
      return `Stop ${orgName(c.org)} acting in the ${c.module} module`;
    case 'setParameter':
      return `Set ${PARAM_WORDS[c.name] ?? c.name} to ${numberFormat.format(c.value)}${c.name === 'votingBlocks' ? ' blocks' : ''}`;
    default:
      return String(c.type);
  }
}

const STATUS_TONE = { open: 'info', executed: 'ok', rejected: 'error', failed: 'error', expired: 'muted' };
const STATUS_WORD = { open: 'Open', executed: 'Executed', rejected: 'Rejected', failed: 'Failed', expired: 'Expired' };

/** How many organisations must approve: the share of the active organisations (gov.ts). */
function approvalsNeeded() {
  const g = state.governance;
  const n = activeOrgs().length;
  if (!g) return n;
  return Math.ceil((n * g.approvalNumerator) / g.approvalDenominator);
}

function proposalCard(p) {
  const own = adminOrg();
  const ownOrg = own ? orgById(own) : null;
  const yes = Object.values(p.decided).filter((d) => d === 'yes').length;
  const when =
    p.status === 'open'
      ? `open until block ${numberFormat.format(p.expiresAt)}`
      : p.status === 'expired'
        ? `expired after block ${numberFormat.format(p.expiresAt)}, without effect`
        : `${p.status} at block ${numberFormat.format(p.closedAt)}`;
  // Every organisation that voted and, while the proposal is open, every active one (its vote may still come).
  const orgIds = [...new Set([...(p.status === 'open' ? activeOrgs().map((o) => o.id) : []), ...Object.keys(p.votes)])];
  const votes = orgIds.map((id) => {
    const o = orgById(id);
    const v = p.votes[id] ?? { yes: [], no: [] };
    const decided = p.decided[id];
    const counts = `admins: ${v.yes.length} yes, ${v.no.length} no${o ? ` · ${o.threshold} of ${o.admins.length} decide for ${o.name}` : ''}`;
    return h(
      'li',
      { 'data-org': id },
      h('span', { class: 'vote-org' }, orgName(id)),
      decided === 'yes' ? badge('Yes', 'ok') : decided === 'no' ? badge('No', 'error') : badge('Not decided', 'muted'),
      h('span', { class: 'muted small' }, counts),
    );
  });

  let actions = null;
  if (own && ownOrg && p.status === 'open') {
    const mine = p.votes[own] ?? { yes: [], no: [] };
    const myVote = mine.yes.includes(state.key.publicKey) ? 'yes' : mine.no.includes(state.key.publicKey) ? 'no' : null;
    const decided = p.decided[own];
    const closed = Boolean(decided || myVote);
    const why = decided ? `${ownOrg.name} has decided: ${decided}.` : myVote ? `You voted ${myVote}; ${ownOrg.name} decides once ${ownOrg.threshold} of its admins agree.` : `Vote for ${ownOrg.name}:`;
    const whyId = `vote-why-${p.id.slice(0, 12)}`;
    actions = h(
      'div',
      { class: 'vote-actions' },
      h('p', { class: 'vote-why', id: whyId }, why),
      h('button', { type: 'button', class: 'button button-small', disabled: closed, 'aria-describedby': whyId, 'data-vote': 'yes', onclick: (e) => castVote(p.id, true, e.currentTarget) }, 'Vote yes'),
      h('button', { type: 'button', class: 'button button-small button-secondary', disabled: closed, 'aria-describedby': whyId, 'data-vote': 'no', onclick: (e) => castVote(p.id, false, e.currentTarget) }, 'Vote no'),
    );
  }

  const proposer = orgById(p.proposer.org);
  return h(
    'article',
    { class: `proposal proposal-${p.status}`, 'data-id': p.id, 'data-status': p.status, 'aria-labelledby': `p-${p.id.slice(0, 12)}` },
    h('div', { class: 'proposal-head' }, h('h3', { id: `p-${p.id.slice(0, 12)}` }, describeChange(p.change)), badge(STATUS_WORD[p.status] ?? p.status, STATUS_TONE[p.status] ?? 'muted')),
    h('p', { class: 'proposal-meta' }, `Proposed by ${proposer?.name ?? p.proposer.org} (admin `, keyText(p.proposer.key), `) at block ${numberFormat.format(p.proposedAt)} · ${when}`),
    p.failure ? h('p', { class: 'error-text' }, `The share was reached but the change could not be made: ${p.failure.code} — ${sentence(p.failure.message)}`) : null,
    h('ul', { class: 'votes', 'aria-label': 'Votes of the organisations' }, votes),
    p.status === 'open' ? h('p', { class: 'muted small tally' }, `Approved by ${yes} of the ${approvalsNeeded()} organisations needed.`) : null,
    actions,
    h('details', { class: 'proposal-detail' }, h('summary', {}, 'Proposal id and change as signed'), h('p', {}, 'Id ', keyText(p.id, { short: false })), h('pre', { class: 'code' }, JSON.stringify(p.change, null, 2))),
  );
}

function paintGovernance(force) {
  const g = state.governance;
  $('gov-rule').textContent = g
    ? `A change executes once ${g.approvalNumerator} of every ${g.approvalDenominator} active organisations approve it (now ${approvalsNeeded()} of ${activeOrgs().length}); an organisation decides once its own threshold of admins agree. Voting lasts at most ${plural(g.votingBlocks, 'block')}. ${plural(state.proposalsTotal, 'proposal')} so far.`
    : 'This chain has no governance parameters.';
  const el = $('proposals');
  if (!force && focusWithin(el)) return;
  const list = state.proposals;
  el.replaceChildren(
    list.length
      ? h('div', { class: 'proposal-list', id: 'proposal-list' }, list.map(proposalCard))
      : h('p', { class: 'muted', id: 'proposals-none' }, state.statusFilter ? `No ${state.statusFilter} proposal.` : 'No proposal yet.'),
  );
}

let modulesShown = '';
let validatorsShown = '';

function paintPropose() {
  const enabled = Boolean(adminOrg());
  $('propose-hint').hidden = enabled;
  $('propose-form').querySelector('fieldset.write').disabled = !enabled;

  const active = activeOrgs().map((o) => [o.id, `${o.name} (${o.id})`]);
  for (const select of document.querySelectorAll('select[data-orgs]')) fillSelect(select, active);

  const modules = knownModules();
  if (modules.join() !== modulesShown) {
    modulesShown = modules.join();
    $('module-names').replaceChildren(...modules.map((m) => h('option', { value: m })));
    const box = $('add-permissions');
    const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
    box.replaceChildren(...modules.map((m) => h('label', { class: 'check check-inline' }, h('input', { type: 'checkbox', name: 'permissions', value: m, checked: checked.has(m) }), h('code', {}, m))));
  }

  const g = state.governance;
  if (g) {
    $('param-name-hint').textContent = `Now: voting period ${numberFormat.format(g.votingBlocks)} blocks; approval share ${g.approvalNumerator}/${g.approvalDenominator}.`;
    $('voting-blocks').max = String(g.votingBlocks);
    $('voting-blocks-hint').textContent = `Leave empty for the consortium’s full period (${plural(g.votingBlocks, 'block')}); a shorter one may be given, from ${VOTING_BLOCKS_MIN} blocks.`;
  }

  const signature = JSON.stringify(state.validators);
  const editor = $('validators-edit');
  if (signature !== validatorsShown && !focusWithin(editor)) {
    validatorsShown = signature;
    const solo = state.validators.length < VALIDATORS_MIN;
    editor.replaceChildren(
      ...(solo ? [h('p', { class: 'notice notice-warn' }, 'This chain has one validator and runs solo consensus: its validator set is fixed by its genesis, and the chain will refuse a change (VALIDATORS_SOLO_CHAIN).')] : []),
      table(
        'validators-table',
        'The validator set in force, to edit',
        [['Validator'], ['Voting power'], ['Take out']],
        state.validators.map((v, i) =>
          h(
            'tr',
            { 'data-key': v.pubKey },
            h('td', {}, h('span', { class: 'strong' }, v.name), h('span', { class: 'block' }, keyText(v.pubKey))),
            h(
              'td',
              {},
              h('label', { class: 'visually-hidden', for: `val-power-${i}` }, `Voting power of ${v.name}`),
              h('input', { id: `val-power-${i}`, class: 'input input-power', type: 'number', min: '1', step: '1', inputmode: 'numeric', value: String(v.power), 'data-key': v.pubKey, 'data-name': v.name, 'aria-describedby': 'validators-error' }),
            ),
            h('td', {}, h('label', { class: 'check check-inline' }, h('input', { type: 'checkbox', 'data-remove': v.pubKey }), h('span', {}, 'Take out', h('span', { class: 'visually-hidden' }, ` ${v.name}`)))),
          ),
        ),
        'No validator set is known.',
      ),
    );
  }
}

// --- the key ----------------------------------------------------------------------------

const keyInput = $('key-input');
const keyStatus = $('key-status');
let keyReading = null;

function paintKeyStatus() {
  const forget = () => h('button', { type: 'button', class: 'button button-secondary button-small', id: 'forget-key', onclick: () => forgetKey(true) }, 'Forget key');
  $('key-choose').hidden = Boolean(adminOrg());
  if (keyReading) {
    keyStatus.replaceChildren(h('p', { class: 'muted' }, keyReading));
    return;
  }
  if (!state.key) {
    const note = state.keyNote;
    if (note?.tone === 'error') keyStatus.replaceChildren(h('div', { class: 'notice notice-error', 'data-key-state': 'error' }, h('p', { class: 'notice-title' }, note.title), h('p', {}, note.text)));
    else keyStatus.replaceChildren(h('p', { class: 'muted', 'data-key-state': 'none' }, note?.text ?? 'No key in use: the page is read-only.'));
    return;
  }
  const m = state.member;
  const own = adminOrg();
  if (own) {
    const o = orgById(own);
    keyStatus.replaceChildren(
      h(
        'div',
        { class: 'signed-in', 'data-key-state': 'admin' },
        h('p', { class: 'notice-title', id: 'signed-in-as' }, `Signed in as an admin of ${o?.name ?? own}`),
        h('p', {}, 'Key ', keyText(state.key.publicKey), o ? ` · ${o.threshold} of ${plural(o.admins.length, 'admin')} of ${o.name} must approve each change.` : ''),
        h('p', { class: 'tight' }, forget()),
      ),
    );
    return;
  }
  let why;
  if (m?.org && !m.admin) why = `It is the key of an official of ${orgName(m.org)} (roles: ${(m.roles ?? []).join(', ') || 'none'}), not of an admin.`;
  else if (m?.nodeOf) why = `It is a node key of ${orgName(m.nodeOf)}; nodes sign blocks, admins sign changes.`;
  else why = 'This chain does not know it as an admin of an active member organisation (it may never have been one, or its organisation was removed, or its admin keys were replaced).';
  keyStatus.replaceChildren(
    h(
      'div',
      { class: 'notice notice-error', 'data-key-state': 'not-admin', id: 'not-admin' },
      h('p', { class: 'notice-title' }, 'This key is not an admin of an active organisation'),
      h('p', {}, 'Key ', keyText(state.key.publicKey), '. ', why),
      h('p', {}, 'You can still read everything here; changes stay disabled. Choose another key file, or ask your organisation’s admins.'),
      h('p', { class: 'tight' }, forget()),
    ),
  );
}

async function useKeyFile(file) {
  if (!file) return;
  const token = ++state.keyToken;
  state.key = null;
  state.member = null;
  state.keyNote = null;
  keyReading = 'Reading the key…';
  clearOutcomes();
  paint();
  try {
    if (file.size > KEY_FILE_BYTES_MAX) throw new KeyFileError(`this file is ${numberFormat.format(file.size)} bytes: too large to be a key file`);
    const key = await loadSigningKey(await file.text());
    if (token !== state.keyToken) return;
    keyReading = 'Looking the key up on the chain…';
    paintKeyStatus();
    const member = await api(`/v1/members/${key.publicKey}`);
    if (token !== state.keyToken) return;
    state.key = key;
    state.member = member;
  } catch (e) {
    if (token !== state.keyToken) return;
    keyInput.value = '';
    keyReading = null;
    const reason = e instanceof KeyFileError || e instanceof ApiError ? e.message : 'the file could not be read';
    state.keyNote = { tone: 'error', title: 'This file cannot be used as a key', text: sentence(reason) };
    if (!(e instanceof KeyFileError || e instanceof ApiError)) console.warn('key file', e);
    paint();
    return;
  } finally {
    if (token === state.keyToken) keyReading = null;
  }
  // The file input's copy of the file is dropped too: only the CryptoKey stays, in memory.
  keyInput.value = '';
  if (!chosenFromHash()) state.chosenId = null; // show the admin's own organisation
  await refreshAll({ force: true }).catch(showLoadError);
  if (adminOrg()) $('forget-key')?.focus();
}

function forgetKey(focus) {
  state.keyToken++;
  state.key = null;
  state.member = null;
  state.own = null;
  keyReading = null;
  keyInput.value = '';
  state.keyNote = { tone: 'info', text: 'Key forgotten: the page is read-only.' };
  clearOutcomes();
  paint();
  if (focus) keyInput.focus();
}

// --- writes -------------------------------------------------------------------------------

function clearOutcomes() {
  for (const el of document.querySelectorAll('.outcome')) {
    el.replaceChildren();
    delete el.dataset.outcome;
    delete el.dataset.code;
  }
}

/** Say an outcome in a live region: tone ok | wait | error | info, a title, and details. */
function say(el, outcome, tone, title, ...details) {
  el.dataset.outcome = outcome;
  el.replaceChildren(h('div', { class: `outcome-box outcome-${tone}` }, h('p', { class: 'outcome-title' }, title), details.map((d) => (d instanceof Node ? d : h('p', {}, d)))));
}

/** A refusal: by the node on arrival (nothing happened), or by the chain in a block (only the nonce was used). */
function refused(el, code, message, committed) {
  el.dataset.code = code;
  say(el, 'refused', 'error', `Refused: ${code}`, sentence(message), committed ? 'The transaction is in a block but changed nothing (it used up one of your transaction numbers).' : 'The node did not take the transaction: nothing changed.');
}

/**
 * Sign one transaction with the admin key, post it with ?wait=commit, and
 * return the committed result (`{ id, result, height }`), or undefined after
 * saying why not (refused, or not yet in a block).
 */
async function signAndSend(module, action, args, outcome) {
  if (!state.key || !adminOrg()) {
    say(outcome, 'invalid', 'error', 'Use your admin key first.');
    return undefined;
  }
  say(outcome, 'pending', 'info', 'Signing…');
  try {
    const [g, account] = await Promise.all([genesis(), api(`/v1/accounts/${state.key.publicKey}`)]);
    const body = { v: 1, chainId: g.chainId, module, action, args, signer: state.key.publicKey, nonce: account.nonce };
    const { tx, id } = await signTransaction(body, state.key);
    say(outcome, 'pending', 'info', 'Sent; waiting for the next block…', h('p', { class: 'muted' }, 'Transaction ', keyText(id)));
    const { status, body: answer } = await request(`/v1/tx?wait=commit&timeoutMs=${COMMIT_WAIT_MS}`, { method: 'POST', body: JSON.stringify(tx) });
    if (status !== 200 || answer.status !== 'committed') {
      say(outcome, 'pending', 'wait', 'Sent, but not in a block yet', h('p', {}, 'The node accepted transaction ', keyText(id), ` but no block included it within ${COMMIT_WAIT_MS / 1000} seconds. It may still be included: `, h('a', { href: `/explorer#/tx/${id}` }, 'follow it in the explorer'), ', and refresh this page later.'));
      return undefined;
    }
    if (answer.result.code !== 'OK') {
      refused(outcome, answer.result.code, answer.result.message ?? 'the chain refused the change', true);
      return undefined;
    }
    return { id, result: answer.result, height: answer.height };
  } catch (e) {
    if (e instanceof ApiError) refused(outcome, e.code, e.message);
    else if (e?.code && typeof e.code === 'string') refused(outcome, e.code, e.message);
    else {
      refused(outcome, 'BROWSER', 'the transaction could not be signed in this browser');
      console.warn('sign and send', e);
    }
    return undefined;
  }
}

const eventOf = (result, type) => result.events.find((e) => e.type === type);
const txLink = (id, height) => h('p', { class: 'muted small' }, `In block ${numberFormat.format(height)} · `, h('a', { href: `/explorer#/tx/${id}` }, 'see the transaction'));

/** Say what an org operation did: applied, or waiting for the other admins. */
function sayOrgOutcome(outcome, sent, done) {
  const applied = eventOf(sent.result, 'org.applied');
  const pending = eventOf(sent.result, 'org.pending');
  if (applied) {
    say(outcome, 'done', 'ok', `Done: ${done}.`, txLink(sent.id, sent.height));
  } else if (pending) {
    const missing = pending.threshold - pending.approvals;
    say(
      outcome,
      'waiting',
      'wait',
      `Waiting for admin approvals: ${pending.approvals} of ${pending.threshold} so far`,
      `It runs once ${plural(missing, 'more admin')} of ${orgName(pending.org)} ${missing === 1 ? 'approves' : 'approve'} it: on this page, under “Waiting for approval”, or with the command line:`,
      h('p', {}, h('code', { class: 'hash-full' }, `polity org approve ${pending.id} --org ${pending.org}`)),
      txLink(sent.id, sent.height),
    );
  } else {
    say(outcome, 'done', 'ok', 'Done.', txLink(sent.id, sent.height));
  }
}

/** Say what a governance transaction did: executed, failed, rejected, or still open. */
function sayGovOutcome(outcome, sent, what) {
  const r = sent.result;
  const executed = eventOf(r, 'gov.executed');
  const failed = eventOf(r, 'gov.failed');
  const rejected = eventOf(r, 'gov.rejected');
  const proposed = eventOf(r, 'gov.proposed');
  const link = txLink(sent.id, sent.height);
  if (executed) say(outcome, 'executed', 'ok', `Executed: ${what}.`, 'The required share of organisations approved: the change is made.', link);
  else if (failed) {
    outcome.dataset.code = failed.code;
    say(outcome, 'failed', 'error', `The share was reached but the change failed: ${failed.code}`, 'The proposal is closed as failed; nothing changed. See the proposal below for the reason.', link);
  } else if (rejected) say(outcome, 'rejected', 'error', 'Rejected', 'Enough organisations said no: the share can no longer be reached. The proposal is closed without effect.', link);
  else say(outcome, 'open', 'wait', `${what}: open${proposed ? ` until block ${numberFormat.format(proposed.expiresAt)}` : ''}`, `Waiting for the other organisations’ votes (${approvalsNeeded()} of ${activeOrgs().length} must approve).`, link);
}

/** Run a write from a form: validate, sign, send, say the outcome, refresh. */
async function runWrite(form, outcome, build) {
  if (state.busy) return;
  clearErrors(form);
  outcome.replaceChildren();
  delete outcome.dataset.outcome;
  delete outcome.dataset.code;
  const spec = build();
  if (!spec) {
    say(outcome, 'invalid', 'error', 'Nothing was signed: correct the marked fields.');
    form.querySelector('[aria-invalid="true"]')?.focus();
    return;
  }
  state.busy = true;
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.setAttribute('aria-disabled', 'true');
  form.setAttribute('aria-busy', 'true');
  try {
    const sent = await signAndSend(spec.module, spec.action, spec.args, outcome);
    if (sent) {
      spec.report(sent);
      spec.reset?.();
    }
  } finally {
    state.busy = false;
    for (const b of buttons) b.removeAttribute('aria-disabled');
    form.removeAttribute('aria-busy');
  }
  await refreshAll({ force: true, focusAfter: outcome }).catch(showLoadError);
}

// --- input checks (before anything is signed) --------------------------------------------------

function errorOf(input) {
  return $(`${input.id}-error`);
}

function setError(input, message, errorEl = errorOf(input)) {
  if (input) input.setAttribute('aria-invalid', 'true');
  if (errorEl) errorEl.textContent = message;
}

function clearErrors(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
}

/** A 64-hex-digit key from a field (spaces and a 0x prefix dropped, lowercased), or undefined after marking the field. */
function readKey(input, what) {
  const raw = input.value.trim().toLowerCase().replace(/^0x/, '');
  if (raw === '') return setError(input, `Enter ${what}.`), undefined;
  if (!HEX32_RE.test(raw)) {
    setError(input, /^[0-9a-f]*$/.test(raw) ? `Expected 64 hex digits, got ${raw.length}.` : 'Expected 64 hex digits (0-9, a-f) only.');
    return undefined;
  }
  input.value = raw;
  return raw;
}

function readKeyList(input, { min, max, what }) {
  const lines = input.value.split(/[\s,]+/).map((s) => s.trim().toLowerCase().replace(/^0x/, '')).filter(Boolean);
  if (lines.length < min) return setError(input, min === 1 ? `Enter at least one ${what}.` : `Enter at least ${min} ${what}s.`), undefined;
  if (lines.length > max) return setError(input, `At most ${max} ${what}s, got ${lines.length}.`), undefined;
  for (const [i, k] of lines.entries()) {
    if (!HEX32_RE.test(k)) return setError(input, `Line ${i + 1}: expected 64 hex digits, got ${/^[0-9a-f]*$/.test(k) ? `${k.length}` : 'other characters'}.`), undefined;
  }
  if (new Set(lines).size !== lines.length) return setError(input, 'A key is listed twice.'), undefined;
  input.value = lines.join('\n');
  return lines;
}

function readInt(input, { min, max, optional = false, what }) {
  const raw = input.value.trim();
  if (raw === '' && optional) return null;
  if (!/^[0-9]{1,16}$/.test(raw)) return setError(input, `Enter ${what}: a whole number.`), undefined;
  const n = Number(raw);
  if (n < min || n > max) return setError(input, `Expected ${numberFormat.format(min)} to ${numberFormat.format(max)}, got ${numberFormat.format(n)}.`), undefined;
  return n;
}

function readRoles(container, errorEl) {
  const roles = [...container.querySelectorAll('input[name="roles"]:checked')].map((i) => i.value);
  if (roles.length === 0) {
    errorEl.textContent = 'Choose at least one role.';
    container.querySelector('input')?.setAttribute('aria-invalid', 'true');
    return undefined;
  }
  return roles;
}

// --- the forms -------------------------------------------------------------------------------------

const registerForm = $('register-form');
const officialForm = $('official-form');
const adminsForm = $('admins-form');
const rotateForm = $('rotate-form');
const proposeForm = $('propose-form');

roleChecks(registerForm.querySelector('[data-roles="register"]'), 'register');
roleChecks(officialForm.querySelector('[data-roles="official"]'), 'official');

registerForm.addEventListener('submit', (event) => {
  event.preventDefault();
  runWrite(registerForm, $('register-outcome'), () => {
    const own = adminOrg();
    const key = readKey($('register-key'), 'the official’s public key');
    const roles = readRoles(registerForm.querySelector('[data-roles]'), $('register-roles-error'));
    if (!key || !roles) return undefined;
    return {
      module: 'org',
      action: 'propose',
      args: { org: own, op: { type: 'registerOfficial', key, roles } },
      report: (sent) => sayOrgOutcome($('register-outcome'), sent, `official ${shortHex(key)} is registered as ${roles.join(', ')}`),
      reset: () => {
        $('register-key').value = '';
        for (const c of registerForm.querySelectorAll('input[type="checkbox"]')) c.checked = false;
      },
    };
  });
});

function editOfficial(key) {
  const select = $('official-select');
  select.value = key;
  syncOfficialRoles();
  officialForm.scrollIntoView({ block: 'start', behavior: 'smooth' });
  select.focus({ preventScroll: true });
}

function syncOfficialRoles() {
  const f = state.own?.officials.find((x) => x.key === $('official-select').value);
  for (const c of officialForm.querySelectorAll('input[name="roles"]')) c.checked = Boolean(f?.roles.includes(c.value));
  $('remove-confirm').hidden = true;
}

$('official-select').addEventListener('change', syncOfficialRoles);

function readOfficial() {
  const select = $('official-select');
  if (!select.value) return setError(select, 'Choose an official.'), undefined;
  return select.value;
}

officialForm.addEventListener('submit', (event) => {
  event.preventDefault();
  runWrite(officialForm, $('official-outcome'), () => {
    const key = readOfficial();
    const roles = readRoles(officialForm.querySelector('[data-roles]'), $('official-roles-error'));
    if (!key || !roles) return undefined;
    return {
      module: 'org',
      action: 'propose',
      args: { org: adminOrg(), op: { type: 'setRoles', key, roles } },
      report: (sent) => sayOrgOutcome($('official-outcome'), sent, `official ${shortHex(key)} now holds ${roles.join(', ')}`),
    };
  });
});

$('remove-official').addEventListener('click', () => {
  if (state.busy) return;
  clearErrors(officialForm);
  const key = readOfficial();
  if (!key) return;
  $('remove-confirm-text').textContent = `Remove official ${shortHex(key)}? Once the change runs, the key stops acting for ${orgName(adminOrg())}; to act again it must be registered again.`;
  $('remove-confirm').hidden = false;
  $('remove-yes').focus();
});
$('remove-no').addEventListener('click', () => {
  $('remove-confirm').hidden = true;
  $('remove-official').focus();
});
$('remove-yes').addEventListener('click', () => {
  $('remove-confirm').hidden = true;
  runWrite(officialForm, $('official-outcome'), () => {
    const key = readOfficial();
    if (!key) return undefined;
    return {
      module: 'org',
      action: 'propose',
      args: { org: adminOrg(), op: { type: 'removeOfficial', key } },
      report: (sent) => sayOrgOutcome($('official-outcome'), sent, `official ${shortHex(key)} is removed`),
      reset: () => ($('official-select').value = ''),
    };
  });
});

adminsForm.addEventListener('submit', (event) => {
  event.preventDefault();
  runWrite(adminsForm, $('admins-outcome'), () => {
    const admins = readKeyList($('admins-keys'), { min: 1, max: ADMINS_MAX, what: 'admin key' });
    const threshold = readInt($('admins-threshold'), { min: 1, max: admins?.length ?? ADMINS_MAX, what: 'how many admins must approve' });
    if (!admins || threshold === undefined) return undefined;
    return {
      module: 'org',
      action: 'propose',
      args: { org: adminOrg(), op: { type: 'setAdmins', admins, threshold } },
      report: (sent) => sayOrgOutcome($('admins-outcome'), sent, `the admin keys are replaced (${threshold} of ${admins.length})`),
    };
  });
});

rotateForm.addEventListener('submit', (event) => {
  event.preventDefault();
  runWrite(rotateForm, $('rotate-outcome'), () => {
    const fromSelect = $('rotate-from');
    const from = fromSelect.value || (setError(fromSelect, 'Choose the node key to replace.'), undefined);
    const to = readKey($('rotate-to'), 'the new node key');
    if (from && to && from === to) return setError($('rotate-to'), 'The new key is the current one.'), undefined;
    if (!from || !to) return undefined;
    return {
      module: 'org',
      action: 'propose',
      args: { org: adminOrg(), op: { type: 'rotateNode', from, to } },
      report: (sent) => sayOrgOutcome($('rotate-outcome'), sent, `node key ${shortHex(from)} is replaced by ${shortHex(to)}`),
      reset: () => ($('rotate-to').value = ''),
    };
  });
});

async function approveOp(org, id, button) {
  const outcome = $('approve-outcome');
  if (state.busy) return;
  state.busy = true;
  button.setAttribute('aria-disabled', 'true');
  try {
    const sent = await signAndSend('org', 'approve', { org, id }, outcome);
    if (sent) sayOrgOutcome(outcome, sent, `operation ${shortHex(id)} has run`);
  } finally {
    state.busy = false;
  }
  await refreshAll({ force: true, focusAfter: outcome }).catch(showLoadError);
  outcome.scrollIntoView({ block: 'nearest' });
}

async function castVote(id, approve, button) {
  const outcome = $('vote-outcome');
  if (state.busy) return;
  state.busy = true;
  button.setAttribute('aria-disabled', 'true');
  const p = state.proposals.find((x) => x.id === id);
  try {
    const sent = await signAndSend('gov', 'vote', { id, approve }, outcome);
    if (sent) sayGovOutcome(outcome, sent, `you voted ${approve ? 'yes' : 'no'} on “${p ? describeChange(p.change) : shortHex(id)}”`);
  } finally {
    state.busy = false;
  }
  await refreshAll({ force: true, focusAfter: outcome }).catch(showLoadError);
  outcome.scrollIntoView({ block: 'nearest' });
}

// --- proposing a change -----------------------------------------------------------------------------

const changeType = $('change-type');

function showChange() {
  const type = changeType.value;
  const group = type === 'grantPermission' || type === 'revokePermission' ? 'permission' : type;
  for (const el of proposeForm.querySelectorAll('.change')) el.hidden = el.dataset.change !== group;
  clearErrors(proposeForm);
}
changeType.addEventListener('change', showChange);

function readOrgSelect(select) {
  if (!select.value || !ORG_ID_RE.test(select.value)) return setError(select, 'Choose an organisation.'), undefined;
  return select.value;
}

function buildChange() {
  switch (changeType.value) {
    case 'addOrganisation': {
      const nameInput = $('add-name');
      const name = nameInput.value.trim();
      if (name === '') setError(nameInput, 'Enter the organisation’s name.');
      else if (name.length > 128) setError(nameInput, `At most 128 characters, got ${name.length}.`);
      const idInput = $('add-id');
      const id = idInput.value.trim();
      if (id === '') setError(idInput, 'Enter an id, e.g. tax-office.');
      else if (!ORG_ID_RE.test(id)) setError(idInput, 'Use 1-64 lowercase letters, digits and dashes, not starting or ending with a dash.');
      else if (orgById(id)) setError(idInput, `An organisation ${id} exists or existed: ids are never reused.`);
      const admins = readKeyList($('add-admins'), { min: 1, max: ADMINS_MAX, what: 'admin key' });
      const threshold = readInt($('add-threshold'), { min: 1, max: admins?.length ?? ADMINS_MAX, what: 'how many admins must approve' });
      const nodes = readKeyList($('add-nodes'), { min: 0, max: NODES_MAX, what: 'node key' });
      if (admins && nodes && admins.some((k) => nodes.includes(k))) setError($('add-nodes'), 'A key cannot be both an admin key and a node key.');
      const permissions = [...$('add-permissions').querySelectorAll('input:checked')].map((i) => i.value);
      if (proposeForm.querySelector('.change:not([hidden]) [aria-invalid="true"]')) return undefined;
      return { type: 'addOrganisation', organisation: { id, name, admins, threshold, nodes, permissions } };
    }
    case 'removeOrganisation': {
      const id = readOrgSelect($('remove-org'));
      return id ? { type: 'removeOrganisation', id } : undefined;
    }
    case 'grantPermission':
    case 'revokePermission': {
      const org = readOrgSelect($('perm-org'));
      const moduleInput = $('perm-module');
      const module = moduleInput.value.trim();
      if (!MODULE_RE.test(module)) setError(moduleInput, module === '' ? 'Enter a module name.' : 'A module name is a lowercase letter then letters and digits, e.g. notary.');
      else {
        const has = orgById(org)?.permissions.includes(module);
        if (org && changeType.value === 'grantPermission' && has) setError(moduleInput, `${orgName(org)} already holds the ${module} permission.`);
        if (org && changeType.value === 'revokePermission' && !has) setError(moduleInput, `${orgName(org)} does not hold the ${module} permission.`);
      }
      if (!org || moduleInput.getAttribute('aria-invalid')) return undefined;
      return { type: changeType.value, org, module };
    }
    case 'setParameter': {
      const name = $('param-name').value;
      const value = readInt($('param-value'), { min: name === 'votingBlocks' ? VOTING_BLOCKS_MIN : 1, max: VOTING_BLOCKS_MAX, what: 'the new value' });
      if (value === undefined || value === null) return undefined;
      const g = state.governance;
      if (g) {
        const next = { ...g, [name]: value };
        if (next.approvalNumerator > next.approvalDenominator) return setError($('param-value'), `The approval share cannot exceed 1 (numerator ${next.approvalNumerator} > denominator ${next.approvalDenominator}).`), undefined;
      }
      return { type: 'setParameter', name, value };
    }
    case 'setValidators': {
      const errorEl = $('validators-error');
      const editor = $('validators-edit');
      const validators = [];
      let bad = false;
      for (const input of editor.querySelectorAll('input[data-key]')) {
        const removed = editor.querySelector(`input[data-remove="${input.dataset.key}"]`)?.checked;
        if (removed) continue;
        const power = readInt(input, { min: 1, max: TOTAL_POWER_MAX, what: `the voting power of ${input.dataset.name}` });
        if (power === undefined || power === null) {
          errorEl.textContent = `The voting power of ${input.dataset.name}: a whole number from 1.`;
          bad = true;
          continue;
        }
        validators.push({ name: input.dataset.name, pubKey: input.dataset.key, power });
      }
      const nameInput = $('val-name');
      const keyInput2 = $('val-key');
      const addName = nameInput.value.trim();
      if (addName !== '' || keyInput2.value.trim() !== '') {
        if (addName === '' || addName.length > 128) setError(nameInput, 'Enter the validator’s name (1-128 characters).');
        const key = readKey(keyInput2, 'the validator’s node key');
        const power = readInt($('val-power'), { min: 1, max: TOTAL_POWER_MAX, what: 'its voting power' });
        if (key && (validators.some((v) => v.pubKey === key) || state.validators.some((v) => v.pubKey === key))) setError(keyInput2, 'This node is already a validator: change its power above.');
        if (key && addName && power && !keyInput2.getAttribute('aria-invalid') && !nameInput.getAttribute('aria-invalid')) validators.push({ name: addName, pubKey: key, power });
        else bad = true;
      }
      if (bad) return undefined;
      if (validators.length < VALIDATORS_MIN) return setError(null, `A validator set needs at least ${VALIDATORS_MIN} validators; this one has ${validators.length}.`, errorEl), undefined;
      if (validators.length > VALIDATORS_MAX) return setError(null, `At most ${VALIDATORS_MAX} validators.`, errorEl), undefined;
      const same = validators.length === state.validators.length && validators.every((v) => state.validators.some((c) => c.pubKey === v.pubKey && c.power === v.power));
      if (same) return setError(null, 'This is the set in force: change a power, take a validator out, or add one.', errorEl), undefined;
      return { type: 'setValidators', validators };
    }
    default:
      return undefined;
  }
}

proposeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  runWrite(proposeForm, $('propose-outcome'), () => {
    const change = buildChange();
    const g = state.governance;
    const votingBlocks = readInt($('voting-blocks'), { min: VOTING_BLOCKS_MIN, max: g?.votingBlocks ?? VOTING_BLOCKS_MAX, optional: true, what: 'the voting period' });
    if (!change || votingBlocks === undefined) return undefined;
    const args = votingBlocks === null ? { change } : { change, votingBlocks };
    return {
      module: 'gov',
      action: 'propose',
      args,
      report: (sent) => sayGovOutcome($('propose-outcome'), sent, `“${describeChange(change)}”`),
      reset: () => {
        for (const el of proposeForm.querySelectorAll('.change:not([hidden]) input[type="text"], .change:not([hidden]) textarea')) el.value = '';
        $('voting-blocks').value = '';
      },
    };
  });
});

// --- start ---------------------------------------------------------------------------------------------

function showLoadError(e) {
  $('orgs').replaceChildren(h('div', { class: 'notice notice-error', role: 'alert' }, h('p', { class: 'notice-title' }, 'The organisations could not be loaded'), h('p', {}, sentence(e instanceof ApiError ? e.message : 'the page could not be shown'))));
  if (!(e instanceof ApiError)) console.warn('console refresh failed', e);
}

keyInput.addEventListener('change', () => useKeyFile(keyInput.files?.[0]));
// The key lives only as long as the page: it is dropped when the page is left (and not kept in the back/forward cache).
window.addEventListener('pagehide', () => forgetKey(false));

$('status-filter').addEventListener('change', (event) => {
  state.statusFilter = event.target.value;
  refreshAll().catch(showLoadError);
});
$('refresh').addEventListener('click', () => refreshAll().catch(showLoadError));

window.addEventListener('hashchange', async () => {
  state.chosenId = chosenFromHash() ?? state.chosenId;
  await refreshAll().catch(showLoadError);
  $('org-title').focus({ preventScroll: false });
});

showChange();
refreshStatus();
refreshAll().catch(showLoadError);

let ticking = false;
setInterval(async () => {
  if (ticking || state.busy || document.hidden) return;
  ticking = true;
  try {
    await refreshStatus();
    await refreshAll();
  } catch {
    // A missed refresh is not worth an error; the next tick retries.
  } finally {
    ticking = false;
  }
}, REFRESH_MS);
