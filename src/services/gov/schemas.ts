/** Requests and answers of the governance routes (spec/services/gov.md). */
import { Type, type Static } from '@sinclair/typebox';
import { CursorParam, Height, Hex32, sameType, Word, type Same } from '../../schemas/common.js';
import { deadlineFields } from '../deadline.js';
import { GovChange, type Proposal as ProposalT, type ProposalStatus } from './module.js';

export const PROPOSALS_LIST_DEFAULT = 50;

const Status = Type.Union(['open', 'executed', 'rejected', 'failed', 'expired'].map((s) => Type.Literal(s as ProposalStatus)));

export const ProposalsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: PROPOSALS_LIST_DEFAULT })),
    cursor: Type.Optional(CursorParam),
    before: Type.Optional(Hex32),
  },
  { additionalProperties: false },
);
export const ProposalParams = Type.Object({ id: Hex32 });

const Votes = Type.Object({ yes: Type.Array(Hex32), no: Type.Array(Hex32) });

/**
 * A proposal as read at the head: its status is the one a vote sent now would
 * meet ('expired' once its deadline passed by the head block's time or the
 * node's clock); its deadline in ms and as ISO 8601.
 */
export const Proposal = Type.Object(
  {
    id: Hex32,
    seq: Type.Integer({ minimum: 1, description: 'its place in the history: the n-th proposal made on the chain' }),
    change: GovChange,
    proposer: Type.Object({ org: Type.String(), key: Hex32 }),
    ...deadlineFields('a vote', 'proposals made before deadlines were times'),
    votes: Type.Record(Type.String(), Votes, { description: 'per organisation, the admin keys that voted yes and no' }),
    decided: Type.Record(Type.String(), Word(['yes', 'no']), { description: "organisations whose vote is decided (their threshold of admins agreed)" }),
    status: Word(['open', 'executed', 'rejected', 'failed', 'expired'] as const satisfies readonly ProposalStatus[]),
    closedAt: Type.Optional(Height),
    failure: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { title: 'GovProposal' },
);
type ProposalAtHead = Omit<ProposalT, 'status'> & { status: ProposalStatus; proposedAtIso?: string; expiresAtIso?: string };
sameType<Same<Static<typeof Proposal>, ProposalAtHead>>();

export const ProposalList = Type.Object(
  {
    height: Height,
    proposals: Type.Array(Proposal),
    total: Type.Integer({ minimum: 0, description: 'proposals ever made' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page (`?cursor=`; a filtered page may be short and still have one), or null when no older proposals remain (spec/api.md, Paging)' }),
  },
  { title: 'GovProposalList' },
);
export const ProposalDetail = Type.Object({ height: Height, proposal: Proposal }, { title: 'GovProposalDetail' });

export type ProposalView = Static<typeof Proposal>;
