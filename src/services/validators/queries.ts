/** Pure reads of pending validator-set changes. */
import type { Json } from '../../crypto/canonical-json.js';
import type { Validator } from '../../ledger/genesis.js';
import { changeKey, type Change } from './module.js';
import type { PendingChangeT } from './schemas.js';

type Get = (key: string) => Json | undefined;

/** A proposed change still waiting for approvals, with the power approving it in `current` (the set in force now). */
export function pendingChange(get: Get, id: string, current: readonly Validator[]): PendingChangeT | undefined {
  const change = get(changeKey(id)) as unknown as Change | undefined;
  if (!change) return undefined;
  const totalPower = current.reduce((s, v) => s + v.power, 0);
  const approvedPower = current.filter((v) => change.approvals.includes(v.pubKey)).reduce((s, v) => s + v.power, 0);
  return { id, validators: change.validators, proposer: change.proposer, approvals: change.approvals, approvedPower, totalPower, proposedAt: change.proposedAt, expiresAt: change.expiresAt };
}
