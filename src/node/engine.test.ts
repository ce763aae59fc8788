/**
 * The engine a node runs for its genesis: solo cuts a block as soon as work
 * waits and the previous block is committed (group commit, no interval);
 * BFT proposes nothing on an idle chain and takes its timeouts and heartbeat
 * from the genesis (`params.consensusTimeouts`, `params.heartbeatMs`), which
 * older genesis files lack and still load with their hash unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, signBytes } from '../crypto/ed25519.js';
import { genesisHash, parseGenesis, type Genesis } from '../ledger/genesis.js';
import type { BlockHeader } from '../ledger/block.js';
import { proposerOf } from '../ledger/proposer.js';
import { proposalSignBytes } from '../ledger/votes.js';
import { STALE_PROPOSAL_MS } from './consensus-host.js';
import { createEngine } from './engine.js';

const T0 = 1_800_000_000_000;
const params = { blockTxsMax: 20_000, blockBytesMax: 16 * 1024 * 1024, notaryBatchHashesMax: 4_000_000 };

test('a genesis without the new parameters keeps its hash (pinned) and loads', () => {
  const g = { v: 1, chainId: 'pinned', genesisTime: T0, validators: [{ name: 'a', pubKey: 'aa'.repeat(32), power: 1 }], params: { ...params } };
  assert.equal(genesisHash(parseGenesis(g)), 'd922ca80d36c4a38626f2fe0e69d8e8d617a64be73271be20940aa17fc8b2566');
});

test('genesis consensus timeouts and heartbeat: a profile with overrides loads; bad values are refused, saying which', () => {
  const base = { v: 1, chainId: 'c', genesisTime: T0, validators: [{ name: 'a', pubKey: 'aa'.repeat(32), power: 1 }] };
  const ok = parseGenesis({ ...base, params: { ...params, consensusTimeouts: { profile: 'wan', commitMs: 5 }, heartbeatMs: 30_000 } });
  assert.deepEqual(ok.params.consensusTimeouts, { profile: 'wan', commitMs: 5 });
  const refused = (p: object): string => {
    try {
      parseGenesis({ ...base, params: { ...params, ...p } });
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(refused({ consensusTimeouts: { profile: 'moon' } }), /params\.consensusTimeouts\.profile: expected "lan" or "wan"/);
  assert.match(refused({ consensusTimeouts: { proposeMs: 0 } }), /params\.consensusTimeouts\.proposeMs: expected an integer from 1 to/);
  assert.match(refused({ consensusTimeouts: { commitMs: -1 } }), /params\.consensusTimeouts\.commitMs/);
  assert.match(refused({ consensusTimeouts: { roundMs: 5 } }), /params\.consensusTimeouts: unexpected member "roundMs"/);
  assert.match(refused({ heartbeatMs: 10 }), /params\.heartbeatMs: expected 0 \(off\) or/);
  assert.equal(refused({ heartbeatMs: 0 }), 'accepted');
});

test('solo: a block is cut as soon as transactions wait and the previous one is committed, with no interval', () => {
  const key = generateKeyPair();
  const genesis: Genesis = { v: 1, chainId: 'c', genesisTime: T0, validators: [{ name: 'a', pubKey: key.publicKey, power: 1 }], params };
  const engine = createEngine({ genesis, nodeSecretKey: key.secretKey, nodeKey: key.publicKey, validatorSetAt: () => ({ validators: genesis.validators, since: 1 }) });
  assert.deepEqual(engine.step({ type: 'start', nowMs: T0 + 10, height: 1, lastBlockTimeMs: T0, pendingTxs: 0 }), []);
  assert.equal(engine.step({ type: 'txsAvailable', nowMs: T0 + 11, pendingTxs: 1 })[0]?.type, 'buildProposal');
  // While block 1 is built, more arrive: they wait for it (no second build), then go in block 2 at once.
  assert.deepEqual(engine.step({ type: 'txsAvailable', nowMs: T0 + 12, pendingTxs: 2 }), []);
  const fx = engine.step({ type: 'proposalBuilt', nowMs: T0 + 13, height: 1, round: 0, proposal: { header: { height: 1, time: T0 + 11 } as BlockHeader, hash: 'h1' } });
  assert.deepEqual(fx.map((e) => e.type), ['persistVote', 'commit']);
  assert.deepEqual(engine.step({ type: 'txsAvailable', nowMs: T0 + 14, pendingTxs: 2 }), [{ type: 'buildProposal', height: 2, round: 0, timeMs: T0 + 14 }]);
});

test('BFT: an idle chain proposes nothing and sets no timer; a waiting transaction starts the height', () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPair());
  const genesis: Genesis = { v: 1, chainId: 'c', genesisTime: T0, validators: keys.map((k, i) => ({ name: `v${i}`, pubKey: k.publicKey, power: 1 })), params };
  const validators = genesis.validators;
  for (const key of keys) {
    const engine = createEngine({ genesis, nodeSecretKey: key.secretKey, nodeKey: key.publicKey, validatorSetAt: () => ({ validators, since: 1 }) });
    assert.deepEqual(engine.step({ type: 'start', nowMs: T0 + 10, height: 1, lastBlockTimeMs: T0, pendingTxs: 0 }), []);
    const fx = engine.step({ type: 'txsAvailable', nowMs: T0 + 11, pendingTxs: 1 });
    assert.ok(fx.some((e) => e.type === 'setTimer' && e.timer === 'propose'), 'the height starts');
  }
});

test('BFT: the heartbeat and timeouts come from the genesis', () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPair());
  const genesis: Genesis = {
    v: 1,
    chainId: 'c',
    genesisTime: T0,
    validators: keys.map((k, i) => ({ name: `v${i}`, pubKey: k.publicKey, power: 1 })),
    params: { ...params, consensusTimeouts: { profile: 'wan', proposeMs: 4_000 }, heartbeatMs: 30_000 },
  };
  const engine = createEngine({ genesis, nodeSecretKey: keys[0]!.secretKey, nodeKey: keys[0]!.publicKey, validatorSetAt: () => ({ validators: genesis.validators, since: 1 }) });
  assert.deepEqual(engine.step({ type: 'start', nowMs: T0 + 10, height: 1, lastBlockTimeMs: T0, pendingTxs: 0 }), [{ type: 'setTimer', timer: 'heartbeat', height: 1, round: 0, delayMs: 30_000 }]);
  const fx = engine.step({ type: 'timeout', nowMs: T0 + 30_010, timer: 'heartbeat', height: 1, round: 0, pendingTxs: 0 });
  assert.ok(fx.some((e) => e.type === 'setTimer' && e.timer === 'propose' && e.delayMs === 4_000), JSON.stringify(fx.map((e) => e.type)));
});

test('BFT: a validator prevotes nil on a fresh proposal of a block with transactions more than STALE_PROPOSAL_MS behind its clock (that of block 1 too, at the genesis time), and for a timely one', () => {
  const keys = Array.from({ length: 4 }, () => generateKeyPair());
  const genesis: Genesis = { v: 1, chainId: 'c', genesisTime: T0, validators: keys.map((k, i) => ({ name: `v${i}`, pubKey: k.publicKey, power: 1 })), params };
  const validators = genesis.validators;
  const blockHash = 'ab'.repeat(32);
  const prevote = (height: number, behindMs: number): string | null | undefined => {
    const proposer = keys.find((k) => k.publicKey === proposerOf(validators, 1, height, 0).pubKey)!;
    const self = keys.find((k) => k !== proposer)!;
    const body = { type: 'proposal' as const, chainId: 'c', height, round: 0, blockHash, polRound: -1 };
    const proposal = { ...body, proposer: proposer.publicKey, sig: signBytes(proposer.secretKey, proposalSignBytes(body)) };
    const engine = createEngine({ genesis, nodeSecretKey: self.secretKey, nodeKey: self.publicKey, validatorSetAt: () => ({ validators, since: 1 }) });
    const now = T0 + 100_000;
    engine.step({ type: 'start', nowMs: now, height, lastBlockTimeMs: T0, pendingTxs: 1 });
    engine.step({ type: 'peerMessage', nowMs: now, from: proposer.publicKey, message: proposal });
    const fx = engine.step({ type: 'proposalValidated', nowMs: now, height, round: 0, blockHash, valid: true, timeMs: now - behindMs, txCount: 2 });
    const vote = fx.flatMap((e) => (e.type === 'broadcast' ? [e.message as { type: string; blockHash: string | null }] : [])).find((m) => m.type === 'prevote');
    return vote?.blockHash;
  };
  assert.equal(prevote(2, STALE_PROPOSAL_MS + 1), null, 'stale: nil');
  assert.equal(prevote(2, STALE_PROPOSAL_MS), blockHash, 'at the bound: for it');
  assert.equal(prevote(1, STALE_PROPOSAL_MS + 1), null, 'block 1 at the genesis time long past: nil');
});
