/**
 * The node's Prometheus metrics, served by the API at
 * `GET /metrics` (src/api/health-routes.ts; spec/operations.md lists them).
 *
 * prom-client (the maintained Node client, README "Dependencies") renders
 * the text format, the histograms and the process and runtime defaults;
 * writing those by hand would be the same code with fewer tests. Each node
 * has its own registry (never the library's global one), so several nodes
 * in one process (tests, the simulator) do not mix their series.
 *
 * Names follow the Prometheus conventions: `polity_` prefix, base units
 * last (`_seconds`, `_bytes`), counters end in `_total`. Gauges are read
 * from the node when scraped (`source`); counters and histograms are fed as
 * things happen (`txsSubmitted`, `blockCommitted`, `engineEffects`,
 * `proposalReceived`). Labels carry error codes and fixed words only —
 * never a key, a hash or anything a client sent — and the number of
 * distinct codes is bounded (`CODES_MAX`), so a flood of odd refusals
 * cannot grow the registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineEffect } from '../consensus/interface.js';
import type { ProposalBodyHow } from './consensus-host.js';
import type { SubmitOutcome } from './admission.js';
import type { CommittedBlock } from './chain-state.js';
import type { NodeHealth } from './stall-watch.js';

/** What the gauges read when scraped. */
export interface MetricsSource {
  height(): number;
  /** The head block's header time, ms since the epoch. */
  lastBlockTimeMs(): number;
  nowMs(): number;
  /** What waits, and the most the mempool holds (its limits: a full mempool refuses new transactions). */
  mempool(): { txs: number; bytes: number; txsMax?: number; bytesMax?: number };
  /** Peers linked now, and peers configured to dial (BFT; 0 on solo). */
  peers(): { connected: number; expected: number };
  /** Validators in the set that signs the next block, and signatures in the head's commit certificate. */
  validators(): { count: number; signing: number };
  /** BFT: the round of the height being decided. */
  round(): number;
  /** Bytes received from and sent to peers since start (all links, closed ones included). */
  p2pBytes(): { received: number; sent: number };
  health(): NodeHealth | undefined;
  /** Numbers the service hosts report in GET /v1/status (`notaryPendingHashes`…), by field name. */
  serviceGauges(): Record<string, number>;
}

export interface NodeMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The text exposition. */
  text(): Promise<string>;
  /** Outcomes of a submission to this node: accepted ones start their commit-latency clock. */
  txsSubmitted(outcomes: readonly SubmitOutcome[], nowMs: number): void;
  blockCommitted(committed: CommittedBlock, round: number, nowMs: number): void;
  /** What the consensus engine asked for (own proposals). */
  engineEffects(effects: readonly EngineEffect[]): void;
  /** A proposal came from a peer. */
  proposalReceived(): void;
  /**
   * How a peer's proposed body reached this node: whole with the proposal,
   * compact and resolved from the mempool, compact and not resolved, or
   * fetched from a peer; or a copy dropped because it did not match its
   * header (spec/consensus.md §2.1).
   */
  proposalBody(how: ProposalBodyHow): void;
}

const BODY_HOWS: readonly ProposalBodyHow[] = ['whole', 'compact', 'unresolved', 'fetched', 'mismatched'];

/** Distinct error codes kept as label values; more are counted as OTHER. */
export const CODES_MAX = 256;
/** Accepted transactions whose commit latency is measured, at most (the oldest is forgotten first). */
export const LATENCY_TRACKED_MAX = 100_000;

/** `notaryPendingHashes` -> `notary_pending_hashes`. */
export const snakeCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

export function createNodeMetrics(source: MetricsSource, options: { defaults?: boolean } = {}): NodeMetrics {
  const registry = new Registry();
  if (options.defaults !== false) {
    collectDefaultMetrics({ register: registry });
    // Gauges prom-client names with `_total`, against the conventions (promtool flags them); the
    // same counts by type remain (nodejs_active_handles{type}, nodejs_active_requests, nodejs_active_resources).
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  }
  const gauge = (name: string, help: string, read: () => number): void =>
    void new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  const total = (name: string, help: string, read: () => number): void =>
    void new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()); } });

  gauge('polity_height', 'Height of the last committed block.', () => source.height());
  gauge('polity_last_block_age_seconds', "Seconds since the last committed block's header time.", () => Math.max(0, (source.nowMs() - source.lastBlockTimeMs()) / 1000));
  gauge('polity_mempool_transactions', 'Transactions waiting for a block.', () => source.mempool().txs);
  gauge('polity_mempool_bytes', 'Bytes of the transactions waiting for a block.', () => source.mempool().bytes);
  gauge('polity_mempool_transactions_max', 'Most transactions the mempool holds; beyond it new ones are refused (MEMPOOL_FULL).', () => source.mempool().txsMax ?? 0);
  gauge('polity_mempool_bytes_max', 'Most bytes the mempool holds.', () => source.mempool().bytesMax ?? 0);
  gauge('polity_peers_connected', 'Peers this node holds a live link to.', () => source.peers().connected);
  gauge('polity_peers_expected', 'Peers this node is configured to dial (network.json).', () => source.peers().expected);
  gauge('polity_validators', 'Validators in the set that signs the next block.', () => source.validators().count);
  gauge('polity_validators_signing', "Validators whose signature is in the last block's commit certificate.", () => source.validators().signing);
  gauge('polity_consensus_round', 'BFT: the round of the height being decided (0 is the first).', () => source.round());
  total('polity_p2p_received_bytes_total', 'Bytes received from peers (encrypted frames).', () => source.p2pBytes().received);
  total('polity_p2p_sent_bytes_total', 'Bytes sent to peers (encrypted frames).', () => source.p2pBytes().sent);
  const flag = (read: (h: NodeHealth) => boolean) => () => { const h = source.health(); return h && read(h) ? 1 : 0; };
  gauge('polity_ready', '1 when GET /readyz answers 200.', flag((h) => h.ready));
  gauge('polity_quorum', 'BFT: 1 when the validators this node hears from hold more than two thirds of the power.', flag((h) => h.quorum.ok));
  gauge('polity_stalled', '1 while no block comes for longer than expected.', flag((h) => h.stalled));
  gauge('polity_storage_damaged', '1 when the block store was found damaged (GET /readyz: STORAGE_DAMAGED).', flag((h) => h.reasons.some((r) => r.code === 'STORAGE_DAMAGED')));
  gauge('polity_storage_not_writable', '1 when the data directory cannot be written (GET /readyz: STORAGE_NOT_WRITABLE).', flag((h) => h.reasons.some((r) => r.code === 'STORAGE_NOT_WRITABLE')));
  gauge('polity_quorum_heard_power', 'Voting power of the validators this node hears from, itself included.', () => source.health()?.quorum.heardPower ?? 0);
  gauge('polity_quorum_total_power', 'Voting power of the set that signs the next block.', () => source.health()?.quorum.totalPower ?? 0);
  for (const field of Object.keys(source.serviceGauges())) {
    gauge(`polity_${snakeCase(field)}`, `The ${field} field of GET /v1/status.`, () => source.serviceGauges()[field] ?? 0);
  }

  const committedTxs = new Counter({ name: 'polity_transactions_committed_total', help: 'Transactions committed, by result code (OK, or the refusal the block recorded).', labelNames: ['code'], registers: [registry] });
  const rejectedTxs = new Counter({ name: 'polity_transactions_rejected_total', help: 'Transactions this node refused on submission, by error code.', labelNames: ['code'], registers: [registry] });
  const latency = new Histogram({
    name: 'polity_transaction_commit_latency_seconds',
    help: 'From acceptance by this node to commit, for transactions submitted to it.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const blocks = new Counter({ name: 'polity_blocks_committed_total', help: 'Blocks committed since start.', registers: [registry] });
  const proposals = new Counter({ name: 'polity_consensus_proposals_total', help: 'Block proposals: built by this node (own) or received from peers (peer).', labelNames: ['origin'], registers: [registry] });
  const rounds = new Histogram({ name: 'polity_consensus_rounds_per_height', help: 'Rounds it took to decide each height (1: the first round).', buckets: [1, 2, 3, 5, 10], registers: [registry] });
  for (const origin of ['own', 'peer']) proposals.inc({ origin }, 0);
  const bodies = new Counter({ name: 'polity_consensus_proposal_bodies_total', help: "How peers' proposed bodies arrived: whole, compact (resolved from the mempool), unresolved (compact, then fetched), fetched; mismatched: a copy that did not match its header, dropped and fetched again.", labelNames: ['how'], registers: [registry] });
  for (const how of BODY_HOWS) bodies.inc({ how }, 0);
  const stale = new Counter({ name: 'polity_consensus_stale_proposals_total', help: "Peers' fresh proposals of blocks with transactions whose time was more than 20 s behind this node's clock: prevoted nil.", registers: [registry] });
  committedTxs.inc({ code: 'OK' }, 0);

  const codes = new Set<string>();
  const codeLabel = (code: string): string => {
    if (codes.has(code)) return code;
    if (codes.size >= CODES_MAX || !/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return 'OTHER';
    codes.add(code);
    return code;
  };
  const acceptedAt = new Map<string, number>();

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    txsSubmitted(outcomes, nowMs) {
      for (const o of outcomes) {
        if (o.status === 'rejected') {
          rejectedTxs.inc({ code: codeLabel(o.code) });
          continue;
        }
        if (acceptedAt.size >= LATENCY_TRACKED_MAX) acceptedAt.delete(acceptedAt.keys().next().value!);
        if (!acceptedAt.has(o.txId)) acceptedAt.set(o.txId, nowMs);
      }
    },
    blockCommitted(committed, round, nowMs) {
      blocks.inc();
      rounds.observe(round + 1);
      // Counted per code, then added once per code: a label lookup per block, not per transaction.
      const perCode = new Map<string, number>();
      for (const r of committed.results) {
        perCode.set(r.code, (perCode.get(r.code) ?? 0) + 1);
        const at = acceptedAt.get(r.txId);
        if (at === undefined) continue;
        acceptedAt.delete(r.txId);
        latency.observe(Math.max(0, nowMs - at) / 1000);
      }
      for (const [code, n] of perCode) committedTxs.inc({ code: codeLabel(code) }, n);
    },
    engineEffects(effects) {
      for (const e of effects) {
        if (e.type === 'buildProposal') proposals.inc({ origin: 'own' });
        else if (e.type === 'staleProposal') stale.inc();
      }
    },
    proposalReceived: () => proposals.inc({ origin: 'peer' }),
    proposalBody: (how) => bodies.inc({ how }),
  };
}
