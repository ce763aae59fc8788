/** Pure reads of pending validator-set changes. */
import type { Json } from '../../crypto/canonical-json.js';
import type { Validator } from '../../ledger/genesis.js';
import { isoTime } from '../iso-time.js';
import type { ReadAt } from '../org/queries.js';
import { beforeDeadline } from '../deadline.js';
import { changeKey, type Change } from './module.js';
import type { PendingChangeT } from './schemas.js';

type Get = (key: string) => Json | undefined;

/**
 * A proposed change still waiting for approvals at `at` (the head, and the
 * time the next block would have as far as the reader can tell: org's
 * ReadAt), with the power approving it in `current` (the set in force now).
 * Its deadline is judged as a transaction sent now would meet it, at height
 * h + 1 and that time: a change past it is no longer open, whether the chain
 * has cut a block since or not. Times come also as ISO 8601 (UTC).
 */
export function pendingChange(get: Get, id: string, current: readonly Validator[], at: ReadAt): PendingChangeT | undefined {
  const change = get(changeKey(id)) as unknown as Change | undefined;
  if (!change || !beforeDeadline(change, { height: at.height + 1, timeMs: at.timeMs })) return undefined;
  const totalPower = current.reduce((s, v) => s + v.power, 0);
  const approvedPower = current.filter((v) => change.approvals.includes(v.pubKey)).reduce((s, v) => s + v.power, 0);
  return {
    id,
    validators: change.validators,
    proposer: change.proposer,
    approvals: change.approvals,
    approvedPower,
    totalPower,
    proposedAt: change.proposedAt,
    ...(change.proposedAtMs !== undefined ? { proposedAtMs: change.proposedAtMs, proposedAtIso: isoTime(change.proposedAtMs) } : {}),
    ...(change.expiresAtMs !== undefined ? { expiresAtMs: change.expiresAtMs, expiresAtIso: isoTime(change.expiresAtMs) } : {}),
    ...(change.expiresAt !== undefined ? { expiresAt: change.expiresAt } : {}),
  };
}
