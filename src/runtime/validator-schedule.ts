/**
 * The validator schedule: which validator set signs which heights. It is
 * part of the chain's state (so every node reads the same answer from the
 * same block, and a light client can prove it), written by the one function
 * that changes the set — the validators service's `scheduleSet`, reached by
 * validator approvals or by governance — and read here by everything that
 * follows consensus: the node, the simulator, block building and checking.
 *
 * State:
 *   consensus/sets -> { sets: [{ since, validators }] }, sorted by `since`;
 *                     absent while the genesis set is in force
 */
import type { Validator } from '../ledger/genesis.js';

export const SETS_KEY = 'consensus/sets';

export interface ScheduledSet {
  since: number;
  validators: Validator[];
}

/** The set in force at `height` and the height it took effect, from the state's schedule. */
export function validatorSetAt(schedule: { sets: ScheduledSet[] } | undefined, genesis: readonly Validator[], height: number): { validators: readonly Validator[]; since: number } {
  let found: { validators: readonly Validator[]; since: number } = { validators: genesis, since: 1 };
  for (const s of schedule?.sets ?? []) if (s.since <= height) found = s;
  return found;
}
