/**
 * From which height a validator may sign again after a start (CometBFT's
 * double-sign check height, worked out from the node's own records rather
 * than configured).
 *
 * A validator signs at height h only after committing h - 1, and every
 * commit is recorded (commit record) before the next height starts. So
 * before this start it signed at most up to K + 1, where K is the highest
 * height it committed by its block store or its commit record. What it
 * signed at the height it was deciding is in its consensus log:
 *
 * - The normal restart: the log is there, current (pruned through K - 1 or
 *   K), and the store is not behind the record. The engine starts at the
 *   store's next height with the messages the log holds for it, and never
 *   signs a second one (spec/consensus.md §7): it may sign at once.
 * - Anything else — no log (deleted), a damaged or stale log (restored from
 *   an old backup), or a store behind the commit record (deleted or cut
 *   `chain/`, resyncing from peers) — leaves heights up to K + 1 at which
 *   it may have signed without a record of what. It signs nothing until the
 *   chain has passed them: from K + 2 on. Until then it follows the chain
 *   as a non-voting node (its peers' blocks and votes).
 * - A brand-new validator (no log, no record, an empty store) has signed
 *   nothing: from height 1.
 * - A pilot that grew into a BFT network (spec/operations.md): its blocks so
 *   far were decided by it alone under solo consensus, which keeps no log
 *   because it signs only the block it commits at once. With no log and the
 *   store not behind the record, it signed nothing above its store: from
 *   the store's next height. (Deleting all three at once makes a validator
 *   look new; spec/storage.md §8 says not to.)
 */
import type { WalOpened } from '../storage/interface.js';

export interface SigningGuardInput {
  /** The height of the block store's head at start. */
  storeHeight: number;
  /** The height of the commit record at start (0 when there is none). */
  committedHeight: number;
  /** What the consensus log knew when opened. */
  wal: WalOpened;
  /** The block at the store's head was decided by this validator alone (solo consensus: a pilot's blocks). */
  soloHead?: boolean;
}

/** The first height at which the validator may sign, and why (for the log). */
export function signFromHeight(input: SigningGuardInput): { height: number; reason?: string } {
  const { storeHeight, committedHeight, wal } = input;
  const known = Math.max(storeHeight, committedHeight);
  if (!wal.found && known === 0) return { height: 1 };
  if (!wal.found && input.soloHead === true && storeHeight >= committedHeight) return { height: storeHeight + 1 };
  const current = wal.found && wal.damaged === undefined && wal.prunedThrough >= known - 1 && wal.prunedThrough <= storeHeight && wal.topHeight <= storeHeight + 1;
  if (current && storeHeight >= committedHeight) return { height: storeHeight + 1 };
  const reason = !wal.found
    ? 'the consensus log is missing'
    : wal.damaged !== undefined
      ? `the consensus log is damaged (${wal.damaged})`
      : storeHeight < committedHeight
        ? `the block store (height ${storeHeight}) is behind the height this node committed (${committedHeight})`
        : `the consensus log is older than the chain (pruned through ${wal.prunedThrough}, the chain is at ${known})`;
  return { height: Math.max(known + 1, wal.topHeight) + 1, reason };
}
