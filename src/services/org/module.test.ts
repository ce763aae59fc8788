/** The org module: an organisation's operations wait for its threshold of admins; the reads its routes serve. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import type { ConsentUse } from './consent.js';
import { signConsent } from './consent-sign.js';
import { callerOf } from '../../runtime/membership.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { OP_LIFETIME_SECONDS, orgModule } from './module.js';
import { memberInfo, orgDetail } from './queries.js';
import { validatorsModule } from '../validators/module.js';

const consentOf = (chain: { genesis: { chainId: string } }, org: string, use: ConsentUse, k: KeyPair): string => signConsent({ chainId: chain.genesis.chainId, org, use, publicKey: k.publicKey, secretKey: k.secretKey }).signature;

test('with two of three admins required, an official is registered once the second admin approves; the reads show each step', () => {
  const a = testOrg('a', 3, 1, { threshold: 2 });
  const chain = createTestChain(testGenesis([a]), [orgModule, validatorsModule]);
  const official = generateKeyPair();
  const proposed = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: official.publicKey, roles: ['registrar'], consent: consentOf(chain, 'a', 'official', official) } });
  assert.equal(proposed.code, 'OK');
  assert.deepEqual(callerOf(chain.get, official.publicKey), { roles: [], admin: false }, 'not yet: one of two approvals');
  const pending = orgDetail(chain.get, 'a', { height: chain.height, timeMs: chain.timeMs })!.pending;
  assert.deepEqual(pending.map((p) => [p.id, p.approvals.length, p.expiresAtMs]), [[proposed.txId, 1, chain.timeMs + OP_LIFETIME_SECONDS * 1000]]);
  assert.equal(chain.run(a.admins[0]!, 'org', 'approve', { org: 'a', id: proposed.txId }).code, 'ORG_ALREADY_APPROVED');
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: proposed.txId }).code, 'OK');
  assert.deepEqual(memberInfo(chain.get, official.publicKey), { key: official.publicKey, org: 'a', roles: ['registrar'], admin: false });
  const detail = orgDetail(chain.get, 'a', { height: chain.height, timeMs: chain.timeMs })!;
  assert.deepEqual(detail.officials.map((o) => o.key), [official.publicKey]);
  assert.deepEqual(detail.pending, [], 'applied operations are no longer pending');
  assert.equal(detail.log.length, 1);
  assert.equal(orgDetail(chain.get, 'nope', { height: chain.height, timeMs: chain.timeMs }), undefined);
});

test('refusals: an unknown role, a key that already acts, an unknown operation, another organisation', () => {
  const [a, b] = [testOrg('a'), testOrg('b')];
  const chain = createTestChain(testGenesis([a, b]), [orgModule, validatorsModule]);
  const pair = generateKeyPair();
  const key = pair.publicKey;
  const op = (roles: string[]) => ({ org: 'a', op: { type: 'registerOfficial', key, roles, consent: consentOf(chain, 'a', 'official', pair) } });
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', op(['astronaut'])).code, 'ORG_ROLE_UNKNOWN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', op(['admin'])).code, 'ORG_ROLE_UNKNOWN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', op(['auditor'])).code, 'OK');
  assert.equal(chain.run(b.admins[0]!, 'org', 'propose', { org: 'b', op: { type: 'registerOfficial', key, roles: ['auditor'], consent: consentOf(chain, 'b', 'official', pair) } }).code, 'ORG_OFFICIAL_EXISTS');
  assert.equal(chain.run(a.admins[0]!, 'org', 'approve', { org: 'a', id: 'ab'.repeat(32) }).code, 'ORG_OP_UNKNOWN');
  assert.equal(chain.run(b.admins[0]!, 'org', 'propose', op(['auditor'])).code, 'AUTH_NOT_ORG_ADMIN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'removeOfficial', key: generateKeyPair().publicKey } }).code, 'ORG_OFFICIAL_UNKNOWN');
});

test('another organisation can neither take the keys A is rotating to nor A’s node key, and A’s rotation succeeds', () => {
  const a = testOrg('a', 2, 1, { threshold: 2 });
  const b = testOrg('b');
  const chain = createTestChain(testGenesis([a, b]), [orgModule, validatorsModule]);
  const k = generateKeyPair();
  const n = generateKeyPair();
  // A proposes a new admin key and a new node key, each with its holder's consent; both wait for A's second admin.
  const rot = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'setAdmins', admins: [k.publicKey, a.admins[1]!.publicKey], threshold: 2, consents: [{ key: k.publicKey, signature: consentOf(chain, 'a', 'admin', k) }] } });
  const node = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'rotateNode', from: a.nodes[0]!.publicKey, to: n.publicKey, consent: consentOf(chain, 'a', 'node', n) } });
  assert.deepEqual([rot.code, node.code], ['OK', 'OK'], `${rot.message} ${node.message}`);
  // B tries to register them as its officials: without their holders' consent it cannot…
  const squat = (key: KeyPair, consent: string) => chain.run(b.admins[0]!, 'org', 'propose', { org: 'b', op: { type: 'registerOfficial', key: key.publicKey, roles: ['auditor'], consent } });
  assert.equal(squat(k, consentOf(chain, 'a', 'admin', k)).code, 'ORG_CONSENT_INVALID', 'A’s consent is for A, as an admin');
  assert.equal(squat(n, consentOf(chain, 'a', 'node', n)).code, 'ORG_CONSENT_INVALID');
  // …and even a holder who also signed for B cannot be taken while A's operation is pending.
  assert.equal(squat(k, consentOf(chain, 'b', 'official', k)).code, 'ORG_KEY_RESERVED');
  assert.equal(squat(n, consentOf(chain, 'b', 'official', n)).code, 'ORG_KEY_RESERVED');
  // A validator's node key is never an official, consent or not.
  assert.equal(squat(a.nodes[0]!, consentOf(chain, 'b', 'official', a.nodes[0]!)).code, 'ORG_OFFICIAL_EXISTS');
  // A's second admin approves: both rotations run.
  // (The node first: once the admins change, the replaced admin's approval no longer counts.)
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: node.txId }).code, 'OK');
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: rot.txId }).code, 'OK');
  assert.equal(callerOf(chain.get, k.publicKey).admin, true);
  assert.deepEqual(orgDetail(chain.get, 'a', { height: chain.height, timeMs: chain.timeMs })!.organisation.nodes, [n.publicKey]);
});

test('a key joins only with its holder’s consent: for this chain, this organisation and this use', () => {
  const [a, b] = [testOrg('a'), testOrg('b')];
  const chain = createTestChain(testGenesis([a, b]), [orgModule, validatorsModule]);
  const official = generateKeyPair();
  const register = (consent: string) => chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: official.publicKey, roles: ['registrar'], consent } });
  const other = signConsent({ chainId: 'polity-other', org: 'a', use: 'official', publicKey: official.publicKey, secretKey: official.secretKey }).signature;
  assert.equal(register(other).code, 'ORG_CONSENT_INVALID', 'another chain');
  assert.equal(register(consentOf(chain, 'b', 'official', official)).code, 'ORG_CONSENT_INVALID', 'another organisation');
  assert.equal(register(consentOf(chain, 'a', 'admin', official)).code, 'ORG_CONSENT_INVALID', 'another use');
  assert.equal(register('00'.repeat(64)).code, 'ORG_CONSENT_INVALID');
  assert.equal(register(consentOf(chain, 'a', 'official', official)).code, 'OK');
  // A new admin key needs its consent too; keys that stay admins do not.
  const fresh = generateKeyPair();
  const setAdmins = (consents: unknown[]) => chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'setAdmins', admins: [a.admins[0]!.publicKey, fresh.publicKey], threshold: 1, consents } });
  assert.equal(setAdmins([]).code, 'ORG_CONSENT_INVALID');
  assert.equal(setAdmins([{ key: fresh.publicKey, signature: consentOf(chain, 'a', 'official', fresh) }]).code, 'ORG_CONSENT_INVALID');
  assert.equal(setAdmins([{ key: fresh.publicKey, signature: consentOf(chain, 'a', 'admin', fresh) }]).code, 'OK');
});

test('a pending operation waits a time, not a number of blocks: approved at its deadline it runs, after it the approval is refused and the key it reserved is free', () => {
  const a = testOrg('a', 2, 1, { threshold: 2 });
  const b = testOrg('b');
  const chain = createTestChain(testGenesis([a, b]), [orgModule, validatorsModule], { blockMs: 1000 });
  const propose = (k: KeyPair) => chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: k.publicKey, roles: ['registrar'], consent: consentOf(chain, 'a', 'official', k) } });
  const first = generateKeyPair();
  const one = propose(first);
  const deadline = chain.timeMs + OP_LIFETIME_SECONDS * 1000;
  const seen = orgDetail(chain.get, 'a', { height: chain.height, timeMs: chain.timeMs })!.pending[0]!;
  assert.equal(seen.expiresAtMs, deadline);
  assert.equal(seen.expiresAtIso, new Date(deadline).toISOString());
  assert.equal(OP_LIFETIME_SECONDS, 7 * 24 * 3600);
  chain.skip(20); // blocks pass: still pending
  chain.advance(deadline - (chain.timeMs + 1000)); // the next block's time is the deadline
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: one.txId }).code, 'OK');
  assert.equal(callerOf(chain.get, first.publicKey).org, 'a');

  const second = generateKeyPair();
  const two = propose(second);
  const until = chain.timeMs + OP_LIFETIME_SECONDS * 1000;
  const squat = () => chain.run(b.admins[0]!, 'org', 'propose', { org: 'b', op: { type: 'registerOfficial', key: second.publicKey, roles: ['auditor'], consent: consentOf(chain, 'b', 'official', second) } });
  const reserved = squat();
  assert.equal(reserved.code, 'ORG_KEY_RESERVED');
  assert.match(reserved.message!, new RegExp(new Date(until).toISOString().replace(/[.]/g, '\\.')));
  chain.advance(until - chain.timeMs); // the next block is 1 s past the deadline
  assert.equal(orgDetail(chain.get, 'a', { height: chain.height, timeMs: until + 1 })!.pending.length, 0, 'a reader past the deadline sees nothing pending');
  const late = chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: two.txId });
  assert.equal(late.code, 'ORG_OP_EXPIRED');
  assert.match(late.message!, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
  assert.equal(squat().code, 'OK', 'the expired operation no longer reserves the key');
});
