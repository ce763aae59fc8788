/**
 * The consensus engine interface: a pure state machine.
 *
 * The host (src/node/) feeds it inputs — the current time, timer expiries,
 * how many transactions wait, proposals it has built and executed, messages
 * from peers — and carries out the effects it returns: set a timer, build and
 * execute a proposal, persist a vote before sending it, broadcast a message,
 * commit a block with its certificate. The engine itself never reads a clock,
 * touches a socket or draws a random number; signing is a deterministic
 * function handed to it at creation. This is what lets the simulator run
 * thousands of seeded networks and replay any one exactly (DESIGN.md,
 * decision 2).
 *
 * Solo (one validator) and BFT (Tendermint) implement the same interface.
 */
import type { BlockHeader, CommitCertificate } from '../ledger/block.js';
import type { Validator } from '../ledger/genesis.js';
import type { ConsensusMessage, Evidence, VerifyFn } from '../ledger/votes.js';

export type TimerName = 'block' | 'propose' | 'prevote' | 'precommit' | 'commit' | 'heartbeat';

/** A block the host built and executed at the engine's request. */
export interface BuiltProposal {
  header: BlockHeader;
  hash: string;
}

export type EngineInput =
  /**
   * Begin deciding `height` (the stored head + 1), at start-up or after catching up.
   * BFT: `lastCertificate` is the stored certificate of `height - 1` (block time derives
   * from it), `ownMessages` the messages this validator signed for `height` before a restart.
   */
  | {
      type: 'start';
      nowMs: number;
      height: number;
      lastBlockTimeMs: number;
      pendingTxs: number;
      lastCertificate?: CommitCertificate;
      ownMessages?: readonly ConsensusMessage[];
      /**
       * BFT: sign nothing (no proposal, no vote) at heights below this one: the
       * validator may have signed there before a start without a record of what
       * (node/signing-guard.ts). It follows the chain as a non-voting node until then.
       */
      signFromHeight?: number;
    }
  | { type: 'timeout'; nowMs: number; timer: TimerName; height: number; round: number; pendingTxs: number }
  | { type: 'txsAvailable'; nowMs: number; pendingTxs: number }
  | { type: 'proposalBuilt'; nowMs: number; height: number; round: number; proposal: BuiltProposal }
  | { type: 'proposalFailed'; nowMs: number; height: number; round: number; reason: string }
  /** BFT: the host's verdict on a proposed block it was asked to validate (valid(v) of the paper), with the block's time and transaction count (timeliness). */
  | { type: 'proposalValidated'; nowMs: number; height: number; round: number; blockHash: string; valid: boolean; timeMs: number; txCount: number }
  | { type: 'peerMessage'; nowMs: number; from: string; message: unknown };

export type EngineEffect =
  | { type: 'setTimer'; timer: TimerName; height: number; round: number; delayMs: number }
  /**
   * Build a block for `height` from the mempool with header time `timeMs`, execute it, answer `proposalBuilt`.
   * BFT: the block must carry `lastCertificate` (the certificate `timeMs` derives from).
   */
  | { type: 'buildProposal'; height: number; round: number; timeMs: number; lastCertificate?: CommitCertificate }
  /**
   * Durably record a signed vote (BFT: or proposal, the whole `message`); the host must
   * finish this before any later effect of the same step. `blockHash` null is a nil vote.
   */
  | { type: 'persistVote'; height: number; round: number; blockHash: string | null; signature: string; message?: ConsensusMessage }
  /** BFT: check the block with this hash (it came with a proposal) and answer `proposalValidated`. */
  | { type: 'validateProposal'; height: number; round: number; blockHash: string }
  /** BFT: +2/3 precommitted a block this node does not hold: fetch it (with its certificate) from peers. */
  | { type: 'fetchBlock'; height: number; blockHash: string }
  /** BFT: a validator signed two conflicting messages; submit the evidence to the chain. */
  | { type: 'evidence'; evidence: Evidence }
  /** BFT: this validator prevoted nil on a fresh proposal of a valid block because its time was stale (spec/consensus.md §5.1); for the log and metrics. */
  | { type: 'staleProposal'; height: number; round: number; blockHash: string; behindMs: number; txCount: number }
  | { type: 'broadcast'; message: unknown }
  | { type: 'commit'; height: number; blockHash: string; certificate: CommitCertificate };

export interface ConsensusEngine {
  readonly kind: 'solo' | 'bft';
  /** Handle one input; returns the effects to carry out, in order. */
  step(input: EngineInput): EngineEffect[];
  /** Height the engine is deciding now. */
  readonly height: number;
}

export interface EngineOptions {
  chainId: string;
  validators: readonly Validator[];
  /** This node's validator public key, or undefined for a node that only follows. */
  selfPubKey: string | undefined;
  /** Deterministic signer of vote bytes (Ed25519 is deterministic). */
  sign: (message: Uint8Array) => string;
  /** BFT: signature check for peers' messages (deterministic; may cache verdicts). */
  verify?: VerifyFn;
}
