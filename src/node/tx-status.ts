/**
 * Where a client's transaction is — waiting, committed (with its result),
 * or unknown to this node — and waiting for it to commit: what the API's
 * `?wait=commit` rests on.
 *
 * A waiter is told on the commit of its transaction (the chain state's
 * commit listener, after the block is durable), with the block's hash and
 * time, or gets the status it has when its time is up. Closing the node answers every waiter with the
 * status it has then.
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

export function createTxStatusService(chain: ChainState, admission: Pick<Admission, 'has'>): TxStatusService {
  const waiters = new Map<string, ((s: TxStatus) => void)[]>();
  chain.onCommit(({ height, hash, block, results }) => {
    results.forEach((result, index) => {
      const list = waiters.get(result.txId);
      waiters.delete(result.txId);
      for (const resolve of list ?? []) resolve({ txId: result.txId, status: 'committed', height, index, result, blockHash: hash, time: block.header.time });
    });
  });

  // Committed first: between a block's commit and the mempool's update (the consensus host tells
  // the mempool once the block is durable) the mempool may still hold a copy of a committed transaction.
  const txStatus = async (txId: string): Promise<TxStatus> => {
    const found = await chain.committedTx(txId);
    if (found) return { txId, status: 'committed', ...found };
    return admission.has(txId) ? { txId, status: 'pending' } : { txId, status: 'unknown' };
  };

  return {
    txStatus,
    async waitForTx(txId, timeoutMs) {
      const now = await txStatus(txId);
      if (now.status === 'committed' || (now.status === 'unknown' && !admission.has(txId))) return now;
      return new Promise<TxStatus>((resolve) => {
        const done = (status: TxStatus): void => {
          clearTimeout(timer);
          resolve(status);
        };
        const timer = setTimeout(() => {
          const others = (waiters.get(txId) ?? []).filter((w) => w !== done);
          if (others.length > 0) waiters.set(txId, others);
          else waiters.delete(txId);
          resolve(txStatus(txId));
        }, timeoutMs);
        waiters.set(txId, [...(waiters.get(txId) ?? []), done]);
      });
    },
    close() {
      for (const [txId, list] of waiters) for (const resolve of list) resolve({ txId, status: admission.has(txId) ? 'pending' : 'unknown' });
      waiters.clear();
    },
  };
}
