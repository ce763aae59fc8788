/**
 * The credentials service's host part (src/node/service-host.ts): the
 * usage-log entries this node's verifications produce. When the node checks
 * a presentation for a verifying official (OpenID4VP, routes.ts), the entry
 * sealed to the holder waits here, and the node contributes a
 * `credentials.logUse` transaction, signed with its own node key, to the
 * next block it proposes — so the use is recorded without the official
 * signing anything, and a verifier cannot forget it.
 *
 * Why the node key: it is listed by the organisation that runs the node,
 * so the chain records the verifying organisation (spec/services/credentials-usage-log.md).
 * A node that proposes no blocks (not a validator) cannot contribute: its
 * queue only fills (bounded), and uses checked there are not recorded — a
 * limit the spec states. `pendingUses` lists the queue for a later route
 * that hands it to the organisation's officials.
 */
import type { Contribution, HostContext, ServiceHost } from '../../node/service-host.js';
import { CREDENTIALS_MODULE, usageKey } from './module.js';

/** Most entries waiting for a block; a verification past it is refused rather than left unrecorded. */
export const PENDING_USES_MAX = 10_000;
/** Most logUse transactions in one block this node proposes. */
const USES_PER_BLOCK_MAX = 64;

export interface PendingUse {
  tag: string;
  sealed: string;
}

export interface CredentialsHostApi {
  /** Queue an entry for the chain; false when the queue is full. */
  queueUse(use: PendingUse): boolean;
  /** Is this tag recorded on the chain? */
  useRecorded(tag: string): boolean;
  pendingUses(): readonly PendingUse[];
}

export interface CredentialsHost extends ServiceHost, CredentialsHostApi {}

export function createCredentialsHost(ctx: HostContext): CredentialsHost {
  const pending = new Map<string, PendingUse>();
  /** Tags in a block being decided: not offered twice. */
  const inFlight = new Set<string>();
  const recorded = (tag: string): boolean => ctx.chain.getState(usageKey(tag)) !== undefined;

  return {
    queueUse(use) {
      if (pending.size >= PENDING_USES_MAX) return false;
      pending.set(use.tag, use);
      ctx.workAvailable();
      return true;
    },
    useRecorded: recorded,
    pendingUses: () => [...pending.values()],
    pendingWork: () => pending.size - inFlight.size,
    async contribute(space) {
      const out: Contribution[] = [];
      for (const use of pending.values()) {
        if (out.length >= Math.min(USES_PER_BLOCK_MAX, space.txsMax)) break;
        if (inFlight.has(use.tag)) continue;
        if (recorded(use.tag)) {
          pending.delete(use.tag);
          continue;
        }
        inFlight.add(use.tag);
        out.push({
          body: { module: CREDENTIALS_MODULE, action: 'logUse', args: { tag: use.tag, sealed: use.sealed } },
          settled(outcome) {
            inFlight.delete(use.tag);
            // Committed, or failed for good (the tag was taken, or this node may not record): done.
            // Abandoned (over the block's room, or another block won): offered again.
            if (outcome.status !== 'abandoned') pending.delete(use.tag);
          },
        });
      }
      return out;
    },
    afterCommit({ changes }) {
      for (const key of changes.keys()) if (key.startsWith('credentials/use/')) pending.delete(key.slice('credentials/use/'.length));
    },
  };
}
