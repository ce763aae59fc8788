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

export type TimerName = 'block' | 'propose' | 'prevote' | 'precommit' | 'commit';

/** A block the host built and executed at the engine's request. */
export interface BuiltProposal {
  header: BlockHeader;
  hash: string;
}

export type EngineInput =
  | { type: 'start'; nowMs: number; height: number; lastBlockTimeMs: number; pendingTxs: number }
  | { type: 'timeout'; nowMs: number; timer: TimerName; height: number; round: number; pendingTxs: number }
  | { type: 'txsAvailable'; nowMs: number; pendingTxs: number }
  | { type: 'proposalBuilt'; nowMs: number; height: number; round: number; proposal: BuiltProposal }
  | { type: 'proposalFailed'; nowMs: number; height: number; round: number; reason: string }
  | { type: 'peerMessage'; nowMs: number; from: string; message: unknown };

export type EngineEffect =
  | { type: 'setTimer'; timer: TimerName; height: number; round: number; delayMs: number }
  /** Build a block for `height` from the mempool with header time `timeMs`, execute it, answer `proposalBuilt`. */
  | { type: 'buildProposal'; height: number; round: number; timeMs: number }
  /** Durably record a signed vote; the host must finish this before any later effect of the same step. */
  | { type: 'persistVote'; height: number; round: number; blockHash: string; signature: string }
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
}
