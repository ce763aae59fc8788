/** Answers of the evidence routes (spec/services/evidence.md), and what the routes ask of its host part. */
import { Type, type Static } from '@sinclair/typebox';
import type { ConsensusMessage } from '../../ledger/votes.js';
import { CursorParam, Height, Hex32, NextCursor } from '../../schemas/common.js';
import { EVIDENCE_PAGE_DEFAULT, EVIDENCE_PAGE_MAX } from './limits.js';

const SignedMessage = Type.Unsafe<ConsensusMessage>(Type.Record(Type.String(), Type.Unknown(), { description: 'a signed proposal, prevote or precommit (spec/consensus.md §3)' }));

export const EvidenceRecord = Type.Object(
  {
    validator: Hex32,
    height: Height,
    round: Type.Integer({ minimum: 0 }),
    type: Type.String({ description: 'proposal, prevote or precommit' }),
    first: SignedMessage,
    second: SignedMessage,
    reportedBy: Hex32,
    recordedAt: Height,
  },
  { title: 'EvidenceRecord', description: 'Two conflicting signed messages of one validator, recorded on the chain.' },
);
export { EVIDENCE_PAGE_DEFAULT, EVIDENCE_PAGE_MAX };

export const EvidenceQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EVIDENCE_PAGE_MAX, default: EVIDENCE_PAGE_DEFAULT })),
    cursor: Type.Optional(CursorParam),
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'records recorded before this position (the older form of cursor)' })),
  },
  { additionalProperties: false },
);
export const EvidenceList = Type.Object(
  {
    evidence: Type.Array(EvidenceRecord, { maxItems: EVIDENCE_PAGE_MAX, description: 'newest first' }),
    total: Type.Integer({ minimum: 0, description: 'records on the chain in all' }),
    next: NextCursor,
  },
  { title: 'EvidenceList' },
);

export type EvidenceRecordT = Static<typeof EvidenceRecord>;

/** The evidence host part, as the routes use it: the state keys of recorded evidence, oldest first. */
export interface EvidenceHostApi {
  recordedKeys(): readonly string[];
}
