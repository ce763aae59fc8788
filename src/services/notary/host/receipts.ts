/**
 * Builds notary receipts and answers look-ups.
 *
 * A receipt is assembled from what the node stores: the anchoring
 * transaction's block, its results, the block's certificate, and — for an
 * aggregated hash — the batch's leaves. Transaction and result trees of
 * recently used blocks are cached, so receipts of many hashes in one block
 * cost array look-ups rather than re-hashing (see spec/receipts.md).
 */
import type { LookupT, NotaryHostApi } from '../schemas.js';
import { fromHex, toHex } from '../../../crypto/bytes.js';
import { canonicalBytes } from '../../../crypto/canonical-json.js';
import { buildMerkleTree, leafHash, type MerkleTree } from '../../../crypto/merkle.js';
import type { Block, TxResult } from '../../../ledger/block.js';
import { PolityError } from '../../../ledger/errors.js';
import { RECEIPT_TYPE, type Receipt } from '../../../ledger/receipt.js';
import { txIdBytes } from '../../../ledger/transaction.js';
import type { ChainReads } from '../../../node/chain-state.js';
import { docKey, type AnchorRecord } from '../module.js';
import type { NotaryAggregator } from './aggregator.js';
import type { HashLocation } from './hash-index.js';

/** What receipts are built from: the committed chain, the batches' stored leaves and the notary's aggregation. */
export interface ReceiptSource {
  readonly chain: ChainReads;
  /** The leaves stored with an aggregation batch's transaction. */
  attachment(txId: string): Promise<Uint8Array | undefined>;
  /** Where each hash was first anchored in an aggregation batch, if it was. */
  locations(hashes: readonly string[]): Promise<(HashLocation | undefined)[]>;
  readonly aggregator: Pick<NotaryAggregator, 'cachedTree' | 'remember' | 'isPending'>;
}

/** What a look-up answers: the route's own answer schema (schemas.ts). */
export type LookupResult = LookupT;

/** The read side of the notary's host part: look-ups and receipts, as the routes call them. */
export type ReceiptService = Pick<NotaryHostApi, 'lookup' | 'receipt' | 'receipts'>;

interface BlockProofs {
  block: Block;
  results: TxResult[];
  txTree: MerkleTree;
  resultsTree: MerkleTree;
}

/**
 * Transaction and results trees of recently used blocks are kept (first in,
 * first out): at most this many blocks, and at most this many transactions
 * in all — a cached block holds its transactions, so a count of blocks alone
 * would let 32 full blocks (16 MiB each) sit in memory.
 */
const BLOCK_CACHE_MAX = 32;
const BLOCK_CACHE_TXS_MAX = 40_000;

export function createReceiptService(source: ReceiptSource): ReceiptService {
  const { chain, aggregator } = source;
  const blocks = new Map<number, Promise<BlockProofs>>();
  /** Transactions of the cached blocks that have loaded. */
  const cachedTxs = new Map<number, number>();
  const trim = (): void => {
    let total = 0;
    for (const n of cachedTxs.values()) total += n;
    for (const height of blocks.keys()) {
      if (blocks.size <= 1 || (blocks.size <= BLOCK_CACHE_MAX && total <= BLOCK_CACHE_TXS_MAX)) break;
      blocks.delete(height);
      total -= cachedTxs.get(height) ?? 0;
      cachedTxs.delete(height);
    }
  };

  const blockProofs = (height: number): Promise<BlockProofs> => {
    let entry = blocks.get(height);
    if (!entry) {
      entry = (async () => {
        const [block, results] = await Promise.all([chain.getBlock(height), chain.getResults(height)]);
        if (!block || !results) throw new PolityError('RECEIPT_UNAVAILABLE', `block ${height} is not stored on this node`);
        if (blocks.has(height)) {
          cachedTxs.set(height, block.txs.length);
          trim();
        }
        return {
          block,
          results,
          txTree: buildMerkleTree(block.txs.map((t) => leafHash(txIdBytes(t.body)))),
          resultsTree: buildMerkleTree(results.map((r) => leafHash(canonicalBytes(r)))),
        };
      })();
      entry.catch(() => {
        blocks.delete(height);
        cachedTxs.delete(height);
      });
      blocks.set(height, entry);
      trim();
    }
    return entry;
  };

  const batchTree = async (txId: string): Promise<MerkleTree> => {
    const cached = aggregator.cachedTree(txId);
    if (cached) return cached;
    const leaves = await source.attachment(txId);
    if (!leaves) throw new PolityError('RECEIPT_UNAVAILABLE', 'the leaves of this aggregation batch are not stored on this node');
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < leaves.length; i += 32) hashes.push(leafHash(leaves.subarray(i, i + 32)));
    const tree = buildMerkleTree(hashes);
    aggregator.remember(txId, tree);
    return tree;
  };

  /** Where a hash was first anchored: by a signed transaction, in a batch, or both (earliest wins). */
  const locate = async (
    hashes: readonly string[],
  ): Promise<({ mode: 'signed'; height: number; txIndex: number } | { mode: 'batch'; height: number; txIndex: number; leafIndex: number } | undefined)[]> => {
    const batchLocs = await source.locations(hashes);
    return Promise.all(
      hashes.map(async (hash, i) => {
        const record = chain.getState(docKey(hash)) as AnchorRecord | undefined;
        const b = batchLocs[i];
        if (record && (!b || record.height <= b.height)) {
          const loc = await chain.txLocation(record.txId);
          if (!loc) throw new Error(`invariant broken: anchored transaction ${record.txId} has no location`);
          return { mode: 'signed' as const, height: loc.height, txIndex: loc.index };
        }
        if (b) return { mode: 'batch' as const, height: b.height, txIndex: b.txIndex, leafIndex: b.leafIndex };
        return undefined;
      }),
    );
  };

  const build = async (hash: string, loc: NonNullable<Awaited<ReturnType<typeof locate>>[number]>): Promise<Receipt> => {
    const proofs = await blockProofs(loc.height);
    const { block, results } = proofs;
    const tx = block.txs[loc.txIndex]!;
    const receipt: Receipt = {
      type: RECEIPT_TYPE,
      v: 1,
      hash,
      chainId: chain.chainId,
      genesisHash: chain.genesisHash,
      tx,
      txIndex: loc.txIndex,
      txPath: proofs.txTree.proof(loc.txIndex).map(toHex),
      result: results[loc.txIndex]!,
      resultPath: proofs.resultsTree.proof(loc.txIndex).map(toHex),
      header: block.header,
      certificate: block.certificate,
      validators: [...chain.validatorSetAt(loc.height).validators],
    };
    const handovers = await chain.setHandovers(loc.height);
    if (handovers.length > 0) receipt.validatorSets = handovers;
    if (loc.mode === 'batch') {
      const txId = results[loc.txIndex]!.txId;
      const tree = await batchTree(txId);
      receipt.batch = { root: toHex(tree.root), index: loc.leafIndex, size: tree.size, path: tree.proof(loc.leafIndex).map(toHex) };
    }
    return receipt;
  };

  const pending = (hash: string): boolean => aggregator.isPending(fromHex(hash, 32));
  const missing = (hash: string): PolityError =>
    pending(hash)
      ? new PolityError('NOTARY_PENDING', 'the hash waits for the next block; its receipt is ready once that block commits')
      : new PolityError('NOTARY_NOT_ANCHORED', 'this hash has not been anchored on this chain');

  return {
    async lookup(hash) {
      const [loc] = await locate([hash]);
      if (!loc) return { hash, status: pending(hash) ? 'pending' : 'unknown' };
      const { block, results } = await blockProofs(loc.height);
      const tx = block.txs[loc.txIndex]!;
      const out: LookupResult = {
        hash,
        status: 'anchored',
        mode: loc.mode,
        height: loc.height,
        time: block.header.time,
        blockHash: block.certificate.blockHash,
        txId: results[loc.txIndex]!.txId,
        signer: tx.body.signer,
      };
      if (loc.mode === 'signed') {
        const meta = (chain.getState(docKey(hash)) as AnchorRecord | undefined)?.meta;
        if (meta) out.meta = meta;
      }
      return out;
    },
    async receipt(hash) {
      const [loc] = await locate([hash]);
      if (!loc) throw missing(hash);
      return build(hash, loc);
    },
    async receipts(hashes) {
      const locs = await locate(hashes);
      const out: Awaited<ReturnType<ReceiptService['receipts']>> = new Array(hashes.length);
      // One block at a time: up to 1,000 hashes may lie in 1,000 different blocks, and
      // reading them all at once would hold them all in memory.
      const byHeight = new Map<number, number[]>();
      hashes.forEach((hash, i) => {
        const loc = locs[i];
        if (!loc) {
          const err = missing(hash);
          out[i] = { hash, code: err.code, message: err.message };
          return;
        }
        byHeight.set(loc.height, [...(byHeight.get(loc.height) ?? []), i]);
      });
      for (const indexes of byHeight.values()) {
        const built = await Promise.all(indexes.map((i) => build(hashes[i]!, locs[i]!)));
        indexes.forEach((i, j) => (out[i] = built[j]!));
      }
      return out;
    },
  };
}
