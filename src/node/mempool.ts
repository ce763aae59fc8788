/**
 * The mempool: verified transactions waiting for a block.
 *
 * Limits on everything (STYLE.md): total transactions, total bytes, and
 * transactions per signer, so one busy sender cannot crowd out the rest.
 * Nonces are sequential per signer; a transaction whose nonce is ahead of the
 * signer's next one waits (up to `nonceWindow` ahead) until the gap fills.
 * Reaping takes signers in round-robin order, each signer's transactions in
 * nonce order, so a block serves many senders fairly.
 *
 * Pure bookkeeping: no I/O and no clock.
 */
import { PolityError } from '../ledger/errors.js';
import type { DecodedTx } from '../ledger/transaction.js';

export interface MempoolOptions {
  txsMax: number;
  bytesMax: number;
  perSignerMax: number;
  nonceWindow: number;
}

export const DEFAULT_MEMPOOL: MempoolOptions = { txsMax: 200_000, bytesMax: 256 * 1024 * 1024, perSignerMax: 50_000, nonceWindow: 50_000 };

interface SignerQueue {
  /** Next nonce the chain expects from this signer (committed state). */
  committedNonce: number;
  byNonce: Map<number, DecodedTx>;
}

export interface Mempool {
  readonly size: number;
  readonly bytes: number;
  has(txId: string): boolean;
  /**
   * Check that `tx` could be admitted, given the signer's committed nonce.
   * Throws PolityError (TX_DUPLICATE, TX_NONCE_USED, TX_NONCE_TOO_FAR,
   * MEMPOOL_FULL). Called before and after signature verification.
   */
  check(tx: DecodedTx, committedNonce: number): void;
  add(tx: DecodedTx, committedNonce: number): void;
  /** Transactions for the next block: ready (gap-free) ones, fairly across signers. */
  reap(txsMax: number, bytesMax: number): DecodedTx[];
  /** After a commit: drop included and now-stale transactions. */
  update(committedNonces: ReadonlyMap<string, number>, includedIds: Iterable<string>): void;
  /** Drop transactions that expire before `height`. */
  dropExpired(height: number): number;
  /** Up to `limit` waiting transactions, in arrival order. */
  list(limit: number): DecodedTx[];
}

export function createMempool(options: MempoolOptions = DEFAULT_MEMPOOL): Mempool {
  const ids = new Map<string, DecodedTx>();
  const signers = new Map<string, SignerQueue>();
  let bytes = 0;

  const remove = (tx: DecodedTx): void => {
    if (!ids.delete(tx.id)) return;
    bytes -= tx.bytes;
    const q = signers.get(tx.tx.body.signer);
    if (q) {
      q.byNonce.delete(tx.tx.body.nonce);
      if (q.byNonce.size === 0) signers.delete(tx.tx.body.signer);
    }
  };

  const check = (tx: DecodedTx, committedNonce: number): void => {
    const { signer, nonce } = tx.tx.body;
    if (ids.has(tx.id)) throw new PolityError('TX_DUPLICATE', 'transaction is already waiting in the mempool');
    if (nonce < committedNonce) throw new PolityError('TX_NONCE_USED', `nonce ${nonce} was already used; the signer's next nonce is ${committedNonce}`);
    if (nonce >= committedNonce + options.nonceWindow) {
      throw new PolityError('TX_NONCE_TOO_FAR', `nonce ${nonce} is more than ${options.nonceWindow} ahead of the signer's next nonce ${committedNonce}`);
    }
    const q = signers.get(signer);
    if (q?.byNonce.has(nonce)) throw new PolityError('TX_NONCE_USED', `nonce ${nonce} is already used by another waiting transaction`);
    if (ids.size >= options.txsMax || bytes + tx.bytes > options.bytesMax) throw new PolityError('MEMPOOL_FULL', 'the mempool is full; retry later');
    if (q && q.byNonce.size >= options.perSignerMax) {
      throw new PolityError('MEMPOOL_FULL', `the signer already has ${options.perSignerMax} transactions waiting`);
    }
  };

  return {
    list(limit) {
      const out: DecodedTx[] = [];
      for (const tx of ids.values()) {
        if (out.length >= limit) break;
        out.push(tx);
      }
      return out;
    },
    get size() {
      return ids.size;
    },
    get bytes() {
      return bytes;
    },
    has: (txId) => ids.has(txId),
    check,
    add(tx, committedNonce) {
      check(tx, committedNonce);
      const { signer, nonce } = tx.tx.body;
      let q = signers.get(signer);
      if (!q) {
        q = { committedNonce, byNonce: new Map() };
        signers.set(signer, q);
      }
      q.committedNonce = Math.max(q.committedNonce, committedNonce);
      q.byNonce.set(nonce, tx);
      ids.set(tx.id, tx);
      bytes += tx.bytes;
    },
    reap(txsMax, bytesMax) {
      const out: DecodedTx[] = [];
      let used = 0;
      // Round-robin across signers: each round takes the next ready nonce of every signer.
      const cursors = [...signers.values()].map((q) => ({ q, next: q.committedNonce }));
      let active = cursors;
      while (active.length > 0 && out.length < txsMax) {
        const still: typeof cursors = [];
        for (const c of active) {
          if (out.length >= txsMax) break;
          const tx = c.q.byNonce.get(c.next);
          if (!tx) continue;
          if (used + tx.bytes > bytesMax) continue;
          out.push(tx);
          used += tx.bytes;
          c.next += 1;
          still.push(c);
        }
        active = still;
      }
      return out;
    },
    update(committedNonces, includedIds) {
      for (const id of includedIds) {
        const tx = ids.get(id);
        if (tx) remove(tx);
      }
      for (const [signer, nonce] of committedNonces) {
        const q = signers.get(signer);
        if (!q) continue;
        q.committedNonce = nonce;
        for (const [n, tx] of q.byNonce) if (n < nonce) remove(tx);
      }
    },
    dropExpired(height) {
      let dropped = 0;
      for (const tx of [...ids.values()]) {
        const expiresAt = tx.tx.body.expiresAt;
        if (expiresAt !== undefined && expiresAt < height) {
          remove(tx);
          dropped++;
        }
      }
      return dropped;
    },
  };
}
