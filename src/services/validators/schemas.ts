/** Requests and answers of the validators service (spec/services/validators.md). */
import { Type, type Static } from '@sinclair/typebox';
import { Hex32 } from '../../schemas/common.js';
import { deadlineFields } from '../deadline.js';
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
    ...deadlineFields('an approval', 'changes proposed under rules version 1 (deadlines in blocks)'),
  },
  { title: 'PendingValidatorChange', description: 'A proposed validator set that waits for approvals; it has `expiresAtMs` (a time) or, made under rules version 1, `expiresAt` (a height).' },
);

export type PendingChangeT = Static<typeof PendingChange>;
