/**
 * The consensus engine a node runs for its genesis: solo for a
 * one-validator chain, Tendermint for several (DESIGN.md, decision 1). Both
 * sign with the node key; Tendermint takes the validator set of each
 * height from the chain's committed schedule.
 *
 * Neither cuts empty blocks. Solo commits in groups: a block as soon as work
 * waits and the previous block is durable (no interval by default). BFT runs
 * with `emptyBlocks: false`, the genesis's timeouts (`params.consensusTimeouts`,
 * profile "lan" when absent) and heartbeat (`params.heartbeatMs`, off when absent).
 */
import { signBytes, verifyBytes } from '../crypto/ed25519.js';
import type { Genesis } from '../ledger/genesis.js';
import type { ConsensusEngine } from '../consensus/interface.js';
import { createSoloEngine } from '../consensus/solo.js';
import { createTendermintEngine, timeoutsOf, type Timeouts } from '../consensus/tendermint.js';
import type { ValidatorSetAt } from './chain-state.js';
import { STALE_PROPOSAL_MS } from './consensus-host.js';

/**
 * Solo: the least time between blocks, ms. 0: group commit, a block as soon as
 * work waits and the previous one is committed; the latency is that of the work,
 * and a batch is whatever arrived while the previous block was built and stored.
 */
export const BLOCK_INTERVAL_MS_DEFAULT = 0;
/** Solo: cut a block at once when this many transactions wait (at most the chain's blockTxsMax). */
export const BLOCK_TXS_TRIGGER_DEFAULT = 5_000;

export interface EngineSettings {
  genesis: Genesis;
  /** The node key's secret seed (hex) and public key. */
  nodeSecretKey: string;
  nodeKey: string;
  /** The validator set in force at a height (BFT). */
  validatorSetAt(height: number): ValidatorSetAt;
  blockIntervalMs?: number;
  blockTxsTrigger?: number;
  consensusTimeouts?: Partial<Timeouts>;
  /**
   * Pilot growth (runsSolo, soloUntilSetChange below): run Tendermint even on a
   * one-validator genesis, because the node has network settings. Default: solo
   * exactly when the genesis has one validator.
   */
  bft?: boolean;
  /** Solo: told once when the solo engine stops because the set of `height` is no longer this validator alone. */
  onSoloEnd?: (height: number, validators: number) => void;
}

/**
 * Pilot growth (spec/operations.md): a node runs solo only on a one-validator
 * genesis without network settings. A pilot restarted with network settings
 * (once its set has grown, or is about to) runs Tendermint from its next height;
 * so do the nodes that join it, syncing the solo blocks before it like any
 * other blocks (each carries a certificate of the set of its height).
 */
export const runsSolo = (genesis: Genesis, hasNetwork: boolean): boolean => genesis.validators.length === 1 && !hasNetwork;

/**
 * The solo engine of a pilot stops before the first height whose validator set
 * is not this validator alone (a growth scheduled by validators.propose): it
 * drops the build of that block, so nothing is signed there by solo rules,
 * and says so once; the operator restarts the node with network settings and
 * it goes on under Tendermint (runsSolo). Blocks before that height are the
 * solo blocks they were.
 */
export function soloUntilSetChange(engine: ConsensusEngine, self: string, validatorSetAt: (height: number) => ValidatorSetAt, onEnd: (height: number, validators: number) => void): ConsensusEngine {
  let ended = false;
  const step = engine.step.bind(engine);
  engine.step = (input) =>
    step(input).filter((effect) => {
      if (effect.type !== 'buildProposal') return true;
      const set = validatorSetAt(effect.height).validators;
      if (set.length === 1 && set[0]!.pubKey === self) return true;
      if (!ended) onEnd(effect.height, set.length);
      ended = true;
      return false;
    });
  return engine;
}

export function createEngine(settings: EngineSettings): ConsensusEngine {
  const { genesis } = settings;
  const sign = (message: Uint8Array): string => signBytes(settings.nodeSecretKey, message);
  if (settings.bft === undefined ? genesis.validators.length === 1 : !settings.bft) {
    const solo = createSoloEngine({
      chainId: genesis.chainId,
      validators: genesis.validators,
      selfPubKey: settings.nodeKey,
      sign,
      blockIntervalMs: settings.blockIntervalMs ?? BLOCK_INTERVAL_MS_DEFAULT,
      blockTxsTrigger: settings.blockTxsTrigger ?? Math.min(BLOCK_TXS_TRIGGER_DEFAULT, genesis.params.blockTxsMax),
    });
    return soloUntilSetChange(solo, settings.nodeKey, settings.validatorSetAt, settings.onSoloEnd ?? (() => {}));
  }
  return createTendermintEngine({
    chainId: genesis.chainId,
    validators: genesis.validators,
    // The engine decides at each height whether this node is in the set of that height.
    selfPubKey: settings.nodeKey,
    validatorSet: (height) => settings.validatorSetAt(height),
    sign,
    verify: verifyBytes,
    timeouts: { ...timeoutsOf(genesis.params.consensusTimeouts), ...settings.consensusTimeouts },
    emptyBlocks: false,
    heartbeatMs: genesis.params.heartbeatMs ?? 0,
    staleProposalMs: STALE_PROPOSAL_MS,
  });
}
