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
 * The host stores each batch's leaves before its transaction leaves the
 * node (leaf-store.ts) and indexes hash -> (height, tx, leaf) after the
 * block (hash-index.ts), so a receipt can be rebuilt after any restart.
 * Recent trees stay in memory so receipts need no re-hashing. Hashes
 * waiting for a block are not durable: the submitter was told "pending",
 * not given a receipt, and resubmits after a crash.
 *
 * Hashes are kept as bytes from the request body to the stored leaves: the
 * queue is a set of 32-byte values in arrival order (hash-set.ts), so a
 * seal hands its first bytes to the tree builder as they are, with no
 * string per hash, no join and no hex decode. At a million hashes a second
 * those were most of the API thread's work.
 *
 * The aggregating node alone holds the leaves of its batches; other nodes of
 * a consortium see only the root. Receipts for aggregated hashes therefore
 * come from the node that took them (as a KSI gateway serves its clients).
 */
import type { MerkleTree } from '../../../crypto/merkle.js';
import { assert, PolityError } from '../../../ledger/errors.js';
import { createHashSet, HASH_BYTES, HASH_SET_ENTRIES_MAX, hashSetOf, type HashSet } from './hash-set.js';
import type { MerklePool } from './merkle-pool.js';

export interface SealedBatch {
  /** How many document hashes (leaves) it holds. */
  count: number;
  tree: MerkleTree;
  /** The leaves (document hashes) concatenated, 32 bytes each, in leaf order: what is stored. */
  leaves: Uint8Array;
}

export interface NotaryAggregator {
  readonly pendingCount: number;
  /** Whether a hash (32 bytes at `offset` of `bytes`) waits: queued, or in a batch whose block has not committed. */
  isPending(bytes: Uint8Array, offset?: number): boolean;
  /** Queue document hashes (already validated), 32 bytes each back to back; returns how many were new. */
  add(hashes: Uint8Array): number;
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

/** A batch sealed (or being sealed) whose block has not committed: its leaves, and a set of them built on the first look-up. */
interface Waiting {
  leaves: Uint8Array;
  set?: HashSet;
}

/** Most hashes the queue makes room for in advance after a seal (8 MiB of hashes; a table much larger than what arrives costs more in cache misses than growing). */
const PRESIZE_HASHES_MAX = 1 << 18;
/** A queue emptied by a seal keeps its memory up to this many hashes (16 MiB of hashes and 4 MiB of table). */
const REUSE_HASHES_MAX = 1 << 19;

export function createNotaryAggregator(options: AggregatorOptions, pool: MerklePool): NotaryAggregator {
  assert(options.pendingMax <= HASH_SET_ENTRIES_MAX, `at most ${HASH_SET_ENTRIES_MAX} hashes may wait; pendingMax is ${options.pendingMax}`);
  /** Hashes waiting to be sealed, in arrival order, each once. */
  let pending = createHashSet();
  /** Sealed batches whose block has not committed yet (usually one), for isPending. */
  const sealed = new Map<SealedBatch, Waiting>();
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

  /** Seal up to batchHashesMax waiting hashes (the earliest) on the worker pool; the batch joins `ready`. */
  const sealOnce = (): Promise<void> => {
    const all = pending.bytes();
    const count = Math.min(pending.size, options.batchHashesMax);
    // A copy: the queue's own bytes are reused as it grows.
    const leaves = all.slice(0, count * HASH_BYTES);
    const rest = all.subarray(count * HASH_BYTES);
    if (rest.length === 0 && pending.capacity <= REUSE_HASHES_MAX) {
      // The usual case: the queue is emptied and its memory kept, rather than new arrays each seal
      // (large allocations are what make V8 run full collections at this rate).
      pending.clear();
    } else {
      // Room for as many as this seal took: hashes arrive at about the same pace until the next (no rehashing while they do).
      pending = createHashSet(Math.max(rest.length / HASH_BYTES, Math.min(count, PRESIZE_HASHES_MAX)));
      pending.addAll(rest);
    }
    // Stands for the batch in `sealed` while its tree is built, so isPending() sees its hashes.
    const building = { count, leaves } as SealedBatch;
    const waiting: Waiting = { leaves };
    sealed.set(building, waiting);
    return pool.build(leaves).then((tree) => {
      const batch: SealedBatch = { count, tree, leaves };
      sealed.delete(building);
      sealed.set(batch, waiting);
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

  const isSealed = (bytes: Uint8Array, offset: number): boolean => {
    for (const w of sealed.values()) {
      w.set ??= hashSetOf(w.leaves);
      if (w.set.indexOf(bytes, offset) >= 0) return true;
    }
    return false;
  };

  return {
    get pendingCount() {
      return pending.size;
    },
    isPending: (bytes, offset = 0) => pending.indexOf(bytes, offset) >= 0 || isSealed(bytes, offset),
    add(hashes) {
      const n = hashes.length / HASH_BYTES;
      if (pending.size + n > options.pendingMax) {
        throw new PolityError('NOTARY_BATCH_FULL', `at most ${options.pendingMax} hashes may wait for a block; retry shortly`);
      }
      const added = pending.addAll(hashes);
      kick();
      return added;
    },
    take,
    get sealingCount() {
      let n = 0;
      for (const batch of sealed.keys()) if (!taken.has(batch)) n += batch.count;
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
