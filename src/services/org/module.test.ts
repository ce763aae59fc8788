/** The org module: an organisation's operations wait for its threshold of admins; the reads its routes serve. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { callerOf } from '../../runtime/membership.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { OP_LIFETIME, orgModule } from './module.js';
import { memberInfo, orgDetail } from './queries.js';
import { validatorsModule } from '../validators/module.js';

test('with two of three admins required, an official is registered once the second admin approves; the reads show each step', () => {
  const a = testOrg('a', 3, 1, { threshold: 2 });
  const chain = createTestChain(testGenesis([a]), [orgModule, validatorsModule]);
  const official = generateKeyPair();
  const proposed = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: official.publicKey, roles: ['registrar'] } });
  assert.equal(proposed.code, 'OK');
  assert.deepEqual(callerOf(chain.get, official.publicKey), { roles: [], admin: false }, 'not yet: one of two approvals');
  const pending = orgDetail(chain.get, 'a', chain.height)!.pending;
  assert.deepEqual(pending.map((p) => [p.id, p.approvals.length, p.expiresAt]), [[proposed.txId, 1, 1 + OP_LIFETIME]]);
  assert.equal(chain.run(a.admins[0]!, 'org', 'approve', { org: 'a', id: proposed.txId }).code, 'ORG_ALREADY_APPROVED');
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: proposed.txId }).code, 'OK');
  assert.deepEqual(memberInfo(chain.get, official.publicKey), { key: official.publicKey, org: 'a', roles: ['registrar'], admin: false });
  const detail = orgDetail(chain.get, 'a', chain.height)!;
  assert.deepEqual(detail.officials.map((o) => o.key), [official.publicKey]);
  assert.deepEqual(detail.pending, [], 'applied operations are no longer pending');
  assert.equal(detail.log.length, 1);
  assert.equal(orgDetail(chain.get, 'nope', chain.height), undefined);
});

test('refusals: an unknown role, a key that already acts, an unknown operation, another organisation', () => {
  const [a, b] = [testOrg('a'), testOrg('b')];
  const chain = createTestChain(testGenesis([a, b]), [orgModule, validatorsModule]);
  const key = generateKeyPair().publicKey;
  const op = (roles: string[]) => ({ org: 'a', op: { type: 'registerOfficial', key, roles } });
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', op(['astronaut'])).code, 'ORG_ROLE_UNKNOWN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', op(['admin'])).code, 'ORG_ROLE_UNKNOWN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', op(['auditor'])).code, 'OK');
  assert.equal(chain.run(b.admins[0]!, 'org', 'propose', { org: 'b', op: { type: 'registerOfficial', key, roles: ['auditor'] } }).code, 'ORG_OFFICIAL_EXISTS');
  assert.equal(chain.run(a.admins[0]!, 'org', 'approve', { org: 'a', id: 'ab'.repeat(32) }).code, 'ORG_OP_UNKNOWN');
  assert.equal(chain.run(b.admins[0]!, 'org', 'propose', op(['auditor'])).code, 'AUTH_NOT_ORG_ADMIN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'removeOfficial', key: generateKeyPair().publicKey } }).code, 'ORG_OFFICIAL_UNKNOWN');
});
