/**
 * Solo consensus: one validator, instant finality. For trying Polity out and
 * for one-department pilots (DESIGN.md, decision 1).
 *
 * Group commit, as a database commits its log: a block is cut as soon as
 * transactions wait and the previous block is committed (durable: the host
 * carries out `commit` before it feeds the next input). Nothing else sets the
 * latency of a lone transaction: it waits for the block being stored, if any,
 * then for its own. Under load, batches grow by themselves: whatever arrives
 * while a block is built and stored goes into the next one. With nothing
 * waiting it cuts no block (a notary chain does not grow when idle).
 *
 * Bounds of one block: at most the genesis's `blockTxsMax` transactions and
 * `blockBytesMax` bytes of them (the host reaps within both; the rest wait for
 * the next block, which follows at once); in time, a block takes what building
 * and storing it take, about linear in its transactions. `blockIntervalMs`
 * (node default 0; `polity start --block-interval-ms`) is an optional least
 * spacing between blocks, kept for operators who prefer fewer, larger blocks
 * to lower latency; within it a block is still cut at once when
 * `blockTxsTrigger` transactions wait. A build that finds nothing to take
 * (the mempool held only transactions that cannot go in yet) is retried after
 * `max(blockIntervalMs, FAILED_BUILD_RETRY_MS)`, so that it never spins.
 *
 * Its certificate holds its own precommit, which is recorded (persistVote)
 * before the commit, exactly as a BFT validator would.
 *
 * Block time is the validator's clock, never earlier than the previous
 * block's time + 1 ms, so block times strictly increase.
 */
import { precommitSignBytes, type Precommit } from '../ledger/block.js';
import { assert } from '../ledger/errors.js';
import type { ConsensusEngine, EngineEffect, EngineInput, EngineOptions } from './interface.js';

export interface SoloOptions extends EngineOptions {
  blockIntervalMs: number;
  blockTxsTrigger: number;
}

type Phase = 'stopped' | 'waiting' | 'building';

/** Least wait before building again after a build found nothing to take, ms. */
export const FAILED_BUILD_RETRY_MS = 50;

export function createSoloEngine(options: SoloOptions): ConsensusEngine {
  assert(options.validators.length === 1, 'solo consensus needs exactly one validator');
  const self = options.validators[0]!.pubKey;
  assert(options.selfPubKey === self, 'solo consensus runs on its validator only');

  let phase: Phase = 'stopped';
  let height = 0;
  let lastBlockTimeMs = 0;
  let lastCommitMs = 0;
  let timerArmed = false;

  const armTimer = (delayMs: number): EngineEffect[] => {
    if (timerArmed) return [];
    timerArmed = true;
    return [{ type: 'setTimer', timer: 'block', height, round: 0, delayMs: Math.max(0, delayMs) }];
  };

  const maybeBuild = (nowMs: number, pendingTxs: number): EngineEffect[] => {
    if (phase !== 'waiting' || pendingTxs === 0) return [];
    const due = nowMs - lastCommitMs >= options.blockIntervalMs;
    if (!due && pendingTxs < options.blockTxsTrigger) return armTimer(options.blockIntervalMs - (nowMs - lastCommitMs));
    phase = 'building';
    return [{ type: 'buildProposal', height, round: 0, timeMs: Math.max(nowMs, lastBlockTimeMs + 1) }];
  };

  return {
    kind: 'solo',
    get height() {
      return height;
    },
    step(input: EngineInput): EngineEffect[] {
      switch (input.type) {
        case 'start':
          height = input.height;
          lastBlockTimeMs = input.lastBlockTimeMs;
          lastCommitMs = input.nowMs - options.blockIntervalMs;
          phase = 'waiting';
          return maybeBuild(input.nowMs, input.pendingTxs);
        case 'txsAvailable':
          return maybeBuild(input.nowMs, input.pendingTxs);
        case 'timeout':
          if (input.timer !== 'block') return [];
          timerArmed = false;
          return maybeBuild(input.nowMs, input.pendingTxs);
        case 'proposalFailed':
          if (phase !== 'building' || input.height !== height) return [];
          phase = 'waiting';
          return armTimer(Math.max(options.blockIntervalMs, FAILED_BUILD_RETRY_MS));
        case 'proposalBuilt': {
          if (phase !== 'building' || input.height !== height) return [];
          const { proposal } = input;
          assert(proposal.header.height === height, 'proposal for the wrong height');
          const vote: Precommit = {
            type: 'precommit',
            chainId: options.chainId,
            height,
            round: 0,
            blockHash: proposal.hash,
            time: proposal.header.time,
          };
          const signature = options.sign(precommitSignBytes(vote));
          const effects: EngineEffect[] = [
            { type: 'persistVote', height, round: 0, blockHash: proposal.hash, signature },
            {
              type: 'commit',
              height,
              blockHash: proposal.hash,
              certificate: { height, round: 0, blockHash: proposal.hash, signatures: [{ validator: self, time: vote.time, sig: signature }] },
            },
          ];
          lastBlockTimeMs = proposal.header.time;
          lastCommitMs = input.nowMs;
          height += 1;
          phase = 'waiting';
          return effects;
        }
        case 'peerMessage':
        case 'proposalValidated':
          return []; // a solo validator has no peers
      }
    },
  };
}
