/** Requests and answers of the validators service (spec/services/validators.md). */
import { Type, type Static } from '@sinclair/typebox';
import { Height, Hex32 } from '../../schemas/common.js';
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
    expiresAt: Height,
  },
  { title: 'PendingValidatorChange' },
);

export type PendingChangeT = Static<typeof PendingChange>;
