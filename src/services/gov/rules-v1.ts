/**
 * Governance under rules version 1 (release 0.1.0; runtime/rules.ts
 * `timeDeadlines`): voting periods were counts of blocks. A chain at version
 * 1 still checks these, so its old blocks replay with the same outcomes:
 * `propose {votingBlocks}` (2 to 1,000,000 blocks, cut to the consortium's
 * `votingBlocks`), a proposal's `expiresAt` height, and `setParameter
 * votingBlocks`. Kept apart from module.ts so that what version 2 does reads
 * on its own.
 */
import { Type } from '@sinclair/typebox';

/** Bounds on a proposal's voting period in blocks (version 1). */
export const VOTING_BLOCKS_MIN = 2;
export const VOTING_BLOCKS_MAX = 1_000_000;

/** `setParameter` as version 1 checks it: `votingBlocks` and no `votingSeconds`, values up to VOTING_BLOCKS_MAX. */
export const SetParameterChangeV1 = Type.Object(
  { type: Type.Literal('setParameter'), name: Type.Union([Type.Literal('approvalNumerator'), Type.Literal('approvalDenominator'), Type.Literal('votingBlocks')]), value: Type.Integer({ minimum: 1, maximum: VOTING_BLOCKS_MAX }) },
  { additionalProperties: false },
);
