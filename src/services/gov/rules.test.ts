/**
 * Rules versions (runtime/rules.ts): a chain at version 1 behaves as release
 * 0.1.0 did — voting periods and org operations in blocks, a one-validator
 * chain's set fixed — and a gov `upgradeRules` change moves it to version 2
 * from the block after the one that executes it, never within that block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { DEFAULT_PARAMS } from '../../ledger/genesis.js';
import { RULES_KEY, RULES_VERSION_CURRENT } from '../../runtime/rules.js';
import { signConsent } from '../org/consent-sign.js';
import { opKey, OP_LIFETIME_BLOCKS_V1, type PendingOp } from '../org/module.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { proposalKey, type Proposal } from './module.js';

/** A genesis as release 0.1.0 wrote it: no params.rulesVersion (= 1). */
const v1Params = { ...DEFAULT_PARAMS };

test('a chain at rules version 1 keeps release 0.1.0’s refusals and outcomes: periods in blocks, no votingSeconds, org operations for 10,000 blocks', () => {
  const [a, b, c] = [testOrg('a', 2, 1, { threshold: 2 }), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c], { params: v1Params }), builtinModules);
  const change = { type: 'revokePermission', org: 'b', module: 'notary' };
  // A period in blocks, cut to the consortium's votingBlocks; the deadline is a height, the event says it.
  const r = chain.run(b.admins[0]!, 'gov', 'propose', { change, votingBlocks: 30 });
  assert.equal(r.code, 'OK');
  const p = chain.get(proposalKey(r.txId)) as unknown as Proposal;
  assert.equal(p.expiresAt, chain.height + 30);
  assert.equal(p.expiresAtMs, undefined);
  assert.deepEqual(r.events[0], { type: 'gov.proposed', id: r.txId, change: 'revokePermission', expiresAt: chain.height + 30 });
  // What version 2 added is refused as release 0.1.0 refused it: by the argument schema.
  assert.equal(chain.run(b.admins[0]!, 'gov', 'propose', { change, votingSeconds: 3600 }).code, 'TX_ARGS_INVALID');
  assert.equal(chain.run(b.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 3600 } }).code, 'TX_ARGS_INVALID');
  assert.equal(chain.run(b.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingBlocks', value: 1_000_001 } }).code, 'TX_ARGS_INVALID');
  // What version 2 refuses is accepted: setParameter votingBlocks (bounded as before).
  assert.equal(chain.run(b.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingBlocks', value: 1 } }).code, 'GOV_INVALID');
  assert.equal(chain.run(b.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingBlocks', value: 40 } }).code, 'OK');
  // Past its height, a vote is refused with release 0.1.0's words.
  chain.skip(30);
  const late = chain.run(c.admins[0]!, 'gov', 'vote', { id: r.txId, approve: true });
  assert.deepEqual([late.code, late.message], ['GOV_PROPOSAL_EXPIRED', `voting closed at height ${p.expiresAt}; the proposal expired without effect`]);
  // An organisation operation waits OP_LIFETIME_BLOCKS_V1 blocks, and says so when it lapsed.
  const official = generateKeyPair();
  const consent = signConsent({ chainId: chain.genesis.chainId, org: 'a', use: 'official', publicKey: official.publicKey, secretKey: official.secretKey }).signature;
  const op = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: official.publicKey, roles: ['registrar'], consent } });
  const pending = chain.get(opKey('a', op.txId)) as unknown as PendingOp;
  assert.deepEqual([pending.expiresAt, pending.expiresAtMs], [chain.height + OP_LIFETIME_BLOCKS_V1, undefined]);
  chain.skip(OP_LIFETIME_BLOCKS_V1);
  const lapsed = chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: op.txId });
  assert.deepEqual([lapsed.code, lapsed.message], ['ORG_OP_EXPIRED', `the operation expired at height ${pending.expiresAt}`]);
});

test('upgradeRules moves the chain up from the next block: the block that executes it still runs version 1', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c], { params: v1Params }), builtinModules);
  const upgrade = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'upgradeRules', version: 2 } });
  assert.equal(upgrade.code, 'OK', upgrade.message);
  const change = { type: 'revokePermission', org: 'c', module: 'notary' };
  // The vote that executes it, and after it in the same block, a proposal with a period in time: still version 1.
  const k = (key: KeyPair, action: string, args: Record<string, unknown>) => ({ key, module: 'gov', action, args });
  const same = chain.block([k(b.admins[0]!, 'vote', { id: upgrade.txId, approve: true }), k(a.admins[0]!, 'propose', { change, votingSeconds: 3600 }), k(c.admins[0]!, 'propose', { change, votingBlocks: 5 })]);
  assert.deepEqual(same.results.map((r) => r.code), ['OK', 'TX_ARGS_INVALID', 'OK']);
  assert.ok(same.results[0]!.events.some((e) => e.type === 'gov.executed'));
  assert.deepEqual(chain.get(RULES_KEY), { version: 2, fromHeight: same.height + 1 });
  // The next block: version 2.
  const next = chain.block([k(a.admins[0]!, 'propose', { change, votingSeconds: 3600 }), k(c.admins[0]!, 'propose', { change, votingBlocks: 5 })]);
  assert.deepEqual(next.results.map((r) => r.code), ['OK', 'TX_ARGS_INVALID']);
  const p = chain.get(proposalKey(next.results[0]!.txId)) as unknown as Proposal;
  assert.equal(p.expiresAtMs, chain.timeMs + 3_600_000);
  // A chain only moves up, and only to a version this release knows.
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'upgradeRules', version: 2 } }).code, 'GOV_INVALID');
  const unknown = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'upgradeRules', version: RULES_VERSION_CURRENT + 1 } });
  assert.equal(unknown.code, 'GOV_INVALID');
  assert.match(unknown.message!, /unknown to this release/);
});

test('a one-validator chain at version 1 keeps its set (VALIDATORS_SOLO_CHAIN); after upgradeRules it may grow', () => {
  const a = testOrg('a');
  const chain = createTestChain(testGenesis([a], { params: v1Params }), builtinModules);
  const [bAdmin, bNode] = [generateKeyPair(), generateKeyPair()];
  const addB = { type: 'addOrganisation', organisation: { id: 'b', name: 'Department b', admins: [bAdmin.publicKey], threshold: 1, nodes: [bNode.publicKey], permissions: [] } };
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', { change: addB }).code, 'OK');
  const validators = [...chain.genesis.validators, { name: 'b-0', pubKey: bNode.publicKey, power: 1 }];
  // Version 1: refused, by the validators module and through governance.
  assert.equal(chain.run(a.nodes[0]!, 'validators', 'propose', { validators }).code, 'VALIDATORS_SOLO_CHAIN');
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'setValidators', validators } }).code, 'VALIDATORS_SOLO_CHAIN');
  // The two organisations move the chain up; from the next block the pilot may grow.
  const up = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'upgradeRules', version: 2 } });
  assert.equal(chain.run(bAdmin, 'gov', 'vote', { id: up.txId, approve: true }).code, 'OK');
  assert.equal(chain.run(a.nodes[0]!, 'validators', 'propose', { validators }).code, 'OK');
});

test('a new DID key that is no Ed25519 point: refused from rules version 2, taken at version 1 as release 0.1.0 took it', () => {
  const offCurve = '02' + '00'.repeat(31);
  const outcome = (params: typeof v1Params & { rulesVersion?: number }) => {
    const a = testOrg('a');
    const chain = createTestChain(testGenesis([a, testOrg('b')], { params }), builtinModules);
    const holder = generateKeyPair();
    const created = chain.run(holder, 'did', 'create', {});
    assert.equal(created.code, 'OK', created.message);
    const did = (created.events[0] as unknown as { did: string }).did;
    return chain.run(holder, 'did', 'rotate', { did, publicKey: offCurve }).code;
  };
  assert.equal(outcome(v1Params), 'OK');
  assert.equal(outcome({ ...v1Params, rulesVersion: RULES_VERSION_CURRENT }), 'DID_INVALID');
});
