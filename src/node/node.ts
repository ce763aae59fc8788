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
import type { Json } from '../crypto/canonical-json.js';
import { publicKeyOf, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { leafHash } from '../crypto/merkle.js';
import { blockHash, type Block, type BlockHeader, type CommitCertificate, type TxResult } from '../ledger/block.js';
import { assert, PolityError } from '../ledger/errors.js';
import { genesisHash, type Genesis, type Validator } from '../ledger/genesis.js';
import type { SetHandover } from '../ledger/set-history.js';
import { genesisState } from '../runtime/membership.js';
import { currentDidKey } from '../services/did/module.js';
import { createHistoryLog, historyConsistencyProof, historyInclusionProof } from '../ledger/history-log.js';
import { signTx } from '../ledger/sign.js';
import { buildStateTree, proveState, stateRoot, stateTreeSize, type StateProof } from '../ledger/state-tree.js';
import { decodeTx, type DecodedTx, type SignedTx } from '../ledger/transaction.js';
import { createSoloEngine } from '../consensus/solo.js';
import type { ConsensusEngine, EngineEffect, EngineInput, TimerName } from '../consensus/interface.js';
import { nextNonce } from '../runtime/executor.js';
import { buildBlock, checkCertificate, validateBlock, type BlockBody, type BuiltBlock, type ChainContext, type ChainHead } from '../runtime/chain-core.js';
import { createTendermintEngine, type TendermintEngine, type Timeouts } from '../consensus/tendermint.js';
import type { ConsensusMessage, Evidence } from '../ledger/votes.js';
import { createP2PNetwork, type P2PNetwork, type PeerAddress, type Topic } from '../p2p/network.js';
import { createModuleRegistry, type ModuleRegistry } from '../runtime/registry.js';
import { builtinModules } from '../services/index.js';
import { evidenceKey } from '../services/evidence/module.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../runtime/validator-schedule.js';
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
  /** BFT: where to listen for peers and whom to dial (from <data>/network.json). */
  p2p?: { listen: { host: string; port: number }; peers: PeerAddress[]; observers?: string[] };
  consensusTimeouts?: Partial<Timeouts>;
  /** BFT: how often this node re-sends its messages of the current height (default 1000 ms). */
  resendIntervalMs?: number;
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
  /** BFT: the node keys of the peers connected now. */
  peers: string[];
  /** BFT: the round and step of the height being decided. */
  round?: number;
  step?: string;
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
  submitTxs(values: readonly unknown[], options?: { fromPeer?: boolean }): Promise<SubmitOutcome[]>;
  txStatus(txId: string): Promise<TxStatus>;
  /** Resolves when the transaction commits, or with its current status after `timeoutMs`. */
  waitForTx(txId: string, timeoutMs: number): Promise<TxStatus>;
  getState(key: string): Json | undefined;
  readState(key: string, withProof: boolean): StateRead;
  nextNonce(signer: string): number;
  getBlock(height: number): Promise<Block | undefined>;
  getBlockByHash(hash: string): Promise<Block | undefined>;
  getResults(height: number): Promise<TxResult[] | undefined>;
  /**
   * The validator-set handovers committed up to `height` (default: the head),
   * oldest first: what a verifier needs to follow the set from genesis
   * (ledger/set-history.ts).
   */
  setHandovers(height?: number): Promise<SetHandover[]>;
  /** Up to `limit` transactions waiting for a block, in arrival order (not public: see the API's /v1/mempool). */
  pendingTxs(limit: number): SignedTx[];
  /** The key currently valid for a `did:polity` DID of this chain (undefined when unknown or deactivated). */
  didKey?(did: string): Promise<string | undefined>;
  /** The validator set in force at a height up to head + 2, and the height it took effect. */
  validatorSetAt(height: number): { validators: readonly Validator[]; since: number };
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
  /** Equivocation evidence recorded on the chain, oldest first. */
  listEvidence(): Json[];
}

export async function createNode(options: NodeOptions): Promise<PolityNode> {
  const { genesis } = options;
  const log = options.log ?? createLogger('info');
  const clock = options.clock ?? (() => Date.now());
  const chainId = genesis.chainId;
  const gHash = genesisHash(genesis);
  const nodeKey = publicKeyOf(options.nodeSecretKey);
  const registry: ModuleRegistry = createModuleRegistry(builtinModules);
  const isValidator = genesis.validators.some((v) => v.pubKey === nodeKey);
  const solo = genesis.validators.length === 1;
  // Checked before anything is opened, so a misconfigured node exits at once.
  if (solo && !isValidator) throw new Error('the node key is not the genesis validator (a one-validator chain runs solo consensus on its validator)');
  if (!solo && !options.p2p) throw new Error('a chain with several validators needs network settings (<data>/network.json: listen address and peers)');
  const initialState = genesisState(genesis, registry.modules.map((m) => m.name));
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
  /**
   * The validator set in force at a height, from the committed schedule
   * (validators module): known for head + 1 and head + 2, since a change takes
   * effect two blocks after the block that scheduled it. The same array object
   * is returned for the same set, so proposer rotation stays cached.
   */
  let setsMemo: { source: unknown; sets: ScheduledSet[] } = { source: undefined, sets: [] };
  const setAt = (height: number): { validators: readonly Validator[]; since: number } => {
    const source = state.get(SETS_KEY);
    if (source !== setsMemo.source) setsMemo = { source, sets: (source as unknown as { sets: ScheduledSet[] } | undefined)?.sets ?? [] };
    return validatorSetAt({ sets: setsMemo.sets }, genesis.validators, height);
  };
  /** Handovers already assembled, by the height the incoming set starts at (committed, so immutable). */
  const handovers = new Map<number, SetHandover>();
  const chainCtx: ChainContext = {
    chainId,
    genesisHash: gHash,
    genesisTime: genesis.genesisTime,
    params: genesis.params,
    registry,
    validatorsAt: (height) => setAt(height).validators,
    genesisState: initialState,
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

  const engine: ConsensusEngine & Partial<Pick<TendermintEngine, 'round' | 'phase' | 'describe'>> = solo
    ? createSoloEngine({
        chainId,
        validators: genesis.validators,
        selfPubKey: nodeKey,
        sign: (message) => signBytes(options.nodeSecretKey, message),
        blockIntervalMs: options.blockIntervalMs ?? 250,
        blockTxsTrigger: options.blockTxsTrigger ?? Math.min(5_000, genesis.params.blockTxsMax),
      })
    : createTendermintEngine({
        chainId,
        validators: genesis.validators,
        // The engine decides at each height whether this node is in the set of that height.
        selfPubKey: nodeKey,
        validatorSet: (height) => setAt(height),
        sign: (message) => signBytes(options.nodeSecretKey, message),
        verify: (pubKey, message, sig) => verifyBytes(pubKey, message, sig),
        ...(options.consensusTimeouts ? { timeouts: options.consensusTimeouts } : {}),
      });

  // --- BFT: peers, proposed blocks, catching up ---------------------------------
  /** Bodies of blocks proposed by peers for the next height, by hash (bounded). */
  const received = new Map<string, BlockBody>();
  /** Blocks the engine asked to validate before their body arrived: hash -> round. */
  const awaitingBody = new Map<string, number>();
  /**
   * Transaction ids whose signatures this node verified (mempool admission):
   * not verified again in a peer's block. Solo nodes validate no one else's
   * blocks, so they keep none.
   */
  const verifiedTxIds = new Set<string>();
  const rememberVerified = (id: string): void => {
    if (solo) return;
    if (verifiedTxIds.size >= 1_000_000) verifiedTxIds.clear();
    verifiedTxIds.add(id);
  };
  let syncing = false;
  /**
   * What this node sent for the height being decided, re-sent to every peer
   * each second: a peer that restarted, caught up or was cut off missed them,
   * and the rules wait for +2/3 of the votes (gossip must eventually deliver
   * every message, spec/consensus.md §4). Sent direct, past the gossip dedup.
   */
  const resend: Uint8Array[] = [];
  const resendTimer = solo
    ? undefined
    : setInterval(() => {
        if (!p2p) return;
        for (const peer of p2p.connectedPeers()) for (const bytes of resend) p2p.send(peer, 'consensus', bytes);
      }, options.resendIntervalMs ?? 1000);
  resendTimer?.unref();
  /** Equivocations the engine caught, until the chain records them. */
  const evidenceSeen: Evidence[] = [];
  /** State keys of recorded evidence, oldest first. */
  const evidenceKeys: string[] = [...state.keys()].filter((k) => k.startsWith('evidence/'));
  const p2p: P2PNetwork | undefined = solo
    ? undefined
    : createP2PNetwork({
        nodeSecretKey: options.nodeSecretKey,
        // Nodes of another chain cannot even complete a handshake with this one.
        networkId: gHash,
        listen: options.p2p!.listen,
        peers: options.p2p!.peers,
        isAllowed: (pubKey) => {
          const next = (head?.height ?? 0) + 1;
          return [setAt(next), setAt(next + 1)].some((s) => s.validators.some((v) => v.pubKey === pubKey)) || (options.p2p!.observers ?? []).includes(pubKey);
        },
        onMessage: (from, topic, data) => onPeerMessage(from, topic, data),
        onRequest: (from, protocol, data) => onPeerRequest(from, protocol, data),
        log: (event, fields) => log.debug(`p2p.${event}`, fields as Record<string, string | number | boolean | undefined>),
      });

  // --- waiters and listeners -------------------------------------------------
  const waiters = new Map<string, ((s: TxStatus) => void)[]>();
  const listeners = new Set<CommitListener>();
  /** Blocks for the height being decided that this node built or validated, by hash. */
  const candidates = new Map<string, Proposal>();
  let closed = false;
  const timers = new Map<TimerName, NodeJS.Timeout>();

  // --- the serial engine queue ----------------------------------------------
  const tasks: (() => Promise<void>)[] = [];
  let pumping = false;
  let fatal: Error | undefined;
  let txsSignalQueued = false;

  /** Run `task` on the serial queue, after everything queued before it. */
  const enqueueTask = (task: () => Promise<void>): void => {
    if (closed) return;
    tasks.push(task);
    if (!pumping) void pump();
  };
  const enqueue = (make: () => EngineInput): void => enqueueTask(() => handle(engine.step(make())));

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
      while (tasks.length > 0 && !closed) await tasks.shift()!();
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
          // BFT: the signed message is on disk before the broadcast that follows.
          if (effect.message) await store.putWal(effect.message);
          break;
        case 'broadcast': {
          const message = effect.message as ConsensusMessage;
          const block = message.type === 'proposal' ? (candidates.get(message.blockHash)?.built.body ?? received.get(message.blockHash)) : undefined;
          const bytes = utf8Encode(JSON.stringify(block ? { message, block } : { message }));
          p2p?.broadcast('consensus', bytes);
          if (resend.length < 256) resend.push(bytes);
          break;
        }
        case 'validateProposal':
          await validateCandidate(effect.blockHash, effect.round);
          break;
        case 'fetchBlock':
          void fetchBody(effect.blockHash, effect.height);
          break;
        case 'evidence':
          if (evidenceSeen.length < 1000) evidenceSeen.push(effect.evidence);
          log.warn('consensus.equivocation', {
            validator: (effect.evidence.first.type === 'proposal' ? effect.evidence.first.proposer : effect.evidence.first.validator).slice(0, 16),
            height: effect.evidence.first.height,
            round: effect.evidence.first.round,
            type: effect.evidence.first.type,
          });
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
    // Evidence of equivocation this node caught and the chain has not recorded yet.
    const evidenceTxs: DecodedTx[] = [];
    for (const ev of evidenceSeen) {
      if (state.has(evidenceKey(ev.first)) || evidenceTxs.length >= 16) continue;
      evidenceTxs.push(
        decodeTx(signTx({ v: 1, chainId, module: 'evidence', action: 'submit', args: { first: ev.first, second: ev.second } as never, signer: nodeKey, nonce: nonce++ }, options.nodeSecretKey)),
      );
    }
    const reaped = mempool.reap(params.blockTxsMax - batches.length - evidenceTxs.length, params.blockBytesMax - batchBytes);
    const txs = [...batches.map((b) => b.tx), ...evidenceTxs, ...reaped];
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
    received.clear();
    awaitingBody.clear();
    resend.length = 0;
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
    if (!solo) await store.pruneWal(height);

    // The block is durable: make it the node's view.
    for (const [key, value] of p.built.exec.changes) {
      if (value === null) state.delete(key);
      else state.set(key, value);
    }
    tree = p.built.tree;
    if (p.built.exec.changes.has(SETS_KEY)) {
      log.info('consensus.validatorSetScheduled', { height });
      p2p?.refreshMembership();
    }
    for (const key of p.built.exec.changes.keys()) if (key.startsWith('evidence/') && !evidenceKeys.includes(key)) evidenceKeys.push(key);
    for (let i = evidenceSeen.length - 1; i >= 0; i--) if (state.has(evidenceKey(evidenceSeen[i]!.first))) evidenceSeen.splice(i, 1);
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


  // --- BFT host duties -------------------------------------------------------------

  /** Check a proposed block (valid(v)): signatures once per node, then re-execution by the chain core. */
  async function validateBody(body: unknown): Promise<{ ok: true; built: BuiltBlock } | { ok: false; reason: string }> {
    const txs = (body as BlockBody | undefined)?.txs;
    if (Array.isArray(txs)) {
      const checks: Promise<void>[] = [];
      for (const raw of txs) {
        let d: DecodedTx;
        try {
          d = decodeTx(raw);
        } catch {
          continue; // validateBlock names the malformed transaction
        }
        if (verifiedTxIds.has(d.id)) continue;
        const tx = d;
        checks.push(verifyPool.verify(tx).then((ok) => void (ok && rememberVerified(tx.id))));
      }
      await Promise.all(checks);
    }
    return validateBlock(chainCtx, headView(), body, (d) => verifiedTxIds.has(d.id), (k, m, sig) => verifyBytes(k, m, sig));
  }

  async function validateCandidate(hash: string, round: number): Promise<void> {
    const height = (head?.height ?? 0) + 1;
    const own = candidates.get(hash);
    if (own) {
      await handle(engine.step({ type: 'proposalValidated', nowMs: clock(), height, round, blockHash: hash, valid: true, timeMs: own.built.body.header.time }));
      return;
    }
    const body = received.get(hash);
    if (!body) {
      awaitingBody.set(hash, round);
      void fetchBody(hash, height);
      return;
    }
    awaitingBody.delete(hash);
    const verdict = await validateBody(body);
    const valid = verdict.ok && verdict.built.hash === hash;
    if (verdict.ok && valid) candidates.set(hash, { built: verdict.built, batches: [] });
    if (!verdict.ok) log.warn('consensus.invalidProposal', { height, round, reason: verdict.reason.slice(0, 200) });
    await handle(engine.step({ type: 'proposalValidated', nowMs: clock(), height, round, blockHash: hash, valid, timeMs: body.header.time }));
  }

  /** Ask peers for a proposed block's body (it should have come with the proposal). */
  async function fetchBody(hash: string, height: number): Promise<void> {
    if (!p2p) return;
    for (const peer of p2p.connectedPeers()) {
      try {
        const reply = JSON.parse(new TextDecoder().decode(await p2p.request(peer, 'block', utf8Encode(JSON.stringify({ hash })), 3000))) as { body?: BlockBody };
        if (!reply.body || blockHash(reply.body.header) !== hash || reply.body.header.height !== height) continue;
        enqueueTask(async () => {
          if ((head?.height ?? 0) + 1 !== height || received.has(hash)) return;
          received.set(hash, reply.body!);
          await validateCandidate(hash, awaitingBody.get(hash) ?? engine.height);
        });
        return;
      } catch {
        // try the next peer
      }
    }
  }

  function onPeerMessage(from: string, topic: Topic, data: Uint8Array): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(data));
    } catch {
      return;
    }
    if (topic === 'tx') {
      if (Array.isArray(parsed)) void node.submitTxs(parsed.slice(0, 10_000), { fromPeer: true }).catch(() => undefined);
      return;
    }
    if (topic !== 'consensus' || typeof parsed !== 'object' || parsed === null) return;
    const { message, block } = parsed as { message?: { type?: unknown; height?: unknown; blockHash?: unknown }; block?: BlockBody };
    if (typeof message !== 'object' || message === null || typeof message.height !== 'number') return;
    const next = (head?.height ?? 0) + 1;
    // A peer two heights ahead has blocks this node lacks: catch up from it.
    if (message.height >= next + 1) requestSync(from);
    if (block && message.type === 'proposal' && message.height === next && typeof message.blockHash === 'string' && !received.has(message.blockHash)) {
      let ok = false;
      try {
        ok = blockHash(block.header) === message.blockHash && block.header.height === next;
      } catch {
        ok = false;
      }
      if (ok && received.size < 64) {
        received.set(message.blockHash, block);
        const waiting = awaitingBody.get(message.blockHash);
        if (waiting !== undefined) enqueueTask(() => validateCandidate(message.blockHash as string, waiting));
      }
    }
    enqueue(() => ({ type: 'peerMessage', nowMs: clock(), from, message }));
  }

  async function onPeerRequest(_from: string, protocol: string, data: Uint8Array): Promise<Uint8Array> {
    const request = JSON.parse(new TextDecoder().decode(data)) as { from?: unknown; hash?: unknown };
    if (protocol === 'sync' && Number.isSafeInteger(request.from) && (request.from as number) >= 1) {
      const blocks: Block[] = [];
      for (let h = request.from as number; h <= (head?.height ?? 0) && blocks.length < 20; h++) {
        const b = await store.getBlock(h);
        if (b) blocks.push(b);
      }
      return utf8Encode(JSON.stringify({ blocks }));
    }
    if (protocol === 'block' && typeof request.hash === 'string') {
      const body = candidates.get(request.hash)?.built.body ?? received.get(request.hash);
      return utf8Encode(JSON.stringify(body ? { body } : {}));
    }
    throw new Error('unknown request');
  }

  /** Fetch committed blocks from `peer`, then apply them on the serial queue. */
  function requestSync(peer: string): void {
    if (syncing || !p2p) return;
    syncing = true;
    const from = (head?.height ?? 0) + 1;
    void p2p
      .request(peer, 'sync', utf8Encode(JSON.stringify({ from })), 10_000)
      .then((bytes) => {
        const { blocks } = JSON.parse(new TextDecoder().decode(bytes)) as { blocks?: Block[] };
        enqueueTask(async () => {
          try {
            await applySynced(Array.isArray(blocks) ? blocks : []);
          } finally {
            syncing = false;
          }
        });
      })
      .catch((e: Error) => {
        syncing = false;
        log.debug('sync.failed', { peer: peer.slice(0, 16), error: e.message });
      });
  }

  /** Apply blocks a peer sent, each checked against its certificate and re-executed; then restart the engine at the new height. */
  async function applySynced(blocks: Block[]): Promise<void> {
    let applied = 0;
    for (const b of blocks) {
      const height = (head?.height ?? 0) + 1;
      if (b?.header?.height !== height) continue;
      let hash: string;
      try {
        hash = blockHash(b.header);
      } catch {
        return;
      }
      if (b.certificate?.blockHash !== hash || b.certificate.height !== height) return;
      const certError = checkCertificate(chainId, b.certificate, setAt(height).validators, (k, m, sig) => verifyBytes(k, m, sig));
      if (certError) {
        log.warn('sync.badCertificate', { height, reason: certError });
        return;
      }
      const verdict = await validateBody({ header: b.header, txs: b.txs, ...(b.lastCommit ? { lastCommit: b.lastCommit } : {}) });
      if (!verdict.ok || verdict.built.hash !== hash) {
        log.warn('sync.invalidBlock', { height, reason: verdict.ok ? 'hash mismatch' : verdict.reason.slice(0, 200) });
        return;
      }
      candidates.set(hash, { built: verdict.built, batches: [] });
      await commit(height, hash, b.certificate);
      applied++;
    }
    if (applied > 0) {
      log.info('sync.applied', { blocks: applied, height: head?.height ?? 0 });
      await handle(engine.step(await startInput()));
    }
  }

  async function startInput(): Promise<EngineInput> {
    const height = (head?.height ?? 0) + 1;
    return {
      type: 'start',
      nowMs: clock(),
      height,
      lastBlockTimeMs: head?.time ?? genesis.genesisTime,
      pendingTxs: pendingWork(),
      ...(lastBlock ? { lastCertificate: lastBlock.certificate } : {}),
      ...(solo ? {} : { ownMessages: (await store.loadWal(height)) as ConsensusMessage[] }),
    };
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
      if (p2p) await p2p.start();
      enqueueTask(async () => handle(engine.step(await startInput())));
      log.info('node.started', { chainId, height: head?.height ?? 0, stateKeys: state.size });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      while (pumping) await new Promise((r) => setTimeout(r, 5));
      for (const [txId, list] of waiters) for (const resolve of list) resolve({ txId, status: mempool.has(txId) ? 'pending' : 'unknown' });
      waiters.clear();
      if (resendTimer) clearInterval(resendTimer);
      await p2p?.stop();
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
        validators: setAt((head?.height ?? 0) + 1).validators.map((v) => ({ name: v.name, pubKey: v.pubKey, power: v.power })),
        peers: p2p?.connectedPeers() ?? [],
        ...(engine.kind === 'bft' ? { round: engine.round ?? 0, step: engine.phase ?? 'stopped' } : {}),
      };
    },
    async submitTxs(values, submitOptions) {
      if (fatal) throw new PolityError('NODE_NOT_READY', 'the node has stopped after an internal failure');
      const outcomes: SubmitOutcome[] = new Array(values.length);
      const gossip: unknown[] = [];
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
            rememberVerified(d.id);
            try {
              mempool.add(d, nextNonce(stateReader, d.tx.body.signer));
              outcomes[i] = { txId: d.id, status: 'accepted' };
              if (p2p) gossip.push(d.tx);
            } catch (e) {
              const err = e as PolityError;
              outcomes[i] = { txId: d.id, status: 'rejected', code: err.code, message: err.message };
            }
          }),
        );
      }
      await Promise.all(checks);
      // Accepted transactions go to the peers; the network relays them, so a peer's do not go back out.
      if (p2p && gossip.length > 0 && !submitOptions?.fromPeer) p2p.broadcast('tx', utf8Encode(JSON.stringify(gossip)));
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
    didKey: async (did) => currentDidKey((key) => state.get(key), did),
    pendingTxs: (limit) => mempool.list(limit).map((d) => d.tx),
    // Before block 1 the genesis state is what block 1 will write first: reads see it already.
    getState: (key) => (head ? state.get(key) : state.get(key) ?? initialState.get(key)),
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
    async setHandovers(height) {
      const upTo = Math.min(height ?? Infinity, (head?.height ?? 0) + 1);
      setAt(upTo); // refreshes the schedule from state
      const out: SetHandover[] = [];
      for (const s of setsMemo.sets) {
        if (s.since > upTo) break;
        let handover = handovers.get(s.since);
        if (!handover) {
          const block = await store.getBlock(s.since - 1);
          if (!block) throw new PolityError('RECEIPT_UNAVAILABLE', `block ${s.since - 1} is not stored on this node`);
          handover = { since: s.since, validators: s.validators, header: block.header, certificate: block.certificate };
          handovers.set(s.since, handover);
        }
        out.push(handover);
      }
      return out;
    },
    validatorSetAt: (height) => setAt(height),
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
    listEvidence: () => evidenceKeys.map((k) => state.get(k)).filter((v): v is Json => v !== undefined),
  };
  (node as { receipts: ReceiptService }).receipts = createReceiptService(node);
  return node;
}
