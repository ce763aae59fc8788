/** Pure reads of governance: proposals with the status they have at the head, newest first. */
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import { GOV_INDEX_KEY, proposalKey, statusAt, type Proposal, type ProposalStatus } from './module.js';
import type { ProposalView } from './schemas.js';

type Get = (key: string) => Json | undefined;

/** A proposal as read at `height`: its status is the one a vote in the next block would meet. */
export function proposalAt(p: Proposal, height: number): ProposalView {
  return { ...p, status: statusAt(p, height + 1) };
}

export function proposal(get: Get, id: string, height: number): ProposalView | undefined {
  const p = get(proposalKey(id)) as unknown as Proposal | undefined;
  return p ? proposalAt(p, height) : undefined;
}

/** Up to `limit` proposals, newest first, after `before` (an id) and of `status` when given; and how many exist. */
export function listProposals(get: Get, height: number, q: { status?: ProposalStatus; limit: number; before?: string }): { proposals: ProposalView[]; total: number } {
  const ids = ((get(GOV_INDEX_KEY) as string[] | undefined) ?? []).slice().reverse();
  const start = q.before ? ids.indexOf(q.before) + 1 : 0;
  if (q.before && start === 0) throw new PolityError('GOV_PROPOSAL_UNKNOWN', 'before: no such proposal');
  const out: ProposalView[] = [];
  for (let i = start; i < ids.length && out.length < q.limit; i++) {
    const p = proposal(get, ids[i]!, height)!;
    if (!q.status || p.status === q.status) out.push(p);
  }
  return { proposals: out, total: ids.length };
}
