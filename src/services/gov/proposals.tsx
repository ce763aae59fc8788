/**
 * Governance proposals as the pages show them: what a change does, in
 * words; a card per proposal with each organisation's vote and, for an
 * admin whose organisation has not decided, the vote buttons; and what a
 * governance transaction did (executed, failed, rejected, still open).
 * Shared by the governance page and the console, where an admin sees the
 * votes waiting for their organisation.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { GovChange } from './module.js';
import type { AdminSession, ConsortiumView } from '../org/admin.js';
import type { ProposalView } from '../../../web/lib/api-types.js';
import { formatAgo, formatNumber, formatTimeLong, isoTime, plural, sentence } from '../../../web/lib/format.js';
import { formatDuration } from '../iso-time.js';
import type { SigningKeys } from '../../../web/components/key-panel.js';
import { eventOf, TxLink, type Committed, type Outcome, type Writer } from '../../../web/components/signed-write.js';
import { Badge, Hash, type Tone } from '../../../web/components/ui.js';

const PARAM_WORDS: Record<Extract<GovChange, { type: 'setParameter' }>['name'], string> = {
  votingSeconds: 'the voting period',
  votingBlocks: 'the voting period in blocks (no longer used)',
  approvalNumerator: 'the numerator of the approval share',
  approvalDenominator: 'the denominator of the approval share',
};
/** Each status a proposal can have, in words (a new status fails to compile until it has its words). */
export const STATUS: Record<ProposalView['status'], { word: string; tone: Tone }> = {
  open: { word: 'Open', tone: 'info' },
  executed: { word: 'Executed', tone: 'ok' },
  rejected: { word: 'Rejected', tone: 'error' },
  failed: { word: 'Failed', tone: 'error' },
  expired: { word: 'Expired', tone: 'muted' },
};

/** A change in words. */
export function describeChange(c: GovChange, orgName: (id: string) => string, known: (id: string) => boolean): string {
  switch (c.type) {
    case 'addOrganisation': {
      const o = c.organisation;
      return `Add the organisation “${o.name}” (${o.id}): ${plural(o.admins.length, 'admin')}, ${o.threshold} of ${o.admins.length} to approve, ${plural(o.nodes.length, 'node')}, modules ${o.permissions.length ? o.permissions.join(', ') : 'none'}`;
    }
    case 'removeOrganisation':
      return `Remove the organisation ${known(c.id) ? `“${orgName(c.id)}” (${c.id})` : c.id}`;
    case 'setValidators':
      return `Set the validators to ${c.validators.map((v) => `${v.name} (power ${formatNumber(v.power)})`).join(', ')}`;
    case 'grantPermission':
      return `Let ${orgName(c.org)} act in the ${c.module} module`;
    case 'revokePermission':
      return `Stop ${orgName(c.org)} acting in the ${c.module} module`;
    case 'setParameter':
      return `Set ${PARAM_WORDS[c.name]} to ${c.name === 'votingSeconds' ? formatDuration(c.value * 1000) : formatNumber(c.value)}${c.name === 'votingBlocks' ? ' blocks' : ''}`;
    case 'serviceDecision':
      return `A decision for the ${c.module} service (${String(c.decision['type'] ?? 'unnamed')}), which it enacts once executed`;
    case 'upgradeRules':
      return `Move the chain to rules version ${c.version}, from the block after the one that executes it`;
  }
}

/**
 * When voting closes or closed: the deadline (a block time) as a date and
 * time in the reader's locale and zone, with how far away it is; proposals
 * stored before deadlines were times show their block.
 */
export function Deadline(props: { p: ProposalView }): JSX.Element {
  const { p } = props;
  if (p.status !== 'open' && p.status !== 'expired') return <span class="deadline">{`${p.status} at block ${formatNumber(p.closedAt ?? p.proposedAt)}`}</span>;
  if (p.expiresAtMs === undefined) return <span class="deadline">{p.status === 'open' ? `open until block ${formatNumber(p.expiresAt ?? 0)}` : `expired after block ${formatNumber(p.expiresAt ?? 0)}, without effect`}</span>;
  const at = (
    <time dateTime={isoTime(p.expiresAtMs)} title={isoTime(p.expiresAtMs)}>
      {formatTimeLong(p.expiresAtMs)}
    </time>
  );
  return p.status === 'open' ? (
    <span class="deadline" data-expires-at-ms={String(p.expiresAtMs)}>
      open until {at} ({formatAgo(p.expiresAtMs)})
    </span>
  ) : (
    <span class="deadline" data-expires-at-ms={String(p.expiresAtMs)}>
      voting closed {at}, without effect
    </span>
  );
}

export const describeWith = (consortium: ConsortiumView) => (c: GovChange) => describeChange(c, consortium.orgName, (id) => consortium.orgById(id) !== undefined);

/** The vote of the admin in use, if any, and what their organisation has decided. */
export interface Voter {
  org: string;
  publicKey: string;
  busy: boolean;
  vote(p: ProposalView, approve: boolean): void;
}

export function ProposalCard(props: { p: ProposalView; consortium: ConsortiumView; voter: Voter | null }): JSX.Element {
  const { p, consortium, voter } = props;
  const anchor = `p-${p.id.slice(0, 12)}`;
  const yes = Object.values(p.decided).filter((d) => d === 'yes').length;
  const when = <Deadline p={p} />;
  // Every organisation that voted and, while the proposal is open, every active one (its vote may still come).
  const orgIds = [...new Set([...(p.status === 'open' ? consortium.activeOrgs().map((o) => o.id) : []), ...Object.keys(p.votes)])];
  const status = STATUS[p.status];
  const proposer = consortium.orgById(p.proposer.org);
  return (
    <article class={`proposal proposal-${p.status}`} data-id={p.id} data-status={p.status} aria-labelledby={anchor}>
      <div class="proposal-head">
        <h3 id={anchor}>{describeWith(consortium)(p.change)}</h3>
        <Badge tone={status.tone}>{status.word}</Badge>
      </div>
      <p class="proposal-meta">
        Proposed by {proposer?.name ?? p.proposer.org} (admin <Hash value={p.proposer.key} short />) at block {formatNumber(p.proposedAt)}
        {p.proposedAtMs !== undefined ? `, ${formatTimeLong(p.proposedAtMs)}` : ''} · {when}
      </p>
      {p.failure ? (
        <p class="error-text">
          The share was reached but the change could not be made: {p.failure.code} — {sentence(p.failure.message)}
        </p>
      ) : null}
      <ul class="votes" aria-label="Votes of the organisations">
        {orgIds.map((id) => {
          const o = consortium.orgById(id);
          const v = p.votes[id] ?? { yes: [], no: [] };
          const decided = p.decided[id];
          return (
            <li data-org={id} key={id}>
              <span class="vote-org">{consortium.orgName(id)}</span>
              {decided === 'yes' ? <Badge tone="ok">Yes</Badge> : decided === 'no' ? <Badge tone="error">No</Badge> : <Badge tone="muted">Not decided</Badge>}
              <span class="muted small">
                admins: {v.yes.length} yes, {v.no.length} no{o ? ` · ${o.threshold} of ${o.admins.length} decide for ${o.name}` : ''}
              </span>
            </li>
          );
        })}
      </ul>
      {p.status === 'open' ? (
        <p class="muted small tally">
          Approved by {yes} of the {consortium.approvalsNeeded()} organisations needed.
        </p>
      ) : null}
      {voter && p.status === 'open' ? <VoteActions p={p} voter={voter} consortium={consortium} /> : null}
      <details class="proposal-detail">
        <summary>Proposal id and change as signed</summary>
        <p>
          Id <Hash value={p.id} />
        </p>
        <pre class="code">{JSON.stringify(p.change, null, 2)}</pre>
      </details>
    </article>
  );
}

function VoteActions(props: { p: ProposalView; voter: Voter; consortium: ConsortiumView }): JSX.Element | null {
  const { p, voter } = props;
  const own = props.consortium.orgById(voter.org);
  if (!own) return null;
  const mine = p.votes[voter.org] ?? { yes: [], no: [] };
  const myVote = mine.yes.includes(voter.publicKey) ? 'yes' : mine.no.includes(voter.publicKey) ? 'no' : null;
  const decided = p.decided[voter.org];
  const closed = Boolean(decided || myVote);
  const why = decided ? `${own.name} has decided: ${decided}.` : myVote ? `You voted ${myVote}; ${own.name} decides once ${own.threshold} of its admins agree.` : `Vote for ${own.name}:`;
  const whyId = `vote-why-${p.id.slice(0, 12)}`;
  return (
    <div class="vote-actions">
      <p class="vote-why" id={whyId}>
        {why}
      </p>
      <button type="button" class="button button-small" disabled={closed} aria-disabled={voter.busy ? 'true' : undefined} aria-describedby={whyId} data-vote="yes" onClick={() => voter.vote(p, true)}>
        Vote yes
      </button>
      <button type="button" class="button button-small button-secondary" disabled={closed} aria-disabled={voter.busy ? 'true' : undefined} aria-describedby={whyId} data-vote="no" onClick={() => voter.vote(p, false)}>
        Vote no
      </button>
    </div>
  );
}

/** Say what a governance transaction did: executed, failed, rejected, or still open. */
export function govOutcome(sent: Committed, what: string, consortium: ConsortiumView): Outcome {
  const r = sent.result;
  const link = <TxLink id={sent.id} height={sent.height} />;
  const failed = eventOf(r, 'gov.failed');
  const proposed = eventOf(r, 'gov.proposed');
  if (eventOf(r, 'gov.executed')) return { kind: 'executed', tone: 'ok', title: `Executed: ${what}.`, details: ['The required share of organisations approved: the change is made.', link] };
  if (failed)
    return {
      kind: 'failed',
      tone: 'error',
      code: String(failed.code),
      title: `The share was reached but the change failed: ${String(failed.code)}`,
      details: ['The proposal is closed as failed; nothing changed. See the proposal for the reason.', link],
    };
  if (eventOf(r, 'gov.rejected')) return { kind: 'rejected', tone: 'error', title: 'Rejected', details: ['Enough organisations said no: the share can no longer be reached. The proposal is closed without effect.', link] };
  return {
    kind: 'open',
    tone: 'wait',
    title: `${what}: open${typeof proposed?.expiresAtMs === 'number' ? ` until ${formatTimeLong(proposed.expiresAtMs)} (${formatAgo(proposed.expiresAtMs)})` : ''}`,
    details: [`Waiting for the other organisations’ votes (${consortium.approvalsNeeded()} of ${consortium.activeOrgs().length} must approve).`, link],
  };
}

/**
 * Votes of the admin in use: sign gov.vote, say the outcome in the region
 * `outcomeId`, then refresh the page's data (`after`).
 */
export function useVoting(options: {
  writer: Writer;
  keys: SigningKeys;
  session: AdminSession;
  consortium: ConsortiumView;
  outcomeId: string;
  after: () => Promise<void>;
}): { voter: Voter | null; outcome: Outcome | null } {
  const { writer, keys, session, consortium, outcomeId, after } = options;
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const key = keys.state.key;
  const org = session.adminOrg;
  const voter: Voter | null =
    key && org
      ? {
          org,
          publicKey: key.publicKey,
          busy: writer.busy,
          vote: (p, approve) => {
            if (writer.busy) return;
            void (async () => {
              const sent = await writer.send(setOutcome, key, 'gov', 'vote', { id: p.id, approve });
              if (sent) setOutcome(govOutcome(sent, `you voted ${approve ? 'yes' : 'no'} on “${describeWith(consortium)(p.change)}”`, consortium));
              await after().catch(() => undefined);
              focusIfLost(outcomeId);
            })();
          },
        }
      : null;
  useEffect(() => setOutcome(null), [keys.state.generation]);
  return { voter, outcome };
}

/** After a write whose button may be gone, focus moves to its outcome (unless the person moved it elsewhere). */
export function focusIfLost(id: string): void {
  const active = document.activeElement;
  if (!active || active === document.body || !active.isConnected || (active as HTMLButtonElement).disabled) {
    const el = document.getElementById(id);
    el?.focus({ preventScroll: true });
    el?.scrollIntoView({ block: 'nearest' });
  }
}
