/**
 * The BFT engine: Tendermint, Algorithm 1 of Buchman, Kwon and Milosevic,
 * "The latest gossip on BFT consensus" (2018), behind the pure engine
 * interface (interface.ts). spec/consensus.md is the design; the rule names
 * in comments (L22, L28, ...) are the paper's line numbers.
 *
 * Shape: every input records what it brings (a message, a verdict, a timer)
 * and then `progress()` fires the "upon" rules until none applies, so the
 * order in which messages arrive never matters, only the set received.
 * Values are block hashes; the host holds the blocks, decides valid(v)
 * (validateProposal → proposalValidated) and builds proposals.
 *
 * Safety-critical details, each from the spec:
 *   - one vote per (validator, type, round) is counted; a second, different
 *     one becomes evidence and is not counted (§8);
 *   - a validator never signs two messages of one type in one round, even
 *     across a restart: the host restores what it signed (`ownMessages`) and
 *     the engine re-sends those instead of signing anew, and restores its
 *     lock from its latest non-nil precommit (§7);
 *   - quorums are integer power sums, 3p > 2·total (§1);
 *   - a faulty peer cannot make it store unbounded data: heights h and h+1
 *     only, rounds at most ROUND_WINDOW ahead, bounded future buffer (§11).
 *
 * No empty blocks (`emptyBlocks: false`, what a node runs; spec/consensus.md
 * §4.1). The paper starts round 0 of every height at once, so an idle chain
 * decides an empty block every commit interval. Here a height that begins
 * with nothing to decide *waits*: no proposal, no vote, no timer. It starts
 * its round 0 (StartRound(0), unchanged) on the first of:
 *   - transactions or service work wait in this node's mempool (`pendingTxs`
 *     of `start`, `txsAvailable`, or the commit timeout that began it);
 *   - any valid message of a validator for this height arrives: another
 *     validator started it. This is the liveness argument: transactions reach
 *     every mempool by gossip, but if the proposer of round 0 has none yet
 *     (gossip lags, or it lost them) the validators holding them start the
 *     height, time out on the proposer and prevote nil; those prevotes start
 *     the height at the proposer too, which proposes what it has, possibly an
 *     empty block. Every honest validator thus joins a height some honest
 *     validator started, and from there the algorithm is the paper's, whose
 *     liveness does not depend on what a mempool holds;
 *   - restored messages it signed at this height before a restart;
 *   - the `heartbeat` timer, `heartbeatMs` after the height began (0: none),
 *     which keeps block time moving on an idle chain.
 * Waiting changes no rule's outcome, only when round 0 starts, so safety is the
 * paper's. A Byzantine validator can start a height on an idle chain by sending
 * a vote: it costs an empty block, as its own proposals could already.
 * Evidence and validator-set changes need no block of their own: evidence
 * travels as a transaction (it waits in the mempool like any other), and a set
 * change takes effect at the height the schedule names, whenever it comes.
 *
 * Stale proposals (`staleProposalMs`; spec/consensus.md §5.1). Block time
 * is the median of the previous block's precommit times, so the first block
 * after an idle stretch carries a time long past. An honest proposer then
 * proposes an empty catch-up block first (the host's CATCH_UP_AFTER_MS); a
 * faulty one could instead fill it with transactions — a vote sent after a
 * deadline, judged at a time before it. So a validator prevotes nil on a
 * fresh proposal (polRound -1) of a block with transactions whose time was
 * more than `staleProposalMs` behind its clock when the proposal arrived
 * (block 1 too, whose time is the genesis time),
 * as CometBFT's proposer-based timestamps judge a proposal "timely". Like
 * theirs, the check is made once, at the prevote of the round the proposal
 * is fresh in: valid(v) stays a property of the block (cached by hash), a
 * re-proposal (polRound >= 0) rests on the +2/3 that prevoted it when it was
 * fresh, and locks and precommits are the paper's, so safety is unchanged.
 * Liveness: the bound is looser than the proposer's catch-up bound by the
 * clock differences and delays it allows, so an honest proposer's block
 * passes; a stale one is refused, and the next honest proposer's catch-up
 * block brings block time to the present.
 *
 * Pipelining: once a height is decided, the next starts on the `commit` timer,
 * which the network profiles set to 0 ms. The host carries the timer's expiry
 * after the commit is durable, with the mempool's new size, so a node starts
 * the next height as soon as the previous block is stored if transactions wait,
 * and transactions that arrived while a height was decided go in the next.
 *
 * Pure: no clock, I/O or randomness. Time comes in with each input;
 * signatures are made and checked by the functions given at creation.
 */
import { hasQuorum, type CommitCertificate } from '../ledger/block.js';
import type { Validator } from '../ledger/genesis.js';
import { proposerOf } from '../ledger/proposer.js';
import {
  decodeConsensusMessage,
  proposalSignBytes,
  signBytesOf,
  signerOf,
  voteSignBytes,
  weightedMedianTime,
  type ConsensusMessage,
  type ProposalMessage,
  type VerifyFn,
  type Vote,
  type VoteType,
} from '../ledger/votes.js';
import type { ConsensusEngine, EngineEffect, EngineInput, EngineOptions, TimerName } from './interface.js';

export interface Timeouts {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
  /** Pause after a commit before the next height starts (paces blocks, gathers late precommits). */
  commitMs: number;
}

/** The pure engine's default (the paper's shape: the commit timer paces blocks). A node uses a profile. */
export const DEFAULT_TIMEOUTS: Timeouts = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 500,
  prevoteDeltaMs: 250,
  precommitMs: 500,
  precommitDeltaMs: 250,
  commitMs: 500,
};

/**
 * Timeouts per network, chosen by the genesis (`params.consensusTimeouts`,
 * spec/consensus.md §6). Both start the next height at once after a commit
 * (commit 0 ms: no empty blocks, so the commit timer no longer paces an idle
 * chain). A timeout only matters when a validator is down or slow: messages
 * between departments on one LAN take milliseconds, so "lan" gives up on a
 * silent proposer after 1 s; "wan" allows for links of hundreds of ms, slow
 * disks and TLS renegotiation, as CometBFT's defaults do (3 s propose).
 * The deltas grow each round, so a round finally outlasts any delay.
 */
export const TIMEOUT_PROFILES: Record<'lan' | 'wan', Timeouts> = {
  lan: { proposeMs: 1000, proposeDeltaMs: 500, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250, commitMs: 0 },
  wan: { proposeMs: 3000, proposeDeltaMs: 1000, prevoteMs: 1000, prevoteDeltaMs: 500, precommitMs: 1000, precommitDeltaMs: 500, commitMs: 0 },
};

/** The timeouts of a genesis's `params.consensusTimeouts`: the profile ("lan" by default), then the overrides. */
export function timeoutsOf(param: ({ profile?: 'lan' | 'wan' } & Partial<Timeouts>) | undefined): Timeouts {
  const { profile, ...overrides } = param ?? {};
  return { ...TIMEOUT_PROFILES[profile ?? 'lan'], ...overrides };
}

export interface ValidatorSetAt {
  validators: readonly Validator[];
  /** Height from which this set is in force (proposer rotation restarts there). */
  since: number;
}

export interface TendermintOptions extends EngineOptions {
  verify: VerifyFn;
  /** The set in force at `height`; must answer for h + 1 once h - 1 is committed. Default: `validators` since height 1. */
  validatorSet?: (height: number) => ValidatorSetAt;
  timeouts?: Partial<Timeouts>;
  /**
   * Decide a block at every height, empty or not (the paper; default true). A node
   * runs with false: an idle height waits until there is something to decide (header).
   */
  emptyBlocks?: boolean;
  /** With `emptyBlocks: false`: start an idle height after this many ms anyway (0: never). */
  heartbeatMs?: number;
  /**
   * Timeliness (header, "Stale proposals"): prevote nil on a fresh proposal
   * (polRound -1) of a block with transactions whose time is more than this
   * many ms behind this node's clock when the proposal arrived. 0 or absent:
   * no such check (the paper).
   */
  staleProposalMs?: number;
}

/** Messages for rounds further ahead than this are dropped (spec §11). */
export const ROUND_WINDOW = 100;
const NIL = 'nil';

/**
 * The votes of one type in one round. Each validator's first vote counts
 * towards "+2/3 of any vote" (the timer rules); towards a given value, every
 * validator that signed a vote for it counts once — as in the paper, where a
 * Byzantine process that sends two votes is counted in both tallies. A
 * conflicting vote is kept only for nil or a value proposed at this height
 * (bounding what an equivocator can make a node store), and is evidence.
 */
interface VoteSet {
  first: Map<string, Vote>;
  anyPower: number;
  byValue: Map<string, { voters: Map<string, Vote>; power: number }>;
}

interface RoundState {
  proposal?: ProposalMessage;
  /** This node's clock when the proposal was counted (timeliness). */
  proposalAtMs?: number;
  prevotes: VoteSet;
  precommits: VoteSet;
  /** Validators with any message in this round, and their power (rule L55). */
  senders: Set<string>;
  senderPower: number;
  prevoteTimerSet: boolean;
  precommitTimerSet: boolean;
  l36Done: boolean;
}

interface Verdict {
  valid: boolean;
  timeMs: number;
  txCount: number;
}

const emptyVoteSet = (): VoteSet => ({ first: new Map(), anyPower: 0, byValue: new Map() });
const powerFor = (set: VoteSet, value: string | null): number => set.byValue.get(value ?? NIL)?.power ?? 0;

type Step = 'propose' | 'prevote' | 'precommit';

export interface TendermintEngine extends ConsensusEngine {
  readonly round: number;
  readonly phase: Step | 'committed' | 'stopped' | 'idle';
  /** For tracing: lock, valid value and what has been received per round. */
  describe(): string;
}

export function createTendermintEngine(options: TendermintOptions): TendermintEngine {
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const setAt = options.validatorSet ?? ((): ValidatorSetAt => ({ validators: options.validators, since: 1 }));
  const self = options.selfPubKey;

  // --- state of the height being decided -------------------------------------
  let started = false;
  let height = 0;
  let round = 0;
  let step: Step = 'propose';
  let decided = false;
  let lockedValue: string | null = null;
  let lockedRound = -1;
  let validValue: string | null = null;
  let validRound = -1;
  let set: ValidatorSetAt = { validators: [], since: 1 };
  let powerOf = new Map<string, number>();
  let totalPower = 0;
  let rounds = new Map<number, RoundState>();
  /** valid(v) as answered by the host, with the block's time and how many transactions it holds. */
  let validity = new Map<string, Verdict>();
  let validating = new Set<string>();
  let fetching = new Set<string>();
  let building: { height: number; round: number } | undefined;
  /** Messages this validator signed at this height, by `${type}/${round}`. */
  let own = new Map<string, ConsensusMessage>();
  let evidenceSent = new Set<string>();
  /** Raw messages for height + 1, replayed when it starts. */
  let future: unknown[] = [];
  let lastBlockTimeMs = 0;
  let lastCertificate: CommitCertificate | undefined;
  let committedCertificate: CommitCertificate | undefined;
  /** No signing below this height (the host's double-sign guard, `start.signFromHeight`). */
  let signFrom = 0;
  /** The height began with nothing to decide: round 0 has not started (no empty blocks, header). */
  let waiting = false;
  /** Transactions and service work waiting in this node's mempool, as last reported by the host. */
  let pendingTxs = 0;
  const emptyBlocks = options.emptyBlocks ?? true;
  const heartbeatMs = options.heartbeatMs ?? 0;

  // --- per-step context --------------------------------------------------------
  let out: EngineEffect[] = [];
  let now = 0;

  const quorum = (power: number): boolean => hasQuorum(power, totalPower);
  const oneThird = (power: number): boolean => power * 3 > totalPower;
  /** Whether this node signs at the height being decided: in its set, and past the double-sign guard. */
  const isValidator = (): boolean => self !== undefined && powerOf.has(self) && height >= signFrom;
  const proposerAt = (r: number): string => proposerOf(set.validators, set.since, height, r).pubKey;

  const roundState = (r: number): RoundState => {
    let rs = rounds.get(r);
    if (!rs) {
      rs = {
        prevotes: emptyVoteSet(),
        precommits: emptyVoteSet(),
        senders: new Set(),
        senderPower: 0,
        prevoteTimerSet: false,
        precommitTimerSet: false,
        l36Done: false,
      };
      rounds.set(r, rs);
    }
    return rs;
  };

  const setTimer = (timer: TimerName, r: number, delayMs: number): void => {
    out.push({ type: 'setTimer', timer, height, round: r, delayMs });
  };

  // --- recording messages ------------------------------------------------------

  const noteSender = (rs: RoundState, signer: string): void => {
    if (rs.senders.has(signer)) return;
    rs.senders.add(signer);
    rs.senderPower += powerOf.get(signer) ?? 0;
  };

  const requestValidation = (r: number, blockHash: string): void => {
    if (validity.has(blockHash) || validating.has(blockHash)) return;
    validating.add(blockHash);
    out.push({ type: 'validateProposal', height, round: r, blockHash });
  };

  /** Hashes proposed at this height: conflicting votes for them are still tallied. */
  let proposed = new Set<string>();

  const tally = (votes: VoteSet, m: Vote): void => {
    const key = m.blockHash ?? NIL;
    let t = votes.byValue.get(key);
    if (!t) {
      t = { voters: new Map(), power: 0 };
      votes.byValue.set(key, t);
    }
    if (t.voters.has(m.validator)) return;
    t.voters.set(m.validator, m);
    t.power += powerOf.get(m.validator) ?? 0;
  };

  /** Count a message whose signature is known good. */
  const record = (m: ConsensusMessage): void => {
    const rs = roundState(m.round);
    const signer = signerOf(m);
    noteSender(rs, signer);
    if (m.type === 'proposal') {
      rs.proposal = m;
      rs.proposalAtMs = now;
      proposed.add(m.blockHash);
      requestValidation(m.round, m.blockHash);
      return;
    }
    const votes = m.type === 'prevote' ? rs.prevotes : rs.precommits;
    const first = votes.first.get(signer);
    if (!first) {
      votes.first.set(signer, m);
      votes.anyPower += powerOf.get(signer) ?? 0;
      tally(votes, m);
    } else if (m.blockHash === null || proposed.has(m.blockHash)) {
      tally(votes, m);
    }
  };

  const reportEvidence = (first: ConsensusMessage, second: ConsensusMessage): void => {
    const key = `${first.type}/${signerOf(first)}/${first.round}`;
    if (evidenceSent.has(key)) return;
    evidenceSent.add(key);
    out.push({ type: 'evidence', evidence: { first, second } });
  };

  /** A message from the network (or replayed from the future buffer). */
  const receive = (raw: unknown): void => {
    const decoded = decodeConsensusMessage(raw);
    if ('error' in decoded) return;
    const m = decoded.message;
    if (m.chainId !== options.chainId) return;
    if (m.height === height + 1) {
      if (future.length < 64 + 8 * set.validators.length) future.push(raw);
      return;
    }
    if (m.height !== height || decided) return;
    if (m.round > round + ROUND_WINDOW) return;
    const signer = signerOf(m);
    if (!powerOf.has(signer)) return;
    const rs = roundState(m.round);
    if (m.type === 'proposal') {
      if (signer !== proposerAt(m.round)) return;
      const existing = rs.proposal;
      if (existing) {
        if (existing.sig === m.sig) return;
        if (!options.verify(signer, proposalSignBytes(m), m.sig)) return;
        if (existing.blockHash !== m.blockHash || existing.polRound !== m.polRound) reportEvidence(existing, m);
        return;
      }
      if (!options.verify(signer, proposalSignBytes(m), m.sig)) return;
      record(m);
      return;
    }
    const votes = m.type === 'prevote' ? rs.prevotes : rs.precommits;
    if (votes.byValue.get(m.blockHash ?? NIL)?.voters.has(signer)) return; // already counted for this value
    const first = votes.first.get(signer);
    if (!options.verify(signer, signBytesOf(m), m.sig)) return;
    if (first && first.blockHash !== m.blockHash) reportEvidence(first, m);
    record(m);
  };

  // --- signing (never twice per type and round) --------------------------------

  const emitOwn = (m: ConsensusMessage, fresh: boolean): void => {
    if (fresh) {
      out.push({ type: 'persistVote', height, round: m.round, blockHash: m.blockHash, signature: m.sig, message: m });
    }
    out.push({ type: 'broadcast', message: m });
    const rs = roundState(m.round);
    const counted = m.type === 'proposal' ? rs.proposal : (m.type === 'prevote' ? rs.prevotes : rs.precommits).first.get(self!);
    if (!counted) record(m);
  };

  const vote = (type: VoteType, blockHash: string | null): void => {
    if (!isValidator()) return;
    const key = `${type}/${round}`;
    const signed = own.get(key);
    if (signed) {
      emitOwn(signed, false); // re-send what was signed before a restart, never a second vote
      return;
    }
    const blockTime = blockHash ? validity.get(blockHash)?.timeMs ?? 0 : 0;
    const body = { type, chainId: options.chainId, height, round, blockHash, time: Math.max(now, lastBlockTimeMs + 1, blockTime + 1) };
    const m: Vote = { ...body, validator: self!, sig: options.sign(voteSignBytes(body)) };
    own.set(key, m);
    emitOwn(m, true);
  };

  /**
   * Propose (or re-send the recorded proposal). A proposal of a block from an
   * earlier round travels with the +2/3 prevotes of that round (its "proof of
   * lock"), so that nodes that missed them — cut off, restarted, or shown a
   * different vote by an equivocator — can apply rule L28.
   */
  const propose = (blockHash: string, polRound: number): void => {
    const key = `proposal/${round}`;
    let m = own.get(key) as ProposalMessage | undefined;
    const fresh = !m;
    if (!m) {
      const body = { type: 'proposal' as const, chainId: options.chainId, height, round, blockHash, polRound };
      m = { ...body, proposer: self!, sig: options.sign(proposalSignBytes(body)) };
      own.set(key, m);
    }
    emitOwn(m, fresh);
    if (m.polRound >= 0) {
      const pol = rounds.get(m.polRound)?.prevotes.byValue.get(m.blockHash);
      for (const v of pol?.voters.values() ?? []) if (v.validator !== self) out.push({ type: 'broadcast', message: v });
    }
  };

  // --- rounds and heights --------------------------------------------------------

  const nextBlockTime = (): number => {
    if (!lastCertificate) return lastBlockTimeMs + 1;
    const prevSet = setAt(height - 1).validators;
    return Math.max(weightedMedianTime(lastCertificate.signatures, prevSet), lastBlockTimeMs + 1);
  };

  /** StartRound(r) of the paper. */
  const startRound = (r: number): void => {
    waiting = false;
    round = r;
    step = 'propose';
    building = undefined;
    roundState(r);
    if (isValidator() && proposerAt(r) === self) {
      const recorded = own.get(`proposal/${r}`) as ProposalMessage | undefined;
      if (recorded) propose(recorded.blockHash, recorded.polRound); // re-send what was signed before a restart
      else if (validValue !== null) propose(validValue, validRound);
      else {
        building = { height, round: r };
        out.push({ type: 'buildProposal', height, round: r, timeMs: nextBlockTime(), ...(lastCertificate ? { lastCertificate } : {}) });
      }
    }
    setTimer('propose', r, timeouts.proposeMs + r * timeouts.proposeDeltaMs);
  };

  const beginHeight = (h: number, restored: readonly ConsensusMessage[]): void => {
    height = h;
    round = 0;
    step = 'propose';
    decided = false;
    lockedValue = null;
    lockedRound = -1;
    validValue = null;
    validRound = -1;
    set = setAt(h);
    powerOf = new Map(set.validators.map((v) => [v.pubKey, v.power]));
    totalPower = set.validators.reduce((s, v) => s + v.power, 0);
    rounds = new Map();
    proposed = new Set();
    validity = new Map();
    validating = new Set();
    fetching = new Set();
    building = undefined;
    own = new Map();
    evidenceSent = new Set();
    committedCertificate = undefined;
    let startAt = 0;
    for (const m of restored) {
      if (m.height !== h || m.chainId !== options.chainId || signerOf(m) !== self) continue;
      own.set(`${m.type}/${m.round}`, m);
      record(m);
      startAt = Math.max(startAt, m.round);
      // The lock survives the restart: the latest round with a non-nil precommit.
      if (m.type === 'precommit' && m.blockHash !== null && m.round > lockedRound) {
        lockedRound = m.round;
        lockedValue = m.blockHash;
        validRound = m.round;
        validValue = m.blockHash;
      }
    }
    const pending = future;
    future = [];
    for (const raw of pending) receive(raw);
    // No empty blocks: with nothing to decide, nothing signed here before, and no peer
    // heard from at this height, wait (header); otherwise StartRound as the paper does.
    if (!emptyBlocks && pendingTxs === 0 && own.size === 0 && !heardAtHeight()) {
      waiting = true;
      round = startAt;
      if (heartbeatMs > 0) setTimer('heartbeat', 0, heartbeatMs);
      return;
    }
    startRound(startAt);
  };

  /** A validator's message for this height was counted: someone started it. */
  const heardAtHeight = (): boolean => [...rounds.values()].some((rs) => rs.senders.size > 0);

  const commitDecision = (r: number, blockHash: string, timeMs: number): void => {
    const rs = roundState(r);
    const order = new Map(set.validators.map((v, i) => [v.pubKey, i]));
    const signatures = [...(rs.precommits.byValue.get(blockHash)?.voters.values() ?? [])]
      .sort((a, b) => order.get(a.validator)! - order.get(b.validator)!)
      .map((v) => ({ validator: v.validator, time: v.time, sig: v.sig }));
    const certificate: CommitCertificate = { height, round: r, blockHash, signatures };
    decided = true;
    building = undefined;
    committedCertificate = certificate;
    lastBlockTimeMs = timeMs;
    out.push({ type: 'commit', height, blockHash, certificate });
    setTimer('commit', r, timeouts.commitMs);
  };

  // --- the upon rules ----------------------------------------------------------------

  /**
   * A fresh proposal is timely unless its block holds transactions and its
   * time was more than `staleProposalMs` behind this node's clock when the
   * proposal arrived (header, "Stale proposals"). Block 1 too: its time is
   * the genesis time + 1 ms, so a network started long after its genesis
   * begins with an empty block 1, as an honest proposer proposes.
   */
  const timely = (rs: RoundState, verdict: Verdict): boolean =>
    !options.staleProposalMs || verdict.txCount === 0 || (rs.proposalAtMs ?? now) - verdict.timeMs <= options.staleProposalMs;

  /** Fire one applicable rule; true if one fired (call again until false). */
  const fireOne = (): boolean => {
    if (decided) return false;
    if (waiting) {
      // An idle height starts when work waits or a validator speaks of it (header).
      if (pendingTxs === 0 && !heardAtHeight()) return false;
      startRound(round);
      return true;
    }
    // L49: a decision, from any round.
    for (const [r, rs] of rounds) {
      for (const [key, { power }] of rs.precommits.byValue) {
        if (key === NIL || !quorum(power)) continue;
        const verdict = validity.get(key);
        if (verdict?.valid) {
          commitDecision(r, key, verdict.timeMs);
          return true;
        }
        if (!verdict && !validating.has(key) && !fetching.has(key)) {
          fetching.add(key);
          out.push({ type: 'fetchBlock', height, blockHash: key });
        }
      }
    }
    // L55: +1/3 of the power is already in a later round.
    for (const [r, rs] of rounds) {
      if (r > round && oneThird(rs.senderPower)) {
        startRound(r);
        return true;
      }
    }
    const rs = roundState(round);
    const p = rs.proposal;
    // L22 and L28: the proposal of this round, once its validity is known.
    if (step === 'propose' && p) {
      const verdict = validity.get(p.blockHash);
      if (verdict) {
        if (p.polRound === -1) {
          const fresh = timely(rs, verdict);
          if (!fresh && verdict.valid) out.push({ type: 'staleProposal', height, round, blockHash: p.blockHash, behindMs: (rs.proposalAtMs ?? now) - verdict.timeMs, txCount: verdict.txCount });
          vote('prevote', verdict.valid && fresh && (lockedRound === -1 || lockedValue === p.blockHash) ? p.blockHash : null);
          step = 'prevote';
          return true;
        }
        const pol = rounds.get(p.polRound);
        if (pol && quorum(powerFor(pol.prevotes, p.blockHash))) {
          vote('prevote', verdict.valid && (lockedRound <= p.polRound || lockedValue === p.blockHash) ? p.blockHash : null);
          step = 'prevote';
          return true;
        }
      }
    }
    // L34
    if (step === 'prevote' && !rs.prevoteTimerSet && quorum(rs.prevotes.anyPower)) {
      rs.prevoteTimerSet = true;
      setTimer('prevote', round, timeouts.prevoteMs + round * timeouts.prevoteDeltaMs);
      return true;
    }
    // L36
    if (p && !rs.l36Done && step !== 'propose' && validity.get(p.blockHash)?.valid && quorum(powerFor(rs.prevotes, p.blockHash))) {
      rs.l36Done = true;
      if (step === 'prevote') {
        lockedValue = p.blockHash;
        lockedRound = round;
        vote('precommit', p.blockHash);
        step = 'precommit';
      }
      validValue = p.blockHash;
      validRound = round;
      return true;
    }
    // L36' (not in the paper): a polka for a valid proposal of an EARLIER round, learned late (this
    // node timed out of that round before the prevotes reached it), still updates validValue when it
    // is newer than the one held. Without it, an honest validator locked on v at round r can be the
    // only one able to re-propose v, and while f Byzantine validators withhold their prevotes the
    // others' fresh proposals never reach +2/3 (the locked one prevotes nil): the height waits for
    // that validator's turn as proposer, which with a small power can take many rounds. Safe: validValue
    // only chooses what this node proposes (with polRound r), and every receiver checks that +2/3
    // prevoted v in r before it prevotes (L28); locks are untouched.
    for (const [r, earlier] of rounds) {
      if (r >= round || r <= validRound) continue;
      const q = earlier.proposal;
      if (q && validity.get(q.blockHash)?.valid && quorum(powerFor(earlier.prevotes, q.blockHash))) {
        validValue = q.blockHash;
        validRound = r;
        return true;
      }
    }
    // L44
    if (step === 'prevote' && quorum(powerFor(rs.prevotes, null))) {
      vote('precommit', null);
      step = 'precommit';
      return true;
    }
    // L47
    if (!rs.precommitTimerSet && quorum(rs.precommits.anyPower)) {
      rs.precommitTimerSet = true;
      setTimer('precommit', round, timeouts.precommitMs + round * timeouts.precommitDeltaMs);
      return true;
    }
    return false;
  };

  const progress = (): void => {
    for (let guard = 0; fireOne(); guard++) {
      if (guard > 10_000) throw new Error('invariant broken: consensus rules do not settle');
    }
  };

  // --- inputs --------------------------------------------------------------------------

  const onTimeout = (timer: TimerName, h: number, r: number): void => {
    if (h !== height) return;
    if (timer === 'commit') {
      if (!decided) return;
      lastCertificate = committedCertificate;
      beginHeight(height + 1, []);
      return;
    }
    if (timer === 'heartbeat') {
      if (waiting) startRound(round);
      return;
    }
    if (decided || r !== round) return;
    if (timer === 'propose' && step === 'propose') {
      vote('prevote', null);
      step = 'prevote';
    } else if (timer === 'prevote' && step === 'prevote') {
      vote('precommit', null);
      step = 'precommit';
    } else if (timer === 'precommit') {
      startRound(round + 1);
    }
  };

  return {
    kind: 'bft',
    get height() {
      return height;
    },
    get round() {
      return round;
    },
    describe() {
      const rs = [...rounds.entries()].map(([r, x]) => {
        const pv = [...x.prevotes.byValue.entries()].map(([k, t]) => `${k.slice(0, 4)}:${t.power}`).join(',');
        const pc = [...x.precommits.byValue.entries()].map(([k, t]) => `${k.slice(0, 4)}:${t.power}`).join(',');
        const pr = x.proposal ? `${x.proposal.blockHash.slice(0, 4)}/${x.proposal.polRound}${validity.has(x.proposal.blockHash) ? (validity.get(x.proposal.blockHash)!.valid ? '+' : '-') : '?'}` : '-';
        return `r${r}[p ${pr} pv ${pv} pc ${pc}]`;
      });
      return `locked ${lockedValue?.slice(0, 4) ?? '-'}@${lockedRound} valid ${validValue?.slice(0, 4) ?? '-'}@${validRound} total ${totalPower} ${rs.join(' ')}`;
    },
    get phase() {
      return !started ? 'stopped' : decided ? 'committed' : waiting ? 'idle' : step;
    },
    step(input: EngineInput): EngineEffect[] {
      out = [];
      now = input.nowMs;
      if (input.type === 'start' || input.type === 'timeout' || input.type === 'txsAvailable') pendingTxs = input.pendingTxs;
      switch (input.type) {
        case 'start':
          started = true;
          lastBlockTimeMs = input.lastBlockTimeMs;
          lastCertificate = input.lastCertificate;
          if (input.signFromHeight !== undefined) signFrom = input.signFromHeight;
          future = [];
          beginHeight(input.height, input.ownMessages ?? []);
          break;
        case 'timeout':
          if (started) onTimeout(input.timer, input.height, input.round);
          break;
        case 'txsAvailable':
          break; // a waiting height starts (progress, below); otherwise blocks come at the consensus pace
        case 'proposalBuilt': {
          const b = building;
          if (!b || b.height !== input.height || b.round !== input.round || decided || input.round !== round) break;
          building = undefined;
          validity.set(input.proposal.hash, { valid: true, timeMs: input.proposal.header.time, txCount: input.proposal.header.txCount });
          propose(input.proposal.hash, -1);
          break;
        }
        case 'proposalFailed':
          if (building && building.height === input.height && building.round === input.round) building = undefined;
          break; // the propose timer will move the round on
        case 'proposalValidated':
          if (input.height !== height) break;
          validating.delete(input.blockHash);
          if (!validity.has(input.blockHash)) validity.set(input.blockHash, { valid: input.valid, timeMs: input.timeMs, txCount: input.txCount });
          break;
        case 'peerMessage':
          if (started) receive(input.message);
          break;
      }
      if (started) progress();
      return out;
    },
  };
}
