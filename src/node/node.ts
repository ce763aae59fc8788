/**
 * A Polity node: where the pure layers meet real I/O.
 *
 * It owns the chain store (LevelDB), the committed state (a flat map plus the
 * authenticated state tree, rebuilt from the store at start-up), the history
 * log over block hashes, the mempool, the signature-verification workers, the
 * notary aggregator and a consensus engine. Engine inputs are handled one at a
 * time through a serial queue, and each effect is carried out before the next
 * input is looked at: a block is durably stored before the node builds on it.
 *
 * The node knows nothing of HTTP: src/api/ calls the methods below.
 */
import { fromHex, toHex, utf8Encode } from '../crypto/bytes.js';
import { canonicalBytes, canonicalJson, type Json } from '../crypto/canonical-json.js';
import { publicKeyOf, signBytes } from '../crypto/ed25519.js';
import { leafHash, merkleRoot } from '../crypto/merkle.js';
import { blockHash, type Block, type BlockHeader, type CommitCertificate, type TxResult } from '../ledger/block.js';
import { assert, PolityError } from '../ledger/errors.js';
import { genesisHash, validatorSetHash, type Genesis } from '../ledger/genesis.js';
import { createHistoryLog, historyConsistencyProof, historyInclusionProof } from '../ledger/history-log.js';
import { signTx } from '../ledger/sign.js';
import { applyStateChanges, buildStateTree, proveState, stateRoot, stateTreeSize, type StateProof, type StateTree } from '../ledger/state-tree.js';
import { decodeTx, type DecodedTx } from '../ledger/transaction.js';
import { createSoloEngine } from '../consensus/solo.js';
import type { ConsensusEngine, EngineEffect, EngineInput, TimerName } from '../consensus/interface.js';
import { nextNonce } from '../runtime/executor.js';
import { buildBlock, type BuiltBlock, type ChainContext, type ChainHead } from '../runtime/chain-core.js';
import { createModuleRegistry, type ModuleRegistry } from '../runtime/registry.js';
import { builtinModules } from '../modules/index.js';
import { createChainStore, type ChainStore, type Head } from '../storage/chain-store.js';
import { createNotaryIndex, type IndexedBatch, type NotaryLocation } from '../storage/notary-index.js';
import { createMempool, DEFAULT_MEMPOOL, type Mempool, type MempoolOptions } from './mempool.js';
import { createVerifyPool, type VerifyPool } from './verify-pool.js';
import { createNotaryAggregator, type NotaryAggregator, type SealedBatch } from './notary-aggregator.js';
import { createMerklePool } from './merkle-pool.js';
import { createReceiptService, type ReceiptService } from './receipts.js';
import { createLogger, type Logger } from './log.js';

export interface NodeOptions {
  dataDir: string;
  genesis: Genesis;
  /** This node's Ed25519 secret seed (hex): it signs blocks (as validator) and aggregation batches. */
  nodeSecretKey: string;
  blockIntervalMs?: number;
  /** Cut a block at once when this many transactions wait. */
  blockTxsTrigger?: number;
  verifyWorkers?: number;
  mempool?: MempoolOptions;
  /** Most hashes that may wait for the next aggregation batch. */
  notaryPendingMax?: number;
  log?: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
}

export type SubmitOutcome = { txId: string; status: 'accepted' } | { txId?: string; status: 'rejected'; code: string; message: string };

export type TxStatus =
  | { txId: string; status: 'pending' }
  | { txId: string; status: 'unknown' }
  | { txId: string; status: 'committed'; height: number; index: number; result: TxResult };

export interface NodeStatus {
  chainId: string;
  genesisHash: string;
  nodeKey: string;
  consensus: 'solo' | 'bft';
  height: number;
  latestBlockHash: string;
  latestBlockTime: number;
  stateRoot: string;
  stateKeys: number;
  mempoolTxs: number;
  notaryPendingHashes: number;
  validators: { name: string; pubKey: string; power: number }[];
}

export interface StateRead {
  key: string;
  value: Json | null;
  height: number;
  stateRoot: string;
  proof?: StateProof;
  header?: BlockHeader;
  certificate?: CommitCertificate;
}

type CommitListener = (block: Block, results: TxResult[]) => void;

interface Proposal {
  built: BuiltBlock;
  /** Aggregation batches this node sealed into the block (only in blocks it built). */
  batches: { sealed: SealedBatch; tx: DecodedTx }[];
  timings?: { sealMs: number; buildMs: number };
}

export interface PolityNode {
  readonly genesis: Genesis;
  readonly chainId: string;
  readonly genesisHash: string;
  readonly nodeKey: string;
  readonly store: ChainStore;
  readonly receipts: ReceiptService;
  readonly aggregator: NotaryAggregator;
  readonly log: Logger;
  start(): Promise<void>;
  close(): Promise<void>;
  status(): NodeStatus;
  readonly height: number;
  /** Validate, verify and queue transactions. Every element gets an outcome; bad ones change nothing. */
  submitTxs(values: readonly unknown[]): Promise<SubmitOutcome[]>;
  txStatus(txId: string): Promise<TxStatus>;
  /** Resolves when the transaction commits, or with its current status after `timeoutMs`. */
  waitForTx(txId: string, timeoutMs: number): Promise<TxStatus>;
  getState(key: string): Json | undefined;
  readState(key: string, withProof: boolean): StateRead;
  nextNonce(signer: string): number;
  getBlock(height: number): Promise<Block | undefined>;
  getBlockByHash(hash: string): Promise<Block | undefined>;
  getResults(height: number): Promise<TxResult[] | undefined>;
  lastCertificate(): CommitCertificate | undefined;
  lastHeader(): BlockHeader | undefined;
  historyInclusion(height: number, headHeight: number): Promise<{ leafIndex: number; treeSize: number; path: string[] }>;
  historyConsistency(fromHeight: number, toHeight: number): Promise<{ fromSize: number; toSize: number; path: string[] }>;
  /** Queue document hashes for the next aggregation batch. */
  /** Returns how many distinct hashes were newly queued. */
  submitHashes(hashes: readonly string[]): Promise<number>;
  /** Where each hash was first anchored in an aggregation batch, if it was. */
  notaryLocations(hashes: readonly string[]): Promise<(NotaryLocation | undefined)[]>;
  onCommit(listener: CommitListener): () => void;
}

export async function createNode(options: NodeOptions): Promise<PolityNode> {
  const { genesis } = options;
  const log = options.log ?? createLogger('info');
  const clock = options.clock ?? (() => Date.now());
  const chainId = genesis.chainId;
  const gHash = genesisHash(genesis);
  const nodeKey = publicKeyOf(options.nodeSecretKey);
  const registry: ModuleRegistry = createModuleRegistry(builtinModules);
  const store = createChainStore(`${options.dataDir}/chain`);
  await store.open(gHash);
  const notaryIndex = createNotaryIndex(`${options.dataDir}/notary-index`);
  await notaryIndex.open();

  // --- committed state, rebuilt from the store ------------------------------
  const state = new Map<string, Json>();
  const entries: { key: Uint8Array; value: Uint8Array }[] = [];
  for await (const [key, text] of store.loadState()) {
    state.set(key, JSON.parse(text) as Json);
    entries.push({ key: utf8Encode(key), value: utf8Encode(text) });
  }
  let tree = buildStateTree(entries);
  entries.length = 0;
  let head: Head | undefined = await store.loadHead();
  if (head) {
    const root = toHex(stateRoot(tree));
    assert(root === head.stateRoot, `state rebuilt from the store has root ${root}, the head says ${head.stateRoot}`);
  }
  const history = createHistoryLog(
    head ? { size: head.history.size, frontier: head.history.frontier.map((h) => fromHex(h, 32)) } : { size: 0, frontier: [] },
  );
  let lastBlock: Block | undefined = head ? await store.getBlock(head.height) : undefined;

  /** The aggregation batches a stored block anchored successfully, with their leaves. */
  const storedBatches = async (height: number): Promise<IndexedBatch[]> => {
    const [block, results] = await Promise.all([store.getBlock(height), store.getResults(height)]);
    assert(block && results, `block ${height} is missing from the store`);
    const out: IndexedBatch[] = [];
    for (let i = 0; i < block.txs.length; i++) {
      if (block.txs[i]!.body.action !== 'anchorBatch' || block.txs[i]!.body.module !== 'notary' || results[i]!.code !== 'OK') continue;
      const leaves = await store.getBatchLeaves(results[i]!.txId);
      assert(leaves, `leaves of the batch in block ${height} are missing`);
      out.push({ txIndex: i, leaves });
    }
    return out;
  };
  // The hash index is written after each commit; blocks stored but not yet indexed
  // when the node stopped are indexed again from their stored leaves.
  for (let h = (await notaryIndex.indexedHeight()) + 1; head && h <= head.height; h++) {
    await notaryIndex.write(h, await storedBatches(h));
  }
  /** Committed blocks whose batches the index has not taken yet: height -> batches with their hashes. */
  const unindexed = new Map<number, { txIndex: number; hashes: readonly string[]; positions?: Map<string, number> }[]>();
  let indexing: Promise<void> = Promise.resolve();

  const stateReader = { get: (key: string) => state.get(key) };
  const chainCtx: ChainContext = {
    chainId,
    genesisHash: gHash,
    genesisTime: genesis.genesisTime,
    params: genesis.params,
    registry,
    validatorsAt: () => genesis.validators,
  };
  const headView = (): ChainHead => ({
    height: head?.height ?? 0,
    blockHash: head?.blockHash ?? gHash,
    time: head?.time ?? genesis.genesisTime,
    state,
    tree,
    history: history.snapshot(),
  });
  const mempool: Mempool = createMempool(options.mempool ?? DEFAULT_MEMPOOL);
  const verifyPool: VerifyPool = createVerifyPool(options.verifyWorkers);
  const merklePool = createMerklePool(2);
  const aggregator = createNotaryAggregator(
    {
      pendingMax: options.notaryPendingMax ?? 8_000_000,
      batchHashesMax: genesis.params.notaryBatchHashesMax,
      eagerHashesMin: 20_000,
      cacheLeavesMax: 8_000_000,
      onReady: () => signalTxs(),
    },
    merklePool,
  );

  const isValidator = genesis.validators.some((v) => v.pubKey === nodeKey);
  if (genesis.validators.length !== 1) throw new Error('this node runs solo consensus: the genesis must list exactly one validator');
  if (!isValidator) throw new Error('the node key is not the genesis validator');
  const engine: ConsensusEngine = createSoloEngine({
    chainId,
    validators: genesis.validators,
    selfPubKey: nodeKey,
    sign: (message) => signBytes(options.nodeSecretKey, message),
    blockIntervalMs: options.blockIntervalMs ?? 250,
    blockTxsTrigger: options.blockTxsTrigger ?? Math.min(5_000, genesis.params.blockTxsMax),
  });

  // --- waiters and listeners -------------------------------------------------
  const waiters = new Map<string, ((s: TxStatus) => void)[]>();
  const listeners = new Set<CommitListener>();
  /** Blocks for the height being decided that this node built or validated, by hash. */
  const candidates = new Map<string, Proposal>();
  let closed = false;
  const timers = new Map<TimerName, NodeJS.Timeout>();

  // --- the serial engine queue ----------------------------------------------
  const inputs: (() => EngineInput)[] = [];
  let pumping = false;
  let fatal: Error | undefined;
  let txsSignalQueued = false;

  const enqueue = (make: () => EngineInput): void => {
    if (closed) return;
    inputs.push(make);
    if (!pumping) void pump();
  };

  const pendingWork = (): number => mempool.size + aggregator.pendingCount + aggregator.sealingCount;

  const signalTxs = (): void => {
    if (txsSignalQueued) return;
    txsSignalQueued = true;
    enqueue(() => {
      txsSignalQueued = false;
      return { type: 'txsAvailable', nowMs: clock(), pendingTxs: pendingWork() };
    });
  };

  async function pump(): Promise<void> {
    pumping = true;
    try {
      while (inputs.length > 0 && !closed) {
        const input = inputs.shift()!();
        await handle(engine.step(input));
      }
    } catch (e) {
      fatal = e as Error;
      log.error('node.fatal', { error: (e as Error).message });
      // A failure to store a block is unrecoverable here: stop rather than diverge.
      process.exitCode = 70;
      setImmediate(() => {
        throw e;
      });
    } finally {
      pumping = false;
    }
  }

  async function handle(effects: EngineEffect[]): Promise<void> {
    for (const effect of effects) {
      switch (effect.type) {
        case 'setTimer': {
          const existing = timers.get(effect.timer);
          if (existing) clearTimeout(existing);
          timers.set(
            effect.timer,
            setTimeout(() => {
              timers.delete(effect.timer);
              enqueue(() => ({ type: 'timeout', nowMs: clock(), timer: effect.timer, height: effect.height, round: effect.round, pendingTxs: pendingWork() }));
            }, effect.delayMs),
          );
          break;
        }
        case 'buildProposal': {
          let built: Proposal | undefined;
          const t0 = performance.now();
          const sealed = await aggregator.take();
          const t1 = performance.now();
          try {
            built = buildProposal(effect.height, effect.timeMs, sealed, effect.lastCertificate, engine.kind === 'bft');
            if (built) built.timings = { sealMs: Math.round(t1 - t0), buildMs: Math.round(performance.now() - t1) };
          } catch (e) {
            for (const b of sealed) aggregator.unseal(b);
            await handle(engine.step({ type: 'proposalFailed', nowMs: clock(), height: effect.height, round: effect.round, reason: (e as Error).message }));
            throw e;
          }
          if (!built) {
            await handle(engine.step({ type: 'proposalFailed', nowMs: clock(), height: effect.height, round: effect.round, reason: 'nothing to propose' }));
            break;
          }
          candidates.set(built.built.hash, built);
          await handle(
            engine.step({ type: 'proposalBuilt', nowMs: clock(), height: effect.height, round: effect.round, proposal: { header: built.built.body.header, hash: built.built.hash } }),
          );
          break;
        }
        case 'persistVote':
          // Solo commits in the same step it votes: the vote is stored inside the
          // block's certificate by the commit that follows, in one synced batch.
          break;
        case 'broadcast':
          break;
        case 'commit':
          await commit(effect.height, effect.blockHash, effect.certificate);
          if (pendingWork() > 0) signalTxs();
          break;
      }
    }
  }

  function buildProposal(height: number, timeMs: number, sealed: SealedBatch[], lastCommit: CommitCertificate | undefined, allowEmpty: boolean): Proposal | undefined {
    mempool.dropExpired(height);
    const params = genesis.params;
    // Aggregation batches first, signed with the node key. Transactions signed
    // with the node key by anyone else cannot reach the mempool in between:
    // the node key is this node's secret.
    const batches: { sealed: SealedBatch; tx: DecodedTx }[] = [];
    let nonce = nextNonce(stateReader, nodeKey);
    let batchBytes = 0;
    for (const b of sealed) {
      const tx = decodeTx(
        signTx(
          { v: 1, chainId, module: 'notary', action: 'anchorBatch', args: { root: toHex(b.tree.root), count: b.hashes.length }, signer: nodeKey, nonce },
          options.nodeSecretKey,
        ),
      );
      // Batches obey the block's limits like any transaction; the rest wait for the next block.
      if (batches.length + 1 > params.blockTxsMax || batchBytes + tx.bytes > params.blockBytesMax) {
        aggregator.unseal(b);
        continue;
      }
      nonce++;
      batchBytes += tx.bytes;
      batches.push({ sealed: b, tx });
    }
    const reaped = mempool.reap(params.blockTxsMax - batches.length, params.blockBytesMax - batchBytes);
    const txs = [...batches.map((b) => b.tx), ...reaped];
    if (txs.length === 0 && !allowEmpty) return undefined;
    const built = buildBlock(chainCtx, headView(), { txs, time: timeMs, proposer: nodeKey, ...(lastCommit ? { lastCommit } : {}) });
    return { built, batches };
  }

  async function commit(height: number, hash: string, certificate: CommitCertificate): Promise<void> {
    const p = candidates.get(hash);
    assert(p && p.built.body.header.height === height, 'commit of a block this node does not hold');
    // Batches this node sealed into other candidates of this height go back to the queue.
    for (const [h, other] of candidates) if (h !== hash) for (const b of other.batches) aggregator.unseal(b.sealed);
    candidates.clear();
    const { body } = p.built;
    const block: Block = { header: body.header, txs: body.txs, certificate, ...(body.lastCommit ? { lastCommit: body.lastCommit } : {}) };
    const historyNodes = history.append(leafHash(fromHex(hash, 32))).map((n) => ({ level: n.level, index: n.index, hash: toHex(n.hash) }));
    const snap = history.snapshot();
    const newHead: Head = {
      height,
      blockHash: hash,
      time: body.header.time,
      stateRoot: body.header.stateRoot,
      history: { size: snap.size, frontier: snap.frontier.map(toHex) },
    };
    // Batch i is transaction i; only a successful anchoring indexes its hashes.
    const notary = p.batches
      .map((b, i) => ({ b, i }))
      .filter(({ i }) => p.built.exec.results[i]?.code === 'OK')
      .map(({ b, i }) => ({ batchTxId: b.tx.id, txIndex: i, leaves: b.sealed.leaves }));
    const storeStart = performance.now();
    await store.commitBlock({
      block,
      results: p.built.exec.results,
      resultsJson: `[${p.built.resultTexts.join(',')}]`,
      stateChanges: p.built.encoded,
      historyNodes,
      head: newHead,
      notary,
    });
    // The block is durable; its hashes reach the index in the background, in height order.
    const indexed: IndexedBatch[] = notary.map((n) => ({ txIndex: n.txIndex, leaves: n.leaves }));
    if (indexed.length > 0) {
      unindexed.set(
        height,
        p.batches.filter((_, i) => p.built.exec.results[i]?.code === 'OK').map((b) => ({ txIndex: p.batches.indexOf(b), hashes: b.sealed.hashes })),
      );
    }
    indexing = indexing
      .then(() => notaryIndex.write(height, indexed))
      .then(() => {
        unindexed.delete(height);
      })
      .catch((e: Error) => {
        // The index cannot be written: stop rather than serve look-ups that silently miss hashes.
        log.error('notary.indexFailed', { height, error: e.message });
        setImmediate(() => {
          throw e;
        });
      });
    const storeMs = Math.round(performance.now() - storeStart);

    // The block is durable: make it the node's view.
    for (const [key, value] of p.built.exec.changes) {
      if (value === null) state.delete(key);
      else state.set(key, value);
    }
    tree = p.built.tree;
    head = newHead;
    lastBlock = block;
    p.batches.forEach((b, i) => {
      const result = p.built.exec.results[i]!;
      if (result.code === 'OK') aggregator.committed(b.sealed, b.tx.id);
      else {
        // Only an identical, already anchored root can fail here: its hashes are anchored.
        aggregator.discard(b.sealed);
        log.warn('notary.batchFailed', { height, code: result.code, hashes: b.sealed.hashes.length });
      }
    });
    const nonces = new Map<string, number>();
    for (const t of p.built.txs) nonces.set(t.tx.body.signer, nextNonce(stateReader, t.tx.body.signer));
    mempool.update(nonces, p.built.txs.map((t) => t.id));
    for (let i = 0; i < p.built.exec.results.length; i++) {
      const result = p.built.exec.results[i]!;
      const list = waiters.get(result.txId);
      if (list) {
        waiters.delete(result.txId);
        for (const resolve of list) resolve({ txId: result.txId, status: 'committed', height, index: i, result });
      }
    }
    log.debug('block.committed', {
      height,
      txs: p.built.txs.length,
      hashes: p.batches.reduce((sum, b) => sum + b.sealed.hashes.length, 0),
      sealMs: p.timings?.sealMs,
      buildMs: p.timings?.buildMs,
      storeMs,
      hash: hash.slice(0, 16),
    });
    for (const l of listeners) l(block, p.built.exec.results);
  }

  async function txStatus(txId: string): Promise<TxStatus> {
    if (mempool.has(txId)) return { txId, status: 'pending' };
    const loc = await store.getTxLocation(txId);
    if (!loc) return { txId, status: 'unknown' };
    const results = await store.getResults(loc.height);
    const result = results?.[loc.index];
    assert(result, `results missing for stored transaction at ${loc.height}:${loc.index}`);
    return { txId, status: 'committed', height: loc.height, index: loc.index, result };
  }

  const node: PolityNode = {
    genesis,
    chainId,
    genesisHash: gHash,
    nodeKey,
    store,
    aggregator,
    log,
    receipts: undefined as unknown as ReceiptService,
    get height() {
      return head?.height ?? 0;
    },
    async start() {
      enqueue(() => ({ type: 'start', nowMs: clock(), height: (head?.height ?? 0) + 1, lastBlockTimeMs: head?.time ?? genesis.genesisTime, pendingTxs: pendingWork() }));
      log.info('node.started', { chainId, height: head?.height ?? 0, stateKeys: state.size });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      while (pumping) await new Promise((r) => setTimeout(r, 5));
      for (const [txId, list] of waiters) for (const resolve of list) resolve({ txId, status: mempool.has(txId) ? 'pending' : 'unknown' });
      waiters.clear();
      await verifyPool.close();
      await merklePool.close();
      await indexing;
      await notaryIndex.close();
      await store.close();
    },
    status() {
      return {
        chainId,
        genesisHash: gHash,
        nodeKey,
        consensus: engine.kind,
        height: head?.height ?? 0,
        latestBlockHash: head?.blockHash ?? gHash,
        latestBlockTime: head?.time ?? genesis.genesisTime,
        stateRoot: toHex(stateRoot(tree)),
        stateKeys: stateTreeSize(tree),
        mempoolTxs: mempool.size,
        notaryPendingHashes: aggregator.pendingCount + aggregator.sealingCount,
        validators: genesis.validators.map((v) => ({ name: v.name, pubKey: v.pubKey, power: v.power })),
      };
    },
    async submitTxs(values) {
      if (fatal) throw new PolityError('NODE_NOT_READY', 'the node has stopped after an internal failure');
      const outcomes: SubmitOutcome[] = new Array(values.length);
      const checks: Promise<void>[] = [];
      for (let i = 0; i < values.length; i++) {
        let decoded: DecodedTx;
        try {
          decoded = decodeTx(values[i]);
          const body = decoded.tx.body;
          if (body.chainId !== chainId) throw new PolityError('TX_WRONG_CHAIN', `transaction is for chain ${JSON.stringify(body.chainId)}, this is ${JSON.stringify(chainId)}`);
          if (body.expiresAt !== undefined && body.expiresAt <= (head?.height ?? 0)) {
            throw new PolityError('TX_EXPIRED', `transaction expired at height ${body.expiresAt}; the chain is at ${head?.height ?? 0}`);
          }
          const action = registry.action(body.module, body.action);
          if (!action) {
            const code = registry.hasModule(body.module) ? 'TX_UNKNOWN_ACTION' : 'TX_UNKNOWN_MODULE';
            throw new PolityError(code, `no action ${body.module}.${body.action}`);
          }
          if (!action.check.Check(body.args)) {
            const first = action.check.Errors(body.args).First();
            throw new PolityError('TX_ARGS_INVALID', `${body.module}.${body.action} arguments: ${first ? `${first.path || '/'}: ${first.message}` : 'invalid'}`);
          }
          mempool.check(decoded, nextNonce(stateReader, body.signer));
        } catch (e) {
          const err = e instanceof PolityError ? e : new PolityError('TX_MALFORMED', (e as Error).message);
          outcomes[i] = { status: 'rejected', code: err.code, message: err.message };
          continue;
        }
        const d = decoded;
        checks.push(
          verifyPool.verify(d).then((ok) => {
            if (!ok) {
              outcomes[i] = { txId: d.id, status: 'rejected', code: 'TX_BAD_SIGNATURE', message: 'the signature does not verify against body.signer' };
              return;
            }
            try {
              mempool.add(d, nextNonce(stateReader, d.tx.body.signer));
              outcomes[i] = { txId: d.id, status: 'accepted' };
            } catch (e) {
              const err = e as PolityError;
              outcomes[i] = { txId: d.id, status: 'rejected', code: err.code, message: err.message };
            }
          }),
        );
      }
      await Promise.all(checks);
      if (outcomes.some((o) => o.status === 'accepted')) signalTxs();
      return outcomes;
    },
    txStatus,
    waitForTx(txId, timeoutMs) {
      return txStatus(txId).then((s) => {
        if (s.status === 'committed' || (s.status === 'unknown' && !mempool.has(txId))) return s;
        return new Promise<TxStatus>((resolve) => {
          const timer = setTimeout(() => {
            const list = waiters.get(txId);
            if (list) {
              const i = list.indexOf(done);
              if (i >= 0) list.splice(i, 1);
              if (list.length === 0) waiters.delete(txId);
            }
            resolve(txStatus(txId));
          }, timeoutMs);
          const done = (status: TxStatus): void => {
            clearTimeout(timer);
            resolve(status);
          };
          const list = waiters.get(txId) ?? [];
          list.push(done);
          waiters.set(txId, list);
        });
      });
    },
    getState: (key) => state.get(key),
    readState(key, withProof) {
      const value = state.get(key);
      const read: StateRead = { key, value: value ?? null, height: head?.height ?? 0, stateRoot: toHex(stateRoot(tree)) };
      if (withProof) {
        read.proof = proveState(tree, utf8Encode(key));
        if (lastBlock) {
          read.header = lastBlock.header;
          read.certificate = lastBlock.certificate;
        }
      }
      return read;
    },
    nextNonce: (signer) => nextNonce(stateReader, signer),
    getBlock: (height) => store.getBlock(height),
    async getBlockByHash(hash) {
      const height = await store.getHeightByHash(hash);
      return height === undefined ? undefined : store.getBlock(height);
    },
    getResults: (height) => store.getResults(height),
    lastCertificate: () => lastBlock?.certificate,
    lastHeader: () => lastBlock?.header,
    async historyInclusion(height, headHeight) {
      const current = head?.height ?? 0;
      if (!(height >= 1 && height < headHeight && headHeight <= current)) {
        throw new PolityError('BAD_REQUEST', `need 1 <= height < head <= ${current}; block ${height} is covered by the history root of every later block`);
      }
      const path = await historyInclusionProof({ getNode: store.getHistoryNode }, height - 1, headHeight - 1);
      return { leafIndex: height - 1, treeSize: headHeight - 1, path: path.map(toHex) };
    },
    async historyConsistency(fromHeight, toHeight) {
      const current = head?.height ?? 0;
      if (!(fromHeight >= 2 && fromHeight <= toHeight && toHeight <= current)) {
        throw new PolityError('BAD_REQUEST', `need 2 <= from <= to <= ${current}`);
      }
      const path = await historyConsistencyProof({ getNode: store.getHistoryNode }, fromHeight - 1, toHeight - 1);
      return { fromSize: fromHeight - 1, toSize: toHeight - 1, path: path.map(toHex) };
    },
    async submitHashes(hashes) {
      if (fatal) throw new PolityError('NODE_NOT_READY', 'the node has stopped after an internal failure');
      // No index read here: a hash anchored before is simply anchored again,
      // and look-ups and receipts report its earliest anchoring.
      const queued = aggregator.add(hashes);
      signalTxs();
      return queued;
    },
    async notaryLocations(hashes) {
      // Snapshot first: a block's entry leaves `unindexed` only after its index write has
      // landed, so every block is in the snapshot or visible to the look-up below, or both.
      const pending = [...unindexed];
      const found = await notaryIndex.lookup(hashes);
      // The index holds every batch below the not-yet-indexed heights, so its answer is the earliest.
      return hashes.map((hash, i) => {
        const loc = found[i];
        if (loc) return loc;
        for (const [h, batches] of pending) {
          for (const b of batches) {
            if (!b.positions) b.positions = new Map(b.hashes.map((x, j) => [x, j]));
            const leafIndex = b.positions.get(hash);
            if (leafIndex !== undefined) return { height: h, txIndex: b.txIndex, leafIndex };
          }
        }
        return undefined;
      });
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  (node as { receipts: ReceiptService }).receipts = createReceiptService(node);
  return node;
}
