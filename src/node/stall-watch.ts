/**
 * Whether the node is ready to serve, and a loud stall: the one
 * place that decides what `GET /readyz`, `polity status`, the metrics
 * `polity_ready`, `polity_quorum` and `polity_stalled`, and the warnings in
 * the log say, so they never disagree.
 *
 * Ready means all of:
 * - quorum (BFT): the validators this node hears from — itself, if it is
 *   one, and the peers it holds a live link to (links are pinged and dropped
 *   after 20 s of silence, src/p2p/network.ts) — hold more than two thirds
 *   of the voting power of the set that signs the next block. Below that no
 *   block can commit anywhere this node can see;
 * - caught up: no peer has spoken of a height more than one past this
 *   node's head (it would be fetching blocks);
 * - not stalled: neither engine cuts empty blocks (BFT at most a heartbeat
 *   now and then), so an idle chain without new blocks is healthy. A stall is
 *   work waiting for longer than `stallAfterMs` without a new block, or (BFT)
 *   no quorum heard and no new block for that long;
 * - storage: the block store is not found damaged (store-health.ts), the
 *   data directory is writable, and no store write stopped the node.
 *
 * Pure: the time and everything observed come in as arguments, so a test
 * drives it on a fake clock; node.ts calls `check` once a second.
 * Transitions are logged once (quorum lost and regained, stalled and
 * resumed); a stall is repeated every `repeatEveryMs` while it lasts.
 * Log fields name validators by their organisation name (public, in the
 * genesis) and a short key, nothing else.
 */
import type { LogFields, Logger } from './log.js';

export interface StallWatchOptions {
  /** No new block for this long while work waits, or (BFT) without quorum, is a stall. */
  stallAfterMs: number;
  /** While stalled, the warning is repeated this often. */
  repeatEveryMs: number;
}

/** 10 s: many rounds at the default timeouts; a block with work waiting takes milliseconds. */
export const DEFAULT_STALL_WATCH: StallWatchOptions = { stallAfterMs: 10_000, repeatEveryMs: 60_000 };

/** What the node observes, handed to `check`. */
export interface HealthInputs {
  nowMs: number;
  consensus: 'solo' | 'bft';
  height: number;
  /** Transactions and service work waiting for a block. */
  pendingWork: number;
  /** The set that signs the next block. */
  validators: readonly { name: string; pubKey: string; power: number }[];
  /** This node's key. */
  selfKey: string;
  /** BFT: the node keys of the peers linked now. */
  connected: readonly string[];
  /** The highest height a peer has spoken of (0: none). */
  highestPeerHeight: number;
  storage: { state: 'checking' | 'ok' | 'damaged'; detail?: string };
  /** The data directory accepts writes (checked by the node). */
  storageWritable: boolean;
  /** Set when a failure stopped the node's consensus (a failed store write). */
  failure?: string;
}

export type ReadinessCode = 'NO_QUORUM' | 'STALLED' | 'CATCHING_UP' | 'STORAGE_DAMAGED' | 'STORAGE_NOT_WRITABLE' | 'STOPPED';

export interface Quorum {
  ok: boolean;
  /** Voting power of the validators heard from, itself included, and of the whole set. */
  heardPower: number;
  totalPower: number;
  /** Organisation names of the validators heard from, and of those not heard from. */
  heardFrom: string[];
  missing: string[];
}

export interface NodeHealth {
  ready: boolean;
  /** Why not, in the order checked; empty when ready. */
  reasons: { code: ReadinessCode; message: string }[];
  quorum: Quorum;
  stalled: boolean;
  caughtUp: boolean;
  /** Milliseconds since this node last saw its height grow (or since it started). */
  sinceProgressMs: number;
}

export interface StallWatch {
  /** Judge the inputs, log what changed, and return the verdict. */
  check(inputs: HealthInputs): NodeHealth;
  /** The last verdict (before the first check: not ready). */
  readonly last: NodeHealth | undefined;
}

const shortKey = (key: string): string => key.slice(0, 8);
const nameOf = (v: { name: string; pubKey: string }): string => `${v.name} (${shortKey(v.pubKey)})`;

/** Quorum as this node sees it: solo always has it (it is the set). */
export function quorumOf(inputs: Pick<HealthInputs, 'consensus' | 'validators' | 'selfKey' | 'connected'>): Quorum {
  const linked = new Set(inputs.connected);
  let heardPower = 0;
  let totalPower = 0;
  const heardFrom: string[] = [];
  const missing: string[] = [];
  for (const v of inputs.validators) {
    totalPower += v.power;
    const heard = inputs.consensus === 'solo' || v.pubKey === inputs.selfKey || linked.has(v.pubKey);
    if (heard) heardPower += v.power;
    (heard ? heardFrom : missing).push(nameOf(v));
  }
  return { ok: heardPower * 3 > totalPower * 2, heardPower, totalPower, heardFrom, missing };
}

export function createStallWatch(startMs: number, log: Logger, options: Partial<StallWatchOptions> = {}): StallWatch {
  const { stallAfterMs, repeatEveryMs } = { ...DEFAULT_STALL_WATCH, ...options };
  let lastHeight = -1;
  let progressMs = startMs;
  /** Since when work has waited, undefined when none waits. */
  let workSinceMs: number | undefined;
  /** Undefined until the first check: a node that starts without its peers is waiting, not losing quorum. */
  let quorumWasOk: boolean | undefined;
  let stalledSinceMs: number | undefined;
  let warnedMs = 0;
  let last: NodeHealth | undefined;

  const fieldsOf = (inputs: HealthInputs, quorum: Quorum, sinceMs: number): LogFields => ({
    height: inputs.height,
    heardFrom: quorum.heardFrom.join(', '),
    missing: quorum.missing.join(', ') || undefined,
    heardPower: quorum.heardPower,
    totalPower: quorum.totalPower,
    noBlockForS: Math.round(sinceMs / 1000),
    pendingWork: inputs.pendingWork,
  });

  return {
    get last() {
      return last;
    },
    check(inputs) {
      const now = inputs.nowMs;
      if (inputs.height !== lastHeight) {
        lastHeight = inputs.height;
        progressMs = now;
        workSinceMs = undefined;
      }
      if (inputs.pendingWork > 0) workSinceMs ??= now;
      else workSinceMs = undefined;
      const sinceProgressMs = Math.max(0, now - progressMs);
      const quorum = quorumOf(inputs);
      const caughtUp = inputs.highestPeerHeight <= inputs.height + 1;
      // Both wait for work (no empty blocks). Without quorum (BFT) nothing can commit, waiting or not:
      // then no block for stallAfterMs is a stall, as when every height made a block.
      const waitingSince = !quorum.ok ? progressMs : workSinceMs === undefined ? undefined : Math.max(workSinceMs, progressMs);
      const stalled = waitingSince !== undefined && now - waitingSince > stallAfterMs;

      const reasons: NodeHealth['reasons'] = [];
      if (inputs.failure) reasons.push({ code: 'STOPPED', message: `the node stopped after an internal failure: ${inputs.failure.slice(0, 200)}` });
      if (inputs.storage.state === 'damaged') reasons.push({ code: 'STORAGE_DAMAGED', message: inputs.storage.detail?.slice(0, 300) ?? 'the block store is damaged' });
      if (!inputs.storageWritable) reasons.push({ code: 'STORAGE_NOT_WRITABLE', message: 'the data directory does not accept writes' });
      if (!quorum.ok) {
        reasons.push({
          code: 'NO_QUORUM',
          message: `no quorum: hears from validators holding ${quorum.heardPower} of ${quorum.totalPower} voting power (more than two thirds needed): ${quorum.heardFrom.join(', ')}; not from ${quorum.missing.join(', ')}`,
        });
      }
      if (!caughtUp) reasons.push({ code: 'CATCHING_UP', message: `catching up: at height ${inputs.height}, peers at ${inputs.highestPeerHeight}` });
      if (stalled) {
        const why = inputs.pendingWork > 0 ? `while ${inputs.pendingWork} transactions wait` : 'without quorum';
        reasons.push({ code: 'STALLED', message: `stalled: no new block for ${Math.round((now - waitingSince!) / 1000)} s ${why}` });
      }

      // The log: each change once, and a stall repeated while it lasts.
      if (!quorum.ok && quorumWasOk === undefined) log.info('consensus.awaitingQuorum', fieldsOf(inputs, quorum, sinceProgressMs));
      if (!quorum.ok && quorumWasOk === true) log.warn('consensus.quorumLost', fieldsOf(inputs, quorum, sinceProgressMs));
      if (quorum.ok && quorumWasOk === false) log.info('consensus.quorumRegained', fieldsOf(inputs, quorum, sinceProgressMs));
      quorumWasOk = quorum.ok;
      if (stalled && (stalledSinceMs === undefined || now - warnedMs >= repeatEveryMs)) {
        stalledSinceMs ??= now;
        warnedMs = now;
        log.warn('node.stalled', { ...fieldsOf(inputs, quorum, now - waitingSince!), quorum: quorum.ok, caughtUp });
      }
      if (!stalled && stalledSinceMs !== undefined) {
        log.info('node.resumed', { height: inputs.height, stalledForS: Math.round((now - stalledSinceMs) / 1000) });
        stalledSinceMs = undefined;
      }
      last = { ready: reasons.length === 0, reasons, quorum, stalled, caughtUp, sinceProgressMs };
      return last;
    },
  };
}
