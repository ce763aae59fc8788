/**
 * The peer protocol: what nodes say to each other (spec/p2p.md), over a
 * narrow transport — the authenticated network of src/p2p in a real node,
 * the virtual network of the simulator.
 *
 * Messages (gossip topics):
 * - `consensus`: `{message, block?}` — a signed proposal or vote; a
 *   proposal travels with the body of its block, or `{message, compact}`:
 *   the body with each transaction the proposer had in its mempool named
 *   by its id (spec/consensus.md §2.1). Every peer was sent those
 *   transactions by `tx` gossip, so it has them decoded and verified, and
 *   the block costs a few bytes a transaction instead of the transactions
 *   again. Pending gossip goes out before the proposal, on the same links.
 *   Re-sends carry the whole body: a peer that missed the message may have
 *   missed the gossip too.
 * - `tx`: a JSON array of signed transactions clients submitted to the
 *   sender (peers admit them; the network relays them, so they are not
 *   sent back out). The transactions accepted in one turn of the event loop
 *   go out together (up to `GOSSIP_BATCH_BYTES` a message): 200 clients'
 *   transactions cost a few messages, each relayed by every peer, not 200.
 * Requests (answered by the peer asked):
 * - `sync` `{from}` -> `{blocks}`: committed blocks from a height, with
 *   their certificates (catching up).
 * - `block` `{hash}` -> `{body?}`: the body of a block proposed, or
 *   committed, with that hash.
 * - `service/<name>` (bytes -> bytes): a service request, answered by the
 *   host part of the service `<name>` (service-host.ts `onPeerRequest`). The
 *   protocol carries the bytes and bounds them; what they mean is the
 *   service's business. Why a channel of its own: off-chain work between
 *   organisations (a private record sent from the node that holds it to the
 *   node of an organisation allowed to read it) rides the same
 *   authenticated links as consensus, so the asker is known by its node key
 *   (proven in the Noise handshake), and nobody else reads the bytes.
 *
 * Messages a node sent for the height being decided are re-sent to every
 * connected peer each `resendIntervalMs`: a peer that restarted, caught up
 * or was cut off missed them, and the rules wait for +2/3 of the votes
 * (gossip must eventually deliver every message, spec/consensus.md §4).
 * Re-sends go direct, past the gossip dedup.
 *
 * This part decodes and bounds what arrives; what it means is the
 * consensus host's business (consensus-host.ts) and admission's.
 */
import { utf8Encode } from '../crypto/bytes.js';
import { blockHash, type Block, type BlockHeader } from '../ledger/block.js';
import type { SignedTx } from '../ledger/transaction.js';
import type { ConsensusMessage } from '../ledger/votes.js';
import type { BlockBody } from '../runtime/chain-core.js';
import type { Topic } from '../p2p/network.js';
import type { Timer, Timers } from './clock.js';
import type { Logger } from './log.js';

/**
 * A proposed block's body with the transactions every peer holds named by
 * id: each entry of `txs` is a transaction id (64 hex) or a transaction.
 */
export interface CompactBody {
  header: BlockHeader;
  txs: (string | SignedTx)[];
  lastCommit?: BlockBody['lastCommit'];
}

/** What the protocol needs of a network: the methods of src/p2p's network, or a virtual one. */
export interface PeerTransport {
  /** Peers with an open link now (their node keys, or the simulator's names). */
  connectedPeers(): readonly string[];
  /** To every peer (relayed by them, on a real network). */
  broadcast(topic: Topic, data: Uint8Array): void;
  /** To one peer, not relayed; false when not connected. */
  send(peer: string, topic: Topic, data: Uint8Array): boolean;
  /** Rejects on timeout, disconnect or a remote error. */
  request(peer: string, protocol: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
}

/** The consensus host, as the protocol hands it what arrives. */
export interface ConsensusReceiver {
  /** A consensus message from `from`, with the block body that came with it, whole or compact (unchecked). */
  receive(from: string, message: { height: number; type?: unknown; blockHash?: unknown }, block: unknown, compact?: unknown): void;
  /** The body of a block proposed at the height being decided, if held. */
  proposedBody(hash: string): BlockBody | undefined;
}

export interface PeerLimits {
  /** How often own messages of the current height are re-sent, ms. */
  resendIntervalMs: number;
  /** Most own messages kept for re-sending in one height (a round's proposal and two votes each: 80 rounds). */
  resentMessagesMax: number;
  /** Most blocks in one answer to a sync request. */
  syncBlocksPerAnswerMax: number;
  /** How long to wait for a sync answer, ms. */
  syncTimeoutMs: number;
  /** How long to wait for a block body from one peer, ms. */
  blockRequestTimeoutMs: number;
  /** Most transactions taken from one gossip message. */
  gossipTxsMax: number;
  /** Most bytes of one service request or answer. */
  serviceRequestBytesMax: number;
  /** The longest a service request may wait for its answer, ms (a caller asking longer gets this). */
  serviceRequestTimeoutMsMax: number;
}

export const DEFAULT_PEER_LIMITS: PeerLimits = {
  resendIntervalMs: 1000,
  resentMessagesMax: 256,
  syncBlocksPerAnswerMax: 20,
  syncTimeoutMs: 10_000,
  blockRequestTimeoutMs: 3000,
  gossipTxsMax: 10_000,
  serviceRequestBytesMax: 4 * 1024 * 1024,
  serviceRequestTimeoutMsMax: 30_000,
};

/** Protocol names of service requests: this prefix and the service's name. */
export const SERVICE_PROTOCOL_PREFIX = 'service/';
/** A service's name as it may appear in a protocol name. */
const SERVICE_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

export interface PeerProtocolOptions {
  transport: PeerTransport;
  /** Committed blocks, for answering sync and block requests. */
  chain: { readonly height: number; getBlock(height: number): Promise<Block | undefined>; getBlockByHash(hash: string): Promise<Block | undefined> };
  consensus: ConsensusReceiver;
  /** Transactions gossiped by peers go to admission. */
  submitTxs(txs: readonly unknown[]): Promise<unknown>;
  timers: Timers;
  log: Logger;
  limits?: Partial<PeerLimits>;
  /** Serves `service/<name>` requests (the node hands them to that service's host); without it they are refused. */
  serviceRequest?(from: string, service: string, data: Uint8Array): Promise<Uint8Array>;
}

export interface PeerProtocol {
  /** Incoming gossip or direct message (wired to the transport). */
  onMessage(from: string, topic: Topic, data: Uint8Array): void;
  /** Incoming request (wired to the transport); rejects for an unknown request. */
  onRequest(from: string, protocol: string, data: Uint8Array): Promise<Uint8Array>;
  /**
   * Send a consensus message this node signed (a proposal with its block
   * body, or its compact form when given) to every peer; keep it, with the
   * whole body, for re-sending.
   */
  broadcastConsensus(message: ConsensusMessage, block?: BlockBody, compact?: CompactBody): void;
  /**
   * Keep a message this node signed before a restart for re-sending: the
   * engine signs nothing twice and resumes at its latest round, so without
   * this, what it said in earlier rounds of the height would never reach a
   * peer that missed it.
   */
  resendLater(message: ConsensusMessage, block?: BlockBody): void;
  /** The height was decided: stop re-sending its messages. */
  heightDecided(): void;
  gossipTxs(txs: readonly SignedTx[]): void;
  /**
   * Ask connected peers, one after another, for the body of a block of
   * `height` (its header hashing to `hash`); undefined if none had it. The
   * `attempt`-th fetch of a body starts at the `attempt`-th peer (modulo).
   */
  fetchBody(hash: string, height: number, attempt?: number): Promise<BlockBody | undefined>;
  /** Committed blocks from `from` on, as `peer` sent them (unchecked: the caller checks each). */
  fetchBlocks(peer: string, from: number): Promise<unknown[]>;
  connectedPeers(): readonly string[];
  /** Ask `peer`'s host of `service` (a `service/<name>` request); rejects on a bound, timeout, disconnect or a remote refusal. */
  requestService(peer: string, service: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Start re-sending. */
  start(): void;
  close(): void;
}

const decoder = new TextDecoder();
const encodeJson = (value: unknown): Uint8Array => utf8Encode(JSON.stringify(value));
/** Bytes of transactions' JSON in one `tx` gossip message (a quarter of the transport's default message limit). */
export const GOSSIP_BATCH_BYTES = 4 * 1024 * 1024;
const decodeJson = (bytes: Uint8Array): unknown => JSON.parse(decoder.decode(bytes));
/** The hash of a header a peer sent, or undefined when it is not a header. */
const hashOf = (header: BlockHeader): string | undefined => {
  try {
    return blockHash(header);
  } catch {
    return undefined;
  }
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createPeerProtocol(options: PeerProtocolOptions): PeerProtocol {
  const { transport, chain, consensus, log } = options;
  const limits: PeerLimits = { ...DEFAULT_PEER_LIMITS, ...options.limits };
  /**
   * What this node sent for the height being decided, by the message's text
   * (each once), encoded with its whole body when first re-sent: a proposal
   * that went out compact is not encoded whole unless a re-send needs it.
   */
  const resend = new Map<string, { message: ConsensusMessage; block: BlockBody | undefined; bytes?: Uint8Array }>();
  const keep = (message: ConsensusMessage, block: BlockBody | undefined): { message: ConsensusMessage; block: BlockBody | undefined; bytes?: Uint8Array } => {
    const key = (block ? 'block ' : '') + JSON.stringify(message);
    let kept = resend.get(key);
    if (!kept) {
      kept = { message, block };
      if (resend.size < limits.resentMessagesMax) resend.set(key, kept);
    }
    return kept;
  };
  /** Transactions accepted this turn, as JSON, waiting for the turn's `tx` gossip. */
  let gossipQueue: string[] = [];
  let gossipArmed = false;
  const wireOf = (message: ConsensusMessage, block: BlockBody | undefined): Uint8Array => encodeJson(block ? { message, block } : { message });
  let resendTimer: Timer | undefined;

  /** Send the transactions accepted so far, in messages of up to GOSSIP_BATCH_BYTES. */
  function flushGossip(): void {
    const queued = gossipQueue;
    gossipQueue = [];
    for (let from = 0; from < queued.length; ) {
      let to = from;
      let bytes = 2;
      while (to < queued.length && to - from < limits.gossipTxsMax && (to === from || bytes + queued[to]!.length + 1 <= GOSSIP_BATCH_BYTES)) bytes += queued[to++]!.length + 1;
      transport.broadcast('tx', utf8Encode(`[${queued.slice(from, to).join(',')}]`));
      from = to;
    }
  }

  function onMessage(from: string, topic: Topic, data: Uint8Array): void {
    let parsed: unknown;
    try {
      parsed = decodeJson(data);
    } catch {
      return;
    }
    if (topic === 'tx') {
      if (Array.isArray(parsed)) void options.submitTxs(parsed.slice(0, limits.gossipTxsMax)).catch(() => undefined);
      return;
    }
    if (topic !== 'consensus' || !isObject(parsed)) return;
    const { message, block, compact } = parsed;
    if (!isObject(message) || typeof message.height !== 'number') return;
    consensus.receive(from, message as { height: number }, block, block === undefined ? compact : undefined);
  }

  async function serveSync(from: number): Promise<Uint8Array> {
    const blocks: Block[] = [];
    for (let h = from; h <= chain.height && blocks.length < limits.syncBlocksPerAnswerMax; h++) {
      const b = await chain.getBlock(h);
      if (b) blocks.push(b);
    }
    return encodeJson({ blocks });
  }

  async function serveBlock(hash: string): Promise<Uint8Array> {
    let body: BlockBody | undefined = consensus.proposedBody(hash);
    if (!body) {
      // Committed already (the asker missed the commit): the stored block has the body.
      const b = await chain.getBlockByHash(hash);
      if (b) body = { header: b.header, txs: b.txs, ...(b.lastCommit ? { lastCommit: b.lastCommit } : {}) };
    }
    return encodeJson(body ? { body } : {});
  }

  /** A service request: bounded here, answered by the service's host; its refusals go back as the remote error. */
  async function serveService(from: string, service: string, data: Uint8Array): Promise<Uint8Array> {
    if (!SERVICE_NAME_RE.test(service)) throw new Error('unknown service');
    if (!options.serviceRequest) throw new Error('this node serves no service requests');
    if (data.length > limits.serviceRequestBytesMax) throw new Error(`a service request of ${data.length} bytes is over the ${limits.serviceRequestBytesMax}-byte limit`);
    const answer = await options.serviceRequest(from, service, data);
    if (answer.length > limits.serviceRequestBytesMax) throw new Error(`the ${service} answer of ${answer.length} bytes is over the ${limits.serviceRequestBytesMax}-byte limit`);
    return answer;
  }

  return {
    onMessage,
    async onRequest(from, protocol, data) {
      if (protocol.startsWith(SERVICE_PROTOCOL_PREFIX)) return serveService(from, protocol.slice(SERVICE_PROTOCOL_PREFIX.length), data);
      const request = decodeJson(data);
      if (protocol === 'sync' && isObject(request) && Number.isSafeInteger(request.from) && (request.from as number) >= 1) return serveSync(request.from as number);
      if (protocol === 'block' && isObject(request) && typeof request.hash === 'string') return serveBlock(request.hash);
      throw new Error('unknown request');
    },
    broadcastConsensus(message, block, compact) {
      const kept = keep(message, block);
      if (compact) flushGossip(); // what the compact body names goes first, on the same links
      transport.broadcast('consensus', compact ? encodeJson({ message, compact }) : (kept.bytes ??= wireOf(message, block)));
    },
    resendLater(message, block) {
      keep(message, block);
    },
    heightDecided() {
      resend.clear();
    },
    gossipTxs(txs) {
      for (const tx of txs) gossipQueue.push(JSON.stringify(tx));
      if (gossipArmed || gossipQueue.length === 0) return;
      gossipArmed = true;
      const flush = (): void => {
        gossipArmed = false;
        flushGossip();
      };
      if (options.timers.soon) options.timers.soon(flush);
      else options.timers.after(0, flush);
    },
    async fetchBody(hash, height, attempt = 0) {
      const connected = transport.connectedPeers();
      // Each attempt asks first the peer after the last one's: one that serves a false copy is not asked first again.
      const start = connected.length === 0 ? 0 : attempt % connected.length;
      for (const peer of [...connected.slice(start), ...connected.slice(0, start)]) {
        try {
          const reply = decodeJson(await transport.request(peer, 'block', encodeJson({ hash }), limits.blockRequestTimeoutMs));
          const body = isObject(reply) ? (reply.body as BlockBody | undefined) : undefined;
          if (isObject(body) && isObject(body.header) && body.header.height === height && hashOf(body.header) === hash) return body;
        } catch {
          // try the next peer
        }
      }
      return undefined;
    },
    async fetchBlocks(peer, from) {
      try {
        const reply = decodeJson(await transport.request(peer, 'sync', encodeJson({ from }), limits.syncTimeoutMs));
        return isObject(reply) && Array.isArray(reply.blocks) ? reply.blocks : [];
      } catch (e) {
        log.debug('sync.failed', { peer: peer.slice(0, 16), error: (e as Error).message });
        return [];
      }
    },
    connectedPeers: () => transport.connectedPeers(),
    async requestService(peer, service, data, timeoutMs) {
      if (!SERVICE_NAME_RE.test(service)) throw new TypeError(`expected a service name (${SERVICE_NAME_RE.source}), got ${JSON.stringify(service.slice(0, 40))}`);
      if (data.length > limits.serviceRequestBytesMax) throw new RangeError(`a service request of ${data.length} bytes is over the ${limits.serviceRequestBytesMax}-byte limit`);
      const answer = await transport.request(peer, SERVICE_PROTOCOL_PREFIX + service, data, Math.min(Math.max(1, timeoutMs), limits.serviceRequestTimeoutMsMax));
      if (answer.length > limits.serviceRequestBytesMax) throw new RangeError(`the ${service} answer of ${answer.length} bytes is over the ${limits.serviceRequestBytesMax}-byte limit`);
      return answer;
    },
    start() {
      resendTimer ??= options.timers.every(limits.resendIntervalMs, () => {
        for (const peer of transport.connectedPeers()) for (const kept of resend.values()) transport.send(peer, 'consensus', (kept.bytes ??= wireOf(kept.message, kept.block)));
      });
    },
    close() {
      resendTimer?.cancel();
      resendTimer = undefined;
    },
  };
}
