/**
 * The validators module: a new set is scheduled two blocks after two thirds
 * of the power approved it; refusals change nothing; a proposed change waits
 * a time (rules version 2) or, on a chain at rules version 1, a number of
 * blocks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { DEFAULT_PARAMS, type Validator } from '../../ledger/genesis.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../../runtime/validator-schedule.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { isoTime } from '../iso-time.js';
import { CHANGE_LIFETIME_BLOCKS_V1, CHANGE_LIFETIME_SECONDS, changeKey, validatorsModule, type Change } from './module.js';
import { pendingChange } from './queries.js';

const org = testOrg('a', 1, 4);
const newcomer = generateKeyPair();
const proposed = (genesis: readonly Validator[]): Validator[] => [...genesis, { name: 'newcomer', pubKey: newcomer.publicKey, power: 1 }];
const schedule = (get: (k: string) => unknown) => get(SETS_KEY) as { sets: ScheduledSet[] } | undefined;
/** Where a reader stands right after the chain's last block. */
const readAt = (chain: { height: number; timeMs: number }) => ({ height: chain.height, timeMs: chain.timeMs + 1 });

test('three of four validators approve; the new set signs from two blocks after the last approval', () => {
  const chain = createTestChain(testGenesis([org]), [validatorsModule]);
  const set = proposed(chain.genesis.validators);
  const [v0, v1, v2] = org.nodes;
  const p = chain.run(v0!, 'validators', 'propose', { validators: set });
  assert.equal(p.code, 'OK');
  const pending = pendingChange(chain.get, p.txId, chain.genesis.validators, readAt(chain))!;
  assert.deepEqual([pending.approvedPower, pending.totalPower, pending.expiresAtMs], [1, 4, chain.timeMs + CHANGE_LIFETIME_SECONDS * 1000]);
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'OK');
  assert.equal(schedule(chain.get), undefined, 'two of four is not more than two thirds');
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'VALIDATORS_ALREADY_APPROVED');
  const last = chain.run(v2!, 'validators', 'approve', { id: p.txId });
  assert.equal(last.code, 'OK');
  const since = chain.height + 2;
  assert.deepEqual(last.events.find((e) => e.type === 'validators.scheduled'), { type: 'validators.scheduled', id: p.txId, since, validators: 5 });
  assert.equal(validatorSetAt(schedule(chain.get), chain.genesis.validators, since - 1).validators, chain.genesis.validators);
  assert.deepEqual(validatorSetAt(schedule(chain.get), chain.genesis.validators, since).validators, set);
  assert.equal(pendingChange(chain.get, p.txId, chain.genesis.validators, readAt(chain)), undefined, 'a scheduled change is no longer pending');
  assert.equal(chain.run(org.nodes[3]!, 'validators', 'approve', { id: p.txId }).code, 'VALIDATORS_CHANGE_UNKNOWN');
});

test('refusals: a set with a key twice; a one-validator pilot grows into a BFT network', () => {
  const chain = createTestChain(testGenesis([org]), [validatorsModule]);
  const [v0] = org.nodes;
  const twice = [...chain.genesis.validators, chain.genesis.validators[0]!];
  assert.equal(chain.run(v0!, 'validators', 'propose', { validators: twice }).code, 'VALIDATORS_INVALID_SET');

  const solo = testOrg('s');
  const soloChain = createTestChain(testGenesis([solo]), [validatorsModule]);
  // A one-validator pilot grows into a BFT network: its validator holds all the power, so its proposal schedules the set at once.
  const grown = proposed(soloChain.genesis.validators);
  const result = soloChain.run(solo.nodes[0]!, 'validators', 'propose', { validators: grown });
  assert.equal(result.code, 'OK', `a pilot's proposal to grow: ${result.code}`);
  assert.equal(schedule(soloChain.get)!.sets.at(-1)!.validators.length, grown.length);
});

test('a set with a key that is no Ed25519 point is refused: such a validator could never sign, and its power would stall the chain', () => {
  const chain = createTestChain(testGenesis([org]), [validatorsModule]);
  const [v0] = org.nodes;
  const offCurve = [...chain.genesis.validators, { name: 'Typo', pubKey: '02' + '00'.repeat(31), power: 1 }];
  const r = chain.run(v0!, 'validators', 'propose', { validators: offCurve });
  assert.equal(r.code, 'VALIDATORS_INVALID_SET', r.message);
  assert.match(r.message ?? '', /Ed25519/);
  // Negative control: the same set with a real key is taken.
  assert.equal(chain.run(v0!, 'validators', 'propose', { validators: proposed(chain.genesis.validators) }).code, 'OK');
});

test('a proposed change waits a time, not a number of blocks: an approval at its deadline counts, one in a block past it is refused naming the deadline', () => {
  const chain = createTestChain(testGenesis([org]), [validatorsModule], { blockMs: 1000 });
  const [v0, v1, v2] = org.nodes;
  const p = chain.run(v0!, 'validators', 'propose', { validators: proposed(chain.genesis.validators) });
  assert.equal(p.code, 'OK');
  assert.equal(CHANGE_LIFETIME_SECONDS, 7 * 24 * 3600);
  const deadline = chain.timeMs + CHANGE_LIFETIME_SECONDS * 1000;
  const stored = chain.get(changeKey(p.txId)) as unknown as Change;
  assert.deepEqual([stored.proposedAt, stored.proposedAtMs, stored.expiresAtMs, stored.expiresAt], [chain.height, chain.timeMs, deadline, undefined]);
  // More blocks than release 0.1.0 let a change wait: blocks are cut as work arrives, so they say nothing of the time that passed.
  chain.skip(CHANGE_LIFETIME_BLOCKS_V1 + 1);
  assert.ok(pendingChange(chain.get, p.txId, chain.genesis.validators, readAt(chain)), 'still open after 10,001 blocks');
  chain.advance(deadline - (chain.timeMs + 1000)); // the next block's time is the deadline
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'OK', 'an approval in a block at exactly the deadline counts');
  assert.equal(chain.timeMs, deadline);
  // Reads: the deadline in ms and as ISO 8601; open for a reader at the deadline, gone for one past it.
  const view = pendingChange(chain.get, p.txId, chain.genesis.validators, { height: chain.height, timeMs: deadline })!;
  assert.deepEqual([view.approvedPower, view.expiresAtMs, view.expiresAtIso, view.proposedAtIso, view.expiresAt], [2, deadline, new Date(deadline).toISOString(), new Date(stored.proposedAtMs!).toISOString(), undefined]);
  assert.equal(pendingChange(chain.get, p.txId, chain.genesis.validators, { height: chain.height, timeMs: deadline + 1 }), undefined, 'a reader past the deadline sees no open change');
  // The next block is 1 s past the deadline: the approval that would reach two thirds is refused.
  const late = chain.run(v2!, 'validators', 'approve', { id: p.txId });
  assert.equal(late.code, 'VALIDATORS_CHANGE_EXPIRED');
  assert.equal(late.message, `the change expired at ${new Date(deadline).toISOString()}; this block's time is ${new Date(deadline + 1000).toISOString()}`);
  assert.equal(isoTime(deadline), new Date(deadline).toISOString());
  assert.equal(schedule(chain.get), undefined, 'nothing scheduled');
});

test('a chain at rules version 1 keeps release 0.1.0’s deadline: 10,000 blocks (expiresAt), however much time passes, and its words', () => {
  // A genesis as release 0.1.0 wrote it: no params.rulesVersion (= 1).
  const chain = createTestChain(testGenesis([org], { params: { ...DEFAULT_PARAMS } }), [validatorsModule], { blockMs: 1000 });
  const [v0, v1, v2] = org.nodes;
  const set = proposed(chain.genesis.validators);
  const p = chain.run(v0!, 'validators', 'propose', { validators: set });
  assert.equal(p.code, 'OK');
  const expiresAt = chain.height + CHANGE_LIFETIME_BLOCKS_V1;
  assert.equal(CHANGE_LIFETIME_BLOCKS_V1, 10_000);
  // The record release 0.1.0 wrote, no more fields.
  assert.deepEqual(chain.get(changeKey(p.txId)), { validators: set, approvals: [v0!.publicKey], proposer: v0!.publicKey, proposedAt: chain.height, expiresAt });
  chain.advance(30 * 24 * 3600 * 1000); // a month with no block: time does not end it
  chain.skip(expiresAt - 1 - chain.height);
  const view = pendingChange(chain.get, p.txId, chain.genesis.validators, readAt(chain))!;
  assert.deepEqual([view.expiresAt, view.expiresAtMs, view.expiresAtIso], [expiresAt, undefined, undefined]);
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'OK', 'an approval in the block at its height counts');
  assert.equal(pendingChange(chain.get, p.txId, chain.genesis.validators, readAt(chain)), undefined, 'a reader past its height sees no open change');
  const late = chain.run(v2!, 'validators', 'approve', { id: p.txId });
  assert.deepEqual([late.code, late.message], ['VALIDATORS_CHANGE_EXPIRED', `the change expired at height ${expiresAt}`]);
});
