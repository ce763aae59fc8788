/** Requests and answers of the validators service (spec/services/validators.md). */
import { Type, type Static } from '@sinclair/typebox';
import { Height, Hex32, TimeMs } from '../../schemas/common.js';
import { TimeIso } from '../org/schemas.js';
import { Validator } from '../../schemas/ledger.js';

export const ChangeParams = Type.Object({ id: Hex32 });

export const PendingChange = Type.Object(
  {
    id: Hex32,
    validators: Type.Array(Validator, { description: 'the whole set proposed' }),
    proposer: Hex32,
    approvals: Type.Array(Hex32, { description: 'node keys of the validators that approved it, the proposer first' }),
    approvedPower: Type.Integer({ minimum: 0, description: 'voting power of the approvers in the set in force now' }),
    totalPower: Type.Integer({ minimum: 1, description: 'voting power of the set in force now; the change is scheduled once approvers hold more than two thirds' }),
    proposedAt: Height,
    proposedAtMs: Type.Optional(TimeMs),
    proposedAtIso: Type.Optional(TimeIso),
    expiresAtMs: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'the deadline, ms since the epoch: the last block time at which an approval counts' })),
    expiresAtIso: Type.Optional(TimeIso),
    expiresAt: Type.Optional(Type.Integer({ minimum: 0, description: 'changes proposed under rules version 1 (deadlines in blocks): the last height at which an approval counts' })),
  },
  { title: 'PendingValidatorChange', description: 'A proposed validator set that waits for approvals; it has `expiresAtMs` (a time) or, made under rules version 1, `expiresAt` (a height).' },
);

export type PendingChangeT = Static<typeof PendingChange>;
