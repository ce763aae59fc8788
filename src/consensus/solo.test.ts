import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSoloEngine } from './solo.js';
import type { BlockHeader } from '../ledger/block.js';

const validator = { name: 'v', pubKey: 'aa'.repeat(32), power: 1 };
const engine = () =>
  createSoloEngine({ chainId: 'c', validators: [validator], selfPubKey: validator.pubKey, sign: () => 'ss'.repeat(64), blockIntervalMs: 100, blockTxsTrigger: 10 });
const header = (height: number, time: number): BlockHeader => ({ height, time } as BlockHeader);

test('cuts no empty block; builds when the interval passed and transactions wait', () => {
  const e = engine();
  assert.deepEqual(e.step({ type: 'start', nowMs: 1000, height: 1, lastBlockTimeMs: 0, pendingTxs: 0 }), []);
  assert.deepEqual(e.step({ type: 'txsAvailable', nowMs: 1001, pendingTxs: 1 }), [{ type: 'buildProposal', height: 1, round: 0, timeMs: 1001 }]);
  const effects = e.step({ type: 'proposalBuilt', nowMs: 1002, height: 1, round: 0, proposal: { header: header(1, 1001), hash: 'h1' } });
  assert.equal(effects[0]!.type, 'persistVote', 'the vote is recorded before the commit');
  assert.equal(effects[1]!.type, 'commit');
  assert.equal(e.height, 2);
});

test('waits for the interval unless enough transactions wait; block time strictly increases', () => {
  const e = engine();
  e.step({ type: 'start', nowMs: 1000, height: 1, lastBlockTimeMs: 5000, pendingTxs: 1 });
  e.step({ type: 'proposalBuilt', nowMs: 1000, height: 1, round: 0, proposal: { header: header(1, 5001), hash: 'h1' } });
  // Right after a commit with few transactions: arm a timer rather than build.
  const wait = e.step({ type: 'txsAvailable', nowMs: 1010, pendingTxs: 2 });
  assert.deepEqual(wait, [{ type: 'setTimer', timer: 'block', height: 2, round: 0, delayMs: 90 }]);
  // Enough transactions: build at once, with a time after the previous block's even if the clock lags.
  const now = e.step({ type: 'txsAvailable', nowMs: 1020, pendingTxs: 10 });
  assert.deepEqual(now, [{ type: 'buildProposal', height: 2, round: 0, timeMs: 5002 }]);
});

test('ignores stale proposals and peers; a failed build waits for the next interval', () => {
  const e = engine();
  e.step({ type: 'start', nowMs: 1000, height: 7, lastBlockTimeMs: 0, pendingTxs: 1 });
  assert.deepEqual(e.step({ type: 'proposalBuilt', nowMs: 1000, height: 6, round: 0, proposal: { header: header(6, 1), hash: 'x' } }), []);
  assert.deepEqual(e.step({ type: 'peerMessage', nowMs: 1000, from: 'p', message: {} }), []);
  const after = e.step({ type: 'proposalFailed', nowMs: 1000, height: 7, round: 0, reason: 'nothing' });
  assert.equal(after[0]!.type, 'setTimer');
  assert.equal(e.height, 7);
});

test('is deterministic: the same inputs give the same effects', () => {
  const inputs = [
    { type: 'start', nowMs: 1000, height: 1, lastBlockTimeMs: 0, pendingTxs: 3 },
    { type: 'proposalBuilt', nowMs: 1001, height: 1, round: 0, proposal: { header: header(1, 1000), hash: 'h' } },
    { type: 'txsAvailable', nowMs: 1050, pendingTxs: 1 },
    { type: 'timeout', nowMs: 1102, timer: 'block', height: 2, round: 0, pendingTxs: 1 },
  ] as const;
  const run = () => {
    const e = engine();
    return inputs.map((i) => e.step(i as never));
  };
  assert.deepEqual(run(), run());
});
