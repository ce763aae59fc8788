/**
 * The notary's host part: its off-chain work beside the node
 * (src/node/service-host.ts).
 *
 * - Aggregation (host/aggregator.ts): hashes submitted through the batch
 *   endpoint wait here, are sealed into RFC 9162 trees on worker threads
 *   (host/merkle-pool.ts), and each sealed tree is contributed to the next
 *   block this node proposes as one `notary.anchorBatch` transaction, which
 *   the node signs with its key. The batch's leaves are the transaction's
 *   attachment: stored in the block's own atomic write (under `nl/<txId>`,
 *   the layout data directories already have), so receipts can be rebuilt
 *   after any restart.
 * - The hash index (host/hash-index.ts): document hash -> (height, tx,
 *   leaf), derived from the leaves and written after each commit, off the
 *   commit path; at `open` the blocks it missed are indexed again. Until a
 *   block's entries land, look-ups find its hashes in memory.
 * - Look-ups and receipts (host/receipts.ts), for the notary's routes.
 *
 * Only the node that aggregated a batch holds its leaves (others see the
 * root), so receipts of aggregated hashes come from that node, as a KSI
 * gateway serves its clients.
 */
import { join } from 'node:path';
import { toHex } from '../../crypto/bytes.js';
import { assert, PolityError } from '../../ledger/errors.js';
import type { Contribution, ContributionOutcome, HostContext, ServiceHost } from '../../node/service-host.js';
import { notaryModule } from './module.js';
import { createNotaryAggregator, type SealedBatch } from './host/aggregator.js';
import { createHashIndex, type HashLocation, type IndexedBatch } from './host/hash-index.js';
import { createMerklePool } from './host/merkle-pool.js';
import { createReceiptService } from './host/receipts.js';
import type { NotaryHostApi } from './schemas.js';

export type { LookupResult } from './host/receipts.js';
export type { HashLocation } from './host/hash-index.js';

export interface NotaryHostOptions {
  /** Most hashes that may wait for a block (default 8,000,000). */
  pendingHashesMax?: number;
  /** Seal in the background as soon as this many hashes wait (default 20,000). */
  eagerHashesMin?: number;
  /** Most leaves kept in cached trees for receipts (default 8,000,000; about 100 bytes each). */
  cachedLeavesMax?: number;
  /** Worker threads that build aggregation trees (default 2). */
  merkleWorkers?: number;
}

const DEFAULTS: Required<NotaryHostOptions> = { pendingHashesMax: 8_000_000, eagerHashesMin: 20_000, cachedLeavesMax: 8_000_000, merkleWorkers: 2 };
const ANCHOR_BATCH = 'anchorBatch';

export interface NotaryHost extends ServiceHost, NotaryHostApi {
  /** Where each hash was first anchored in an aggregation batch, if it was. */
  locations(hashes: readonly string[]): Promise<(HashLocation | undefined)[]>;
}

/** The notary's host factory, for the service list. */
export const notaryHost =
  (options: NotaryHostOptions = {}) =>
  (ctx: HostContext): NotaryHost =>
    createNotaryHost(ctx, options);

export function createNotaryHost(ctx: HostContext, options: NotaryHostOptions = {}): NotaryHost {
  const settings = { ...DEFAULTS, ...options };
  const index = createHashIndex(join(ctx.dataDir, 'notary-index'));
  const pool = createMerklePool(settings.merkleWorkers);
  const aggregator = createNotaryAggregator(
    {
      pendingMax: settings.pendingHashesMax,
      batchHashesMax: ctx.genesis.params.notaryBatchHashesMax,
      eagerHashesMin: settings.eagerHashesMin,
      cacheLeavesMax: settings.cachedLeavesMax,
      onReady: () => ctx.workAvailable(),
    },
    pool,
  );
  /** Committed blocks whose batches the index has not taken yet: height -> batches with their hashes. */
  const unindexed = new Map<number, { txIndex: number; hashes: readonly string[]; positions?: Map<string, number> }[]>();
  /** Batches of the block being committed, indexed once it is (afterCommit). */
  let toIndex: IndexedBatch[] = [];
  let indexing: Promise<void> = Promise.resolve();

  /** The batches this node anchored in a stored block, with their leaves. */
  async function storedBatches(height: number): Promise<IndexedBatch[]> {
    const [block, results] = await Promise.all([ctx.chain.getBlock(height), ctx.chain.getResults(height)]);
    assert(block && results, `block ${height} is missing from the store`);
    const out: IndexedBatch[] = [];
    for (const [txIndex, tx] of block.txs.entries()) {
      const { module, action, signer } = tx.body;
      // Other nodes' batches: only their roots are here, their leaves are with them.
      if (module !== notaryModule.name || action !== ANCHOR_BATCH || signer !== ctx.nodeKey || results[txIndex]!.code !== 'OK') continue;
      const leaves = await ctx.attachment(results[txIndex]!.txId);
      assert(leaves, `the leaves of the batch in block ${height} are missing`);
      out.push({ txIndex, leaves });
    }
    return out;
  }

  async function locations(hashes: readonly string[]): Promise<(HashLocation | undefined)[]> {
    // Snapshot first: a block's entry leaves `unindexed` only after its index write has
    // landed, so every block is in the snapshot or visible to the look-up below, or both.
    const pending = [...unindexed];
    const found = await index.lookup(hashes);
    // The index holds every batch below the not-yet-indexed heights, so its answer is the earliest.
    return hashes.map((hash, i) => {
      const loc = found[i];
      if (loc) return loc;
      for (const [height, batches] of pending) {
        for (const b of batches) {
          b.positions ??= new Map(b.hashes.map((x, j) => [x, j]));
          const leafIndex = b.positions.get(hash);
          if (leafIndex !== undefined) return { height, txIndex: b.txIndex, leafIndex };
        }
      }
      return undefined;
    });
  }

  function settle(batch: SealedBatch, outcome: ContributionOutcome): void {
    if (outcome.status === 'abandoned') {
      aggregator.unseal(batch);
      return;
    }
    if (outcome.status === 'failed') {
      // Only an identical, already anchored root can fail here: its hashes are anchored.
      aggregator.discard(batch);
      ctx.log.warn('notary.batchFailed', { height: outcome.height, code: outcome.result.code, hashes: batch.hashes.length });
      return;
    }
    aggregator.committed(batch, outcome.txId);
    toIndex.push({ txIndex: outcome.txIndex, leaves: batch.leaves });
    const list = unindexed.get(outcome.height) ?? [];
    list.push({ txIndex: outcome.txIndex, hashes: batch.hashes });
    unindexed.set(outcome.height, list);
  }

  const receipts = createReceiptService({ chain: ctx.chain, attachment: (txId) => ctx.attachment(txId), locations, aggregator });

  return {
    ...receipts,
    locations,
    async open() {
      await index.open();
      // An index ahead of the store was derived from a store that is gone (moved aside or deleted
      // to resync from peers, spec/storage.md §8.4): the leaves it points to are not in this one.
      if ((await index.indexedHeight()) > ctx.chain.height) {
        ctx.log.warn('notary.indexReset', { indexedHeight: await index.indexedHeight(), storeHeight: ctx.chain.height });
        await index.reset();
      }
      // The index is written after each commit; blocks stored but not yet indexed
      // when the node stopped are indexed again from their stored leaves.
      for (let h = (await index.indexedHeight()) + 1; h <= ctx.chain.height; h++) await index.write(h, await storedBatches(h));
    },
    async close() {
      await indexing;
      await pool.close();
      await index.close();
    },
    async submitHashes(hashes) {
      if (!ctx.running()) throw new PolityError('NODE_NOT_READY', 'the node has stopped after an internal failure');
      // No index read here: a hash anchored before is simply anchored again,
      // and look-ups and receipts report its earliest anchoring.
      const queued = aggregator.add(hashes);
      ctx.workAvailable();
      return queued;
    },
    pendingWork: () => aggregator.pendingCount + aggregator.sealingCount,
    async contribute(): Promise<Contribution[]> {
      const sealed = await aggregator.take();
      return sealed.map((batch) => ({
        body: { module: notaryModule.name, action: ANCHOR_BATCH, args: { root: toHex(batch.tree.root), count: batch.hashes.length } },
        attachment: batch.leaves,
        settled: (outcome) => settle(batch, outcome),
      }));
    },
    afterCommit({ height }) {
      // The block is durable; its hashes reach the index in the background, in height order
      // (every height is written, batches or not, so the index's marker follows the chain).
      const batches = toIndex;
      toIndex = [];
      indexing = indexing
        .then(() => index.write(height, batches))
        .then(() => void unindexed.delete(height))
        .catch((e: Error) => {
          // The index cannot be written: stop rather than serve look-ups that silently miss hashes.
          ctx.log.error('notary.indexFailed', { height, error: e.message });
          setImmediate(() => {
            throw e;
          });
        });
    },
    status: () => ({ notaryPendingHashes: aggregator.pendingCount + aggregator.sealingCount }),
  };
}
