import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODES_MAX, createNodeMetrics, snakeCase, type MetricsSource } from './metrics.js';
import type { CommittedBlock } from './chain-state.js';

/** A node seen through the metrics' eyes, on a fake clock. */
function fakeSource(): MetricsSource & { now: number } {
  const s = {
    now: 1_000_000,
    height: () => 7,
    lastBlockTimeMs: () => 997_500,
    nowMs: () => s.now,
    mempool: () => ({ txs: 3, bytes: 1029 }),
    peers: () => ({ connected: 2, expected: 3 }),
    validators: () => ({ count: 4, signing: 3 }),
    round: () => 1,
    p2pBytes: () => ({ received: 5000, sent: 4000 }),
    health: () => ({ ready: false, reasons: [], quorum: { ok: true, heardPower: 3, totalPower: 4, heardFrom: [], missing: [] }, stalled: true, caughtUp: true, sinceProgressMs: 0 }),
    serviceGauges: () => ({ notaryPendingHashes: 12 }),
  };
  return s;
}

const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  assert.ok(line, `no sample ${series} in:\n${text}`);
  return Number(line.split(' ')[1]);
};

const block = (results: { txId: string; code: string }[]): CommittedBlock => ({ results: results.map((r) => ({ ...r, events: [] })) }) as unknown as CommittedBlock;

test('gauges read the node when scraped; names follow the conventions', async () => {
  const src = fakeSource();
  const m = createNodeMetrics(src, { defaults: false });
  const text = await m.text();
  assert.equal(sample(text, 'polity_height'), 7);
  assert.equal(sample(text, 'polity_last_block_age_seconds'), 2.5);
  assert.equal(sample(text, 'polity_mempool_transactions'), 3);
  assert.equal(sample(text, 'polity_mempool_bytes'), 1029);
  assert.equal(sample(text, 'polity_peers_connected'), 2);
  assert.equal(sample(text, 'polity_peers_expected'), 3);
  assert.equal(sample(text, 'polity_validators_signing'), 3);
  assert.equal(sample(text, 'polity_p2p_received_bytes_total'), 5000);
  assert.equal(sample(text, 'polity_ready'), 0);
  assert.equal(sample(text, 'polity_stalled'), 1);
  assert.equal(sample(text, 'polity_notary_pending_hashes'), 12);
  assert.match(text, /# TYPE polity_p2p_sent_bytes_total counter/);
  assert.equal(snakeCase('notaryPendingHashes'), 'notary_pending_hashes');
  for (const name of text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]!)) {
    assert.match(name, /^polity_[a-z0-9_]+$/);
    if (/_total$/.test(name)) assert.match(text, new RegExp(`# TYPE ${name} counter`));
  }
  // The counter stays monotonic between scrapes while the source grows.
  src.p2pBytes = () => ({ received: 6000, sent: 4000 });
  assert.equal(sample(await m.text(), 'polity_p2p_received_bytes_total'), 6000);
});

test('commit latency on a fake clock, committed and rejected by code, rounds per height, proposals', async () => {
  const src = fakeSource();
  const m = createNodeMetrics(src, { defaults: false });
  m.txsSubmitted([{ txId: 't1', status: 'accepted' }, { txId: 't2', status: 'accepted' }, { status: 'rejected', code: 'NONCE_USED', message: 'x' }], 1_000_000);
  m.engineEffects([{ type: 'buildProposal', height: 8, round: 0, timeMs: 0 }]);
  m.proposalReceived();
  m.proposalBody('compact');
  m.proposalBody('compact');
  m.proposalBody('fetched');
  m.engineEffects([{ type: 'staleProposal', height: 9, round: 0, blockHash: 'ab'.repeat(32), behindMs: 30_000, txCount: 2 }]);
  m.blockCommitted(block([{ txId: 't1', code: 'OK' }, { txId: 't2', code: 'NOTARY_DUPLICATE' }, { txId: 'other', code: 'OK' }]), 2, 1_000_400);
  const text = await m.text();
  assert.equal(sample(text, 'polity_transaction_commit_latency_seconds_count'), 2, 'only transactions accepted here');
  assert.equal(sample(text, 'polity_transaction_commit_latency_seconds_sum'), 0.8);
  assert.equal(sample(text, 'polity_transaction_commit_latency_seconds_bucket{le="0.5"}'), 2);
  assert.equal(sample(text, 'polity_transactions_committed_total{code="OK"}'), 2);
  assert.equal(sample(text, 'polity_transactions_committed_total{code="NOTARY_DUPLICATE"}'), 1);
  assert.equal(sample(text, 'polity_transactions_rejected_total{code="NONCE_USED"}'), 1);
  assert.equal(sample(text, 'polity_consensus_rounds_per_height_bucket{le="2"}'), 0);
  assert.equal(sample(text, 'polity_consensus_rounds_per_height_bucket{le="3"}'), 1);
  assert.equal(sample(text, 'polity_consensus_proposals_total{origin="own"}'), 1);
  assert.equal(sample(text, 'polity_consensus_proposals_total{origin="peer"}'), 1);
  assert.equal(sample(text, 'polity_consensus_proposal_bodies_total{how="compact"}'), 2);
  assert.equal(sample(text, 'polity_consensus_proposal_bodies_total{how="fetched"}'), 1);
  assert.equal(sample(text, 'polity_consensus_stale_proposals_total'), 1);
  assert.equal(sample(text, 'polity_consensus_proposal_bodies_total{how="unresolved"}'), 0);
});

test('label values are bounded: odd or too many codes count as OTHER', async () => {
  const m = createNodeMetrics(fakeSource(), { defaults: false });
  m.txsSubmitted([{ status: 'rejected', code: 'did:example:alice', message: '' }], 0);
  m.txsSubmitted(Array.from({ length: CODES_MAX + 10 }, (_, i) => ({ status: 'rejected' as const, code: `CODE_${i}`, message: '' })), 0);
  const text = await m.text();
  assert.doesNotMatch(text, /alice/);
  assert.equal(sample(text, 'polity_transactions_rejected_total{code="OTHER"}'), 11);
  assert.equal(text.split('\n').filter((l) => l.startsWith('polity_transactions_rejected_total{')).length, CODES_MAX + 1);
});

test('the process and runtime defaults are there when asked for', async () => {
  const text = await createNodeMetrics(fakeSource()).text();
  assert.match(text, /^process_cpu_seconds_total /m);
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
  // Only counters end in _total (prom-client's three gauges that did are removed).
  const types = new Map(text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => [l.split(' ')[2]!, l.split(' ')[3]!]));
  for (const [name, type] of types) if (name.endsWith('_total')) assert.equal(type, 'counter', name);
});
