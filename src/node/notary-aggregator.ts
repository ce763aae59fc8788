/**
 * High-volume notary aggregation, as Guardtime KSI does it: hashes submitted
 * through the batch endpoint wait here; when the node builds a block it seals
 * every waiting hash into one RFC 9162 tree, anchors the root with one
 * `notary.anchorBatch` transaction signed by the node's key, and after the
 * block commits each hash's receipt is its path to that root plus the
 * block's own proof.
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
import { buildMerkleTree, leafHash, type MerkleTree } from '../crypto/merkle.js';
import { PolityError } from '../ledger/errors.js';

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
  /** Take up to `hashesMax` waiting hashes into a sealed batch, or undefined when none wait. */
  seal(hashesMax: number): SealedBatch | undefined;
  /** The sealed batch's block committed: keep its tree for receipts. */
  committed(batch: SealedBatch, batchTxId: string): void;
  /** The sealed batch's block did not commit: its hashes wait again. */
  unseal(batch: SealedBatch): void;
  /** A recently committed batch's tree, if still cached. */
  cachedTree(batchTxId: string): MerkleTree | undefined;
  remember(batchTxId: string, tree: MerkleTree): void;
}

export interface AggregatorOptions {
  /** Most hashes that may wait for a block. */
  pendingMax: number;
  /** Most leaves kept in cached trees (memory bound, ~100 bytes per leaf). */
  cacheLeavesMax: number;
}

export function createNotaryAggregator(options: AggregatorOptions): NotaryAggregator {
  let pending = new Set<string>();
  const sealed = new Set<string>();
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

  return {
    get pendingCount() {
      return pending.size;
    },
    isPending: (hash) => pending.has(hash) || sealed.has(hash),
    add(hashes) {
      if (pending.size + hashes.length > options.pendingMax) {
        throw new PolityError('NOTARY_BATCH_FULL', `at most ${options.pendingMax} hashes may wait for a block; retry shortly`);
      }
      const before = pending.size;
      for (const h of hashes) if (!sealed.has(h)) pending.add(h);
      return pending.size - before;
    },
    seal(hashesMax) {
      if (pending.size === 0) return undefined;
      let hashes: string[];
      if (pending.size <= hashesMax) {
        hashes = [...pending];
        pending = new Set();
      } else {
        hashes = [];
        for (const h of pending) {
          if (hashes.length >= hashesMax) break;
          hashes.push(h);
        }
        for (const h of hashes) pending.delete(h);
      }
      const leaves = Buffer.from(hashes.join(''), 'hex');
      const leafHashes = new Array<Uint8Array>(hashes.length);
      for (let i = 0; i < hashes.length; i++) leafHashes[i] = leafHash(leaves.subarray(i * 32, i * 32 + 32));
      for (const h of hashes) sealed.add(h);
      return { hashes, tree: buildMerkleTree(leafHashes), leaves };
    },
    committed(batch, batchTxId) {
      for (const h of batch.hashes) sealed.delete(h);
      remember(batchTxId, batch.tree);
    },
    unseal(batch) {
      for (const h of batch.hashes) {
        sealed.delete(h);
        pending.add(h);
      }
    },
    cachedTree: (id) => cache.get(id),
    remember,
  };
}
