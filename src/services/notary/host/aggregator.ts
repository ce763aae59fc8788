/**
 * High-volume notary aggregation, as Guardtime KSI does it: hashes submitted
 * through the batch endpoint wait here and are sealed into RFC 9162 trees
 * built on worker threads; each sealed tree's root is anchored by one
 * `notary.anchorBatch` transaction signed by the node's key, and after the
 * block commits each hash's receipt is its path to that root plus the
 * block's own proof.
 *
 * Sealing runs ahead of blocks: while a block is being stored, the hashes
 * that arrived meanwhile are already being hashed into the next tree, so tree
 * building and block commits overlap. A block anchors every batch that is
 * ready when it is built (one transaction each).
 *
 * The leaves and a hash -> (height, tx, leaf) index are written in the same
 * atomic batch as the block (chain-store.ts), so a receipt can be rebuilt
 * after any restart. Recent trees stay in memory so receipts need no
 * re-hashing. Hashes waiting for a block are not durable: the submitter was
 * told "pending", not given a receipt, and resubmits after a crash.
 *
 * The aggregating node alone holds the leaves of its batches; other nodes of
 * a consortium see only the root. Receipts for aggregated hashes therefore
 * come from the node that took them (as a KSI gateway serves its clients).
 */
import type { MerkleTree } from '../../../crypto/merkle.js';
import { PolityError } from '../../../ledger/errors.js';
import type { MerklePool } from './merkle-pool.js';

export interface SealedBatch {
  hashes: string[];
  tree: MerkleTree;
  /** The leaves (document hashes) concatenated, 32 bytes each, for storage. */
  leaves: Uint8Array;
}

export interface NotaryAggregator {
  readonly pendingCount: number;
  isPending(hash: string): boolean;
  /** Queue hashes (already validated and checked against the index); returns how many were new. */
  add(hashes: readonly string[]): number;
  /**
   * Every sealed batch ready for a block. Seals what still waits (when no
   * seal is already running) and waits for a running seal to finish.
   */
  take(): Promise<SealedBatch[]>;
  /** Hashes in batches being sealed or sealed and not yet taken: work a block is owed. */
  readonly sealingCount: number;
  /** The sealed batch's block committed: keep its tree for receipts. */
  committed(batch: SealedBatch, batchTxId: string): void;
  /** The batch's anchoring failed on chain: forget it. */
  discard(batch: SealedBatch): void;
  /** The sealed batch's block was not built: it is ready again for the next block. */
  unseal(batch: SealedBatch): void;
  /** A recently committed batch's tree, if still cached. */
  cachedTree(batchTxId: string): MerkleTree | undefined;
  remember(batchTxId: string, tree: MerkleTree): void;
}

export interface AggregatorOptions {
  /** Most hashes that may wait for a block. */
  pendingMax: number;
  /** Most hashes in one batch (the chain's notaryBatchHashesMax). */
  batchHashesMax: number;
  /** Seal in the background as soon as this many hashes wait. */
  eagerHashesMin: number;
  /** Called when a background seal has made a batch ready (the host then asks for a block). */
  onReady?: () => void;
  /** Most leaves kept in cached trees (memory bound, ~100 bytes per leaf). */
  cacheLeavesMax: number;
}

export function createNotaryAggregator(options: AggregatorOptions, pool: MerklePool): NotaryAggregator {
  let pending = new Set<string>();
  /** Hash sets of sealed batches whose block has not committed yet (usually one). */
  const sealed = new Map<SealedBatch, Set<string>>();
  const cache = new Map<string, MerkleTree>();
  let cachedLeaves = 0;

  const remember = (txId: string, tree: MerkleTree): void => {
    if (cache.has(txId)) return;
    cache.set(txId, tree);
    cachedLeaves += tree.size;
    for (const [id, t] of cache) {
      if (cachedLeaves <= options.cacheLeavesMax || cache.size <= 1) break;
      cache.delete(id);
      cachedLeaves -= t.size;
    }
  };
  let ready: SealedBatch[] = [];
  /** Batches handed to a block being built or stored. */
  const taken = new WeakSet<SealedBatch>();
  let sealing: Promise<void> | undefined;

  /** Seal up to batchHashesMax waiting hashes on the worker pool; the batch joins `ready`. */
  const sealOnce = (): Promise<void> => {
    let set: Set<string>;
    if (pending.size <= options.batchHashesMax) {
      set = pending;
      pending = new Set();
    } else {
      set = new Set();
      for (const h of pending) {
        if (set.size >= options.batchHashesMax) break;
        set.add(h);
      }
      for (const h of set) pending.delete(h);
    }
    const hashes = [...set];
    const leaves = Buffer.from(hashes.join(''), 'hex');
    // Stands for the batch in `sealed` while its tree is built, so isPending() sees its hashes.
    const building = {} as SealedBatch;
    sealed.set(building, set);
    return pool.build(leaves).then((tree) => {
      const batch: SealedBatch = { hashes, tree, leaves };
      sealed.delete(building);
      sealed.set(batch, set);
      ready.push(batch);
      options.onReady?.();
    });
  };

  /** Keep one seal running while enough hashes wait. */
  const kick = (): void => {
    if (sealing || pending.size < options.eagerHashesMin) return;
    sealing = sealOnce().finally(() => {
      sealing = undefined;
      kick();
    });
  };

  async function take(): Promise<SealedBatch[]> {
    if (sealing) await sealing;
    if (pending.size > 0) await sealOnce();
    const out = ready;
    ready = [];
    for (const b of out) taken.add(b);
    kick();
    return out;
  }

  const isSealed = (hash: string): boolean => {
    for (const set of sealed.values()) if (set.has(hash)) return true;
    return false;
  };

  return {
    get pendingCount() {
      return pending.size;
    },
    isPending: (hash) => pending.has(hash) || isSealed(hash),
    add(hashes) {
      if (pending.size + hashes.length > options.pendingMax) {
        throw new PolityError('NOTARY_BATCH_FULL', `at most ${options.pendingMax} hashes may wait for a block; retry shortly`);
      }
      const before = pending.size;
      for (const h of hashes) pending.add(h);
      kick();
      return pending.size - before;
    },
    take,
    get sealingCount() {
      let n = 0;
      for (const [batch, set] of sealed) if (!taken.has(batch)) n += set.size;
      return n;
    },
    committed(batch, batchTxId) {
      sealed.delete(batch);
      remember(batchTxId, batch.tree);
    },
    discard(batch) {
      sealed.delete(batch);
    },
    unseal(batch) {
      taken.delete(batch);
      ready.unshift(batch);
    },
    cachedTree: (id) => cache.get(id),
    remember,
  };
}
