/** Pure reads of governance: proposals with the status they have at the head, newest first. */
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import { isoTime } from '../iso-time.js';
import type { ReadAt } from '../org/queries.js';
import { GOV_COUNT_KEY, proposalKey, seqKey, statusAt, type Proposal, type ProposalStatus } from './module.js';
import type { ProposalView } from './schemas.js';

type Get = (key: string) => Json | undefined;
export type { ReadAt };

/**
 * A proposal as read at `at` (org/queries.ts ReadAt): its status is the one a
 * vote sent now would meet, in block at.height + 1 at time at.timeMs; its
 * times also as ISO 8601 (UTC).
 */
export function proposalAt(p: Proposal, at: ReadAt): ProposalView {
  return {
    ...p,
    ...(p.proposedAtMs !== undefined ? { proposedAtIso: isoTime(p.proposedAtMs) } : {}),
    ...(p.expiresAtMs !== undefined ? { expiresAtIso: isoTime(p.expiresAtMs) } : {}),
    status: statusAt(p, { height: at.height + 1, timeMs: at.timeMs }),
  };
}

export function proposal(get: Get, id: string, at: ReadAt): ProposalView | undefined {
  const p = get(proposalKey(id)) as unknown as Proposal | undefined;
  return p ? proposalAt(p, at) : undefined;
}

/** Proposals one page reads at most: a status filter that matches little cannot make a page read the whole history. */
export const PROPOSALS_SCAN_MAX = 1_000;

/**
 * Up to `limit` proposals, newest first, made before `before` (an id) and of
 * `status` when given; how many exist; and, when the page stopped before the
 * oldest proposal, `next`: the id to pass as `before` for the next page. A
 * filtered page may hold fewer than `limit` and still have a `next` (it read
 * PROPOSALS_SCAN_MAX proposals). Cost: at most PROPOSALS_SCAN_MAX proposals read.
 */
export function listProposals(get: Get, at: ReadAt, q: { status?: ProposalStatus; limit: number; before?: string }): { proposals: ProposalView[]; total: number; next?: string } {
  const total = (get(GOV_COUNT_KEY) as number | undefined) ?? 0;
  let seq = total;
  if (q.before) {
    const from = get(proposalKey(q.before)) as unknown as Proposal | undefined;
    if (!from) throw new PolityError('GOV_PROPOSAL_UNKNOWN', 'before: no such proposal');
    seq = from.seq - 1;
  }
  const out: ProposalView[] = [];
  let last: string | undefined;
  for (let scanned = 0; seq >= 1 && out.length < q.limit && scanned < PROPOSALS_SCAN_MAX; seq--, scanned++) {
    last = get(seqKey(seq)) as string;
    const p = proposal(get, last, at)!;
    if (!q.status || p.status === q.status) out.push(p);
  }
  return { proposals: out, total, ...(seq >= 1 && last !== undefined ? { next: last } : {}) };
}
