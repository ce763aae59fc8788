/** The validators module: a new set is scheduled two blocks after two thirds of the power approved it; refusals change nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../../crypto/ed25519.js';
import type { Validator } from '../../ledger/genesis.js';
import { SETS_KEY, validatorSetAt, type ScheduledSet } from '../../runtime/validator-schedule.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { CHANGE_LIFETIME, validatorsModule } from './module.js';
import { pendingChange } from './queries.js';

const org = testOrg('a', 1, 4);
const newcomer = generateKeyPair();
const proposed = (genesis: readonly Validator[]): Validator[] => [...genesis, { name: 'newcomer', pubKey: newcomer.publicKey, power: 1 }];
const schedule = (get: (k: string) => unknown) => get(SETS_KEY) as { sets: ScheduledSet[] } | undefined;

test('three of four validators approve; the new set signs from two blocks after the last approval', () => {
  const chain = createTestChain(testGenesis([org]), [validatorsModule]);
  const set = proposed(chain.genesis.validators);
  const [v0, v1, v2] = org.nodes;
  const p = chain.run(v0!, 'validators', 'propose', { validators: set });
  assert.equal(p.code, 'OK');
  const pending = pendingChange(chain.get, p.txId, chain.genesis.validators)!;
  assert.deepEqual([pending.approvedPower, pending.totalPower, pending.expiresAt], [1, 4, 1 + CHANGE_LIFETIME]);
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'OK');
  assert.equal(schedule(chain.get), undefined, 'two of four is not more than two thirds');
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'VALIDATORS_ALREADY_APPROVED');
  const last = chain.run(v2!, 'validators', 'approve', { id: p.txId });
  assert.equal(last.code, 'OK');
  const since = chain.height + 2;
  assert.deepEqual(last.events.find((e) => e.type === 'validators.scheduled'), { type: 'validators.scheduled', id: p.txId, since, validators: 5 });
  assert.equal(validatorSetAt(schedule(chain.get), chain.genesis.validators, since - 1).validators, chain.genesis.validators);
  assert.deepEqual(validatorSetAt(schedule(chain.get), chain.genesis.validators, since).validators, set);
  assert.equal(pendingChange(chain.get, p.txId, chain.genesis.validators), undefined, 'a scheduled change is no longer pending');
  assert.equal(chain.run(org.nodes[3]!, 'validators', 'approve', { id: p.txId }).code, 'VALIDATORS_CHANGE_UNKNOWN');
});

test('refusals: a set with a key twice, an expired change; a one-validator pilot grows into a BFT network', () => {
  const chain = createTestChain(testGenesis([org]), [validatorsModule]);
  const [v0, v1] = org.nodes;
  const twice = [...chain.genesis.validators, chain.genesis.validators[0]!];
  assert.equal(chain.run(v0!, 'validators', 'propose', { validators: twice }).code, 'VALIDATORS_INVALID_SET');
  const p = chain.run(v0!, 'validators', 'propose', { validators: proposed(chain.genesis.validators) });
  chain.skip(CHANGE_LIFETIME);
  assert.equal(chain.run(v1!, 'validators', 'approve', { id: p.txId }).code, 'VALIDATORS_CHANGE_EXPIRED');

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
