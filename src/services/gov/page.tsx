/**
 * Consortium governance (/governance): the proposals with each
 * organisation's vote and their outcome, readable by anyone; and, for an
 * organisation's admin who loads their key file, votes and new proposals —
 * the changes `polity gov` makes:
 *
 *   gov.propose {change, votingSeconds?}  counts as the proposer's yes
 *   gov.vote {id, approve}
 *
 * A change executes once the configured share of the active organisations
 * approved it; an organisation decides once its own threshold of admins
 * voted the same way.
 */
import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ProposalCard, STATUS, useVoting } from './proposals.js';
import { ProposeForm } from './propose.js';
import { AdminKeyPanel, ERROR_MEANINGS, useAdminSession, useConsortium } from '../org/admin.js';
import { mountPage } from '../../../web/app.js';
import { errorText, getJson } from '../../../web/lib/api.js';
import type { ProposalsResponse, ProposalView } from '../../../web/lib/api-types.js';
import { plural, sentence } from '../../../web/lib/format.js';
import { useTick } from '../../../web/lib/status.js';
import { useSigningKeys } from '../../../web/components/key-panel.js';
import { OutcomeRegion, useWriter } from '../../../web/components/signed-write.js';
import { Notice, Panel } from '../../../web/components/ui.js';
import { formatDuration } from '../iso-time.js';

/** Proposals per request: the first page, and each "Show older proposals". */
const PROPOSALS_PAGE = 20;

/** The proposals shown: the newest pages, filtered by status, kept up to date. */
function useProposals(filter: string) {
  // `next`: where the following page starts (the list's cursor; a filtered page may be short and still have one).
  const [state, setState] = useState<{ proposals: ProposalView[]; total: number; more: boolean; next?: string; loaded: boolean; error: unknown }>({ proposals: [], total: 0, more: false, loaded: false, error: undefined });
  const query = (limit: number, cursor?: string) => `/v1/gov/proposals?limit=${limit}${filter ? `&status=${filter}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const refresh = useCallback(async () => {
    try {
      const shown = Math.max(PROPOSALS_PAGE, state.proposals.length);
      const r = await getJson<ProposalsResponse>(query(shown));
      setState({ proposals: r.proposals, total: r.total, more: r.next != null, ...(r.next ? { next: r.next } : {}), loaded: true, error: undefined });
    } catch (error) {
      setState((s) => ({ ...s, loaded: true, error }));
    }
  }, [filter, state.proposals.length]);
  const older = async () => {
    if (!state.next) return;
    const r = await getJson<ProposalsResponse>(query(PROPOSALS_PAGE, state.next));
    setState((s) => {
      const { next: _old, ...rest } = s;
      return { ...rest, proposals: [...s.proposals, ...r.proposals], more: r.next != null, ...(r.next ? { next: r.next } : {}) };
    });
  };
  useEffect(() => {
    setState({ proposals: [], total: 0, more: false, loaded: false, error: undefined });
  }, [filter]);
  useEffect(() => {
    if (!state.loaded) void refresh();
  }, [state.loaded, refresh]);
  useTick(refresh);
  return { ...state, refresh, older };
}

function GovernancePage(): JSX.Element {
  const consortium = useConsortium();
  const keys = useSigningKeys();
  const session = useAdminSession(keys, consortium);
  const writer = useWriter(ERROR_MEANINGS);
  const [filter, setFilter] = useState('');
  const proposals = useProposals(filter);
  const after = async () => {
    await Promise.all([consortium.refresh(), proposals.refresh(), session.refreshMember()]);
  };
  const { voter, outcome } = useVoting({ writer, keys, session, consortium, outcomeId: 'vote-outcome', after });
  const g = consortium.governance;

  return (
    <>
      <h1>Governance</h1>
      <p class="lead">
        The member organisations change the consortium together: its members, their module permissions, the validator set and the rules of voting. Anyone may read the proposals and every vote; an organisation’s admin can vote and propose here, signed with their admin key.
      </p>
      <AdminKeyPanel keys={keys} session={session} consortium={consortium} />
      <Panel
        id="gov-title"
        title="Governance proposals"
        head={
          <div class="filter">
            <label for="status-filter">Show</label>
            <select id="status-filter" class="input input-inline" value={filter} onChange={(e) => setFilter((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">all proposals</option>
              {Object.keys(STATUS).map((s) => (
                <option value={s} key={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        }
      >
        <p class="muted" id="gov-rule">
          {g
            ? `A change executes once ${g.approvalNumerator} of every ${g.approvalDenominator} active organisations approve it (now ${consortium.approvalsNeeded()} of ${consortium.activeOrgs().length}); an organisation decides once its own threshold of admins agree. Voting lasts at most ${formatDuration(g.votingSeconds * 1000)} of block time; deadlines show in your time zone. ${plural(proposals.total, 'proposal')} so far.`
            : consortium.loaded
              ? 'This chain has no governance parameters.'
              : '…'}
        </p>
        <div id="proposals">
          <ProposalList proposals={proposals} filter={filter} consortium={consortium} voter={voter} />
        </div>
        <OutcomeRegion id="vote-outcome" outcome={outcome} />
      </Panel>
      <ProposeForm keys={keys} session={session} consortium={consortium} writer={writer} after={after} />
      <p class="muted small">
        The same actions are available from the command line: <code>polity gov</code>. The organisations themselves, their officials and keys are on the <a href="/console">Organisations</a> page.
      </p>
    </>
  );
}

function ProposalList(props: { proposals: ReturnType<typeof useProposals>; filter: string; consortium: ReturnType<typeof useConsortium>; voter: ReturnType<typeof useVoting>['voter'] }): JSX.Element {
  const { proposals, filter, consortium, voter } = props;
  const [busy, setBusy] = useState(false);
  if (!proposals.loaded || !consortium.loaded) return <p class="loading">Loading…</p>;
  if (proposals.error && proposals.proposals.length === 0)
    return (
      <Notice tone="error" title="The proposals could not be loaded">
        <p>{sentence(errorText(proposals.error))}</p>
      </Notice>
    );
  if (proposals.proposals.length === 0)
    return (
      <p class="muted" id="proposals-none">
        {filter ? `No ${filter} proposal.` : 'No proposal yet.'}
      </p>
    );
  return (
    <>
      <div class="proposal-list" id="proposal-list">
        {proposals.proposals.map((p) => (
          <ProposalCard key={p.id} p={p} consortium={consortium} voter={voter} />
        ))}
      </div>
      {proposals.more ? (
        <p class="panel-foot">
          <button
            type="button"
            class="button button-secondary"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              await proposals.older().finally(() => setBusy(false));
            }}
          >
            Show older proposals
          </button>
        </p>
      ) : null}
    </>
  );
}

mountPage(<GovernancePage />);
