/**
 * The Tendermint engine without empty blocks (`emptyBlocks: false`, what a
 * node runs): an idle height proposes nothing and sets no timer; the height
 * starts once a transaction waits, a peer speaks of it, or the heartbeat is
 * due; a validator with an empty mempool still follows one that holds
 * transactions; with the commit timer at zero the next height starts at once.
 * A hand-driven, synchronous network of engines with real signatures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8Encode } from '../crypto/bytes.js';
import { publicKeyOf, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import type { Validator } from '../ledger/genesis.js';
import { proposerOf } from '../ledger/proposer.js';
import { createTendermintEngine, TIMEOUT_PROFILES, type TendermintEngine } from './tendermint.js';
import type { EngineEffect, EngineInput } from './interface.js';

const CHAIN = 'polity-test';
const T0 = 1_800_000_000_000;

/** Four engines on a perfect network; `pending[i]` is what node i's mempool holds (the test sets it). */
function network(options: { heartbeatMs?: number; emptyBlocks?: boolean } = {}) {
  const ks = Array.from({ length: 4 }, (_, i) => {
    const secretKey = toHex(sha256(utf8Encode(`tendermint-idle/${i}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey) };
  });
  const validators: Validator[] = ks.map((k, i) => ({ name: `v${i}`, pubKey: k.pubKey, power: 10 }));
  const engines: TendermintEngine[] = ks.map((k) =>
    createTendermintEngine({
      chainId: CHAIN,
      validators,
      selfPubKey: k.pubKey,
      sign: (m) => signBytes(k.secretKey, m),
      verify: (p, m, s) => verifyBytes(p, m, s),
      // The control keeps the paper's pacing commit timer: with 0 ms it would decide empty blocks without end at one instant.
      ...(options.emptyBlocks ? {} : { timeouts: TIMEOUT_PROFILES.lan }),
      emptyBlocks: options.emptyBlocks ?? false,
      heartbeatMs: options.heartbeatMs ?? 0,
    }),
  );
  const pending = [0, 0, 0, 0];
  const refill = { leftAfter: (_height: number): number => 0 };
  const commits: { node: number; height: number; round: number; at: number }[] = [];
  const built: { node: number; height: number; round: number }[] = [];
  const queue: { node: number; input: EngineInput }[] = [];
  const timers: { node: number; at: number; input: EngineInput }[] = [];
  let now = T0;
  const handle = (node: number, effects: EngineEffect[]): void => {
    for (const e of effects) {
      if (e.type === 'broadcast') for (let j = 0; j < 4; j++) if (j !== node) queue.push({ node: j, input: { type: 'peerMessage', nowMs: now, from: ks[node]!.pubKey, message: e.message } });
      if (e.type === 'buildProposal') {
        built.push({ node, height: e.height, round: e.round });
        const hash = toHex(sha256(utf8Encode(`block ${e.height} ${e.round} ${node}`)));
        queue.push({ node, input: { type: 'proposalBuilt', nowMs: now, height: e.height, round: e.round, proposal: { hash, header: { time: e.timeMs } as never } } });
      }
      if (e.type === 'validateProposal') queue.push({ node, input: { type: 'proposalValidated', nowMs: now, height: e.height, round: e.round, blockHash: e.blockHash, valid: true, timeMs: now, txCount: 0 } });
      if (e.type === 'setTimer') timers.push({ node, at: now + e.delayMs, input: { type: 'timeout', nowMs: 0, timer: e.timer, height: e.height, round: e.round, pendingTxs: 0 } });
      if (e.type === 'commit') {
        commits.push({ node, height: e.height, round: e.certificate.round, at: now });
        pending[node] = refill.leftAfter(e.height); // the block took what waited; more may have come meanwhile
      }
    }
  };
  /** Deliver messages and fire timers until `untilMs` (virtual), or nothing is left to do. */
  const run = (untilMs: number): void => {
    for (let guard = 0; guard < 100_000; guard++) {
      const next = queue.shift();
      if (next) {
        handle(next.node, engines[next.node]!.step({ ...next.input, nowMs: now } as EngineInput));
        continue;
      }
      timers.sort((a, b) => a.at - b.at);
      if (!timers[0] || timers[0].at > untilMs) break;
      const t = timers.shift()!;
      now = t.at;
      handle(t.node, engines[t.node]!.step({ ...t.input, nowMs: now, pendingTxs: pending[t.node]! } as EngineInput));
    }
    now = Math.max(now, untilMs);
  };
  const start = (): void => engines.forEach((e, i) => handle(i, e.step({ type: 'start', nowMs: now, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: pending[i]! })));
  const txArrives = (node: number): void => {
    pending[node] = (pending[node] ?? 0) + 1;
    handle(node, engines[node]!.step({ type: 'txsAvailable', nowMs: now, pendingTxs: pending[node]! }));
  };
  return { ks, validators, engines, pending, refill, commits, built, timers, run, start, txArrives, now: () => now };
}

test('idle: nothing waits, so no height is proposed and no timer runs; the next transaction starts one at once', () => {
  const net = network();
  net.start();
  net.run(T0 + 60_000);
  assert.equal(net.built.length, 0, 'no block built while idle');
  assert.equal(net.commits.length, 0, 'no block committed while idle');
  assert.equal(net.timers.length, 0, 'no timer runs on an idle chain');
  // A transaction reaches every mempool (gossip); the height starts and commits in round 0.
  for (let i = 0; i < 4; i++) net.txArrives(i);
  const at = net.now();
  net.run(at + 60_000);
  const heights = net.commits.map((c) => c.height);
  assert.deepEqual(heights, [1, 1, 1, 1], 'one block, then idle again');
  assert.ok(net.commits.every((c) => c.round === 0 && c.at === at), 'committed in round 0, without waiting for a timer');
  assert.ok(net.engines.every((e) => e.height === 2));
});

test('a proposer with an empty mempool follows a validator that holds transactions (liveness)', () => {
  const net = network();
  net.start();
  const proposer = net.validators.findIndex((v) => v.pubKey === proposerOf(net.validators, 1, 1, 0).pubKey);
  const holder = (proposer + 1) % 4;
  net.txArrives(holder); // only one validator holds it: gossip has not reached the others
  net.run(net.now() + 30_000);
  assert.ok(net.engines.every((e) => e.height === 2), `every engine decided height 1 (heights ${net.engines.map((e) => e.height)})`);
  assert.equal(new Set(net.commits.filter((c) => c.height === 1).map((c) => c.round)).size, 1);
  assert.ok(!net.commits.some((c) => c.height === 2), 'and stopped there: nothing waits');
});

test('with transactions waiting after a commit, the next height starts on a zero commit timer', () => {
  const net = network();
  net.start();
  // Transactions arrive while heights 1 and 2 are decided: each goes into the next height.
  net.refill.leftAfter = (height) => (height < 3 ? 2 : 0);
  for (let i = 0; i < 4; i++) net.txArrives(i);
  const at = net.now();
  net.run(at + 30_000);
  assert.deepEqual([...new Set(net.commits.map((c) => c.height))], [1, 2, 3], 'three heights back to back, then idle');
  assert.ok(net.commits.every((c) => c.at === at && c.round === 0), 'no timer paced them (commit timeout 0 ms on a perfect network)');
});

test('heartbeat: an idle chain cuts one block every heartbeatMs, and none between', () => {
  const net = network({ heartbeatMs: 5_000 });
  net.start();
  net.run(T0 + 22_000);
  const heights = [...new Set(net.commits.map((c) => c.height))];
  assert.deepEqual(heights, [1, 2, 3, 4], `four heartbeats in 22 s (${heights})`);
  const firstAt = Math.min(...net.commits.filter((c) => c.height === 1).map((c) => c.at));
  assert.ok(firstAt >= T0 + 5_000, 'the first heartbeat comes after heartbeatMs, not at once');
});

test('negative control: with empty blocks on (the paper, and the default of the pure engine), an idle chain cuts blocks', () => {
  const net = network({ emptyBlocks: true });
  net.start();
  net.run(T0 + 5_000);
  assert.ok(net.commits.length > 0);
});
