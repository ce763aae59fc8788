/**
 * The deterministic simulator (spec/consensus.md §12): one seeded network of
 * validators running the real Tendermint engine, real Ed25519 signatures and
 * real block building, execution and validation (runtime/chain-core.ts),
 * over a simulated network and simulated disks, with faults chosen by the
 * seed. After the run, checkers look for safety and liveness violations.
 *
 * Faults: message loss, delay, duplication and reordering; partitions that
 * form and heal; crashes and restarts (a node keeps its committed blocks and
 * its vote log, loses everything else); clock drift; Byzantine validators
 * that equivocate, propose conflicting or invalid blocks, withhold votes,
 * replay old messages, forge signatures, or run the same key on two nodes
 * ("twins"). Honest faults all end at `healAt`; Byzantine ones never end.
 *
 * Validator-set changes: in about a third of the seeds (never in the
 * control) an honest client changes the set through the validators module —
 * adds a spare node (a follower from the start) as a validator, removes a
 * validator, or changes one's power — keeping the Byzantine power under a
 * third of both sets. Each node follows the schedule committed in its own
 * state (as node/node.ts does), for its engine and its ChainContext.
 *
 * Checkers (honest nodes only): agreement, validity, equal state roots at
 * equal heights, certificates valid for the set in force at their height,
 * evidence only against Byzantine validators, liveness once healed, and that
 * a planned set change took effect. Everything random comes from the seed;
 * virtual time only; so a seed replays a run exactly.
 */
import { toHex, utf8Encode } from '../crypto/bytes.js';
import { canonicalHash, type Json } from '../crypto/canonical-json.js';
import { publicKeyOf, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import type { CommitCertificate } from '../ledger/block.js';
import { genesisHash, validatorSetHash, type Genesis, type Validator } from '../ledger/genesis.js';
import { emptyStateTree, stateRoot } from '../ledger/state-tree.js';
import { decodeTx, txSignMessage, type DecodedTx } from '../ledger/transaction.js';
import { signTx } from '../ledger/sign.js';
import { proposalSignBytes, voteSignBytes, type ConsensusMessage, type Vote } from '../ledger/votes.js';
import { createTendermintEngine, type TendermintEngine } from '../consensus/tendermint.js';
import type { EngineEffect, EngineInput, TimerName } from '../consensus/interface.js';
import { buildBlock, checkCertificate, commitBuilt, validateBlock, type BlockBody, type BuiltBlock, type ChainContext, type ChainHead } from '../runtime/chain-core.js';
import { createModuleRegistry } from '../runtime/registry.js';
import { builtinModules } from '../services/index.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../runtime/validator-schedule.js';
import { Prng } from './prng.js';

export type Behaviour = 'twin' | 'equivocate' | 'conflictingProposal' | 'invalidBlock' | 'silent' | 'replay' | 'forge';
export const BEHAVIOURS: readonly Behaviour[] = ['twin', 'equivocate', 'conflictingProposal', 'invalidBlock', 'silent', 'replay', 'forge'];

export interface SimOptions {
  seed: number;
  /** Number of validators (default: 4 to 7, from the seed). */
  validators?: number;
  /** Byzantine validators (default: 0 to f, from the seed). */
  byzantine?: number;
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
  /** Print a line per commit and fault. */
  trace?: (line: string) => void;
}

export type SetChangeKind = 'add' | 'remove' | 'power';
export type SetChangeFault = 'ignoreSchedule' | 'dropApprovals';

export interface Violation {
  checker: 'agreement' | 'validity' | 'stateRoot' | 'certificate' | 'evidence' | 'liveness' | 'setChange';
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
  virtualMs: number;
  /** The validator-set change of this seed, or null. */
  setChange: SetChangeReport | null;
  violations: Violation[];
}

const GENESIS_TIME = 1_800_000_000_000;
const MEMPOOL_BLOCK_TXS = 40;

interface StoredBlock {
  body: BlockBody;
  hash: string;
  certificate: CommitCertificate;
}

interface Disk {
  blocks: StoredBlock[];
  /** Messages this node signed, by height (the write-ahead vote log). */
  wal: Map<number, ConsensusMessage[]>;
  /** Blocks this node voted for, kept with the log so a restored lock has its block. */
  votedBodies: Map<string, BlockBody>;
}

type Wire =
  | { kind: 'consensus'; message: ConsensusMessage; block?: BlockBody }
  | { kind: 'tx'; tx: unknown }
  | { kind: 'syncRequest'; from: number }
  | { kind: 'syncResponse'; blocks: StoredBlock[] }
  | { kind: 'blockRequest'; hash: string }
  | { kind: 'blockResponse'; body: BlockBody };

interface Event {
  at: number;
  seq: number;
  run: () => void;
}

/** Min-heap of events by (time, sequence). */
class Agenda {
  private heap: Event[] = [];
  private seq = 0;
  now = 0;
  get size(): number {
    return this.heap.length;
  }
  at(at: number, run: () => void): void {
    const e = { at, seq: this.seq++, run };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (before(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < h.length && before(h[l]!, mv)) {
          m = l;
          mv = h[l]!;
        }
        if (r < h.length && before(h[r]!, mv)) m = r;
        if (m === i) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    this.now = top.at;
    return top;
  }
}
const before = (a: Event, b: Event): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Verdicts of Ed25519 checks, shared by all nodes of a run (a verdict is a pure function of its inputs). */
function cachedVerifier(): (pubKey: string, message: Uint8Array, sig: string) => boolean {
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
  stateRoot: string;
  headerStateRoot: string;
  /** The header's validatorSetHash: the set the block says signs it. */
  headerSetHash: string;
  /** The header's nextValidatorSetHash (present on the last block of a set). */
  headerNextSetHash: string | undefined;
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

interface SimNode {
  readonly spec: NodeSpec;
  readonly disk: Disk;
  readonly commits: CommitRecord[];
  readonly evidence: { validator: string; height: number }[];
  readonly up: boolean;
  readonly height: number;
  /** The committed schedule of validator sets (state `consensus/sets`). */
  schedule(): { sets: ScheduledSet[] } | undefined;
  hasCommitted(txId: string): boolean;
  boot(): void;
  crash(): void;
  restart(): void;
  submit(tx: unknown): void;
  deliver(from: SimNode, wire: Wire): void;
  regossip(): void;
  status(): string;
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

export function runSeed(options: SimOptions): SimResult {
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
  const wanted = options.byzantine ?? (control ? Number.MAX_SAFE_INTEGER : rng.int(0, Math.floor((n - 1) / 3)));
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
    else {
      const count = rng.int(1, 3);
      const set = new Set<Behaviour>();
      while (set.size < count) set.add(rng.pick(BEHAVIOURS));
      behaviours.set(i, [...set]);
    }
  }

  // A validator-set change, from its own stream of the seed (seeds without one run as before).
  const changeRng = new Prng((options.seed ^ 0x5e7c4a9d) >>> 0);
  const fault = control ? undefined : options.setChangeFault;
  const changeDrawn = changeRng.chance(1 / 3);
  // A one-validator chain cannot change its set (solo consensus; validators module).
  const wantChange = !control && n >= 2 && options.setChange !== false && (fault !== undefined || options.setChange === true || changeDrawn);
  const spareKey = (() => {
    const secretKey = toHex(sha256(utf8Encode(`polity-sim/${options.seed}/validator/${n}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey) };
  })();
  const plan = wantChange ? planSetChange(changeRng, validators, new Set(byzantineIdx), spareKey.pubKey, `dept-${n}`) : undefined;

  const genesis: Genesis = {
    v: 1,
    chainId: 'polity-sim',
    genesisTime: GENESIS_TIME,
    validators,
    params: { blockTxsMax: 1000, blockBytesMax: 4 * 1024 * 1024, notaryBatchHashesMax: 1000 },
  };
  /** What every node shares; each node's own context adds `validatorsAt` from its committed schedule. */
  const baseCtx: ChainContext = {
    chainId: genesis.chainId,
    genesisHash: genesisHash(genesis),
    genesisTime: GENESIS_TIME,
    params: genesis.params,
    registry: createModuleRegistry(builtinModules),
    validatorsAt: () => validators,
  };
  /**
   * Schedules by content, shared by all nodes of the run: nodes holding the
   * same schedule get the same set arrays (the proposer rotation caches by array).
   */
  const schedules = new Map<string, { sets: ScheduledSet[] }>();
  const internSchedule = (source: unknown): { sets: ScheduledSet[] } | undefined => {
    if (source === undefined) return undefined;
    const key = JSON.stringify(source);
    let s = schedules.get(key);
    if (!s) {
      s = { sets: (source as { sets: ScheduledSet[] }).sets };
      schedules.set(key, s);
    }
    return s;
  };

  // Node instances: one per validator, two for a twin.
  const specs: NodeSpec[] = [];
  for (let i = 0; i < n; i++) {
    const b = behaviours.get(i) ?? [];
    const drift = (): number => (control ? 0 : rng.int(-800, 800));
    specs.push({ id: specs.length, ...keys[i]!, byzantine: b, clockOffsetMs: drift() });
    if (b.includes('twin')) specs.push({ id: specs.length, ...keys[i]!, byzantine: b, clockOffsetMs: drift() });
  }
  // The spare node of an 'add' change: a follower from the start, with its own key.
  if (plan?.kind === 'add') specs.push({ id: specs.length, ...spareKey, byzantine: [], clockOffsetMs: rng.int(-800, 800) });
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
  const faults: string[] = [];
  if (plan) plan.at = changeRng.int(500, healAt);
  if (dropRate > 0) faults.push(`drop ${dropRate}`);
  if (dupRate > 0) faults.push(`duplicate ${dupRate}`);
  faults.push(`delay <= ${delayMax} ms`);
  /** side[i] of each instance during a partition, or undefined when whole. */
  let partition: number[] | undefined;
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
  for (const p of partitions) {
    agenda.at(p.at, () => {
      partition = p.sides;
      trace?.(`${p.at} partition ${p.sides.join('')}`);
    });
    agenda.at(p.until, () => {
      partition = undefined;
      trace?.(`${p.until} partition healed`);
    });
  }
  const healed = (): boolean => agenda.now >= healAt;

  // --- clients: signed notary anchors, sent to random nodes ---------------------------
  const clientTxIds = new Set<string>();
  const clients = Array.from({ length: 3 }, (_, i) => {
    const secretKey = toHex(sha256(utf8Encode(`polity-sim/${options.seed}/client/${i}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey), nonce: 0 };
  });

  // --- nodes ----------------------------------------------------------------------------
  let messages = 0;
  /** What honest nodes' commits showed of the set change so far (for the trace and for when to stop). */
  const changeSeen: { since?: number; newSetSigned: boolean; addedSigned: boolean } = { newSetSigned: false, addedSigned: false };
  const nodes: SimNode[] = specs.map((spec) => createSimNode(spec));
  const honest = nodes.filter((x) => x.spec.byzantine.length === 0);

  /** An honest node committed block `height` (which scheduled the change, in force from `since`, if given). */
  function observeChange(p: SetChangePlan, node: number, height: number, since: number | undefined, headerSetHash: string, certificate: CommitCertificate): void {
    if (since !== undefined && changeSeen.since === undefined) {
      changeSeen.since = since;
      trace?.(`${agenda.now} set change scheduled by block ${height}: the new set signs from height ${since} (node ${node})`);
    }
    if (headerSetHash !== p.setHash) return;
    if (!changeSeen.newSetSigned && checkCertificate(baseCtx.chainId, certificate, p.validators, verify) === undefined) {
      changeSeen.newSetSigned = true;
      trace?.(`${agenda.now} first block signed by the new set: height ${height} round ${certificate.round}, ${certificate.signatures.length} signatures (node ${node})`);
    }
    if (p.added && !changeSeen.addedSigned && agenda.now >= healAt && certificate.signatures.some((s) => s.validator === p.added!.pubKey)) {
      changeSeen.addedSigned = true;
      trace?.(`${agenda.now} added validator ${p.added.name} signed block ${height} after healing (node ${node})`);
    }
  }

  function send(from: SimNode, to: SimNode, wire: Wire): void {
    if (from === to) return;
    const copies = !healed() && rng.chance(dupRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (!healed() && rng.chance(dropRate)) continue;
      const delay = 1 + rng.int(0, delayMax);
      messages++;
      agenda.at(agenda.now + delay, () => {
        // A partition in force at delivery time cuts the link.
        if (partition && partition[from.spec.id] !== partition[to.spec.id]) return;
        to.deliver(from, wire);
      });
    }
  }
  const broadcast = (from: SimNode, wire: Wire): void => {
    for (const to of nodes) send(from, to, wire);
  };

  function createSimNode(spec: NodeSpec): SimNode {
    const disk: Disk = { blocks: [], wal: new Map(), votedBodies: new Map() };
    const awaitingBody = new Map<string, number>();
    const byz = new Set(spec.byzantine);
    let up = true;
    let incarnation = 0;
    let engine!: TendermintEngine;
    let head!: ChainHead;
    let mempool = new Map<string, DecodedTx>();
    let committedTxs = new Set<string>();
    let candidates = new Map<string, { body: BlockBody; built?: BuiltBlock; valid?: boolean }>();
    const timers = new Map<TimerName, number>();
    let timerSeq = 0;
    let syncAskedAt = -1e9;
    const seen: ConsensusMessage[] = []; // for replay attacks
    const evidence: { validator: string; height: number }[] = [];
    const commits: CommitRecord[] = [];
    const now = (): number => GENESIS_TIME + agenda.now + spec.clockOffsetMs;

    /**
     * The set in force at a height, from the schedule committed in this node's
     * own state (as node/node.ts's setAt): known for head + 1 and head + 2.
     */
    let setsMemo: { source: unknown; schedule: { sets: ScheduledSet[] } | undefined } = { source: undefined, schedule: undefined };
    const genesisSet = { validators, since: 1 };
    const setAt = (height: number): { validators: readonly Validator[]; since: number } => {
      if (fault === 'ignoreSchedule') return genesisSet; // the negative control: a node that never follows the schedule
      const source = head.state.get(SETS_KEY);
      if (source !== setsMemo.source) setsMemo = { source, schedule: internSchedule(source) };
      return validatorSetAt(setsMemo.schedule, validators, height);
    };
    const ctx: ChainContext = { ...baseCtx, validatorsAt: (height) => setAt(height).validators };

    const txVerified = (d: DecodedTx): boolean => verify(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig);

    const rebuild = (): void => {
      head = { height: 0, blockHash: baseCtx.genesisHash, time: GENESIS_TIME, state: new Map(), tree: emptyStateTree(), history: { size: 0, frontier: [] } };
      committedTxs = new Set();
      for (const b of disk.blocks) {
        const txs = b.body.txs.map((t) => decodeTx(t));
        const built = buildBlock(ctx, head, { txs, time: b.body.header.time, proposer: b.body.header.proposer, ...(b.body.lastCommit ? { lastCommit: b.body.lastCommit } : {}) });
        if (built.hash !== b.hash) throw new Error(`invariant broken: stored block ${b.body.header.height} does not rebuild`);
        head = commitBuilt(head, built);
        for (const t of txs) committedTxs.add(t.id);
      }
    };

    const boot = (): void => {
      incarnation++;
      rebuild();
      mempool = new Map();
      candidates = new Map();
      awaitingBody.clear();
      for (const [hash, body] of disk.votedBodies) if (body.header.height === head.height + 1) candidates.set(hash, { body });
      timers.clear();
      engine = createTendermintEngine({
        chainId: ctx.chainId,
        validators,
        // The engine decides at each height whether this node is in the set of that height.
        validatorSet: (height) => setAt(height),
        selfPubKey: spec.pubKey,
        sign: (m) => signBytes(spec.secretKey, m),
        verify,
      });
      const last = disk.blocks[disk.blocks.length - 1];
      input({
        type: 'start',
        nowMs: now(),
        height: head.height + 1,
        lastBlockTimeMs: head.time,
        pendingTxs: 0,
        ...(last ? { lastCertificate: last.certificate } : {}),
        ownMessages: disk.wal.get(head.height + 1) ?? [],
      });
    };

    function input(i: EngineInput): void {
      if (!up) return;
      for (const effect of engine.step(i)) carryOut(effect);
    }

    function setTimer(timer: TimerName, height: number, round: number, delayMs: number): void {
      const id = ++timerSeq;
      timers.set(timer, id);
      const inc = incarnation;
      agenda.at(agenda.now + delayMs, () => {
        if (!up || inc !== incarnation || timers.get(timer) !== id) return;
        timers.delete(timer);
        input({ type: 'timeout', nowMs: now(), timer, height, round, pendingTxs: mempool.size });
      });
    }

    function buildCandidate(height: number, timeMs: number, lastCommit: CommitCertificate | undefined, empty: boolean): BuiltBlock {
      const txs = empty ? [] : [...mempool.values()].filter((t) => !committedTxs.has(t.id)).slice(0, MEMPOOL_BLOCK_TXS);
      txs.sort((a, b) => (a.tx.body.signer < b.tx.body.signer ? -1 : a.tx.body.signer > b.tx.body.signer ? 1 : a.tx.body.nonce - b.tx.body.nonce));
      if (height !== head.height + 1) throw new Error('invariant broken: building on the wrong head');
      return buildBlock(ctx, head, { txs, time: timeMs, proposer: spec.pubKey, ...(lastCommit ? { lastCommit } : {}) });
    }

    /** A Byzantine proposer's invalid block: a forged transaction or a false state root. */
    function corrupt(built: BuiltBlock): BlockBody {
      const body = structuredClone(built.body);
      if (rng.chance(0.5)) {
        const forged = signTx(
          { v: 1, chainId: ctx.chainId, module: 'notary', action: 'anchor', args: { hash: rng.hex32() }, signer: clients[0]!.pubKey, nonce: 0 },
          spec.secretKey, // signed with the wrong key: the signature does not verify
        );
        body.txs.push(forged);
        body.header.txCount += 1;
      } else {
        body.header.stateRoot = rng.hex32();
      }
      return body;
    }

    function sendConsensus(m: ConsensusMessage): void {
      if (byz.has('silent') && m.type !== 'proposal') return;
      const block = m.type === 'proposal' ? candidates.get(m.blockHash)?.body : undefined;
      const wire: Wire = block ? { kind: 'consensus', message: m, block } : { kind: 'consensus', message: m };
      if (m.type !== 'proposal' && byz.has('equivocate')) {
        const other = { type: m.type, chainId: m.chainId, height: m.height, round: m.round, blockHash: m.blockHash === null ? rng.hex32() : null, time: m.time };
        const twin: Vote = { ...other, validator: spec.pubKey, sig: signBytes(spec.secretKey, voteSignBytes(other)) };
        for (const to of nodes) send(node, to, rng.chance(0.5) ? wire : { kind: 'consensus', message: twin });
        return;
      }
      if (m.type === 'proposal' && byz.has('conflictingProposal') && block) {
        const alt = buildCandidate(m.height, block.header.time, block.lastCommit, block.txs.length > 0);
        if (alt.hash !== m.blockHash) {
          candidates.set(alt.hash, { body: alt.body, built: alt, valid: true });
          const body = { type: 'proposal' as const, chainId: m.chainId, height: m.height, round: m.round, blockHash: alt.hash, polRound: -1 };
          const p2 = { ...body, proposer: spec.pubKey, sig: signBytes(spec.secretKey, proposalSignBytes(body)) };
          for (const to of nodes) send(node, to, rng.chance(0.5) ? wire : { kind: 'consensus', message: p2, block: alt.body });
          return;
        }
      }
      broadcast(node, wire);
      if (byz.has('replay') && seen.length > 0) broadcast(node, { kind: 'consensus', message: rng.pick(seen) });
      if (byz.has('forge')) {
        // A message in an honest validator's name with a signature that does not verify.
        const victim = rng.pick(validators).pubKey;
        const forged = m.type === 'proposal' ? { ...m, proposer: victim } : { ...m, validator: victim, blockHash: rng.hex32() };
        broadcast(node, { kind: 'consensus', message: forged as ConsensusMessage, ...(block ? { block } : {}) });
      }
    }

    function validate(hash: string, round: number): void {
      const c = candidates.get(hash);
      if (!c) {
        // The proposal came without its block (a restored proposer re-sending): ask peers for it.
        awaitingBody.set(hash, round);
        broadcast(node, { kind: 'blockRequest', hash });
        return;
      }
      awaitingBody.delete(hash);
      if (c.valid === undefined) {
        const r = validateBlock(ctx, head, c.body, txVerified, verify);
        c.valid = r.ok && r.built.hash === hash;
        if (r.ok) c.built = r.built;
      }
      input({ type: 'proposalValidated', nowMs: now(), height: head.height + 1, round, blockHash: hash, valid: c.valid, timeMs: c.body.header.time });
    }

    function commitBlock(height: number, hash: string, certificate: CommitCertificate): void {
      const c = candidates.get(hash);
      if (!c?.built || height !== head.height + 1) throw new Error(`invariant broken: commit of a block not held (${height})`);
      const built = c.built;
      disk.blocks.push({ body: c.body, hash, certificate });
      head = commitBuilt(head, built);
      for (const [h, body] of disk.votedBodies) if (body.header.height <= height) disk.votedBodies.delete(h);
      awaitingBody.clear();
      for (const t of built.txs) {
        committedTxs.add(t.id);
        mempool.delete(t.id);
      }
      commits.push({
        height,
        hash,
        stateRoot: toHex(stateRoot(head.tree)),
        headerStateRoot: c.body.header.stateRoot,
        headerSetHash: c.body.header.validatorSetHash,
        headerNextSetHash: c.body.header.nextValidatorSetHash,
        txIds: built.txs.map((t) => t.id),
        certificate,
        at: agenda.now,
      });
      candidates = new Map([...candidates].filter(([, v]) => v.body.header.height > height));
      trace?.(`${agenda.now} node ${spec.id} committed ${height} ${hash.slice(0, 8)} txs ${built.txs.length} round ${certificate.round}`);
      if (plan && spec.byzantine.length === 0) {
        const since = built.exec.changes.has(SETS_KEY) ? node.schedule()?.sets.find((x) => validatorSetHash(x.validators) === plan.setHash)?.since : undefined;
        observeChange(plan, spec.id, height, since, c.body.header.validatorSetHash, certificate);
      }
    }

    function carryOut(e: EngineEffect): void {
      switch (e.type) {
        case 'setTimer':
          setTimer(e.timer, e.height, e.round, e.delayMs);
          break;
        case 'buildProposal': {
          if (e.height !== head.height + 1) break;
          const built = buildCandidate(e.height, e.timeMs, e.lastCertificate, false);
          if (byz.has('invalidBlock') && rng.chance(0.7)) {
            const body = corrupt(built);
            const hash = toHex(canonicalHash(body.header));
            candidates.set(hash, { body, valid: true });
            // Propose it as if valid: the engine only sees the hash.
            input({ type: 'proposalBuilt', nowMs: now(), height: e.height, round: e.round, proposal: { header: body.header, hash } });
            break;
          }
          candidates.set(built.hash, { body: built.body, built, valid: true });
          input({ type: 'proposalBuilt', nowMs: now(), height: e.height, round: e.round, proposal: { header: built.body.header, hash: built.hash } });
          break;
        }
        case 'persistVote': {
          if (!e.message) break;
          if (e.message.blockHash !== null) {
            const body = candidates.get(e.message.blockHash)?.body;
            if (body) disk.votedBodies.set(e.message.blockHash, body);
          }
          const list = disk.wal.get(e.message.height) ?? [];
          list.push(e.message);
          disk.wal.set(e.message.height, list);
          break;
        }
        case 'broadcast':
          sendConsensus(e.message as ConsensusMessage);
          break;
        case 'validateProposal':
          validate(e.blockHash, e.round);
          break;
        case 'fetchBlock':
          broadcast(node, { kind: 'blockRequest', hash: e.blockHash });
          break;
        case 'evidence': {
          const v = e.evidence.first.type === 'proposal' ? e.evidence.first.proposer : e.evidence.first.validator;
          evidence.push({ validator: v, height: e.evidence.first.height });
          break;
        }
        case 'commit':
          commitBlock(e.height, e.blockHash, e.certificate);
          break;
      }
    }

    /** Apply blocks from a peer's sync response, each checked against its certificate and our rules. */
    function applySync(blocks: StoredBlock[]): void {
      let applied = 0;
      for (const b of blocks) {
        if (b.body?.header?.height !== head.height + 1) continue;
        if (checkCertificate(ctx.chainId, b.certificate, ctx.validatorsAt(b.body.header.height), verify)) return;
        const r = validateBlock(ctx, head, b.body, txVerified, verify);
        if (!r.ok || r.built.hash !== b.hash || b.certificate.blockHash !== b.hash || b.certificate.height !== head.height + 1) return;
        candidates.set(b.hash, { body: b.body, built: r.built, valid: true });
        commitBlock(head.height + 1, b.hash, b.certificate);
        applied++;
      }
      if (applied > 0) {
        const last = disk.blocks[disk.blocks.length - 1]!;
        input({
          type: 'start',
          nowMs: now(),
          height: head.height + 1,
          lastBlockTimeMs: head.time,
          pendingTxs: mempool.size,
          lastCertificate: last.certificate,
          ownMessages: disk.wal.get(head.height + 1) ?? [],
        });
      }
    }

    function admitTx(raw: unknown, relay: boolean): void {
      let d: DecodedTx;
      try {
        d = decodeTx(raw);
      } catch {
        return;
      }
      if (mempool.has(d.id) || committedTxs.has(d.id) || !txVerified(d)) return;
      mempool.set(d.id, d);
      if (relay) broadcast(node, { kind: 'tx', tx: raw });
    }

    const node: SimNode = {
      spec,
      disk,
      commits,
      evidence,
      get up() {
        return up;
      },
      get height() {
        return head.height;
      },
      schedule: () => head.state.get(SETS_KEY) as unknown as { sets: ScheduledSet[] } | undefined,
      hasCommitted: (txId) => committedTxs.has(txId),
      boot,
      crash(): void {
        up = false;
        timers.clear();
        trace?.(`${agenda.now} node ${spec.id} crashed at height ${head.height}`);
      },
      restart(): void {
        up = true;
        trace?.(`${agenda.now} node ${spec.id} restarted`);
        boot();
      },
      submit(tx: unknown): void {
        if (up) admitTx(tx, true);
      },
      deliver(from: SimNode, wire: Wire): void {
        if (!up) return;
        switch (wire.kind) {
          case 'consensus': {
            const m = wire.message;
            if (typeof m !== 'object' || m === null) return;
            if (seen.length < 200) seen.push(m);
            // A peer two or more heights ahead: catch up from it.
            if (typeof m.height === 'number' && m.height >= head.height + 2 && agenda.now - syncAskedAt > 300) {
              syncAskedAt = agenda.now;
              send(node, from, { kind: 'syncRequest', from: head.height + 1 });
            }
            if (wire.block && m.type === 'proposal' && m.height === head.height + 1 && !candidates.has(m.blockHash)) {
              candidates.set(m.blockHash, { body: wire.block });
              const round = awaitingBody.get(m.blockHash);
              if (round !== undefined) validate(m.blockHash, round);
            }
            input({ type: 'peerMessage', nowMs: now(), from: from.spec.pubKey, message: m });
            return;
          }
          case 'tx':
            admitTx(wire.tx, false);
            return;
          case 'syncRequest': {
            const blocks = disk.blocks.slice(Math.max(0, wire.from - 1), wire.from - 1 + 20);
            if (blocks.length > 0) send(node, from, { kind: 'syncResponse', blocks });
            return;
          }
          case 'syncResponse':
            applySync(wire.blocks);
            return;
          case 'blockRequest': {
            const c = candidates.get(wire.hash);
            const stored = disk.blocks.find((b) => b.hash === wire.hash);
            const body = c?.body ?? stored?.body;
            if (body) send(node, from, { kind: 'blockResponse', body });
            return;
          }
          case 'blockResponse': {
            const hash = toHex(canonicalHash(wire.body?.header ?? null));
            if (wire.body?.header?.height !== head.height + 1 || candidates.get(hash)?.valid !== undefined) return;
            candidates.set(hash, { body: wire.body });
            validate(hash, engine.round);
            return;
          }
        }
      },
      status(): string {
        return `node ${spec.id} up ${up} head ${head.height} engine h${engine.height} r${engine.round} ${engine.phase} mempool ${mempool.size} candidates ${candidates.size} ${engine.describe()}`;
      },
      /** Re-send this node's messages of the current height (gossip keeps retrying, as on a real network). */
      regossip(): void {
        if (!up) return;
        for (const m of disk.wal.get(head.height + 1) ?? []) sendConsensus(m);
      },
    };
    return node;
  }

  // --- the run ---------------------------------------------------------------------------
  for (const node of nodes) node.boot();
  for (const c of crashes) {
    agenda.at(c.at, () => nodes[c.node]!.crash());
    agenda.at(c.until, () => nodes[c.node]!.restart());
  }
  const scheduleClient = (at: number): void => {
    agenda.at(at, () => {
      const client = rng.pick(clients);
      const tx = signTx(
        { v: 1, chainId: baseCtx.chainId, module: 'notary', action: 'anchor', args: { hash: rng.hex32() }, signer: client.pubKey, nonce: client.nonce++ },
        client.secretKey,
      );
      clientTxIds.add(decodeTx(tx).id);
      rng.pick(nodes).submit(tx);
      if (agenda.now < endAt - 5000) scheduleClient(agenda.now + rng.int(50, 400));
    });
  };
  scheduleClient(10);
  const scheduleGossip = (at: number): void => {
    agenda.at(at, () => {
      for (const node of nodes) node.regossip();
      if (agenda.now < endAt) scheduleGossip(agenda.now + 1000);
    });
  };
  scheduleGossip(1000);

  // The set change: an honest client holding the proposer's and approvers' node keys
  // watches a node and re-sends what that node has not committed yet, once a second.
  const proposalTxs: { tx: unknown; id: string }[] = [];
  const approvalTxs: { tx: unknown; id: string }[] = [];
  if (plan) {
    const txOf = (i: number, action: string, args: { [key: string]: Json }): { tx: unknown; id: string } => {
      const tx = signTx({ v: 1, chainId: baseCtx.chainId, module: 'validators', action, args, signer: keys[i]!.pubKey, nonce: 0 }, keys[i]!.secretKey);
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
  for (let e = agenda.pop(); e && e.at <= endAt; e = agenda.pop()) {
    e.run();
    if (livenessTarget() && changeSettled()) break;
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
      }
      const inForce = setOf(c.height);
      const certErr =
        checkCertificate(baseCtx.chainId, c.certificate, inForce.set, verify) ??
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
    for (const b of x.disk.blocks) {
      for (const t of b.body.txs) {
        const d = decodeTx(t);
        if (!verify(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig)) violations.push({ checker: 'validity', message: `height ${b.body.header.height}: a transaction with a bad signature committed` });
      }
    }
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
      .filter((c) => entry && c.height >= entry.since && c.headerSetHash === plan.setHash && checkCertificate(baseCtx.chainId, c.certificate, entry.validators, verify) === undefined);
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
    messages,
    evidence: honest.reduce((s, x) => s + x.evidence.length, 0),
    virtualMs: agenda.now,
    setChange,
    violations,
  };
}
