/**
 * The notary's host part: its off-chain work beside the node
 * (src/node/service-host.ts).
 *
 * - Aggregation (host/aggregator.ts): hashes submitted through the batch
 *   endpoint wait here, are sealed into RFC 9162 trees on worker threads
 *   (host/merkle-pool.ts), and each sealed tree becomes one
 *   `notary.anchorBatch` transaction, signed with the node key and
 *   submitted to the node's mempool like a client's: peers receive it by
 *   gossip, so whichever validator proposes next anchors it. (A
 *   contribution to this node's own proposals waited one block in four
 *   with four validators, and forever on an observer.) The batch's leaves
 *   are written, synced, to the host's own store before the transaction
 *   leaves the node (host/leaf-store.ts), so receipts can be rebuilt after
 *   any restart. Blocks stored before this kept the leaves in the chain
 *   store (`nl/<txId>`), where they are still read.
 * - Forwarding limits: at most `IN_FLIGHT_MAX` batch transactions wait for
 *   a block at once; meanwhile hashes gather into the next, larger batch
 *   (group commit). Each carries `expiresAt` = head + `EXPIRY_BLOCKS`: one
 *   not committed by then can no longer be, and its hashes are queued
 *   again, as are those of a batch that failed on chain for any reason
 *   but an identical root already anchored.
 * - A node that is not a validator and has no link to one refuses hashes
 *   (`NOTARY_NO_VALIDATOR`) rather than answer "pending" for hashes no
 *   block would take.
 * - The hash index (host/hash-index.ts): document hash -> (height, tx,
 *   leaf), derived from the leaves and written after each commit, off the
 *   commit path and on a thread of its own (host/hash-index-thread.ts);
 *   at `open` the blocks it missed are indexed again. Until a block's
 *   entries land, look-ups find its hashes in memory.
 * - Document references (`meta.reference` of a signed anchor) are indexed
 *   in the same index, from each committed block's `notary.anchor`
 *   transactions, so the routes can list the documents of a case number
 *   without a state key per reference. A look-up first waits for the blocks
 *   committed so far to be indexed.
 * - Look-ups and receipts (host/receipts.ts), for the notary's routes.
 *
 * Only the node that aggregated a batch holds its leaves (others see the
 * root; the transaction's signer is that node, whoever proposed its block),
 * so receipts of aggregated hashes come from that node, as a KSI gateway
 * serves its clients.
 */
import { join } from 'node:path';
import { toHex } from '../../crypto/bytes.js';
import { assert, PolityError } from '../../ledger/errors.js';
import { decodeTx } from '../../ledger/transaction.js';
import type { CommittedBlock } from '../../node/chain-state.js';
import type { HostContext, ServiceHost } from '../../node/service-host.js';
import { notaryModule } from './module.js';
import { createNotaryAggregator, type SealedBatch } from './host/aggregator.js';
import { REFERENCE_CHARS_MAX, type HashLocation, type IndexedBatch, type IndexedReference, type ReferenceEntry, type ReferencePosition } from './host/hash-index.js';
import { createHashIndexThread } from './host/hash-index-thread.js';
import { HASH_BYTES, hashSetOf, type HashSet } from './host/hash-set.js';
import { createLeafStore } from './host/leaf-store.js';
import { createMerklePool } from './host/merkle-pool.js';
import { createReceiptService } from './host/receipts.js';
import type { NotaryHostApi } from './schemas.js';
import { packHashes } from './batch-body.js';

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
const ANCHOR = 'anchor';
/** Batch transactions of this node waiting for a block at once; more hashes gather into the next batch meanwhile. */
const IN_FLIGHT_MAX = 8;
/** A batch transaction may be included up to this many blocks after the head it was signed at. */
const EXPIRY_BLOCKS = 32;
/** Wait before submitting again after the mempool refused a batch transaction (full, or the node is busy). */
const RETRY_MS = 200;

/** A batch transaction submitted and not yet seen in a block. */
interface InFlight {
  batch: SealedBatch;
  nonce: number;
  expiresAt: number;
}

export interface NotaryHost extends ServiceHost, NotaryHostApi {
  /** Where each hash was first anchored in an aggregation batch, if it was. */
  locations(hashes: readonly string[]): Promise<(HashLocation | undefined)[]>;
  /** The documents anchored with this reference (exact), newest first; at most `limit`, below `before`. */
  references(reference: string, limit: number, before?: ReferencePosition): Promise<ReferenceEntry[]>;
}

/** The references of a block's committed `notary.anchor` transactions (batches carry none). */
function referencesOf(block: CommittedBlock['block'], results: readonly { code: string }[]): IndexedReference[] {
  const out: IndexedReference[] = [];
  for (const [txIndex, tx] of block.txs.entries()) {
    const { module, action, args } = tx.body;
    if (module !== notaryModule.name || action !== ANCHOR || results[txIndex]?.code !== 'OK') continue;
    const { hash, meta } = args as { hash: string; meta?: { reference?: unknown } };
    // The module's schema allows 1-128 characters; anything else never committed.
    const reference = meta?.reference;
    assert(reference === undefined || (typeof reference === 'string' && reference.length >= 1 && reference.length <= REFERENCE_CHARS_MAX), `a committed anchor in tx ${txIndex} has a malformed reference`);
    if (reference !== undefined) out.push({ reference, hash, txIndex });
  }
  return out;
}

/** The notary's host factory, for the service list. */
export const notaryHost =
  (options: NotaryHostOptions = {}) =>
  (ctx: HostContext): NotaryHost =>
    createNotaryHost(ctx, options);

export function createNotaryHost(ctx: HostContext, options: NotaryHostOptions = {}): NotaryHost {
  const settings = { ...DEFAULTS, ...options };
  const index = createHashIndexThread(join(ctx.dataDir, 'notary-index'));
  const leaves = createLeafStore(join(ctx.dataDir, 'notary-leaves'));
  const pool = createMerklePool(settings.merkleWorkers);
  const aggregator = createNotaryAggregator(
    {
      pendingMax: settings.pendingHashesMax,
      batchHashesMax: ctx.genesis.params.notaryBatchHashesMax,
      eagerHashesMin: settings.eagerHashesMin,
      cacheLeavesMax: settings.cachedLeavesMax,
      onReady: () => pump(),
    },
    pool,
  );
  /** Committed blocks whose batches the index has not taken yet: height -> batches with their leaves (a set of them built on the first look-up). */
  const unindexed = new Map<number, { txIndex: number; leaves: Uint8Array; positions?: HashSet }[]>();
  /** This node's batch transactions waiting for a block, by transaction id. */
  const inFlight = new Map<string, InFlight>();
  let indexing: Promise<void> = Promise.resolve();
  let pumping = false;
  /** The running pump, awaited at close so no leaves are written to a closed store. */
  let pumpRun: Promise<void> = Promise.resolve();
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  /** The leaves of this node's batch transaction: its own store, or (blocks stored before) the chain store's attachment. */
  const leavesOf = async (txId: string): Promise<Uint8Array | undefined> => (await leaves.get(txId)) ?? (await ctx.attachment(txId));

  /** This node's committed batches in a block: transaction index and id. */
  const ownBatches = (block: CommittedBlock['block'], results: readonly { txId: string; code: string }[]): { txIndex: number; txId: string; ok: boolean }[] => {
    const out: { txIndex: number; txId: string; ok: boolean }[] = [];
    for (const [txIndex, tx] of block.txs.entries()) {
      const { module, action, signer } = tx.body;
      // Other nodes' batches: only their roots are here, their leaves are with them.
      if (module !== notaryModule.name || action !== ANCHOR_BATCH || signer !== ctx.nodeKey) continue;
      out.push({ txIndex, txId: results[txIndex]!.txId, ok: results[txIndex]!.code === 'OK' });
    }
    return out;
  };

  /** The batches this node anchored in a stored block, with their leaves, and the block's document references. */
  async function storedEntries(height: number): Promise<{ batches: IndexedBatch[]; references: IndexedReference[] }> {
    const [block, results] = await Promise.all([ctx.chain.getBlock(height), ctx.chain.getResults(height)]);
    assert(block && results, `block ${height} is missing from the store`);
    const out: IndexedBatch[] = [];
    for (const { txIndex, txId, ok } of ownBatches(block, results)) {
      if (!ok) continue;
      const stored = await leavesOf(txId);
      assert(stored, `the leaves of the batch in block ${height} are missing`);
      out.push({ txIndex, leaves: stored });
    }
    return { batches: out, references: referencesOf(block, results) };
  }

  async function locations(hashes: readonly string[]): Promise<(HashLocation | undefined)[]> {
    // Snapshot first: a block's entry leaves `unindexed` only after its index write has
    // landed, so every block is in the snapshot or visible to the look-up below, or both.
    const pending = [...unindexed];
    const found = await index.lookup(hashes);
    const missed = found.some((loc) => loc === undefined) && pending.length > 0;
    const packed = missed ? packHashes(hashes) : undefined;
    // The index holds every batch below the not-yet-indexed heights, so its answer is the earliest.
    return hashes.map((_, i) => {
      const loc = found[i];
      if (loc || !packed) return loc;
      for (const [height, batches] of pending) {
        for (const b of batches) {
          b.positions ??= hashSetOf(b.leaves);
          const leafIndex = b.positions.indexOf(packed, i * HASH_BYTES);
          if (leafIndex >= 0) return { height, txIndex: b.txIndex, leafIndex };
        }
      }
      return undefined;
    });
  }

  /** Whether a block of this chain would ever take a batch from this node: it proposes, or it reaches a validator that does. */
  const reachesProposer = (): boolean => {
    const next = ctx.chain.validatorSetAt(ctx.chain.height + 1).validators.map((v) => v.pubKey);
    if (next.includes(ctx.nodeKey)) return true;
    const linked = new Set(ctx.peers.connectedPeers());
    return next.some((key) => linked.has(key));
  };

  /** The nonce for the next batch transaction: after the committed one and after every one still in flight. */
  const nextNonce = (): number => {
    let nonce = ctx.chain.nextNonce(ctx.nodeKey);
    for (const f of inFlight.values()) nonce = Math.max(nonce, f.nonce + 1);
    return nonce;
  };

  /** Sign, store the leaves of, and submit one sealed batch; false when the mempool refused it (the batch is ready again). */
  async function submitBatch(batch: SealedBatch): Promise<boolean> {
    const nonce = nextNonce();
    const expiresAt = ctx.chain.height + EXPIRY_BLOCKS;
    const tx = ctx.signOwnTx({ module: notaryModule.name, action: ANCHOR_BATCH, args: { root: toHex(batch.tree.root), count: batch.count }, nonce, expiresAt });
    const { id } = decodeTx(tx);
    // The leaves are durable before the transaction can reach any block.
    await leaves.put(id, batch.leaves);
    inFlight.set(id, { batch, nonce, expiresAt });
    const outcome = await ctx.submitOwnTx(tx);
    if (outcome.status === 'accepted') return true;
    inFlight.delete(id);
    aggregator.unseal(batch);
    await leaves.delete(id);
    ctx.log.warn('notary.batchRefused', { code: outcome.code, hashes: batch.count });
    return false;
  }

  /** Seal what waits and submit it, while fewer than IN_FLIGHT_MAX batch transactions wait for a block. */
  function pump(): void {
    if (pumping || closed || !ctx.running()) return;
    pumping = true;
    pumpRun = (async () => {
      try {
        while (!closed && inFlight.size < IN_FLIGHT_MAX && aggregator.pendingCount + aggregator.sealingCount > 0) {
          let refused = false;
          for (const batch of await aggregator.take()) {
            if (refused || inFlight.size >= IN_FLIGHT_MAX) aggregator.unseal(batch);
            else if (!(await submitBatch(batch))) refused = true;
          }
          if (refused) {
            retry ??= setTimeout(() => {
              retry = undefined;
              pump();
            }, RETRY_MS);
            break;
          }
        }
      } catch (e) {
        // The leaves cannot be stored: stop rather than anchor roots whose receipts could not be served.
        ctx.log.error('notary.submitFailed', { error: (e as Error).message });
        setImmediate(() => {
          throw e;
        });
      } finally {
        pumping = false;
      }
    })();
  }

  /** What became of this node's batch transactions in a committed block, and of those that can no longer commit. */
  function settle({ height, block, results }: CommittedBlock): { indexed: IndexedBatch[]; orphans: { txIndex: number; txId: string }[]; dropped: string[] } {
    const indexed: IndexedBatch[] = [];
    const orphans: { txIndex: number; txId: string }[] = [];
    const dropped: string[] = [];
    for (const { txIndex, txId, ok } of ownBatches(block, results)) {
      const f = inFlight.get(txId);
      if (!f) {
        // Submitted before a restart (or queued again after it expired here): its leaves are stored.
        if (ok) orphans.push({ txIndex, txId });
        continue;
      }
      inFlight.delete(txId);
      const result = results[txIndex]!;
      if (ok) {
        aggregator.committed(f.batch, txId);
        indexed.push({ txIndex, leaves: f.batch.leaves });
        const list = unindexed.get(height) ?? [];
        list.push({ txIndex, leaves: f.batch.leaves });
        unindexed.set(height, list);
      } else if (result.code === 'NOTARY_ALREADY_ANCHORED') {
        // An identical root is anchored: so are its hashes.
        aggregator.discard(f.batch);
        dropped.push(txId);
        ctx.log.warn('notary.batchFailed', { height, code: result.code, hashes: f.batch.count });
      } else {
        // Its nonce was taken (a contribution of this node came first) or another check failed: anchor the hashes again.
        aggregator.unseal(f.batch);
        dropped.push(txId);
        ctx.log.warn('notary.batchRequeued', { height, code: result.code, hashes: f.batch.count });
      }
    }
    // Past its last height no block can include a transaction; nor, lacking its nonce, the later ones in flight.
    let expiredNonce = Infinity;
    for (const f of inFlight.values()) if (f.expiresAt <= height) expiredNonce = Math.min(expiredNonce, f.nonce);
    for (const [txId, f] of inFlight) {
      if (f.nonce < expiredNonce) continue;
      inFlight.delete(txId);
      aggregator.unseal(f.batch);
      // A later one could still commit if its missing nonce is used: its leaves stay.
      if (f.expiresAt <= height) dropped.push(txId);
      ctx.log.warn('notary.batchExpired', { height, expiresAt: f.expiresAt, hashes: f.batch.count });
    }
    return { indexed, orphans, dropped };
  }

  const receipts = createReceiptService({ chain: ctx.chain, attachment: leavesOf, locations, aggregator });

  return {
    ...receipts,
    locations,
    async references(reference, limit, before) {
      // Blocks committed so far reach the index in the background: wait for them, so a
      // document whose anchoring was answered as committed is found.
      await indexing;
      return index.references(reference, limit, before);
    },
    async open() {
      await leaves.open();
      await index.open();
      // An index ahead of the store was derived from a store that is gone (moved aside or deleted
      // to resync from peers, spec/storage.md §8.4): the leaves it points to are not in this one.
      if ((await index.indexedHeight()) > ctx.chain.height) {
        ctx.log.warn('notary.indexReset', { indexedHeight: await index.indexedHeight(), storeHeight: ctx.chain.height });
        await index.reset();
      } else if (!(await index.current())) {
        // Written before the index held references: derived data, built again from the blocks.
        ctx.log.warn('notary.indexRebuilt', { indexedHeight: await index.indexedHeight(), storeHeight: ctx.chain.height });
        await index.reset();
      }
      // The index is written after each commit; blocks stored but not yet indexed
      // when the node stopped are indexed again from their stored leaves.
      for (let h = (await index.indexedHeight()) + 1; h <= ctx.chain.height; h++) {
        const { batches, references } = await storedEntries(h);
        await index.write(h, batches, references);
      }
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await pumpRun;
      await indexing;
      await pool.close();
      await index.close();
      await leaves.close();
    },
    async submitHashes(hashes) {
      if (!ctx.running()) throw new PolityError('NODE_NOT_READY', 'the node has stopped after an internal failure');
      if (!reachesProposer()) {
        throw new PolityError('NOTARY_NO_VALIDATOR', 'this node is not a validator and has no link to one, so no block would anchor these hashes; submit them to a validator\'s node');
      }
      // No index read here: a hash anchored before is simply anchored again,
      // and look-ups and receipts report its earliest anchoring.
      // Strings (callers in process) are checked by the caller like a request's body.
      const queued = aggregator.add(hashes instanceof Uint8Array ? hashes : packHashes(hashes));
      pump();
      return queued;
    },
    afterCommit(committed) {
      const { height } = committed;
      const { indexed, orphans, dropped } = settle(committed);
      const references = referencesOf(committed.block, committed.results);
      // The block is durable; its hashes reach the index in the background, in height order
      // (every height is written, batches or not, so the index's marker follows the chain).
      indexing = indexing
        .then(async () => {
          const late: IndexedBatch[] = [];
          for (const o of orphans) {
            const stored = await leaves.get(o.txId);
            if (stored) late.push({ txIndex: o.txIndex, leaves: stored });
            else ctx.log.warn('notary.leavesMissing', { height, txIndex: o.txIndex });
          }
          await index.write(height, [...indexed, ...late], references);
          for (const txId of dropped) await leaves.delete(txId);
        })
        .then(() => void unindexed.delete(height))
        .catch((e: Error) => {
          // The index cannot be written: stop rather than serve look-ups that silently miss hashes.
          ctx.log.error('notary.indexFailed', { height, error: e.message });
          setImmediate(() => {
            throw e;
          });
        });
      pump();
    },
    backupStores: () => new Map([['notary-leaves', (target: string) => leaves.exportTo(target)]]),
    status: () => {
      let waiting = aggregator.pendingCount + aggregator.sealingCount;
      for (const f of inFlight.values()) waiting += f.batch.count;
      return { notaryPendingHashes: waiting };
    },
  };
}
