/**
 * The deterministic simulator (spec/consensus.md §12): one seeded network of
 * validators, each a node made of the node's own parts — chain state,
 * admission, the consensus host with the real Tendermint engine, and the
 * peer protocol (src/node/) — over an in-memory store, virtual time and a
 * simulated network, with faults chosen by the seed. After the run,
 * checkers look for safety and liveness violations.
 *
 * What is simulated is only what surrounds the node's parts: the store
 * (storage/memory-store.ts, which survives a crash as a disk does), the
 * clock and timers (agenda.ts), the network (network.ts), and signature
 * checks (one cached verifier for the run: a verdict is a pure function of
 * its inputs). The host code that carries out the engine's effects, builds
 * and checks proposals, fetches bodies and catches up is the node's own.
 *
 * Faults: message loss, delay, duplication and reordering; partitions that
 * form and heal; crashes and restarts (a node keeps its store — committed
 * blocks and its write-ahead log — and loses everything else, then rebuilds
 * from the store as a real restart does); clock drift; Byzantine validators
 * that equivocate, propose conflicting or invalid blocks, withhold votes,
 * replay old messages, forge signatures (wrappers around what they send,
 * byzantine.ts), or run the same key on two nodes ("twins"). Honest faults
 * all end at `healAt`; Byzantine ones never end.
 *
 * Validator-set changes: in about a third of the seeds (never in the
 * control) an honest client changes the set through the validators module —
 * adds a spare node (a follower from the start) as a validator, removes a
 * validator, or changes one's power — keeping the Byzantine power under a
 * third of both sets. Each node follows the schedule committed in its own
 * state (node/chain-state.ts).
 *
 * Timing (from its own stream of the seed, so the scenarios above stay as
 * they were): nodes run the engine as a node does, without empty blocks, with
 * the "lan" or "wan" timeouts and in some seeds a heartbeat. In about half the
 * seeds the clients fall silent for a while after healing (an idle period),
 * and in some a burst of transactions arrives at once.
 *
 * Checkers (honest nodes only): agreement, validity, equal state roots at
 * equal heights, certificates valid for the set in force at their height,
 * evidence only against Byzantine validators, liveness once healed (and
 * again after an idle period: the next transactions commit), that a planned
 * set change took effect, and `idle`: during an idle period no empty block
 * beyond the heartbeats, and with a heartbeat, at least one block. Its
 * negative control (`emptyBlocks`) runs the paper's engine, which decides
 * empty blocks at every height.
 *
 * Determinism: everything random comes from the seed, time is virtual, and
 * the node's parts await nothing but promises of in-memory work, so after
 * each event the run lets the microtask queue drain (one macrotask turn)
 * and every node is idle again before the next event: a seed replays a run
 * exactly.
 */
import { toHex, utf8Encode } from '../crypto/bytes.js';
import type { Json } from '../crypto/canonical-json.js';
import { publicKeyOf, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import type { CommitCertificate } from '../ledger/block.js';
import { assert } from '../ledger/errors.js';
import { validatorSetHash, type Genesis, type Validator } from '../ledger/genesis.js';
import { decodeTx, txSignMessage, type DecodedTx, type SignedTx } from '../ledger/transaction.js';
import { signTx } from '../ledger/sign.js';
import type { ConsensusMessage, Evidence, VerifyFn } from '../ledger/votes.js';
import { createTendermintEngine, TIMEOUT_PROFILES, type TendermintEngine } from '../consensus/tendermint.js';
import { checkCertificate, type BlockBody } from '../runtime/chain-core.js';
import { createModuleRegistry, type ModuleRegistry } from '../runtime/registry.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../runtime/validator-schedule.js';
import { createMemoryCommitRecord, createMemoryStore, createMemoryWal } from '../storage/memory-store.js';
import { signFromHeight } from '../node/signing-guard.js';
import { createAdmission, type Admission } from '../node/admission.js';
import { createChainState, type ChainState, type CommittedBlock } from '../node/chain-state.js';
import type { Clock } from '../node/clock.js';
import { CATCH_UP_AFTER_MS, STALE_PROPOSAL_MS, createConsensusHost, type ConsensusHost, type ConsensusPeers } from '../node/consensus-host.js';
import type { LogFields, Logger } from '../node/log.js';
import { createPeerProtocol, type PeerProtocol } from '../node/peer-protocol.js';
import type { NodeService } from '../node/service-host.js';
import { Agenda, virtualTimers } from './agenda.js';
import { BEHAVIOURS, byzantineTransport, editBody, type Behaviour } from './byzantine.js';
import { VirtualNetwork, type Endpoint, type SimTransport } from './network.js';
import { Prng } from './prng.js';

export { BEHAVIOURS, type Behaviour } from './byzantine.js';

export interface SimOptions {
  seed: number;
  /** Number of validators (default: 4 to 7, from the seed). */
  validators?: number;
  /** Byzantine validators (default: 0 to f, from the seed). */
  byzantine?: number;
  /** What every Byzantine validator does (default: one to three behaviours each, from the seed). */
  behaviours?: Behaviour[];
  /** The negative control: f + 1 Byzantine twins and a partition that splits the honest nodes. */
  control?: boolean;
  /** A validator-set change in this seed: true forces one, false forbids it (default: about a third of the seeds; never in the control). */
  setChange?: boolean;
  /**
   * Negative control of the set-change checkers (forces a change): nodes ignore
   * the committed schedule and keep the genesis set, or the client never sends
   * the approvals. Either must make the 'setChange' or 'certificate' checker fire.
   */
  setChangeFault?: SetChangeFault;
  /** An idle period after healing: true forces one, false forbids it (default: half the seeds; never in the control). */
  idle?: boolean;
  /** The idle period's length in ms, when there is one (default: 8 to 24 s, from the seed). */
  idleMs?: number;
  /**
   * Negative control of the `idle` checker (forces an idle period, with honest
   * validators only and no set change): the engines decide a block at every
   * height, empty or not, as the paper does.
   */
  emptyBlocks?: boolean;
  /**
   * Negative control of the `blockTime` checker (forces an idle period longer
   * than CATCH_UP_AFTER_MS, with no heartbeat): honest proposers never make
   * a catch-up block, so the first block after the idle period takes the
   * waiting transactions at the time of the last block before it.
   */
  staleBlocks?: boolean;
  /**
   * Negative control of the `honestRejected` checker (forces a Byzantine
   * validator that lies in its compact proposals, and nothing else):
   * honest nodes take a compact body without checking it against the
   * header's txRoot, so a reordered list makes them judge a valid block
   * invalid.
   */
  trustingCompact?: boolean;
  /**
   * Negative control of the `honestRejected` checker for whole bodies
   * (forces a Byzantine `tamperingRelay` validator, and nothing else):
   * honest nodes judge a block by a whole body without checking it against
   * its header, so a copy edited in transit makes them judge a valid block
   * invalid.
   */
  trustingRelays?: boolean;
  /**
   * Negative control of the `backdated` checker (set up as `staleBlocks`:
   * honest validators only, proposers that make no catch-up block, an idle
   * period of 25–30 s, no heartbeat): validators do not check that a fresh
   * proposal's block is timely (the engine's `staleProposalMs` off), so the
   * first block after the idle period takes transactions sent at its end at
   * the time before it.
   */
  untimely?: boolean;
  /** Print a line per commit and fault. */
  trace?: (line: string) => void;
  /**
   * The chain's services: their modules make every node's registry. Their
   * host parts are not run — they would need real disks and threads; what
   * the simulator checks is consensus and the node's own parts.
   */
  services: readonly Pick<NodeService, 'name' | 'module'>[];
}

export type SetChangeKind = 'add' | 'remove' | 'power';
export type SetChangeFault = 'ignoreSchedule' | 'dropApprovals';

export interface Violation {
  checker: 'agreement' | 'validity' | 'stateRoot' | 'certificate' | 'evidence' | 'liveness' | 'setChange' | 'idle' | 'blockTime' | 'honestRejected' | 'backdated';
  message: string;
}

export interface SetChangeReport {
  kind: SetChangeKind;
  detail: string;
  /** Height from which the new set is in force, once scheduled. */
  since: number | null;
  /** Lowest height an honest node committed with a certificate of the new set. */
  firstHeight: number | null;
}

export interface SimResult {
  seed: number;
  validators: number;
  byzantine: number;
  behaviours: string[];
  faults: string[];
  /** Highest height committed by every honest node. */
  height: number;
  commits: number;
  messages: number;
  evidence: number;
  /** Fresh proposals of stale blocks with transactions that honest validators refused (`consensus.staleProposal`). */
  staleRefused: number;
  virtualMs: number;
  /** The validator-set change of this seed, or null. */
  setChange: SetChangeReport | null;
  /** The timing of this seed: timeouts profile, heartbeat, idle period and burst. */
  timing: TimingReport;
  violations: Violation[];
}

export interface TimingReport {
  profile: 'lan' | 'wan';
  heartbeatMs: number;
  /** The idle period [from, until) in virtual ms, or null; and the empty blocks honest nodes committed in its checked part. */
  idle: { from: number; until: number; emptyBlocks: number; blocks: number } | null;
  /** Transactions sent at once, or 0. */
  burstTxs: number;
}


const GENESIS_TIME = 1_800_000_000_000;
/** Consensus messages a Byzantine node remembers for replaying. */
const HEARD_MAX = 200;
/** tamperingRelay: transactions of its mempool it picks one to add from. */
const EXTRA_TXS_OFFERED = 10;
/** Honest clocks drift by up to 800 ms either way (`drift`, below). */
const CLOCK_DRIFT_MAX_MS = 800;
/** The backdated checker's bound: the validators' stale bound, with the drift of the clock that judged it. */
const BACKDATE_MAX_MS = STALE_PROPOSAL_MS + CLOCK_DRIFT_MAX_MS;
/** Verified transaction ids each node remembers (as a BFT node does; a run is far smaller). */
const VERIFIED_IDS_MAX = 100_000;
/** The first part of an idle period is not checked: what was sent before it may still be deciding (a round or two). */
const IDLE_SETTLE_MS = 4_000;

/** Verdicts of Ed25519 checks, shared by all nodes of a run (a verdict is a pure function of its inputs). */
function cachedVerifier(): VerifyFn {
  const cache = new Map<string, boolean>();
  return (pubKey, message, sig) => {
    const key = pubKey + sig + toHex(sha256(message));
    let ok = cache.get(key);
    if (ok === undefined) {
      ok = verifyBytes(pubKey, message, sig);
      cache.set(key, ok);
    }
    return ok;
  };
}

interface NodeSpec {
  id: number;
  secretKey: string;
  pubKey: string;
  byzantine: Behaviour[];
  /** Partition side in the negative control. */
  side?: 0 | 1;
  clockOffsetMs: number;
}

interface CommitRecord {
  height: number;
  hash: string;
  /** The root of the node's state after the commit. */
  stateRoot: string;
  headerStateRoot: string;
  /** The header's validatorSetHash: the set the block says signs it. */
  headerSetHash: string;
  /** The header's nextValidatorSetHash (present on the last block of a set). */
  headerNextSetHash: string | undefined;
  /** The header's block time. */
  time: number;
  txs: SignedTx[];
  txIds: string[];
  certificate: CommitCertificate;
  /** Virtual time of the commit. */
  at: number;
}

/** A planned change of the validator set, signed by honest validators' keys. */
interface SetChangePlan {
  kind: SetChangeKind;
  detail: string;
  validators: Validator[];
  setHash: string;
  /** The validator added ('add'), who must sign a block after healing. */
  added?: Validator;
  /** Indices (genesis order) of the proposer and then the approvers. */
  proposer: number;
  approvers: number[];
  at: number;
}

/** One simulated node: the node's parts of its current incarnation, and what the checkers observed of it. */
interface SimNode extends Endpoint {
  readonly spec: NodeSpec;
  readonly commits: CommitRecord[];
  readonly evidence: { validator: string; height: number }[];
  readonly height: number;
  /** The committed schedule of validator sets (state `consensus/sets`). */
  schedule(): { sets: ScheduledSet[] } | undefined;
  hasCommitted(txId: string): boolean;
  /** Build the node's parts from its store and start them (at the start, and after a crash). */
  boot(): Promise<void>;
  crash(): void;
  /** A client submits a transaction to this node. */
  submit(tx: unknown): void;
  /** Nothing queued or being handled (checked after each drained event). */
  readonly idle: boolean;
  status(): string;
}

/** The parts of one incarnation of a node. */
interface Incarnation {
  alive: boolean;
  chain: ChainState;
  admission: Admission;
  engine: TendermintEngine;
  consensus: ConsensusHost;
  protocol: PeerProtocol;
  /** The network as the node's honest parts see it, without the Byzantine wrapper. */
  plain: SimTransport;
}

/**
 * The chain state as a node that ignores the committed schedule sees it: the
 * genesis set at every height (the negative control of the set-change
 * checkers). Everything else is the node's own chain state.
 */
function ignoringSchedule(chain: ChainState, validators: readonly Validator[]): ChainState {
  const genesisSet = { validators, since: 1 };
  return Object.create(chain, {
    validatorSetAt: { value: () => genesisSet },
    context: { value: { ...chain.context, validatorsAt: () => validators } },
  }) as ChainState;
}

/**
 * A change of the validator set that keeps the Byzantine power under a third
 * of both the old and the new set: add the spare node, remove a validator, or
 * change a validator's power. Proposer and approvers are honest validators of
 * the genesis set whose power together is over two thirds of it.
 */
function planSetChange(rng: Prng, validators: readonly Validator[], byzantine: ReadonlySet<number>, sparePubKey: string, spareName: string): SetChangePlan {
  const powerSum = (set: readonly Validator[]): number => set.reduce((s, v) => s + v.power, 0);
  const byzKeys = new Set(validators.filter((_, i) => byzantine.has(i)).map((v) => v.pubKey));
  const safe = (set: readonly Validator[]): boolean => set.length >= 2 && powerSum(set.filter((v) => byzKeys.has(v.pubKey))) * 3 < powerSum(set);
  const tag = (i: number): string => `${validators[i]!.name}${byzantine.has(i) ? ' (Byzantine)' : ''}`;
  type Option = { kind: SetChangeKind; detail: string; validators: Validator[]; added?: Validator };
  const added: Validator = { name: spareName, pubKey: sparePubKey, power: rng.pick([10, 10, 20, 30]) };
  const byKind: Record<SetChangeKind, Option[]> = {
    add: [{ kind: 'add', detail: `add ${spareName} (power ${added.power})`, validators: [...validators, added], added }],
    remove: [],
    power: [],
  };
  validators.forEach((v, i) => {
    const without = validators.filter((_, j) => j !== i);
    if (safe(without)) byKind.remove.push({ kind: 'remove', detail: `remove ${tag(i)}`, validators: without });
    for (const power of [10, 20, 30, 40]) {
      if (power === v.power) continue;
      const changed = validators.map((w, j) => (j === i ? { ...w, power } : w));
      if (safe(changed)) byKind.power.push({ kind: 'power', detail: `power of ${tag(i)} ${v.power} -> ${power}`, validators: changed });
    }
  });
  let options = byKind[rng.pick(['add', 'remove', 'power'] as const)];
  if (options.length === 0) options = byKind.add;
  const chosen = rng.pick(options);
  const total = powerSum(validators);
  const honest = rng.shuffle(validators.map((_, i) => i).filter((i) => !byzantine.has(i)));
  const proposer = honest[0]!;
  let approved = validators[proposer]!.power;
  const approvers: number[] = [];
  let k = 1;
  for (; k < honest.length && approved * 3 <= total * 2; k++) {
    approvers.push(honest[k]!);
    approved += validators[honest[k]!]!.power;
  }
  if (approved * 3 <= total * 2) throw new Error('invariant broken: honest validators hold under two thirds of the power');
  // Sometimes one approval more than needed: it arrives after the change is scheduled and fails.
  if (k < honest.length && rng.chance(0.3)) approvers.push(honest[k]!);
  return { ...chosen, setHash: validatorSetHash(chosen.validators), proposer, approvers, at: 0 };
}

export async function runSeed(options: SimOptions): Promise<SimResult> {
  const rng = new Prng(options.seed);
  const trace = options.trace;
  const agenda = new Agenda();
  const verify = cachedVerifier();

  // --- the scenario, from the seed ----------------------------------------------
  const control = options.control === true;
  const n = options.validators ?? (control ? rng.pick([4, 7]) : rng.int(4, 7));
  const keys = Array.from({ length: n }, (_, i) => {
    const secretKey = toHex(sha256(utf8Encode(`polity-sim/${options.seed}/validator/${i}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey) };
  });
  const powers = control ? keys.map(() => 10) : keys.map(() => rng.pick([10, 10, 10, 20, 30]));
  const validators: Validator[] = keys.map((k, i) => ({ name: `dept-${i}`, pubKey: k.pubKey, power: powers[i]! }));
  const total = powers.reduce((a, b) => a + b, 0);

  // Byzantine validators: under a third of the power, or (control) over a third.
  const order = rng.shuffle(validators.map((_, i) => i));
  const byzantineIdx: number[] = [];
  let byzPower = 0;
  // The idle checker's control (emptyBlocks) runs honest validators only and no set change: each may add empty blocks of its own.
  // So does the blockTime checker's (staleBlocks): the first proposer after the idle period is then honest, and its proposal checked.
  const emptyBlocks = options.emptyBlocks === true;
  const staleBlocks = options.staleBlocks === true;
  const untimely = options.untimely === true;
  /** The blockTime and backdated controls' setting: honest validators, no catch-up blocks, a long idle period, no heartbeat. */
  const staleSetup = staleBlocks || untimely;
  const trustingCompact = options.trustingCompact === true;
  const trustingRelays = options.trustingRelays === true;
  const trusting = trustingCompact || trustingRelays;
  const drawByzantine = (): number => (control ? Number.MAX_SAFE_INTEGER : rng.int(0, Math.floor((n - 1) / 3)));
  // The honestRejected checker's controls (trusting…): one Byzantine validator, which lies in its compact proposals or edits the bodies it relays.
  const wanted = options.byzantine ?? (emptyBlocks || staleSetup ? (drawByzantine(), 0) : trusting ? (drawByzantine(), 1) : drawByzantine());
  for (const i of order) {
    if (byzantineIdx.length >= wanted) break;
    if (control) {
      if (byzPower * 3 > total) break;
    } else if ((byzPower + powers[i]!) * 3 >= total) continue;
    byzantineIdx.push(i);
    byzPower += powers[i]!;
  }
  const behaviours = new Map<number, Behaviour[]>();
  for (const i of byzantineIdx) {
    if (control) behaviours.set(i, ['twin']);
    else if (trustingCompact) behaviours.set(i, ['lyingCompact']);
    else if (trustingRelays) behaviours.set(i, ['tamperingRelay']);
    else {
      const count = rng.int(1, 3);
      const set = new Set<Behaviour>();
      while (set.size < count) set.add(rng.pick(BEHAVIOURS));
      behaviours.set(i, options.behaviours ?? [...set]);
    }
  }

  // A validator-set change, from its own stream of the seed (seeds without one run as before).
  const changeRng = new Prng((options.seed ^ 0x5e7c4a9d) >>> 0);
  const fault = control ? undefined : options.setChangeFault;
  const changeDrawn = changeRng.chance(1 / 3);
  // The simulator changes the sets of networks of two or more (a pilot's growth from one is tested end to end: test/pilot-grow.test.ts).
  const wantChange = !control && !emptyBlocks && !staleSetup && n >= 2 && options.setChange !== false && (fault !== undefined || options.setChange === true || changeDrawn);
  const spareKey = (() => {
    const secretKey = toHex(sha256(utf8Encode(`polity-sim/${options.seed}/validator/${n}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey) };
  })();
  const plan = wantChange ? planSetChange(changeRng, validators, new Set(byzantineIdx), spareKey.pubKey, `dept-${n}`) : undefined;

  // When the network starts, after its genesis time (own stream of the seed): at once in half the seeds, 20 s to
  // 2 min later in the others, as a real network is set up (block 1's time is the genesis time + 1 ms, so it
  // must then be an empty catch-up block: the blockTime and backdated checkers).
  const startRng = new Prng((options.seed ^ 0x57a27ed1) >>> 0);
  const startedAt = GENESIS_TIME + (control || !startRng.chance(0.5) ? 0 : startRng.int(20_000, 120_000));

  // Timing, from its own stream of the seed (seeds keep their faults and set changes).
  const timingRng = new Prng((options.seed ^ 0x1d1e7a55) >>> 0);
  const profile: 'lan' | 'wan' = control ? 'lan' : timingRng.pick(['lan', 'lan', 'wan'] as const);
  const heartbeatMs = control || emptyBlocks || staleSetup ? 0 : timingRng.pick([0, 0, 0, 1000, 3000]);
  const idleDrawn = timingRng.chance(0.5);
  const wantIdle = !control && options.idle !== false && (emptyBlocks || staleSetup || options.idle === true || idleDrawn);
  const idleOffset = timingRng.int(500, 4000);
  // Some idle periods outlast CATCH_UP_AFTER_MS (10 s), some do not; the blockTime control's always do.
  // Some outlast STALE_PROPOSAL_MS (20 s) too: a faulty proposer that makes no catch-up block then proposes a stale one.
  const idleDrawnMs = staleSetup ? timingRng.int(25000, 30000) : timingRng.int(8000, 24000);
  const idleMs = options.idleMs ?? idleDrawnMs;
  const burstDrawn = timingRng.chance(0.3);
  // The honestRejected controls always have a burst: blocks of several transactions, whose compact form a liar can falsify with known ones.
  // The blockTime and backdated controls never do: a burst's re-sent stragglers could keep blocks coming through their idle period.
  const burstTxs = control || staleSetup || (!burstDrawn && !trusting) ? 0 : timingRng.int(20, 200);
  const burstFraction = timingRng.float();

  const genesis: Genesis = {
    v: 1,
    chainId: 'polity-sim',
    genesisTime: GENESIS_TIME,
    validators,
    params: { blockTxsMax: 1000, blockBytesMax: 4 * 1024 * 1024, notaryBatchHashesMax: 1000 },
  };
  const chainId = genesis.chainId;
  const registry: ModuleRegistry = createModuleRegistry(options.services.map((s) => s.module));

  // Node instances: one per validator, two for a twin.
  const specs: NodeSpec[] = [];
  for (let i = 0; i < n; i++) {
    const b = behaviours.get(i) ?? [];
    const drift = (): number => (control ? 0 : rng.int(-CLOCK_DRIFT_MAX_MS, CLOCK_DRIFT_MAX_MS));
    specs.push({ id: specs.length, ...keys[i]!, byzantine: b, clockOffsetMs: drift() });
    if (b.includes('twin')) specs.push({ id: specs.length, ...keys[i]!, byzantine: b, clockOffsetMs: drift() });
  }
  // The spare node of an 'add' change: a follower from the start, with its own key.
  if (plan?.kind === 'add') specs.push({ id: specs.length, ...spareKey, byzantine: [], clockOffsetMs: rng.int(-CLOCK_DRIFT_MAX_MS, CLOCK_DRIFT_MAX_MS) });
  // Control: honest validators split into two halves, each twin has one copy on each side.
  if (control) {
    const honest = specs.filter((s) => s.byzantine.length === 0);
    honest.forEach((s, i) => (s.side = i < honest.length / 2 ? 0 : 1));
    const seen = new Set<string>();
    for (const s of specs.filter((x) => x.byzantine.length > 0)) {
      s.side = seen.has(s.pubKey) ? 1 : 0;
      seen.add(s.pubKey);
    }
  }

  // --- network faults, all ending at healAt -----------------------------------------
  const healAt = control ? 20_000 : rng.int(4_000, 20_000);
  const endAt = healAt + 40_000;
  const dropRate = control ? 0 : rng.pick([0, 0, 0.02, 0.1, 0.25]);
  const dupRate = control ? 0 : rng.pick([0, 0.05, 0.2]);
  const delayMax = control ? 20 : rng.pick([20, 100, 400]);
  const net = new VirtualNetwork(agenda, rng, { healAt, dropRate, dupRate, delayMaxMs: delayMax });
  const faults: string[] = [];
  if (plan) plan.at = changeRng.int(500, healAt);
  if (dropRate > 0) faults.push(`drop ${dropRate}`);
  if (dupRate > 0) faults.push(`duplicate ${dupRate}`);
  faults.push(`delay <= ${delayMax} ms`);
  const partitions: { at: number; until: number; sides: number[] }[] = [];
  if (control) {
    partitions.push({ at: 0, until: healAt, sides: specs.map((s) => s.side ?? 0) });
  } else {
    for (let k = rng.int(0, 3); k > 0; k--) {
      const at = rng.int(0, healAt - 1000);
      const until = Math.min(healAt, at + rng.int(1000, 8000));
      partitions.push({ at, until, sides: specs.map(() => rng.int(0, 1)) });
    }
  }
  for (const p of partitions) faults.push(`partition ${p.at}-${p.until} ms [${p.sides.join('')}]`);
  const crashes: { node: number; at: number; until: number }[] = [];
  if (!control) {
    for (let k = rng.int(0, 2); k > 0; k--) {
      const node = rng.int(0, specs.length - 1);
      const at = rng.int(500, healAt - 500);
      crashes.push({ node, at, until: Math.min(healAt, at + rng.int(300, 6000)) });
    }
  }
  for (const c of crashes) faults.push(`crash node ${c.node} ${c.at}-${c.until} ms`);
  if (plan) faults.push(`set change: ${plan.detail}, from ${plan.at} ms${fault ? ` (${fault})` : ''}`);
  const idle = wantIdle ? { from: healAt + idleOffset, until: healAt + idleOffset + idleMs } : undefined;
  const burstAt = Math.floor(burstFraction * (healAt + 5000));
  if (startedAt > GENESIS_TIME) faults.push(`started ${startedAt - GENESIS_TIME} ms after the genesis time`);
  faults.push(`timeouts ${profile}${heartbeatMs > 0 ? `, heartbeat ${heartbeatMs} ms` : ''}${emptyBlocks ? ', empty blocks' : ''}${staleSetup ? ', no catch-up blocks' : ''}${untimely ? ', stale proposals prevoted' : ''}${trustingCompact ? ', compact bodies taken unchecked' : ''}${trustingRelays ? ', whole bodies taken unchecked' : ''}`);
  if (idle) faults.push(`idle ${idle.from}-${idle.until} ms`);
  if (burstTxs > 0) faults.push(`burst of ${burstTxs} txs at ${burstAt} ms`);
  for (const p of partitions) {
    agenda.at(p.at, () => {
      net.partition = p.sides;
      trace?.(`${p.at} partition ${p.sides.join('')}`);
    });
    agenda.at(p.until, () => {
      net.partition = undefined;
      trace?.(`${p.until} partition healed`);
    });
  }


  // --- clients: signed notary anchors, sent to random nodes ---------------------------
  const clientTxIds = new Set<string>();
  /** When each client transaction was first sent (virtual ms), for the backdated checker. */
  const sentAt = new Map<string, number>();
  const clients = Array.from({ length: 3 }, (_, i) => {
    const secretKey = toHex(sha256(utf8Encode(`polity-sim/${options.seed}/client/${i}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey), nonce: 0 };
  });

  // --- nodes ----------------------------------------------------------------------------
  /** What honest nodes' commits showed of the set change so far (for the trace and for when to stop). */
  const changeSeen: { since?: number; newSetSigned: boolean; addedSigned: boolean } = { newSetSigned: false, addedSigned: false };
  /** A node's queue stopped on an error: a bug, which ends the run. */
  let fatal: Error | undefined;
  let staleRefused = 0;
  /** The honest nodes' ids (the checkers judge what they did). */
  const honestIds = new Set(specs.filter((x) => x.byzantine.length === 0).map((x) => x.id));
  /** A node's log: warnings and errors go to the trace, stamped with virtual time (never the wall clock, so a trace replays). */
  const logOf = (id: number): Logger => {
    const line = (level: string) => (event: string, fields?: LogFields) => {
      if (event === 'consensus.staleProposal' && honestIds.has(id)) staleRefused++;
      if (event === 'consensus.invalidProposal') rejected.push({ node: id, height: Number(fields?.height), block: String(fields?.block), reason: String(fields?.reason) });
      trace?.(`${agenda.now} node ${id} ${level} ${event}${Object.entries(fields ?? {}).map(([k, v]) => (v === undefined ? '' : ` ${k}=${v}`)).join('')}`);
    };
    return { debug: () => {}, info: () => {}, warn: line('warn'), error: line('error') };
  };
  /** Proposals nodes judged invalid (the first 16 hex of the block hash), for the honestRejected checker. */
  const rejected: { node: number; height: number; block: string; reason: string }[] = [];
  /**
   * Blocks a node's own consensus host proposed (first 16 hex of the hash), before any Byzantine
   * wrapper touched the wire: each is valid, so no honest node may judge one invalid.
   */
  const builtBlocks = new Set<string>();
  const txVerifier = { verify: async (d: DecodedTx): Promise<boolean> => verify(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig) };
  /** Blocks honest validators proposed afresh (not a re-proposal of a block some round already prevoted), for the blockTime checker. */
  const freshProposals: { node: number; height: number; at: number; time: number; txs: number }[] = [];
  const proposedBy = new Set<string>();
  const nodes: SimNode[] = specs.map((spec) => createSimNode(spec));
  for (const node of nodes) net.join(node);
  const honest = nodes.filter((x) => x.spec.byzantine.length === 0);

  /** An honest node committed block `height` (which scheduled the change, in force from `since`, if given). */
  function observeChange(p: SetChangePlan, node: number, height: number, since: number | undefined, headerSetHash: string, certificate: CommitCertificate): void {
    if (since !== undefined && changeSeen.since === undefined) {
      changeSeen.since = since;
      trace?.(`${agenda.now} set change scheduled by block ${height}: the new set signs from height ${since} (node ${node})`);
    }
    if (headerSetHash !== p.setHash) return;
    if (!changeSeen.newSetSigned && checkCertificate(chainId, certificate, p.validators, verify) === undefined) {
      changeSeen.newSetSigned = true;
      trace?.(`${agenda.now} first block signed by the new set: height ${height} round ${certificate.round}, ${certificate.signatures.length} signatures (node ${node})`);
    }
    if (p.added && !changeSeen.addedSigned && agenda.now >= healAt && certificate.signatures.some((s) => s.validator === p.added!.pubKey)) {
      changeSeen.addedSigned = true;
      trace?.(`${agenda.now} added validator ${p.added.name} signed block ${height} after healing (node ${node})`);
    }
  }

  function createSimNode(spec: NodeSpec): SimNode {
    /** The node's disk: it survives crashes (the block store, and apart from it the commit record and the consensus log). */
    const store = createMemoryStore(`node ${spec.id}`);
    const commitRecord = createMemoryCommitRecord(`node ${spec.id} commit record`);
    const wal = createMemoryWal(`node ${spec.id} consensus log`);
    const byz = new Set(spec.byzantine);
    const commits: CommitRecord[] = [];
    const evidence: { validator: string; height: number }[] = [];
    const committedTxs = new Set<string>();
    /** Consensus messages received, for a Byzantine node that replays them. */
    const heard: ConsensusMessage[] = [];
    const clock: Clock = { now: () => startedAt + agenda.now + spec.clockOffsetMs, monotonic: () => agenda.now };
    const log = logOf(spec.id);
    let up = true;
    let current: Incarnation | undefined;
    /** The chain state of the latest incarnation (still readable after a crash: the checkers read its schedule). */
    let lastChain: ChainState | undefined;

    function recordCommit(chain: ChainState, c: CommittedBlock): void {
      for (const t of c.txs) committedTxs.add(t.id);
      const header = c.block.header;
      commits.push({
        height: c.height,
        hash: c.hash,
        stateRoot: chain.stateRoot(),
        headerStateRoot: header.stateRoot,
        headerSetHash: header.validatorSetHash,
        headerNextSetHash: header.nextValidatorSetHash,
        time: header.time,
        txs: c.block.txs,
        txIds: c.txs.map((t) => t.id),
        certificate: c.block.certificate,
        at: agenda.now,
      });
      trace?.(`${agenda.now} node ${spec.id} committed ${c.height} ${c.hash.slice(0, 8)} txs ${c.txs.length} round ${c.block.certificate.round}`);
      if (plan && spec.byzantine.length === 0) {
        const since = c.changes.has(SETS_KEY) ? node.schedule()?.sets.find((x) => validatorSetHash(x.validators) === plan.setHash)?.since : undefined;
        observeChange(plan, spec.id, c.height, since, header.validatorSetHash, c.block.certificate);
      }
    }

    /**
     * tamperingRelay: a proposal of another validator, forwarded once to each peer a millisecond after it
     * arrived (once this node holds its body), with the body edited under its header (byzantine.ts).
     */
    const relayed = new Set<string>();
    function relayTampered(message: ConsensusMessage): void {
      if (message.type !== 'proposal' || message.proposer === spec.pubKey || relayed.has(message.blockHash)) return;
      if (relayed.size >= HEARD_MAX) relayed.clear();
      relayed.add(message.blockHash);
      agenda.at(agenda.now + 1, () => {
        const inc = current;
        const body = inc?.alive ? inc.consensus.proposedBody(message.blockHash) : undefined;
        if (!inc || !body) return;
        const others = offered(inc, body.header.height);
        for (const peer of inc.plain.peerNames()) {
          const block = editBody(body, rng, others);
          if (block) inc.plain.send(peer, 'consensus', utf8Encode(JSON.stringify({ message, block })));
        }
      });
    }
    /** tamperingRelay: transactions of this node's mempool, one of which an edit may add (byzantine.ts editBody). */
    const offered = (inc: Incarnation, height: number) => inc.admission.reap(height, EXTRA_TXS_OFFERED, genesis.params.blockBytesMax);
    const edit = (body: BlockBody): BlockBody | undefined => (current ? editBody(body, rng, offered(current, body.header.height)) : undefined);
    /** tamperingRelay: an answer to a block request with its body edited, or to a sync request with its last block edited (certificate kept). */
    function tamperedAnswer(answer: Uint8Array): Uint8Array {
      try {
        const reply = JSON.parse(new TextDecoder().decode(answer)) as { body?: BlockBody; blocks?: BlockBody[] };
        if (reply.body) {
          const block = edit(reply.body);
          return block ? utf8Encode(JSON.stringify({ ...reply, body: block })) : answer;
        }
        const last = reply.blocks?.at(-1);
        const edited = last ? edit(last) : undefined;
        return edited ? utf8Encode(JSON.stringify({ ...reply, blocks: [...reply.blocks!.slice(0, -1), edited] })) : answer;
      } catch {
        return answer;
      }
    }

    /** The node's parts, built from its store as at any start. */
    async function boot(): Promise<void> {
      const chain = await createChainState({ store, genesis, registry, log, commitRecord, resync: true });
      lastChain = chain;
      // The double-sign guard, as a node works it out at start (node/signing-guard.ts).
      const walOpened = await wal.open(chain.genesisHash);
      const guard = signFromHeight({ storeHeight: chain.height, committedHeight: chain.committedAtStart, wal: walOpened });
      if (guard.reason) log.warn('consensus.doubleSignGuard', { reason: guard.reason, signFromHeight: guard.height });
      const inc = { alive: true, chain } as Incarnation;
      const view = fault === 'ignoreSchedule' ? ignoringSchedule(chain, validators) : chain;
      const timers = virtualTimers(agenda, () => inc.alive);
      const plain = net.transport(node, () => inc.alive);
      const transport =
        byz.size === 0
          ? plain
          : byzantineTransport(
              plain,
              byz,
              {
                secretKey: spec.secretKey,
                pubKey: spec.pubKey,
                validators,
                chain: () => (inc.alive ? { context: view.context, head: view.head() } : undefined),
                pendingTxs: (height, limit) => inc.admission.reap(height, limit, genesis.params.blockBytesMax),
                heard,
              },
              rng,
              trustingCompact,
            );
      inc.plain = plain;
      inc.admission = createAdmission({
        chain: view,
        registry,
        verifier: txVerifier,
        verifiedIdsMax: VERIFIED_IDS_MAX,
        onAccepted: (txs) => inc.protocol.gossipTxs(txs),
        workAvailable: () => inc.consensus.workAvailable(),
        now: () => clock.now(),
      });
      inc.engine = createTendermintEngine({
        chainId,
        validators,
        // The engine decides at each height whether this node is in the set of that height.
        validatorSet: (height) => view.validatorSetAt(height),
        selfPubKey: spec.pubKey,
        sign: (m) => signBytes(spec.secretKey, m),
        verify,
        // As a node runs it (node/engine.ts); the control of the idle checker runs the paper's engine.
        ...(emptyBlocks ? {} : { timeouts: TIMEOUT_PROFILES[profile], emptyBlocks: false, heartbeatMs, staleProposalMs: untimely ? 0 : STALE_PROPOSAL_MS }),
      });
      inc.protocol = createPeerProtocol({
        transport,
        chain: view,
        consensus: { receive: (from, message, block, compact) => inc.consensus.receive(from, message, block, compact), proposedBody: (hash) => inc.consensus.proposedBody(hash) },
        submitTxs: (txs) => inc.admission.submit(txs, { fromPeer: true }),
        timers,
        log,
      });
      const protocol = inc.protocol;
      const peers: ConsensusPeers = {
        broadcastConsensus(message, block, compact) {
          // What this proposer's clock read when it built the block, against the block's own time. Only
          // the first sending: after a restart, what it signed before is sent again, built back then.
          if (message.type === 'proposal') builtBlocks.add(message.blockHash.slice(0, 16));
          if (spec.byzantine.length === 0 && message.type === 'proposal' && message.polRound === -1 && block && !proposedBy.has(`${spec.id} ${message.blockHash}`)) {
            proposedBy.add(`${spec.id} ${message.blockHash}`);
            freshProposals.push({ node: spec.id, height: message.height, at: clock.now(), time: block.header.time, txs: block.txs.length });
          }
          protocol.broadcastConsensus(message, block, compact);
        },
        resendLater: (message, block) => protocol.resendLater(message, block),
        heightDecided: () => protocol.heightDecided(),
        fetchBody: (hash, height, attempt) => protocol.fetchBody(hash, height, attempt),
        fetchBlocks: (peer, from) => protocol.fetchBlocks(peer, from),
      };
      inc.consensus = createConsensusHost({
        chain: view,
        engine: inc.engine,
        admission: inc.admission,
        peers,
        // A staleProposer makes no catch-up block: after an idle stretch its fresh block takes transactions at the old time.
        ...(staleSetup || byz.has('staleProposer') ? { catchUpAfterMs: Infinity } : {}),
        // A Byzantine node's faults edit whole bodies (byzantine.ts); honest nodes send compact ones.
        ...(byz.size > 0 ? { compactProposals: false } : {}),
        ...(trusting ? { bodyCheck: false } : {}),
        wal,
        signFromHeight: guard.height,
        // What the checkers learn of the node's engine: the evidence it caught, through the services' hook.
        hosts: [{ onEvidence: (ev: Evidence) => void evidence.push({ validator: ev.first.type === 'proposal' ? ev.first.proposer : ev.first.validator, height: ev.first.height }) }],
        signer: { publicKey: spec.pubKey, signTx: (body) => signTx(body, spec.secretKey) },
        verify,
        clock,
        timers,
        log,
        onFatal: (e) => void (fatal ??= new Error(`seed ${options.seed}, node ${spec.id}: ${e.message}`, { cause: e })),
      });
      current = inc;
      chain.onCommit((c) => recordCommit(chain, c));
      inc.protocol.start();
      inc.consensus.start();
    }

    /** The incarnation ends: timers, network and queue stop; only the store remains. */
    function end(): void {
      const inc = current;
      if (!inc) return;
      current = undefined;
      inc.alive = false;
      inc.protocol.close();
      void inc.consensus.close();
      void inc.chain.close();
      void wal.close();
    }

    const node: SimNode = {
      spec,
      id: spec.id,
      name: `node-${spec.id}`,
      commits,
      evidence,
      get up() {
        return up;
      },
      get height() {
        return lastChain?.height ?? 0;
      },
      get idle() {
        return current?.consensus.idle ?? true;
      },
      schedule: () => lastChain?.getState(SETS_KEY) as unknown as { sets: ScheduledSet[] } | undefined,
      hasCommitted: (txId) => committedTxs.has(txId),
      async boot() {
        end();
        up = true;
        await boot();
      },
      crash(): void {
        if (!up) return;
        up = false;
        end();
        trace?.(`${agenda.now} node ${spec.id} crashed at height ${node.height}`);
      },
      submit(tx: unknown): void {
        if (current) void current.admission.submit([tx]);
      },
      receive(from, topic, data) {
        if (!current) return;
        if ((byz.has('replay') || byz.has('tamperingRelay')) && topic === 'consensus') {
          try {
            const { message } = JSON.parse(new TextDecoder().decode(data)) as { message: ConsensusMessage };
            if (byz.has('replay') && heard.length < HEARD_MAX) heard.push(message);
            if (byz.has('tamperingRelay')) relayTampered(message);
          } catch {
            // not a consensus message: nothing to replay
          }
        }
        current.protocol.onMessage(from, topic, data);
      },
      serve(from, protocol, data) {
        const answer = current?.protocol.onRequest(from, protocol, data);
        // tamperingRelay: a block's body, or the last of the committed blocks it serves, edited under its header.
        return answer && byz.has('tamperingRelay') && (protocol === 'block' || protocol === 'sync') ? answer.then(tamperedAnswer) : answer;
      },
      status(): string {
        const engine = current?.engine;
        return `node ${spec.id} up ${up} head ${node.height}${engine ? ` engine h${engine.height} r${engine.round} ${engine.phase} mempool ${current!.admission.size} ${engine.describe()}` : ''}`;
      },
    };
    return node;
  }

  // --- the run ---------------------------------------------------------------------------
  /**
   * Let the nodes finish what the last event started. Their parts await only
   * promises of in-memory work, so one macrotask turn drains them all; a node
   * still busy after it awaited something else, which would break replay.
   */
  const settle = async (): Promise<void> => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (fatal) throw fatal;
    for (const x of nodes) assert(x.idle, `simulator: node ${x.spec.id} is still busy after its event (seed ${options.seed})`);
  };
  const boot = (x: SimNode): void => {
    x.boot().catch((e: Error) => void (fatal ??= new Error(`seed ${options.seed}, node ${x.spec.id}: ${e.message}`, { cause: e })));
  };
  for (const node of nodes) boot(node);
  await settle();
  for (const c of crashes) {
    agenda.at(c.at, () => nodes[c.node]!.crash());
    agenda.at(c.until, () => {
      trace?.(`${agenda.now} node ${c.node} restarted`);
      boot(nodes[c.node]!);
    });
  }
  /** What each client sent and has not yet seen committed, oldest first (for re-sending). */
  const unconfirmed = clients.map(() => [] as { id: string; tx: unknown }[]);
  /** One signed anchor from a client to a node, both drawn from `r`. */
  const sendAnchor = (r: Prng): void => {
    const c = r.int(0, clients.length - 1);
    const client = clients[c]!;
    const tx = signTx({ v: 1, chainId, module: 'notary', action: 'anchor', args: { hash: r.hex32() }, signer: client.pubKey, nonce: client.nonce++ }, client.secretKey);
    const id = decodeTx(tx).id;
    clientTxIds.add(id);
    sentAt.set(id, agenda.now);
    unconfirmed[c]!.push({ id, tx });
    if (!control) r.pick(nodes).submit(tx);
    // The control's partition never heals: each side gets every transaction, or a client's nonces would
    // gap on both sides (its transactions alternate between them) and neither would have a block to fork.
    else for (const side of [0, 1]) r.pick(nodes.filter((x) => x.spec.side === side)).submit(tx);
  };
  /**
   * Clients re-send, as real ones do when no commit comes: once a second, each
   * client's oldest transactions that an honest node it asks has not committed
   * go to another node. Without this, one transaction lost with a crashed node
   * leaves a nonce gap that holds every later one of its client forever, and
   * with no empty blocks the chain would rightly stop. (Own stream of the seed.)
   */
  const resendClients = (at: number): void => {
    agenda.at(at, () => {
      const up = honest.filter((x) => x.up);
      if (up.length > 0) {
        const watch = timingRng.pick(up);
        for (const list of unconfirmed) {
          while (list.length > 0 && watch.hasCommitted(list[0]!.id)) list.shift();
          for (const t of list.slice(0, 8)) timingRng.pick(nodes).submit(t.tx);
        }
      }
      if (agenda.now < endAt) resendClients(agenda.now + 1000);
    });
  };
  resendClients(1000);
  const scheduleClient = (at: number): void => {
    agenda.at(at, () => {
      // An idle period: the clients fall silent until it ends.
      if (idle && agenda.now >= idle.from && agenda.now < idle.until) {
        scheduleClient(idle.until);
        return;
      }
      sendAnchor(rng);
      if (agenda.now < endAt - 5000) scheduleClient(agenda.now + rng.int(50, 400));
    });
  };
  scheduleClient(10);
  if (burstTxs > 0 && !(idle && burstAt >= idle.from && burstAt < idle.until)) {
    agenda.at(burstAt, () => {
      trace?.(`${agenda.now} burst of ${burstTxs} transactions`);
      for (let i = 0; i < burstTxs; i++) sendAnchor(timingRng);
    });
  }

  // The set change: an honest client holding the proposer's and approvers' node keys
  // watches a node and re-sends what that node has not committed yet, once a second.
  const proposalTxs: { tx: unknown; id: string }[] = [];
  const approvalTxs: { tx: unknown; id: string }[] = [];
  if (plan) {
    const txOf = (i: number, action: string, args: { [key: string]: Json }): { tx: unknown; id: string } => {
      const tx = signTx({ v: 1, chainId, module: 'validators', action, args, signer: keys[i]!.pubKey, nonce: 0 }, keys[i]!.secretKey);
      return { tx, id: decodeTx(tx).id };
    };
    const proposal = txOf(plan.proposer, 'propose', { validators: plan.validators.map((v) => ({ name: v.name, pubKey: v.pubKey, power: v.power })) });
    proposalTxs.push(proposal);
    if (fault !== 'dropApprovals') for (const i of plan.approvers) approvalTxs.push(txOf(i, 'approve', { id: proposal.id }));
    for (const t of [...proposalTxs, ...approvalTxs]) clientTxIds.add(t.id);
    let proposed = false;
    let approving = false;
    const changeClient = (at: number): void => {
      agenda.at(at, () => {
        const up = honest.filter((x) => x.up);
        if (up.length > 0) {
          const watch = rng.pick(up);
          if (watch.schedule()?.sets.some((x) => validatorSetHash(x.validators) === plan.setHash)) return; // scheduled: done
          if (!watch.hasCommitted(proposal.id)) {
            if (!proposed) trace?.(`${agenda.now} set change proposed by ${validators[plan.proposer]!.name}: ${plan.detail} (tx ${proposal.id.slice(0, 8)}, to node ${watch.spec.id})`);
            proposed = true;
            watch.submit(proposal.tx);
          } else {
            if (!approving) trace?.(`${agenda.now} set change proposal committed; approvals by ${plan.approvers.map((i) => validators[i]!.name).join(', ') || 'none'}${fault === 'dropApprovals' ? ' dropped' : ''}`);
            approving = true;
            for (const a of approvalTxs) if (!watch.hasCommitted(a.id)) watch.submit(a.tx);
          }
        }
        if (agenda.now < endAt) changeClient(agenda.now + 1000);
      });
    };
    changeClient(plan.at);
  }

  let heightAtHeal = -1;
  const livenessTarget = (): boolean => heightAtHeal >= 0 && honest.every((x) => x.height >= heightAtHeal + 3);
  /**
   * The run also goes on until a planned change took effect, or until waiting
   * cannot help: every honest node committed every change transaction, and the
   * change was never scheduled or honest nodes are 10 blocks past both its
   * start and the healing. (The checkers judge the change; this only decides when to stop.)
   */
  const changeSettled = (): boolean => {
    if (!plan || (changeSeen.newSetSigned && (!plan.added || changeSeen.addedSigned))) return true;
    if (!honest.every((x) => proposalTxs.every((t) => x.hasCommitted(t.id)) && approvalTxs.every((t) => x.hasCommitted(t.id)))) return false;
    const since = changeSeen.since;
    return since === undefined || honest.every((x) => x.height >= Math.max(since, heightAtHeal) + 10);
  };
  agenda.at(healAt, () => {
    heightAtHeal = Math.max(...nodes.map((x) => x.height));
  });
  // After an idle period the clients send again: the chain must commit again (two blocks on every honest node).
  let heightAtIdleEnd = -1;
  if (idle) {
    agenda.at(idle.from, () => trace?.(`${agenda.now} idle: the clients fall silent until ${idle.until} ms`));
    agenda.at(idle.until, () => {
      heightAtIdleEnd = Math.max(...honest.map((x) => x.height));
      trace?.(`${agenda.now} idle period over at height ${heightAtIdleEnd}`);
    });
  }
  const idleSettled = (): boolean => !idle || (heightAtIdleEnd >= 0 && honest.every((x) => x.height >= heightAtIdleEnd + 2));
  for (let e = agenda.pop(); e && e.at <= endAt; e = agenda.pop()) {
    e.run();
    await settle();
    if (livenessTarget() && changeSettled() && idleSettled()) break;
  }


  if (trace) for (const x of nodes) trace(x.status());
  // --- checkers ----------------------------------------------------------------------------
  const violations: Violation[] = [];
  // The set in force at each height, from the schedule in the committed state of the most
  // advanced honest node (entries are only ever added, at heights above the block adding them,
  // so the latest schedule answers for every height before it; equal state is checked below).
  const reference = honest.reduce((a, b) => (b.height > a.height ? b : a));
  const finalSchedule = reference.schedule();
  const setHashes = new Map<readonly Validator[], string>();
  const setOf = (height: number): { set: readonly Validator[]; hash: string } => {
    const set = validatorSetAt(finalSchedule, validators, height).validators;
    let hash = setHashes.get(set);
    if (hash === undefined) setHashes.set(set, (hash = validatorSetHash(set)));
    return { set, hash };
  };
  const byHeight = new Map<number, { hash: string; stateRoot: string; node: number }>();
  let backdated = false;
  for (const x of honest) {
    for (const c of x.commits) {
      const first = byHeight.get(c.height);
      if (!first) byHeight.set(c.height, { hash: c.hash, stateRoot: c.stateRoot, node: x.spec.id });
      else {
        if (first.hash !== c.hash) {
          violations.push({ checker: 'agreement', message: `height ${c.height}: node ${first.node} committed ${first.hash.slice(0, 12)}, node ${x.spec.id} committed ${c.hash.slice(0, 12)}` });
        } else if (first.stateRoot !== c.stateRoot) {
          violations.push({ checker: 'stateRoot', message: `height ${c.height}: nodes ${first.node} and ${x.spec.id} computed different state roots` });
        }
      }
      if (c.stateRoot !== c.headerStateRoot) violations.push({ checker: 'stateRoot', message: `height ${c.height} node ${x.spec.id}: state root differs from the header` });
      for (const id of c.txIds) {
        if (!clientTxIds.has(id)) violations.push({ checker: 'validity', message: `height ${c.height} node ${x.spec.id}: committed a transaction no client signed (${id.slice(0, 12)})` });
        // Backdated: a transaction is never judged at a block time further before it was sent than the validators'
        // stale bound and the honest clocks' drift allow (spec/consensus.md §5.1), whoever proposed the block.
        const sent = sentAt.get(id);
        const early = sent === undefined ? 0 : startedAt + sent - c.time;
        if (early > BACKDATE_MAX_MS && !backdated) {
          backdated = true;
          violations.push({ checker: 'backdated', message: `height ${c.height} node ${x.spec.id}: a transaction sent at ${sent} ms went into a block timed ${early} ms before (bound ${BACKDATE_MAX_MS} ms)` });
        }
      }
      const inForce = setOf(c.height);
      const certErr =
        checkCertificate(chainId, c.certificate, inForce.set, verify) ??
        (c.certificate.blockHash !== c.hash ? 'certificate for another block' : undefined) ??
        (c.headerSetHash !== inForce.hash ? 'the header names another validator set than the one in force' : undefined) ??
        ((c.headerNextSetHash ?? c.headerSetHash) !== setOf(c.height + 1).hash ? 'the header names another next validator set than the one scheduled' : undefined);
      if (certErr) violations.push({ checker: 'certificate', message: `height ${c.height} node ${x.spec.id}: ${certErr}` });
    }
    for (const ev of x.evidence) {
      if (!nodes.some((y) => y.spec.pubKey === ev.validator && y.spec.byzantine.length > 0)) {
        violations.push({ checker: 'evidence', message: `node ${x.spec.id} holds evidence against honest validator ${ev.validator.slice(0, 12)}` });
      }
    }
  }
  // Validity also checks signatures: every committed transaction verifies (a forged one would not).
  for (const x of honest) {
    for (const c of x.commits) {
      for (const t of c.txs) {
        const d = decodeTx(t);
        if (!verify(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig)) violations.push({ checker: 'validity', message: `height ${c.height}: a transaction with a bad signature committed` });
      }
    }
  }
  // Idle: in the checked part of the idle period, honest nodes commit no empty block beyond the
  // heartbeats (blocks with transactions may still come: a set-change client re-sends its own),
  // and with a heartbeat, at least one block; after it, the next transactions commit.
  let idleReport: TimingReport['idle'] = null;
  if (idle) {
    const from = idle.from + IDLE_SETTLE_MS;
    const firstAt = new Map<number, { at: number; empty: boolean }>();
    for (const x of honest) {
      for (const c of x.commits) {
        const seen = firstAt.get(c.height);
        if (!seen || c.at < seen.at) firstAt.set(c.height, { at: c.at, empty: c.txIds.length === 0 });
      }
    }
    // A scheduled set change is waiting work until its first block (consensus-host.ts): blocks up to it may be empty.
    for (const h of [...firstAt.keys()]) if (changeSeen.since !== undefined && h <= changeSeen.since) firstAt.delete(h);
    const inWindow = [...firstAt.values()].filter((b) => b.at >= from && b.at < idle.until).sort((a, b) => a.at - b.at);
    // An empty block followed, in the window, by a block with transactions was the price of work in
    // flight: a transaction some validators held and the proposer did not (a dropped gossip message, a
    // client's re-send), so a height started and its proposer had nothing to put in it (tendermint.ts,
    // liveness). Only an empty block after the window's last transactions is one an idle chain made.
    const lastWork = inWindow.reduce((at, b) => (b.empty ? at : b.at), -1);
    const empty = inWindow.filter((b) => b.empty && b.at > lastWork).length;
    idleReport = { from: idle.from, until: idle.until, emptyBlocks: empty, blocks: inWindow.length };
    const windowMs = idle.until - from;
    // A Byzantine validator may start a height on an idle chain by sending a vote (tendermint.ts): it
    // costs an empty block. Seen with twins, whose two copies' mempools differ; two such are allowed.
    const allowed = (heartbeatMs > 0 ? Math.floor(windowMs / heartbeatMs) + 1 : 0) + (byzantineIdx.length > 0 ? 2 : 0);
    if (empty > allowed) {
      violations.push({ checker: 'idle', message: `idle ${from}-${idle.until} ms: honest nodes committed ${empty} empty blocks (allowed ${allowed}${heartbeatMs > 0 ? `, heartbeat ${heartbeatMs} ms` : ''})` });
    }
    const roundMs = TIMEOUT_PROFILES[profile].proposeMs + TIMEOUT_PROFILES[profile].prevoteMs + TIMEOUT_PROFILES[profile].precommitMs;
    if (heartbeatMs > 0 && windowMs >= 2 * heartbeatMs + 3 * roundMs && inWindow.length === 0) {
      violations.push({ checker: 'idle', message: `idle ${from}-${idle.until} ms: no heartbeat block (heartbeat ${heartbeatMs} ms)` });
    }
    if (!control && !idleSettled()) {
      violations.push({ checker: 'liveness', message: `after the idle period (${idle.until} ms, height ${heightAtIdleEnd}) honest nodes reached ${honest.map((x) => x.height).join(', ')} by ${agenda.now} ms (needed ${heightAtIdleEnd + 2})` });
    }
  }
  // Block time: an honest proposer puts transactions only in a block whose time is at most
  // CATCH_UP_AFTER_MS behind its clock (after an idle period it makes an empty catch-up block first),
  // so no transaction is judged at a time long past (consensus-host.ts).
  for (const p of freshProposals) {
    const behind = p.at - p.time;
    if (p.txs > 0 && behind > CATCH_UP_AFTER_MS) {
      violations.push({ checker: 'blockTime', message: `node ${p.node} proposed block ${p.height} with ${p.txs} transactions at a block time ${behind} ms behind its clock (bound ${CATCH_UP_AFTER_MS} ms): they would be judged at a time long past` });
      break;
    }
  }
  // No honest validator judges a valid block invalid (one a node's own host built, whoever sent it): what came with
  // the proposal (a compact body a Byzantine proposer lied in, say) is no verdict on the block, which only its hash
  // names (spec/consensus.md §2.1).
  const wronged = rejected.find((r) => honestIds.has(r.node) && builtBlocks.has(r.block));
  if (wronged) {
    violations.push({ checker: 'honestRejected', message: `node ${wronged.node} judged block ${wronged.block} of height ${wronged.height}, a valid block, invalid: ${wronged.reason}` });
  }
  if (!control && !livenessTarget()) {
    violations.push({
      checker: 'liveness',
      message: `healed at ${healAt} ms at height ${heightAtHeal}; by ${agenda.now} ms honest nodes reached ${honest.map((x) => x.height).join(', ')} (needed ${heightAtHeal + 3})`,
    });
  }
  // The planned set change took effect: scheduled, a block at or after `since` certified by
  // the new set (and naming it), and an added validator signing a block after healing.
  let setChange: SetChangeReport | null = null;
  if (plan) {
    const entry = finalSchedule?.sets.find((x) => validatorSetHash(x.validators) === plan.setHash);
    const byNewSet = honest
      .flatMap((x) => x.commits)
      .filter((c) => entry && c.height >= entry.since && c.headerSetHash === plan.setHash && checkCertificate(chainId, c.certificate, entry.validators, verify) === undefined);
    const firstHeight = byNewSet.length > 0 ? Math.min(...byNewSet.map((c) => c.height)) : null;
    setChange = { kind: plan.kind, detail: plan.detail, since: entry?.since ?? null, firstHeight };
    const where = `honest nodes reached ${honest.map((x) => x.height).join(', ')} by ${agenda.now} ms`;
    if (!entry) {
      const proposed = proposalTxs.some((t) => reference.hasCommitted(t.id));
      const approved = approvalTxs.filter((t) => reference.hasCommitted(t.id)).length;
      violations.push({
        checker: 'setChange',
        message: `the change (${plan.detail}) was never scheduled: proposal ${proposed ? '' : 'not '}committed, ${approved} of ${plan.approvers.length} approvals committed${fault === 'dropApprovals' ? ' (approvals dropped)' : ''}; ${where}`,
      });
    } else if (firstHeight === null) {
      violations.push({ checker: 'setChange', message: `the change (${plan.detail}) was scheduled from height ${entry.since}, but no block from there on is certified by the new set; ${where}` });
    } else if (plan.added) {
      const key = plan.added.pubKey;
      if (!byNewSet.some((c) => c.at >= healAt && c.certificate.signatures.some((x) => x.validator === key))) {
        violations.push({ checker: 'setChange', message: `added validator ${plan.added.name} signed no block after healing (${healAt} ms); ${where}` });
      }
    }
  }

  const minHeight = Math.min(...honest.map((x) => x.height));
  return {
    seed: options.seed,
    validators: n,
    byzantine: byzantineIdx.length,
    behaviours: [...behaviours.entries()].map(([i, b]) => `${i}:${b.join('+')}`),
    faults,
    height: minHeight,
    commits: honest.reduce((s, x) => s + x.commits.length, 0),
    messages: net.messages,
    evidence: honest.reduce((s, x) => s + x.evidence.length, 0),
    staleRefused,
    virtualMs: agenda.now,
    setChange,
    timing: { profile, heartbeatMs, idle: idleReport, burstTxs },
    violations,
  };
}
