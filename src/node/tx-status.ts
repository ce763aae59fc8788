/**
 * Where a client's transaction is — waiting, committed (with its result),
 * or unknown to this node — and waiting for it to commit: what the API's
 * `?wait=commit` rests on.
 *
 * A waiter is told on the commit of its transaction (the chain state's
 * commit listener, after the block is durable), with the block's hash and
 * time, or gets the status it has when its time is up. Closing the node answers every waiter with the
 * status it has then.
 *
 * The transactions of the last few blocks are remembered in memory
 * (`RECENT_BLOCKS`, at most `RECENT_TXS_MAX` of them) with their place and
 * result. A client that waits for a transaction it has just submitted (the
 * common case: `POST /v1/tx?wait=commit`) is then answered from memory: its
 * transaction is either in a recent block or in the mempool, and the chain
 * store's index is read only for a transaction in neither, an older one.
 */
import type { Admission } from './admission.js';
import type { ChainState } from './chain-state.js';
import type { TxStatus } from './interface.js';

export interface TxStatusService {
  txStatus(txId: string): Promise<TxStatus>;
  /** Resolves when the transaction commits, or with its current status after `timeoutMs`. */
  waitForTx(txId: string, timeoutMs: number): Promise<TxStatus>;
  /** Answer every waiter now. */
  close(): void;
}

/** Blocks whose transactions are remembered in memory (the mempool learns of a block right after it commits). */
export const RECENT_BLOCKS = 64;
/** Most transactions remembered in memory; the newest block's are always kept whole. */
export const RECENT_TXS_MAX = 200_000;

export function createTxStatusService(chain: ChainState, admission: Pick<Admission, 'has'>): TxStatusService {
  const waiters = new Map<string, ((s: TxStatus) => void)[]>();
  const recent = new Map<string, TxStatus>();
  const recentBlocks: string[][] = [];
  chain.onCommit(({ height, hash, block, results }) => {
    const ids: string[] = [];
    results.forEach((result, index) => {
      const status: TxStatus = { txId: result.txId, status: 'committed', height, index, result, blockHash: hash, time: block.header.time };
      recent.set(result.txId, status);
      ids.push(result.txId);
      const list = waiters.get(result.txId);
      waiters.delete(result.txId);
      for (const resolve of list ?? []) resolve(status);
    });
    recentBlocks.push(ids);
    while (recentBlocks.length > 1 && (recentBlocks.length > RECENT_BLOCKS || recent.size > RECENT_TXS_MAX)) for (const id of recentBlocks.shift()!) recent.delete(id);
  });

  // Committed first: between a block's commit and the mempool's update (the consensus host tells
  // the mempool once the block is durable) the mempool may still hold a copy of a committed transaction,
  // and that block is a recent one.
  const txStatus = async (txId: string): Promise<TxStatus> => {
    const known = recent.get(txId);
    if (known) return known;
    if (admission.has(txId)) return { txId, status: 'pending' };
    const found = await chain.committedTx(txId);
    if (found) return { txId, status: 'committed', ...found };
    return admission.has(txId) ? { txId, status: 'pending' } : { txId, status: 'unknown' };
  };

  return {
    txStatus,
    waitForTx(txId, timeoutMs) {
      // The waiter is in place before the status is read, so a commit that lands while it is read still tells it.
      return new Promise<TxStatus>((resolve) => {
        let answered = false;
        const remove = (): void => {
          const others = (waiters.get(txId) ?? []).filter((w) => w !== done);
          if (others.length > 0) waiters.set(txId, others);
          else waiters.delete(txId);
        };
        const done = (status: TxStatus): void => {
          if (answered) return;
          answered = true;
          clearTimeout(timer);
          resolve(status);
        };
        const timer = setTimeout(() => {
          remove();
          if (!answered) {
            answered = true;
            resolve(txStatus(txId));
          }
        }, timeoutMs);
        waiters.set(txId, [...(waiters.get(txId) ?? []), done]);
        void txStatus(txId).then((now) => {
          if (now.status === 'committed' || (now.status === 'unknown' && !admission.has(txId))) {
            remove();
            done(now);
          }
        });
      });
    },
    close() {
      for (const [txId, list] of waiters) for (const resolve of list) resolve({ txId, status: admission.has(txId) ? 'pending' : 'unknown' });
      waiters.clear();
    },
  };
}
