/**
 * The organisation console (/console): the member organisations, their
 * officials, admins, nodes and pending operations — readable by anyone —
 * and, for an organisation's admin who loads their key file, the changes
 * `polity org` makes:
 *
 *   org.propose {org, op}   registerOfficial / setRoles / removeOfficial /
 *                           setAdmins / rotateNode (runs at the threshold)
 *   org.approve {org, id}   another admin approves a pending operation
 *
 * and the governance votes waiting for the admin's organisation (gov.vote),
 * so an admin who comes to approve can vote in the same visit. Proposing a
 * change to the consortium is on the governance page (/governance).
 *
 * Outcome regions carry data-outcome and data-code once a write has
 * finished (web/components/signed-write.tsx).
 */
import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ORG_ID_RE } from '../../runtime/membership.js';
import type { OrgOp } from './module.js';
import { AdminKeyPanel, ERROR_MEANINGS, useAdminSession, useConsortium, type ConsortiumView } from './admin.js';
import { ManagePanel, orgOutcome } from './forms.js';
import { focusIfLost, ProposalCard, useVoting, type Voter } from '../gov/proposals.js';
import { mountPage } from '../../../web/app.js';
import { errorText, getJson } from '../../../web/lib/api.js';
import type { OrgLogEntry, OrgResponse, ProposalsResponse } from '../../../web/lib/api-types.js';
import { formatNumber, formatTimeLong, isoTime, plural, sentence } from '../../../web/lib/format.js';
import { useHashRoute } from '../../../web/lib/hooks.js';
import { useTick } from '../../../web/lib/status.js';
import { useSigningKeys } from '../../../web/components/key-panel.js';
import { OutcomeRegion, useWriter, type Outcome, type Writer } from '../../../web/components/signed-write.js';
import { DataTable } from '../../../web/components/table.js';
import { Badge, Fields, Hash, Notice, Panel } from '../../../web/components/ui.js';

/** Entries of an organisation's log shown, newest first. */
const LOG_SHOWN = 10;
/** Open proposals read for the votes waiting for an admin's organisation. */
const OPEN_PROPOSALS_MAX = 50;

function useOrg(id: string | null) {
  const [state, setState] = useState<{ id: string | null; detail: OrgResponse | null; error: unknown }>({ id: null, detail: null, error: undefined });
  const refresh = useCallback(async () => {
    if (!id) return setState({ id, detail: null, error: undefined });
    try {
      const detail = await getJson<OrgResponse>(`/v1/orgs/${id}`);
      setState({ id, detail, error: undefined });
    } catch (error) {
      setState({ id, detail: null, error });
    }
  }, [id]);
  useEffect(() => void refresh(), [refresh]);
  useTick(refresh);
  return { ...state, loaded: state.id === id, refresh };
}

function useOpenProposals() {
  const [state, setState] = useState<ProposalsResponse | null>(null);
  const refresh = useCallback(async () => setState(await getJson<ProposalsResponse>(`/v1/gov/proposals?status=open&limit=${OPEN_PROPOSALS_MAX}`)), []);
  useEffect(() => void refresh().catch(() => undefined), []);
  useTick(refresh);
  return { data: state, refresh };
}

function ConsolePage(): JSX.Element {
  const consortium = useConsortium();
  const keys = useSigningKeys();
  const session = useAdminSession(keys, consortium);
  const writer = useWriter(ERROR_MEANINGS);
  const route = useHashRoute();
  const fromHash = route[0] === 'org' && route[1] && ORG_ID_RE.test(route[1]) ? route[1] : null;
  const [chosenHere, setChosenHere] = useState<string | null>(null);
  const chosenId = fromHash ?? (chosenHere && consortium.orgById(chosenHere) ? chosenHere : null) ?? session.adminOrg ?? consortium.activeOrgs()[0]?.id ?? consortium.orgs[0]?.id ?? null;
  const chosen = useOrg(chosenId);
  const ownId = session.adminOrg && session.adminOrg !== chosenId ? session.adminOrg : null;
  const ownOther = useOrg(ownId);
  const own = session.adminOrg ? (session.adminOrg === chosenId ? chosen.detail : ownOther.detail) : null;
  const open = useOpenProposals();
  const [editKey, setEditKey] = useState<{ key: string; at: number } | null>(null);

  // A key newly in use shows its own organisation (unless the address names one).
  useEffect(() => setChosenHere(null), [session.adminOrg]);
  // Following a link to another organisation moves focus to its heading.
  useEffect(() => {
    if (fromHash) document.getElementById('org-title')?.focus();
  }, [fromHash]);

  const after = async () => {
    await Promise.all([consortium.refresh(), chosen.refresh(), ownOther.refresh(), open.refresh(), session.refreshMember()]);
  };
  const { voter, outcome: voteOutcome } = useVoting({ writer, keys, session, consortium, outcomeId: 'vote-outcome', after });

  return (
    <>
      <h1>Organisations</h1>
      <p class="lead">
        The member organisations of this consortium and the officials who act for them. Anyone may read this page; an organisation’s admin can also make changes here, signed with their admin key. Changes to the consortium itself are decided on the <a href="/governance">Governance</a> page.
      </p>
      <AdminKeyPanel keys={keys} session={session} consortium={consortium} />
      <Panel
        id="orgs-title"
        title="Member organisations"
        head={
          <button type="button" class="button-link" id="refresh" onClick={() => void after()}>
            Refresh
          </button>
        }
      >
        <p class="muted" id="orgs-note">
          Each organisation acts through its admins: a change needs <em>m</em> of its <em>n</em> admins. Its nodes’ keys run the consortium’s validators; its module permissions say in which services its officials may act.
        </p>
        <div id="orgs">
          <OrgsTable consortium={consortium} chosenId={chosenId} />
        </div>
      </Panel>
      <OrgPanel consortium={consortium} org={chosen} adminOrg={session.adminOrg} keyInUse={keys.state.key?.publicKey ?? null} writer={writer} keys={keys} after={after} onEdit={(key) => setEditKey({ key, at: Date.now() })} />
      <WaitingVotes consortium={consortium} open={open.data} voter={voter} outcome={voteOutcome} />
      <ManagePanel keys={keys} session={session} consortium={consortium} writer={writer} own={own} after={after} editKey={editKey} />
      <p class="muted small">
        The consortium’s make-up and decisions are for every member and citizen to audit. Officials appear as keys and roles only; the chain holds no names of people. The same actions are available from the command line: <code>polity org</code> and <code>polity gov</code>.
      </p>
    </>
  );
}

function OrgsTable(props: { consortium: ConsortiumView; chosenId: string | null }): JSX.Element {
  const { consortium, chosenId } = props;
  if (!consortium.loaded) return <p class="loading">Loading…</p>;
  if (consortium.error && consortium.orgs.length === 0)
    return (
      <Notice tone="error" title="The organisations could not be loaded">
        <p>{sentence(errorText(consortium.error))}</p>
      </Notice>
    );
  const validatorKeys = new Set(consortium.validators.map((v) => v.pubKey));
  return (
    <DataTable
      id="orgs-table"
      caption="Member organisations"
      rows={consortium.orgs}
      rowKey={(o) => o.id}
      rowProps={(o) => ({ class: o.id === chosenId ? 'is-chosen' : undefined, 'data-org': o.id })}
      pageSize={50}
      empty="No member organisation: this chain was started without any."
      columns={[
        {
          label: 'Organisation',
          cell: (o) => (
            <>
              <a href={`#/org/${encodeURIComponent(o.id)}`} class="strong" aria-current={o.id === chosenId ? 'true' : undefined}>
                {o.name}
              </a>
              <span class="block muted">
                <code>{o.id}</code>
              </span>
            </>
          ),
        },
        {
          label: 'Status',
          cell: (o) => (
            <>
              {o.status === 'active' ? <Badge tone="ok">Active</Badge> : <Badge tone="error">Removed</Badge>}
              <span class="block muted hide-narrow">{o.status === 'active' ? `since block ${formatNumber(o.since)}` : `at block ${formatNumber(o.removedAt ?? 0)}`}</span>
            </>
          ),
        },
        { label: 'Admins', class: 'num', cell: (o) => `${o.threshold} of ${o.admins.length}` },
        {
          label: 'Nodes',
          class: 'num col-optional',
          cell: (o) => {
            const validating = o.nodes.filter((k) => validatorKeys.has(k)).length;
            return (
              <>
                {formatNumber(o.nodes.length)}
                {validating ? <span class="block muted">{validating} validating</span> : null}
              </>
            );
          },
        },
        {
          label: 'Modules',
          class: 'col-optional',
          cell: (o) =>
            o.permissions.length ? (
              o.permissions.map((m) => (
                <code class="module" key={m}>
                  {m}
                </code>
              ))
            ) : (
              <span class="muted">none</span>
            ),
        },
      ]}
    />
  );
}

function describeOp(op: OrgOp): JSX.Element {
  switch (op.type) {
    case 'registerOfficial':
      return (
        <>
          Register official <Hash value={op.key} short /> as {op.roles.join(', ')}
        </>
      );
    case 'setRoles':
      return (
        <>
          Change the roles of official <Hash value={op.key} short /> to {op.roles.join(', ')}
        </>
      );
    case 'removeOfficial':
      return (
        <>
          Remove official <Hash value={op.key} short />
        </>
      );
    case 'setAdmins':
      return (
        <>
          Replace the admin keys: {plural(op.admins.length, 'key')}, {op.threshold} of {op.admins.length} to approve
        </>
      );
    case 'rotateNode':
      return (
        <>
          Rotate node key <Hash value={op.from} short /> to <Hash value={op.to} short />
        </>
      );
  }
}

function OrgPanel(props: {
  consortium: ConsortiumView;
  org: ReturnType<typeof useOrg>;
  adminOrg: string | null;
  keyInUse: string | null;
  writer: Writer;
  keys: ReturnType<typeof useSigningKeys>;
  after: () => Promise<void>;
  onEdit: (key: string) => void;
}): JSX.Element {
  const { consortium, org, adminOrg, keyInUse, writer, keys } = props;
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => setOutcome(null), [keys.state.generation]);
  const d = org.detail;
  const o = d?.organisation;
  const mine = Boolean(o && adminOrg === o.id);

  const approve = async (id: string) => {
    const key = keys.state.key;
    if (!key || !o || writer.busy) return;
    const sent = await writer.send(setOutcome, key, 'org', 'approve', { org: o.id, id });
    if (sent) setOutcome(orgOutcome(sent, `operation ${id.slice(0, 8)}… has run`, consortium));
    await props.after().catch(() => undefined);
    focusIfLost('approve-outcome');
  };

  let body: JSX.Element;
  if (org.error) {
    body = (
      <Notice tone="warn">
        <p>{sentence(errorText(org.error))}</p>
        <p>Choose an organisation in the list above.</p>
      </Notice>
    );
  } else if (!org.loaded || (!d && consortium.orgs.length > 0)) body = <p class="loading">Loading…</p>;
  else if (!d || !o) body = <p class="muted">No organisation to show.</p>;
  else {
    const validatorOf = new Map(consortium.validators.map((v) => [v.pubKey, v]));
    body = (
      <>
        <Fields
          rows={[
            { label: 'Id', value: <code>{o.id}</code> },
            {
              label: 'Status',
              value:
                o.status === 'active' ? (
                  <span>
                    <Badge tone="ok">Active</Badge> member since block {formatNumber(o.since)}
                  </span>
                ) : (
                  <span>
                    <Badge tone="error">Removed</Badge> at block {formatNumber(o.removedAt ?? 0)}
                  </span>
                ),
            },
            {
              label: 'Admins',
              value: (
                <div>
                  <p class="tight">
                    {o.threshold} of {plural(o.admins.length, 'admin')} must approve each change.
                  </p>
                  <ul class="key-list">
                    {o.admins.map((k) => (
                      <li key={k}>
                        <Hash value={k} />
                        {keyInUse === k ? <span class="you"> (you)</span> : null}
                      </li>
                    ))}
                  </ul>
                </div>
              ),
            },
            {
              label: 'Nodes',
              value: o.nodes.length ? (
                <ul class="key-list">
                  {o.nodes.map((k) => {
                    const v = validatorOf.get(k);
                    return (
                      <li key={k}>
                        <Hash value={k} />
                        {v ? <span class="muted"> validator “{v.name}”, voting power {formatNumber(v.power)}</span> : null}
                      </li>
                    );
                  })}
                </ul>
              ) : (
                <span class="muted">none</span>
              ),
            },
            {
              label: 'Module permissions',
              value: o.permissions.length ? (
                <span>
                  {o.permissions.map((m) => (
                    <code class="module" key={m}>
                      {m}
                    </code>
                  ))}
                </span>
              ) : (
                <span class="muted">none: its officials cannot act in any service</span>
              ),
            },
          ]}
        />
        <h3 id="officials-title">Officials ({formatNumber(d.officials.length)})</h3>
        <p class="muted small">An official is a key and its roles: the chain holds no names of people. The organisation keeps who holds each key in its own records.</p>
        <DataTable
          id="officials-table"
          caption={`Officials of ${o.name}`}
          rows={d.officials}
          rowKey={(f) => f.key}
          rowProps={(f) => ({ 'data-key': f.key })}
          pageSize={50}
          empty="No official yet."
          columns={[
            { label: 'Public key', cell: (f) => <Hash value={f.key} short /> },
            {
              label: 'Roles',
              cell: (f) =>
                (f.roles ?? []).map((r) => (
                  <span class="role" key={r}>
                    {r}
                  </span>
                )),
            },
            { label: 'Since block', class: 'num', cell: (f) => (f.since === undefined ? '—' : formatNumber(f.since)) },
            mine && {
              label: 'Action',
              cell: (f) => (
                <button type="button" class="button-link" aria-label={`Change or remove official ${f.key}`} onClick={() => props.onEdit(f.key)}>
                  Change
                </button>
              ),
            },
          ]}
        />
        <h3 id="pending-title">Waiting for approval ({formatNumber(d.pending.length)})</h3>
        <DataTable
          id="pending-table"
          caption={`Operations of ${o.name} waiting for its admins’ approval`}
          rows={d.pending}
          rowKey={(p) => p.id}
          rowProps={(p) => ({ 'data-op': p.id })}
          empty={o.threshold > 1 ? 'Nothing waits for approval.' : `Nothing waits: with 1 of ${o.admins.length} admins to approve, each change runs at once.`}
          columns={[
            {
              label: 'Operation',
              cell: (p) => (
                <>
                  {describeOp(p.op)}
                  <span class="block muted">
                    Operation <Hash value={p.id} short />
                  </span>
                </>
              ),
            },
            {
              label: 'Proposed by',
              class: 'col-optional',
              cell: (p) => (
                <>
                  <Hash value={p.proposer} short />
                  <span class="block muted">at block {formatNumber(p.proposedAt)}</span>
                </>
              ),
            },
            { label: 'Approvals', class: 'num', cell: (p) => `${p.approvals.filter((k) => o.admins.includes(k)).length} of ${o.threshold}` },
            { label: 'Open until', class: 'col-optional', cell: (p) => (p.expiresAtMs !== undefined ? <time dateTime={isoTime(p.expiresAtMs)}>{formatTimeLong(p.expiresAtMs)}</time> : `block ${formatNumber(p.expiresAt ?? 0)}`) },
            mine && {
              label: 'Action',
              cell: (p) =>
                keyInUse && p.approvals.includes(keyInUse) ? (
                  <span class="muted">You approved</span>
                ) : (
                  <button type="button" class="button button-small" aria-label={`Approve operation ${p.id}`} aria-disabled={writer.busy ? 'true' : undefined} onClick={() => void approve(p.id)}>
                    Approve
                  </button>
                ),
            },
          ]}
        />
        {d.log.length ? (
          <>
            <h3>Recent changes</h3>
            <ol class="log-list" id="org-log">
              {d.log
                .slice(-LOG_SHOWN)
                .reverse()
                .map((entry) => (
                  <li key={entry.txId}>
                    <a href={`/explorer#/block/${entry.height}`}>Block {formatNumber(entry.height)}</a>: {describeOp(entry.op)} ·{' '}
                    <a href={`/explorer#/tx/${entry.txId}`} aria-label={`transaction ${entry.txId}`}>
                      transaction
                    </a>
                  </li>
                ))}
            </ol>
          </>
        ) : null}
      </>
    );
  }
  return (
    <section class="panel" aria-labelledby="org-title" id="org-panel">
      <h2 id="org-title" tabIndex={-1}>
        {o?.name ?? 'Organisation'}
      </h2>
      {body}
      <OutcomeRegion id="approve-outcome" outcome={outcome} />
    </section>
  );
}

/** Governance at a glance; for an admin, the open proposals their organisation has not decided, with the vote buttons. */
function WaitingVotes(props: { consortium: ConsortiumView; open: ProposalsResponse | null; voter: Voter | null; outcome: Outcome | null }): JSX.Element {
  const { consortium, open, voter } = props;
  const waiting = voter ? (open?.proposals ?? []).filter((p) => !p.decided[voter.org]) : [];
  const ownName = voter ? consortium.orgName(voter.org) : '';
  let summary: string;
  if (!open) summary = 'Loading…';
  else if (open.total === 0) summary = 'No proposal yet.';
  else if (open.proposals.length === 0) summary = `No proposal is open; ${plural(open.total, 'proposal')} so far.`;
  else summary = `${plural(open.proposals.length, 'proposal')} open for votes.`;
  return (
    <Panel id="votes-title" title={voter ? `Votes waiting for ${ownName}` : 'Governance'}>
      <div id="proposals">
        <p class="muted" id="gov-summary">
          {summary}
          {voter && open && open.proposals.length > 0 && waiting.length === 0 ? ` ${ownName} has decided on every one.` : ''} <a href="/governance">See every proposal, or propose a change</a>.
        </p>
        {waiting.length ? (
          <div class="proposal-list" id="proposal-list">
            {waiting.map((p) => (
              <ProposalCard key={p.id} p={p} consortium={consortium} voter={voter} />
            ))}
          </div>
        ) : null}
      </div>
      <OutcomeRegion id="vote-outcome" outcome={props.outcome} />
    </Panel>
  );
}

mountPage(<ConsolePage />);
