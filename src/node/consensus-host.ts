/**
 * The consensus host: where the pure consensus engine meets the node's
 * other parts (spec/consensus-interface.md). It is the one the node runs
 * and the one the simulator runs, as it is, over virtual time and network.
 *
 * Every input — a timer, a peer's message, a body fetched, blocks synced,
 * "there is work" — goes through one serial queue, and each effect the
 * engine returns is carried out before the next input is looked at: a vote
 * is in the write-ahead log before it is sent, and a block is durably
 * committed before the node builds on it.
 *
 * Its duties, per effect:
 * - build a proposal: the service hosts' contributions (signed here with
 *   the node key and its next nonces), then the mempool, executed by the
 *   chain core; contributions are settled when the height is decided. A
 *   BFT proposal whose block time is more than `CATCH_UP_AFTER_MS` behind
 *   this node's clock is a catch-up block, empty (see the constant);
 * - validate a peer's proposal (valid(v)): signatures once per node, then
 *   re-execution; a compact body takes its transactions from the mempool;
 *   fetch the body from peers when it came without one (or its compact
 *   form did not resolve);
 * - send own proposals compact (spec/consensus.md §2.1);
 * - persist, broadcast, keep evidence for the services, commit;
 * - catch up: a peer two heights ahead has blocks this node lacks, so they
 *   are fetched, each checked against its certificate and re-executed, then
 *   the engine restarts at the new height.
 *
 * It takes narrow parts (CometBFT style) rather than building its world:
 * chain state, admission, the peer protocol, a clock, timers, a signer, a
 * logger and the service hosts. It reads no clock and opens no socket of
 * its own, and awaits nothing but the promises of those parts.
 */
import type { CommitCertificate } from '../ledger/block.js';
import { blockHash } from '../ledger/block.js';
import { assert } from '../ledger/errors.js';
import { decodeTx, type DecodedTx, type SignedTx, type TxBody } from '../ledger/transaction.js';
import type { ConsensusMessage, Evidence, VerifyFn } from '../ledger/votes.js';
import type { ConsensusEngine, EngineEffect, EngineInput, TimerName } from '../consensus/interface.js';
import { bodyMismatch, buildBlock, checkCertificate, txRootOf, validateBlock, type BlockBody, type BuiltBlock } from '../runtime/chain-core.js';
import type { ConsensusWal } from '../storage/interface.js';
import type { Admission } from './admission.js';
import type { ChainState } from './chain-state.js';
import type { Clock, Timer, Timers } from './clock.js';
import type { Logger } from './log.js';
import type { CompactBody, ConsensusReceiver, PeerProtocol } from './peer-protocol.js';
import type { Contribution, ServiceHost } from './service-host.js';

/** Signs what the node itself submits, with the node key. */
export interface NodeSigner {
  /** The node key (public, hex). */
  readonly publicKey: string;
  signTx(body: TxBody): SignedTx;
}

/** What the host needs of the peer protocol (absent on a solo node). */
export type ConsensusPeers = Pick<PeerProtocol, 'broadcastConsensus' | 'resendLater' | 'heightDecided' | 'fetchBody' | 'fetchBlocks'>;

/**
 * A BFT block's time is the median of the previous block's precommit times
 * (spec/consensus.md §5). After an idle period (no block is made while
 * nothing waits), those precommits are as old as the idle period, so the
 * first block after it would carry the time of the last block before it,
 * and its transactions would be judged at that time: a vote cast on Monday
 * after a deadline of Friday evening, on a chain idle since Friday
 * afternoon, would count. So a proposer whose block time is more than this
 * behind its own clock proposes an empty block first: its precommits are
 * signed now, and the next block, which takes the waiting transactions,
 * carries the current time. Heights decided in normal operation take
 * milliseconds to a few rounds of timeouts, far under it; the bound is also
 * the most clock skew between validators that costs nothing (a proposer
 * whose clock runs further ahead proposes empty blocks; the others' turns
 * carry the transactions). The first block too: its time is the genesis
 * time + 1 ms, so a network started later than this after its genesis
 * begins with an empty block 1 (else a document notarised in it, days after
 * the genesis, would carry the genesis time on its receipt).
 */
export const CATCH_UP_AFTER_MS = 10_000;

/**
 * How far behind a validator's clock the time of a fresh proposal's block
 * with transactions may be when the proposal arrives; further, it prevotes
 * nil (the engine's `staleProposalMs`, spec/consensus.md §5.1). Twice the
 * catch-up bound: the other 10 s allow for the proposer's clock being
 * behind this node's and for the proposal's way, so an honest proposer's
 * block always passes, while a faulty proposer cannot skip the catch-up
 * block and judge transactions at a time long past.
 */
export const STALE_PROPOSAL_MS = 2 * CATCH_UP_AFTER_MS;

/**
 * Most times one proposed block's body is fetched again at one height
 * because a copy did not match its header (edited by whoever relayed or
 * served it): each time from the next peer. A block no peer serves a true
 * copy of gets no verdict, and the round's timeout moves on
 * (spec/consensus.md §2.1).
 */
export const BODY_REFETCHES_MAX = 4;

/**
 * How long a peer that served a committed block failing its checks (edited,
 * or not matching its certificate) is not asked for blocks again when this
 * node catches up: its next messages would otherwise start the same fetch of
 * the same edited block, and the node would catch up only when another
 * peer's message happened to come first. Bounded, so a node whose own
 * checks are at fault asks everyone again soon (spec/consensus.md §10).
 */
export const SYNC_DISTRUST_MS = 30_000;

export interface ConsensusHostLimits {
  /** Most bodies of peers' proposals held for the height being decided. */
  receivedBodiesMax: number;
}

export const DEFAULT_CONSENSUS_HOST_LIMITS: ConsensusHostLimits = { receivedBodiesMax: 64 };

export interface ConsensusHostOptions {
  chain: ChainState;
  engine: ConsensusEngine;
  admission: Admission;
  peers?: ConsensusPeers;
  /** The consensus write-ahead log (`<data>/consensus-wal`; unused by solo). */
  wal: Pick<ConsensusWal, 'putWal' | 'putWalMany' | 'loadWal' | 'pruneWal'>;
  /**
   * BFT: the first height this validator may sign at (node/signing-guard.ts);
   * default: the height after the stored head (the normal restart).
   */
  signFromHeight?: number | (() => number | undefined);
  hosts: readonly ServiceHost[];
  signer: NodeSigner;
  /** Signature checks of certificates (a synced block's, a proposal's lastCommit). */
  verify: VerifyFn;
  clock: Clock;
  timers: Timers;
  log: Logger;
  limits?: Partial<ConsensusHostLimits>;
  /** Block time behind this node's clock past which its BFT proposals are empty catch-up blocks (default CATCH_UP_AFTER_MS; the simulator's negative control turns it off with Infinity). */
  catchUpAfterMs?: number;
  /**
   * Send own proposals compact, naming by id the transactions that came
   * from the mempool (default true; spec/consensus.md §2.1). The
   * simulator's Byzantine nodes send whole bodies, which their faults edit.
   */
  compactProposals?: boolean;
  /**
   * Check that a peer's body, compact or whole, is what its header commits
   * to before judging the block by it (default true; the simulator's
   * negative controls turn it off).
   */
  bodyCheck?: boolean;
  /** How a peer's proposed body arrived (metrics). */
  onBody?(how: ProposalBodyHow): void;
  /** The queue stopped on an error (a failed store write, a broken invariant): the node cannot go on. */
  onFatal(error: Error): void;
}

export interface ConsensusHost extends ConsensusReceiver {
  /** Start the engine at the height after the stored head. */
  start(): void;
  /** Stop taking inputs, cancel timers, and wait for the input being handled. */
  close(): Promise<void>;
  /** There is work for a block (transactions accepted, a service's work ready). */
  workAvailable(): void;
  /** Transactions and service work waiting for a block. */
  pendingWork(): number;
  /** The error that stopped the queue, if one did. */
  readonly failure: Error | undefined;
  /** Nothing queued or being handled. */
  readonly idle: boolean;
}

interface Candidate {
  built: BuiltBlock;
  /** What this node's services contributed, in block order (transaction contributedAt + i is contribution i); empty in others' blocks. */
  contributed: { contribution: Contribution; tx: DecodedTx }[];
  /** Where the contributions start in the block: after the node key's own transactions from the mempool. */
  contributedAt?: number;
  timings?: { contributeMs: number; buildMs: number };
}

const TX_ID_RE = /^[0-9a-f]{64}$/;

/**
 * How a peer's proposed body arrived: whole with the proposal, compact and
 * resolved from the mempool, compact and not resolved, or fetched from a
 * peer; `mismatched`: a copy that did not match its header, dropped.
 */
export type ProposalBodyHow = 'whole' | 'compact' | 'unresolved' | 'fetched' | 'mismatched';

/** The round given with the verdict on a block fetched for a commit (the engine reads only the hash). */
const FETCHED_ROUND = 0;

/** The hash of a header a peer sent, or undefined when it is not one. */
const hashOf = (header: unknown): string | undefined => {
  try {
    return blockHash(header as BlockBody['header']);
  } catch {
    return undefined;
  }
};

export function createConsensusHost(options: ConsensusHostOptions): ConsensusHost {
  const { chain, engine, admission, peers, wal, hosts, signer, clock, log } = options;
  const limits: ConsensusHostLimits = { ...DEFAULT_CONSENSUS_HOST_LIMITS, ...options.limits };
  const params = chain.context.params;
  const solo = engine.kind === 'solo';

  /** Blocks for the height being decided that this node built or validated, by hash. */
  const candidates = new Map<string, Candidate>();
  /** Bodies of blocks proposed by peers for the height being decided, by hash (bounded). */
  const received = new Map<string, BlockBody>();
  /** Blocks the engine asked to validate before their body arrived: hash -> round. */
  const awaitingBody = new Map<string, number>();
  /** Copies of a block's body that did not match its header, at the height being decided: hash -> how many. */
  const mismatches = new Map<string, number>();
  /** Hashes whose body is in the write-ahead log for the height being decided. */
  const loggedBodies = new Set<string>();
  const engineTimers = new Map<TimerName, Timer>();
  let syncing = false;
  /** Peers that served a block failing its checks, and until when they are not asked for blocks (SYNC_DISTRUST_MS). */
  const distrusted = new Map<string, number>();
  let closed = false;

  // --- the serial queue ---------------------------------------------------------
  const tasks: (() => Promise<void>)[] = [];
  let pumping: Promise<void> | undefined;
  let failure: Error | undefined;
  let workSignalQueued = false;

  /** Run `task` on the serial queue, after everything queued before it. */
  const enqueueTask = (task: () => Promise<void>): void => {
    if (closed || failure) return;
    tasks.push(task);
    pumping ??= pump();
  };
  const enqueue = (make: () => EngineInput): void => enqueueTask(() => handle(engine.step(make())));

  async function pump(): Promise<void> {
    try {
      while (tasks.length > 0 && !closed) await tasks.shift()!();
    } catch (e) {
      failure = e as Error;
      tasks.length = 0;
      log.error('node.fatal', { error: failure.message });
      options.onFatal(failure);
    } finally {
      pumping = undefined;
    }
  }

  /**
   * Work a block could take now: the services' and the mempool's, less what waits behind a nonce gap.
   * Gapped transactions may never run, so they must not start heights (no empty blocks, tendermint.ts).
   * BFT: a scheduled validator-set change counts as one until the first block of the new set is
   * committed: it takes effect at a height, which an idle chain would otherwise not reach.
   */
  const pendingWork = (): number =>
    hosts.reduce((sum, h) => sum + (h.pendingWork?.() ?? 0), Math.max(0, admission.size - admission.gapped)) + (!solo && setChangePending() ? 1 : 0);
  /** A set scheduled by a committed block (the genesis set, in force from 1, is none) whose first block is not yet committed. */
  const setChangePending = (): boolean => {
    const latest = chain.validatorSetAt(Number.MAX_SAFE_INTEGER).since;
    return latest > 1 && latest > chain.height;
  };

  const workAvailable = (): void => {
    if (workSignalQueued) return;
    workSignalQueued = true;
    enqueue(() => {
      workSignalQueued = false;
      return { type: 'txsAvailable', nowMs: clock.now(), pendingTxs: pendingWork() };
    });
  };

  const bodyOf = (hash: string): BlockBody | undefined => candidates.get(hash)?.built.body ?? received.get(hash);

  // --- compact proposals (spec/consensus.md §2.1) ----------------------------------------
  /** Transactions of a received body taken from the mempool (decoded and verified here), by index: a compact body, whose txRoot was checked. */
  const knownTxs = new WeakMap<BlockBody, (DecodedTx | undefined)[]>();

  /** The compact form of a block this node built or validated: the transactions in its mempool by id; undefined when none is. */
  const compactOf = (hash: string): CompactBody | undefined => {
    const built = candidates.get(hash)?.built;
    if (!built || options.compactProposals === false) return undefined;
    let named = 0;
    const txs = built.txs.map((d) => (admission.has(d.id) ? (named++, d.id) : d.tx));
    if (named === 0) return undefined;
    const { header, lastCommit } = built.body;
    return { header, txs, ...(lastCommit ? { lastCommit } : {}) };
  };

  /**
   * A compact body with its named transactions taken from the mempool, after
   * the submissions in progress are answered (the proposer's gossip came
   * first, on the same link). Undefined — the body is then fetched whole, as
   * for a proposal that came without one — when a named transaction is not
   * there, when the form is not a compact body, or when its transactions do
   * not hash to its header's txRoot: a relay that edited it is kept from
   * making this node judge the block, which only the header's hash names.
   */
  async function resolveCompact(compact: unknown): Promise<BlockBody | undefined> {
    if (typeof compact !== 'object' || compact === null) return undefined;
    const { header, txs, lastCommit } = compact as Partial<CompactBody>;
    if (typeof header !== 'object' || header === null || !Array.isArray(txs) || txs.length > params.blockTxsMax || txs.length !== header.txCount) return undefined;
    const known: (DecodedTx | undefined)[] = new Array(txs.length);
    const lookUp = (): boolean => {
      let all = true;
      for (let i = 0; i < txs.length; i++) {
        const t = txs[i];
        if (typeof t !== 'string' || known[i]) continue;
        known[i] = TX_ID_RE.test(t) ? admission.get(t) : undefined;
        if (!known[i]) all = false;
      }
      return all;
    };
    if (!lookUp()) {
      await admission.settled();
      if (!lookUp()) return undefined;
    }
    // The transactions sent whole (the proposer's services'; a few a block) are decoded here.
    for (let i = 0; i < txs.length; i++) {
      if (known[i]) continue;
      try {
        known[i] = decodeTx(txs[i]);
      } catch {
        return undefined;
      }
    }
    const decoded = known as DecodedTx[];
    if (options.bodyCheck !== false && txRootOf(decoded) !== header.txRoot) return undefined;
    const body: BlockBody = { header, txs: decoded.map((d) => d.tx), ...(lastCommit !== undefined ? { lastCommit } : {}) };
    knownTxs.set(body, known);
    return body;
  }

  /** Keep a compact body a peer sent, resolved, as `takeBody` keeps a whole one. */
  async function takeCompact(hash: string, compact: unknown): Promise<void> {
    if (received.has(hash) || candidates.has(hash)) return;
    const body = await resolveCompact(compact);
    options.onBody?.(body ? 'compact' : 'unresolved');
    if (body) await takeBody(hash, body);
  }

  // --- effects ----------------------------------------------------------------------
  /**
   * Carry out a step's effects in order, each finished before the next. An
   * effect that answers the engine (a proposal built, a block judged) does not
   * step it there and then: its answer is fed once all effects of the step are
   * carried out, then the answer's effects, and so on. Every effect is thus
   * carried out against the engine state that emitted it — stepping the engine
   * in between could decide the height (a commit) and leave the step's later
   * effects speaking of a height that is over.
   */
  async function handle(first: EngineEffect[]): Promise<void> {
    const answers: EngineInput[] = [];
    for (let effects: EngineEffect[] | undefined = first; effects; effects = answers.length > 0 ? engine.step(answers.shift()!) : undefined) {
      /** Messages of this step already on disk: logged ahead with an earlier one of the step. */
      const logged = new Set<EngineEffect>();
      for (let i = 0; i < effects.length; i++) {
        const effect = effects[i]!;
        if (effect.type === 'persistVote' && effect.message && !solo) {
          if (!logged.has(effect)) {
            // Every message the step signed goes to the log in one write and one sync (a proposer's
            // proposal and its own prevote): each is still durable before its broadcast, which comes after.
            const ahead = effects.slice(i).filter((e): e is Extract<EngineEffect, { type: 'persistVote' }> => e.type === 'persistVote' && e.message !== undefined);
            await persist(ahead.map((e) => e.message as ConsensusMessage));
            for (const e of ahead) logged.add(e);
          }
          continue;
        }
        const answer = await carryOut(effect);
        if (answer) answers.push(answer);
      }
    }
  }

  /** Carry out one effect; returns the engine's answer to it, if it has one. */
  async function carryOut(effect: EngineEffect): Promise<EngineInput | undefined> {
    switch (effect.type) {
      case 'setTimer': {
        engineTimers.get(effect.timer)?.cancel();
        const { timer, height, round } = effect;
        engineTimers.set(
          timer,
          options.timers.after(effect.delayMs, () => {
            engineTimers.delete(timer);
            enqueue(() => ({ type: 'timeout', nowMs: clock.now(), timer, height, round, pendingTxs: pendingWork() }));
          }),
        );
        break;
      }
      case 'buildProposal':
        return propose(effect.height, effect.round, effect.timeMs, effect.lastCertificate);
      case 'persistVote':
        // Solo commits in the same step it votes: the vote is stored inside the block's
        // certificate by the commit that follows, in one atomic write. BFT: the signed
        // message (and the block it names, once) is on disk before the broadcast that follows.
        if (effect.message) await persist([effect.message as ConsensusMessage]);
        break;
      case 'broadcast': {
        const message = effect.message as ConsensusMessage;
        if (message.type === 'proposal') peers?.broadcastConsensus(message, bodyOf(message.blockHash), compactOf(message.blockHash));
        else peers?.broadcastConsensus(message);
        break;
      }
      case 'validateProposal':
        return validateCandidate(effect.blockHash, effect.round);
      case 'fetchBlock':
        // +2/3 precommitted a block the engine has no verdict on: check it as a proposal,
        // fetching its body first unless it is here already. (The engine keys verdicts by
        // block hash; this one answers no particular round.)
        return validateCandidate(effect.blockHash, FETCHED_ROUND);
      case 'evidence':
        caughtEvidence(effect.evidence);
        break;
      case 'staleProposal':
        log.warn('consensus.staleProposal', { height: effect.height, round: effect.round, block: effect.blockHash.slice(0, 16), behindMs: effect.behindMs, txs: effect.txCount });
        break;
      case 'commit':
        await commit(effect.height, effect.blockHash, effect.certificate);
        if (pendingWork() > 0) workAvailable();
        break;
    }
    return undefined;
  }

  /** Log signed messages (with the body of a block each names, once per block) in one write and one sync. */
  async function persist(messages: readonly ConsensusMessage[]): Promise<void> {
    const records = messages.map((message) => {
      const hash = message.blockHash;
      const body = hash !== null && !loggedBodies.has(hash) ? bodyOf(hash) : undefined;
      if (body) loggedBodies.add(hash!);
      return body ? { message, block: { hash: hash!, body } } : { message };
    });
    try {
      await (records.length === 1 ? wal.putWal(records[0]!.message, records[0]!.block) : wal.putWalMany(records));
    } catch (e) {
      for (const r of records) if (r.block) loggedBodies.delete(r.block.hash);
      throw e;
    }
  }

  function caughtEvidence(evidence: Evidence): void {
    const first = evidence.first;
    log.warn('consensus.equivocation', {
      validator: (first.type === 'proposal' ? first.proposer : first.validator).slice(0, 16),
      height: first.height,
      round: first.round,
      type: first.type,
    });
    for (const h of hosts) h.onEvidence?.(evidence);
  }

  // --- proposals ---------------------------------------------------------------------
  /** The services' transactions for the block at `height`, signed with the node key, within the block's limits. */
  async function collectContributions(height: number, own: readonly DecodedTx[]): Promise<Candidate['contributed']> {
    const out: Candidate['contributed'] = [];
    // After the node key's own transactions that wait in the mempool (the notary's batches), which the block takes first.
    let nonce = chain.nextNonce(signer.publicKey) + own.length;
    let bytes = own.reduce((sum, tx) => sum + tx.bytes, 0);
    const txsMax = params.blockTxsMax - own.length;
    for (const host of hosts) {
      if (!host.contribute) continue;
      const offered = await host.contribute({ height, txsMax: txsMax - out.length, bytesMax: params.blockBytesMax - bytes });
      for (const contribution of offered) {
        const { module, action, args } = contribution.body;
        const tx = decodeTx(signer.signTx({ v: 1, chainId: chain.chainId, module, action, args, signer: signer.publicKey, nonce }));
        // Contributions obey the block's limits like any transaction; the rest wait for a later block.
        if (out.length + 1 > txsMax || bytes + tx.bytes > params.blockBytesMax) {
          contribution.settled?.({ status: 'abandoned', reason: 'over the block limits' });
          continue;
        }
        nonce++;
        bytes += tx.bytes;
        out.push({ contribution, tx });
      }
    }
    return out;
  }

  /** Build the block the engine asked for; returns the engine's answer (built, or failed when there is nothing to propose). */
  async function propose(height: number, round: number, timeMs: number, lastCommit: CommitCertificate | undefined): Promise<EngineInput> {
    assert(height === chain.height + 1, `asked to build block ${height} on head ${chain.height}`);
    const behindMs = clock.now() - timeMs;
    // A catch-up block (CATCH_UP_AFTER_MS): empty, so nothing is judged at a stale time.
    const catchUp = !solo && behindMs > (options.catchUpAfterMs ?? CATCH_UP_AFTER_MS);
    if (catchUp) log.info('consensus.catchUpBlock', { height, round, behindMs });
    const t0 = clock.monotonic();
    // The node key's own waiting transactions, its services' contributions, then everyone else's: one run of the node key's nonces.
    const own = catchUp ? [] : admission.reap(height, params.blockTxsMax, params.blockBytesMax, { only: signer.publicKey });
    const contributed = catchUp ? [] : await collectContributions(height, own);
    const t1 = clock.monotonic();
    let built: BuiltBlock | undefined;
    try {
      const used = [...own, ...contributed.map((c) => c.tx)].reduce((sum, tx) => sum + tx.bytes, 0);
      const taken = own.length + contributed.length;
      const others = catchUp ? [] : admission.reap(height, params.blockTxsMax - taken, params.blockBytesMax - used, { skip: signer.publicKey });
      const txs = [...own, ...contributed.map((c) => c.tx), ...others];
      // BFT decides a block at every height, empty or not; solo cuts none when nothing waits.
      if (txs.length > 0 || !solo) built = buildBlock(chain.context, chain.head(), { txs, time: timeMs, proposer: signer.publicKey, ...(lastCommit ? { lastCommit } : {}) });
    } catch (e) {
      // The engine hears of the failure before the node stops (spec/consensus-interface.md §4).
      for (const c of contributed) c.contribution.settled?.({ status: 'abandoned', reason: 'the block could not be built' });
      await handle(engine.step({ type: 'proposalFailed', nowMs: clock.now(), height, round, reason: (e as Error).message }));
      throw e;
    }
    if (!built) return { type: 'proposalFailed', nowMs: clock.now(), height, round, reason: 'nothing to propose' };
    candidates.set(built.hash, { built, contributed, contributedAt: own.length, timings: { contributeMs: Math.round(t1 - t0), buildMs: Math.round(clock.monotonic() - t1) } });
    return { type: 'proposalBuilt', nowMs: clock.now(), height, round, proposal: { header: built.body.header, hash: built.hash } };
  }

  /**
   * Check a proposed block (valid(v)): signatures once per node, then
   * re-execution by the chain core. `mismatch`: the body is not what its
   * header commits to (bodyMismatch), or a transaction's signature does not
   * verify, which a header does not commit to either: no verdict on the
   * block, only on this copy of its body.
   */
  async function validateBody(body: BlockBody): Promise<{ ok: true; built: BuiltBlock } | { ok: false; reason: string; mismatch?: true }> {
    const { txs } = body;
    const verified = await admission.verifyBlockTxs(Array.isArray(txs) ? txs : [], knownTxs.get(body));
    if (options.bodyCheck !== false) {
      const reason = bodyMismatch(body, verified.decoded, knownTxs.has(body));
      if (reason) return { ok: false, reason, mismatch: true };
      const unsigned = verified.decoded.findIndex((d) => !verified(d!));
      if (unsigned >= 0) return { ok: false, reason: `transaction ${unsigned}: bad signature`, mismatch: true };
    }
    return validateBlock(chain.context, chain.head(), body, verified, options.verify, verified.decoded);
  }

  /** Judge a proposed block for the height being decided; returns the verdict for the engine, or nothing while its body is fetched. */
  async function validateCandidate(hash: string, round: number): Promise<EngineInput | undefined> {
    const height = chain.height + 1;
    const own = candidates.get(hash);
    if (own) return { type: 'proposalValidated', nowMs: clock.now(), height, round, blockHash: hash, valid: true, timeMs: own.built.body.header.time, txCount: own.built.body.header.txCount };
    const body = received.get(hash);
    if (!body) {
      awaitingBody.set(hash, round);
      fetchBody(hash, height);
      return undefined;
    }
    awaitingBody.delete(hash);
    const verdict = await validateBody(body);
    if (!verdict.ok && verdict.mismatch) {
      // Not the block's body: dropped, and fetched again from the next peer, a bounded number of times.
      received.delete(hash);
      options.onBody?.('mismatched');
      const times = (mismatches.get(hash) ?? 0) + 1;
      mismatches.set(hash, times);
      log.warn('consensus.bodyMismatch', { height, round, block: hash.slice(0, 16), reason: verdict.reason.slice(0, 200), times });
      awaitingBody.set(hash, round);
      if (times <= BODY_REFETCHES_MAX) fetchBody(hash, height, times);
      return undefined;
    }
    const valid = verdict.ok && verdict.built.hash === hash;
    if (verdict.ok && valid) candidates.set(hash, { built: verdict.built, contributed: [] });
    if (!valid) log.warn('consensus.invalidProposal', { height, round, block: hash.slice(0, 16), reason: verdict.ok ? 'the block does not hash to the proposal' : verdict.reason.slice(0, 200) });
    return { type: 'proposalValidated', nowMs: clock.now(), height, round, blockHash: hash, valid, timeMs: body.header.time, txCount: body.header.txCount };
  }

  /** Keep a proposed body a peer sent for the height being decided; if the engine waits for it, judge it and tell the engine. */
  async function takeBody(hash: string, body: unknown): Promise<void> {
    const next = chain.height + 1;
    if (received.has(hash) || candidates.has(hash) || received.size >= limits.receivedBodiesMax) return;
    const header = (body as BlockBody | undefined)?.header;
    if (hashOf(header) !== hash || header?.height !== next) return;
    received.set(hash, body as BlockBody);
    const round = awaitingBody.get(hash);
    const verdict = round === undefined ? undefined : await validateCandidate(hash, round);
    if (verdict) await handle(engine.step(verdict));
  }

  /** Ask peers for a proposed block's body (it should have come with the proposal); `attempt` picks the peer asked first. */
  function fetchBody(hash: string, height: number, attempt = 0): void {
    if (!peers) return;
    options.onBody?.('fetched');
    void peers.fetchBody(hash, height, attempt).then((body) => {
      if (body) enqueueTask(() => (chain.height + 1 === height ? takeBody(hash, body) : Promise.resolve()));
    });
  }

  // --- commit -------------------------------------------------------------------------
  async function commit(height: number, hash: string, certificate: CommitCertificate): Promise<void> {
    const decided = candidates.get(hash);
    assert(decided && decided.built.body.header.height === height, `commit of block ${height} ${hash.slice(0, 16)} that this node does not hold`);
    const others = [...candidates.values()].filter((c) => c !== decided);
    candidates.clear();
    received.clear();
    awaitingBody.clear();
    mismatches.clear();
    loggedBodies.clear();
    peers?.heightDecided();
    // This validator's precommit for the block is re-sent until the next height is decided. A peer still
    // deciding `height` that missed it (a dropped message) may need it for its +2/3, and nothing else this
    // node sends from now on names `height`: when the block took it out of the validator set it sends
    // nothing at all, and that peer would never learn that it should catch up (spec/consensus.md §4).
    const own = certificate.signatures.find((s) => s.validator === signer.publicKey);
    if (own) peers?.resendLater({ type: 'precommit', chainId: chain.chainId, height, round: certificate.round, blockHash: hash, time: own.time, validator: own.validator, sig: own.sig });
    const { results } = decided.built.exec;
    // Attachments of contributions that succeeded are stored with the block (transaction contributedAt + i is contribution i).
    const at = decided.contributedAt ?? 0;
    const attachments = decided.contributed.flatMap(({ contribution, tx }, i) =>
      contribution.attachment && results[at + i]!.code === 'OK' ? [{ txId: tx.id, bytes: contribution.attachment }] : [],
    );
    const storeStart = clock.monotonic();
    const committed = await chain.commit(decided.built, certificate, attachments);
    const storeMs = Math.round(clock.monotonic() - storeStart);
    // The mempool learns of the block before anything else is awaited: until it does, it still holds
    // the block's transactions, and would offer them again.
    admission.committed(committed);
    if (!solo) await wal.pruneWal(height);

    for (const other of others) for (const c of other.contributed) c.contribution.settled?.({ status: 'abandoned', reason: 'another block was committed at this height' });
    decided.contributed.forEach(({ contribution, tx }, i) => {
      const txIndex = at + i;
      const result = results[txIndex]!;
      assert(result.txId === tx.id, `result ${txIndex} of block ${height} is not the contributed transaction's`);
      contribution.settled?.({ status: result.code === 'OK' ? 'committed' : 'failed', height, txIndex, txId: tx.id, result });
    });
    for (const h of hosts) h.afterCommit?.(committed);
    log.debug('block.committed', {
      height,
      txs: committed.txs.length,
      contributed: decided.contributed.length,
      contributeMs: decided.timings?.contributeMs,
      buildMs: decided.timings?.buildMs,
      storeMs,
      hash: hash.slice(0, 16),
    });
  }

  // --- catching up ------------------------------------------------------------------
  /** Fetch committed blocks from `peer`, then apply them on the serial queue. */
  function requestSync(peer: string): void {
    if (syncing || !peers) return;
    const until = distrusted.get(peer);
    if (until !== undefined) {
      if (clock.now() < until) return;
      distrusted.delete(peer);
    }
    syncing = true;
    void peers.fetchBlocks(peer, chain.height + 1).then((blocks) => {
      if (closed || failure) return;
      enqueueTask(async () => {
        try {
          await applySynced(peer, blocks);
        } finally {
          syncing = false;
        }
      });
    });
  }

  /**
   * Apply blocks a peer sent, in order, each checked against its certificate
   * and re-executed, up to the first that fails a check; then restart the
   * engine at the new height (it was deciding a height now committed).
   */
  async function applySynced(peer: string, blocks: readonly unknown[]): Promise<void> {
    let applied = 0;
    for (const raw of blocks) {
      const height = chain.height + 1;
      const b = raw as Partial<{ header: BlockBody['header']; txs: unknown; lastCommit: CommitCertificate; certificate: CommitCertificate }> | null;
      if (b?.header?.height !== height) continue;
      const reason = await applySyncedBlock(height, b);
      if (reason !== undefined) {
        // The blocks before it were true and are kept; this peer is not asked again for a while.
        distrusted.set(peer, clock.now() + SYNC_DISTRUST_MS);
        log.warn('sync.rejectedBlock', { height, peer: peer.slice(0, 16), reason: reason.slice(0, 200), distrustMs: SYNC_DISTRUST_MS });
        break;
      }
      applied++;
    }
    if (applied > 0) {
      log.info('sync.applied', { blocks: applied, height: chain.height });
      await handle(engine.step(await startInput()));
    }
  }

  /** Check one synced block for `height` and commit it; or say why not. */
  async function applySyncedBlock(height: number, b: Partial<{ header: BlockBody['header']; txs: unknown; lastCommit: CommitCertificate; certificate: CommitCertificate }>): Promise<string | undefined> {
    const hash = hashOf(b.header);
    if (hash === undefined || b.certificate?.blockHash !== hash || b.certificate.height !== height) return 'the certificate is not for this block';
    const certError = checkCertificate(chain.chainId, b.certificate, chain.validatorSetAt(height).validators, options.verify);
    if (certError) return `certificate: ${certError}`;
    const verdict = await validateBody({ header: b.header, txs: b.txs, ...(b.lastCommit ? { lastCommit: b.lastCommit } : {}) } as BlockBody);
    if (!verdict.ok) return verdict.reason;
    if (verdict.built.hash !== hash) return 'the block does not hash to its certificate';
    // A block this node built itself keeps its contributions (and their attachments).
    if (!candidates.has(hash)) candidates.set(hash, { built: verdict.built, contributed: [] });
    await commit(height, hash, b.certificate);
    return undefined;
  }

  /** The guard's height; a function when it can still rise (a restored validator's signing hold, node.ts). */
  function signFromNow(): number | undefined {
    return typeof options.signFromHeight === 'function' ? options.signFromHeight() : options.signFromHeight;
  }

  /** The engine's start at the height after the head, with what this validator signed there before a restart. */
  async function startInput(): Promise<EngineInput> {
    const height = chain.height + 1;
    let ownMessages: ConsensusMessage[] | undefined;
    if (!solo) {
      const logged = await wal.loadWal(height);
      ownMessages = logged.messages as ConsensusMessage[];
      // Bodies of blocks this validator voted for: a restored lock has its block.
      for (const body of logged.blocks) {
        const hash = hashOf((body as BlockBody).header);
        if (hash !== undefined && (body as BlockBody).header.height === height) {
          received.set(hash, body as BlockBody);
          loggedBodies.add(hash);
        }
      }
      // What it said before the restart reaches peers that missed it (gossip delivers every message, spec/consensus.md §4).
      for (const m of ownMessages) peers?.resendLater(m, m.type === 'proposal' ? received.get(m.blockHash) : undefined);
    }
    const last = chain.lastCertificate();
    const signFrom = signFromNow();
    return {
      type: 'start',
      nowMs: clock.now(),
      height,
      lastBlockTimeMs: chain.head().time,
      pendingTxs: pendingWork(),
      ...(last ? { lastCertificate: last } : {}),
      ...(ownMessages ? { ownMessages } : {}),
      ...(!solo && signFrom !== undefined ? { signFromHeight: signFrom } : {}),
    };
  }

  return {
    start() {
      const signFrom = signFromNow();
      if (!solo && signFrom !== undefined && signFrom > chain.height + 1) {
        log.warn('consensus.signingPaused', { height: chain.height, signFromHeight: signFrom });
      }
      enqueueTask(async () => handle(engine.step(await startInput())));
    },
    async close() {
      closed = true;
      for (const t of engineTimers.values()) t.cancel();
      engineTimers.clear();
      await pumping;
    },
    workAvailable,
    pendingWork,
    get failure() {
      return failure;
    },
    get idle() {
      return tasks.length === 0 && pumping === undefined;
    },
    receive(from, message, block, compact) {
      if (closed || failure) return;
      const next = chain.height + 1;
      // A peer two heights ahead has blocks this node lacks: catch up from it.
      if (message.height >= next + 1) requestSync(from);
      const hash = message.blockHash;
      const proposed = message.type === 'proposal' && message.height === next && typeof hash === 'string';
      const withBody = proposed && block !== undefined;
      const withCompact = proposed && compact !== undefined;
      enqueueTask(async () => {
        if (withBody) {
          options.onBody?.('whole');
          await takeBody(hash, block);
        } else if (withCompact) await takeCompact(hash, compact);
        await handle(engine.step({ type: 'peerMessage', nowMs: clock.now(), from, message }));
      });
    },
    proposedBody: (hash) => bodyOf(hash),
  };
}
