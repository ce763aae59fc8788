/**
 * Solo consensus: one validator, instant finality. For trying Polity out and
 * for one-department pilots (DESIGN.md, decision 1).
 *
 * It cuts a block when `blockIntervalMs` has passed since the last one and
 * transactions wait, or at once when at least `blockTxsTrigger` wait; with
 * nothing waiting it cuts no empty blocks (a notary chain should not grow
 * when idle). Its certificate holds its own precommit, which is recorded
 * (persistVote) before the commit, exactly as a BFT validator would.
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
          return armTimer(options.blockIntervalMs);
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
