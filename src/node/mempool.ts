/**
 * The mempool: verified transactions waiting for a block.
 *
 * Limits on everything (STYLE.md): total transactions, total bytes, and
 * transactions per signer, so one busy sender cannot crowd out the rest.
 * Nonces are sequential per signer. Reaping takes signers in round-robin
 * order, each signer's transactions in nonce order, so a block serves many
 * senders fairly.
 *
 * A transaction whose nonce is past a gap (the signer's next runnable nonce
 * is missing) cannot run until the gap fills, and may never run: keys are
 * free, so gapped transactions are what a flood that costs nothing is made
 * of (four keys sending nonces 1..49,999 and never 0 pinned a
 * mempool of 200,000 until restart). So what cannot run is held on a short
 * leash:
 * - it may be at most `futureNonceWindow` nonces past the signer's next
 *   runnable nonce (the end of its gap-free run of waiting transactions);
 * - at most `futureTxsMax` gapped transactions are held in all; when that
 *   share is taken, a newcomer's gapped transaction takes the place of the
 *   farthest one of the signer holding the most, if that signer holds more
 *   than the newcomer would (so the share goes to the signers with the
 *   fewest, not the first);
 * - it is dropped `futureTtlMs` after it arrived unless its gap filled;
 * - when the mempool is full, a runnable transaction evicts gapped ones
 *   (the farthest of the signer holding the most); a gapped one is refused.
 * Runnable transactions never expire by time: a block takes them.
 *
 * Pure bookkeeping: no I/O and no clock (the time is passed in).
 */
import { PolityError } from '../ledger/errors.js';
import type { DecodedTx } from '../ledger/transaction.js';

export interface MempoolOptions {
  txsMax: number;
  bytesMax: number;
  perSignerMax: number;
  /** Most a nonce may be ahead of the signer's committed nonce (a gap-free run may be this long). */
  nonceWindow: number;
  /** Most a gapped transaction's nonce may be past the signer's next runnable nonce. */
  futureNonceWindow: number;
  /** Most gapped transactions held in all. */
  futureTxsMax: number;
  /** A gapped transaction is dropped this long after it arrived, unless its gap filled. */
  futureTtlMs: number;
}

/**
 * Defaults. The gapped share is an eighth of the mempool; 256 nonces past a
 * gap covers a client whose transactions arrive out of order, and two
 * minutes is ample time for a missing one to arrive over gossip.
 */
export const DEFAULT_MEMPOOL: MempoolOptions = {
  txsMax: 200_000,
  bytesMax: 256 * 1024 * 1024,
  perSignerMax: 50_000,
  nonceWindow: 50_000,
  futureNonceWindow: 256,
  futureTxsMax: 25_000,
  futureTtlMs: 120_000,
};

interface Waiting {
  tx: DecodedTx;
  /** When it arrived (ms), for the expiry of gapped transactions. */
  arrivedMs: number;
}

interface SignerQueue {
  /** Next nonce the chain expects from this signer (committed state). */
  committedNonce: number;
  /** The first nonce at or after `committedNonce` that is not waiting: what is below it can run. */
  runnableEnd: number;
  byNonce: Map<number, Waiting>;
}

export interface Mempool {
  readonly size: number;
  readonly bytes: number;
  /** Transactions waiting behind a nonce gap. */
  readonly gappedCount: number;
  has(txId: string): boolean;
  /** The waiting transaction with this id. */
  get(txId: string): DecodedTx | undefined;
  /**
   * Check that `tx` could be admitted, given the signer's committed nonce.
   * Throws PolityError (TX_DUPLICATE, TX_NONCE_USED, TX_NONCE_TOO_FAR,
   * MEMPOOL_FULL). Called before signature verification; `add` checks
   * again, with the limits that depend on what else waits.
   */
  check(tx: DecodedTx, committedNonce: number): void;
  /** Admit `tx` at time `nowMs`, evicting gapped transactions when it is runnable and there is no room. */
  add(tx: DecodedTx, committedNonce: number, nowMs: number): void;
  /**
   * Transactions for the next block: ready (gap-free) ones, fairly across
   * signers; `only` takes one signer's alone, `skip` all but one signer's.
   */
  reap(txsMax: number, bytesMax: number, which?: { only?: string; skip?: string }): DecodedTx[];
  /** After a commit: drop included and now-stale transactions. */
  update(committedNonces: ReadonlyMap<string, number>, includedIds: Iterable<string>): void;
  /** Drop transactions that expire before `height`. */
  dropExpired(height: number): number;
  /** Drop gapped transactions that arrived `futureTtlMs` or more before `nowMs`. */
  expire(nowMs: number): number;
  /** Up to `limit` waiting transactions, in arrival order. */
  list(limit: number): DecodedTx[];
}

export function createMempool(options: MempoolOptions = DEFAULT_MEMPOOL): Mempool {
  const ids = new Map<string, Waiting>();
  const signers = new Map<string, SignerQueue>();
  /** Signers with gapped transactions: what eviction and expiry look through. */
  const withGaps = new Set<SignerQueue>();
  let bytes = 0;
  let gapped = 0;

  const gappedOf = (q: SignerQueue): number => q.byNonce.size - (q.runnableEnd - q.committedNonce);

  /** Apply `change` to a signer's queue, keeping the gapped count and the run's end right. */
  const edit = (signer: string, q: SignerQueue, change: () => void): void => {
    gapped -= gappedOf(q);
    change();
    if (q.runnableEnd < q.committedNonce) q.runnableEnd = q.committedNonce;
    while (q.byNonce.has(q.runnableEnd)) q.runnableEnd++;
    const after = gappedOf(q);
    gapped += after;
    if (after > 0) withGaps.add(q);
    else withGaps.delete(q);
    if (q.byNonce.size === 0) signers.delete(signer);
  };

  const removeFrom = (q: SignerQueue, w: Waiting): void => {
    const { tx } = w;
    if (!ids.delete(tx.id)) return;
    bytes -= tx.bytes;
    q.byNonce.delete(tx.tx.body.nonce);
    // The run ends at the first missing nonce.
    if (tx.tx.body.nonce < q.runnableEnd) q.runnableEnd = tx.tx.body.nonce;
  };

  const remove = (w: Waiting): void => {
    const signer = w.tx.tx.body.signer;
    const q = signers.get(signer);
    if (!q) {
      if (ids.delete(w.tx.id)) bytes -= w.tx.bytes;
      return;
    }
    edit(signer, q, () => removeFrom(q, w));
  };

  /** The signer holding the most gapped transactions, and how many. */
  const mostGapped = (): { q: SignerQueue; count: number } | undefined => {
    let best: { q: SignerQueue; count: number } | undefined;
    for (const q of withGaps) {
      const count = gappedOf(q);
      if (!best || count > best.count) best = { q, count };
    }
    return best;
  };

  /** Evict the farthest gapped transaction of `q`. */
  const evictFarthest = (q: SignerQueue): void => {
    let far: Waiting | undefined;
    for (const [n, w] of q.byNonce) if (n > q.runnableEnd && (!far || n > far.tx.tx.body.nonce)) far = w;
    if (far) remove(far);
  };

  const full = (extraBytes: number): boolean => ids.size >= options.txsMax || bytes + extraBytes > options.bytesMax;

  const check = (tx: DecodedTx, committedNonce: number): void => {
    const { signer, nonce } = tx.tx.body;
    if (ids.has(tx.id)) throw new PolityError('TX_DUPLICATE', 'transaction is already waiting in the mempool');
    if (nonce < committedNonce) throw new PolityError('TX_NONCE_USED', `nonce ${nonce} was already used; the signer's next nonce is ${committedNonce}`);
    if (nonce >= committedNonce + options.nonceWindow) {
      throw new PolityError('TX_NONCE_TOO_FAR', `nonce ${nonce} is more than ${options.nonceWindow} ahead of the signer's next nonce ${committedNonce}`);
    }
    const q = signers.get(signer);
    if (q?.byNonce.has(nonce)) throw new PolityError('TX_NONCE_USED', `nonce ${nonce} is already used by another waiting transaction`);
    // Room may be made by evicting gapped transactions, for a runnable one (decided in add).
    if (full(tx.bytes) && gapped === 0) throw new PolityError('MEMPOOL_FULL', 'the mempool is full; retry later');
    if (q && q.byNonce.size >= options.perSignerMax) {
      throw new PolityError('MEMPOOL_FULL', `the signer already has ${options.perSignerMax} transactions waiting`);
    }
  };

  /** Make room for `tx`, or throw: the limits that depend on whether it can run. */
  const makeRoom = (tx: DecodedTx, q: SignerQueue | undefined, committedNonce: number): void => {
    const { nonce } = tx.tx.body;
    const runnableEnd = Math.max(q?.runnableEnd ?? committedNonce, committedNonce);
    const runnable = nonce === runnableEnd;
    if (!runnable) {
      if (nonce >= runnableEnd + options.futureNonceWindow) {
        throw new PolityError('TX_NONCE_TOO_FAR', `nonce ${nonce} waits behind a gap and is more than ${options.futureNonceWindow} past the next nonce that can run (${runnableEnd})`);
      }
      if (gapped >= options.futureTxsMax) {
        const mine = q ? gappedOf(q) : 0;
        const most = mostGapped();
        if (!most || most.count <= mine + 1) throw new PolityError('MEMPOOL_FULL', 'the mempool holds as many transactions waiting behind a nonce gap as it may; send the missing nonce first');
        evictFarthest(most.q);
      }
      if (full(tx.bytes)) throw new PolityError('MEMPOOL_FULL', 'the mempool is full; retry later');
      return;
    }
    while (full(tx.bytes)) {
      const most = mostGapped();
      if (!most) throw new PolityError('MEMPOOL_FULL', 'the mempool is full; retry later');
      evictFarthest(most.q);
    }
  };

  return {
    list(limit) {
      const out: DecodedTx[] = [];
      for (const w of ids.values()) {
        if (out.length >= limit) break;
        out.push(w.tx);
      }
      return out;
    },
    get size() {
      return ids.size;
    },
    get bytes() {
      return bytes;
    },
    get gappedCount() {
      return gapped;
    },
    has: (txId) => ids.has(txId),
    get: (txId) => ids.get(txId)?.tx,
    check,
    add(tx, committedNonce, nowMs) {
      check(tx, committedNonce);
      const { signer, nonce } = tx.tx.body;
      const existing = signers.get(signer);
      if (existing && existing.committedNonce < committedNonce) {
        // The chain moved on before update() told this queue: drop what is now stale.
        edit(signer, existing, () => {
          existing.committedNonce = committedNonce;
          for (const [n, w] of existing.byNonce) if (n < committedNonce) removeFrom(existing, w);
        });
      }
      makeRoom(tx, signers.get(signer), committedNonce);
      let q = signers.get(signer);
      if (!q) {
        q = { committedNonce, runnableEnd: committedNonce, byNonce: new Map() };
        signers.set(signer, q);
      }
      const queue = q;
      const w: Waiting = { tx, arrivedMs: nowMs };
      edit(signer, queue, () => {
        queue.byNonce.set(nonce, w);
        ids.set(tx.id, w);
        bytes += tx.bytes;
      });
    },
    reap(txsMax, bytesMax, which = {}) {
      const out: DecodedTx[] = [];
      let used = 0;
      // Round-robin across signers: each round takes the next ready nonce of every signer.
      const queues = which.only !== undefined ? [signers.get(which.only)].filter((q) => q !== undefined) : [...signers].filter(([signer]) => signer !== which.skip).map(([, q]) => q);
      const cursors = queues.map((q) => ({ q, next: q.committedNonce }));
      let active = cursors;
      while (active.length > 0 && out.length < txsMax) {
        const still: typeof cursors = [];
        for (const c of active) {
          if (out.length >= txsMax) break;
          const w = c.q.byNonce.get(c.next);
          if (!w) continue;
          if (used + w.tx.bytes > bytesMax) continue;
          out.push(w.tx);
          used += w.tx.bytes;
          c.next += 1;
          still.push(c);
        }
        active = still;
      }
      return out;
    },
    update(committedNonces, includedIds) {
      for (const id of includedIds) {
        const w = ids.get(id);
        if (w) remove(w);
      }
      for (const [signer, nonce] of committedNonces) {
        const q = signers.get(signer);
        if (!q) continue;
        edit(signer, q, () => {
          q.committedNonce = nonce;
          for (const [n, w] of q.byNonce) if (n < nonce) removeFrom(q, w);
        });
      }
    },
    dropExpired(height) {
      let dropped = 0;
      for (const w of [...ids.values()]) {
        const expiresAt = w.tx.tx.body.expiresAt;
        if (expiresAt !== undefined && expiresAt < height) {
          remove(w);
          dropped++;
        }
      }
      return dropped;
    },
    expire(nowMs) {
      let dropped = 0;
      for (const q of [...withGaps]) {
        for (const [n, w] of [...q.byNonce]) {
          if (n > q.runnableEnd && w.arrivedMs + options.futureTtlMs <= nowMs) {
            remove(w);
            dropped++;
          }
        }
      }
      return dropped;
    },
  };
}
