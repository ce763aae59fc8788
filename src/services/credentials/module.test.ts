/**
 * The credentials service as stories on an in-memory chain: the consortium
 * defines a type and accredits a ministry; the ministry accredits a
 * university; the university's official issues a diploma; a verifier checks
 * it; the university suspends, reinstates and revokes it. Every refusal has
 * its own code: malformed, altered, wrong key, untrusted issuer, claims
 * outside the schema, suspended, revoked, expired, not yet valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { nextNonce } from '../../runtime/executor.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../test-chain.js';
import { claimsProblem, schemaProblem } from './claims.js';
import { credentialsModule, getRecord, bitsKey, orgLists } from './module.js';
import { findSlot, prepareCredential } from './issuer.js';
import { issuerTrustAt } from './registry.js';
import { LIST_CAPACITY, LIST_ENTRIES, statusIndexOf, assemble } from './status-list.js';
import { verifyCredential } from './verify.js';
import type { JsonObject } from './data-integrity.js';
import type { Json } from '../../crypto/canonical-json.js';
import { usedKey } from './module.js';
import { PAGES, PAGE_BYTES } from './status-list.js';
import { signConsent } from '../org/consent-sign.js';

/** The official's consent to being registered by `org` (spec/services/org.md). */
const consentOf = (chain: TestChain, org: string, k: KeyPair): string => signConsent({ chainId: chain.genesis.chainId, org, use: 'official', publicKey: k.publicKey, secretKey: k.secretKey }).signature;

const MODULES = builtinModules.some((m) => m.name === 'credentials') ? builtinModules : [...builtinModules, credentialsModule];
const DIPLOMA_SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, degree: { type: 'string', maxLength: 200 }, awarded: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } },
  required: ['degree', 'awarded'],
  additionalProperties: false,
};
const NOW = Date.parse('2026-06-01T00:00:00Z');

interface World {
  chain: TestChain;
  consortium: ReturnType<typeof testOrg>[];
  official: KeyPair;
  stranger: KeyPair;
}

/** Governance decides (all three organisations vote yes), and anyone enacts the decision. */
function decide(w: World, decision: Record<string, unknown>): string {
  const [a, b] = w.consortium;
  const id = w.chain.run(a!.admins[0]!, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } }).txId;
  assert.equal(w.chain.run(b!.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
  const enacted = w.chain.run(w.stranger, 'credentials', 'enact', { proposal: id });
  assert.equal(enacted.code, 'OK', enacted.message);
  return id;
}

function world(extraState?: ReadonlyMap<string, Json>): World {
  const consortium = [testOrg('ministry'), testOrg('university'), testOrg('bank')];
  const chain = createTestChain(testGenesis(consortium), MODULES, extraState ? { extraState } : {});
  const official = generateKeyPair();
  const stranger = generateKeyPair();
  const w = { chain, consortium, official, stranger };
  decide(w, { type: 'defineType', name: 'UniversityDiploma', title: 'University diploma', schema: DIPLOMA_SCHEMA });
  decide(w, { type: 'accredit', org: 'ministry', credentialType: 'UniversityDiploma', role: 'accreditor' });
  assert.equal(chain.run(consortium[0]!.admins[0]!, 'credentials', 'accredit', { org: 'university', credentialType: 'UniversityDiploma' }).code, 'OK');
  assert.equal(chain.run(consortium[1]!.admins[0]!, 'org', 'propose', { org: 'university', op: { type: 'registerOfficial', key: official.publicKey, roles: ['issuer'], consent: consentOf(chain, 'university', official) } }).code, 'OK');
  return w;
}

/** The official makes, signs and records a credential. */
function issue(w: World, options: { key?: KeyPair; org?: string; subject?: JsonObject; validUntil?: string; validFrom?: string } = {}) {
  const key = options.key ?? w.official;
  const org = options.org ?? 'university';
  const nonce = nextNonce({ get: w.chain.get }, key.publicKey);
  const slot = findSlot(w.chain.get, w.chain.genesis.chainId, org, key.publicKey, nonce)!;
  const prepared = prepareCredential({
    org,
    key,
    slot,
    credentialType: 'UniversityDiploma',
    subject: options.subject ?? { id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', degree: 'MSc Physics', awarded: '2026-05-30' },
    id: `urn:uuid:${crypto.randomUUID()}`,
    created: '2026-05-31T10:00:00Z',
    validFrom: options.validFrom ?? '2026-05-31T10:00:00Z',
    ...(options.validUntil ? { validUntil: options.validUntil } : {}),
    statusBaseUrl: 'https://node.example.gov',
  });
  const result = w.chain.run(key, 'credentials', 'issue', prepared.args as never, { nonce });
  return { ...prepared, result, slot };
}

const verify = (w: World, credential: unknown, nowMs = NOW) => verifyCredential(w.chain.get, credential, { nowMs, claimsProblem });

test('a diploma issued by an accredited university verifies; the chain holds its hash and status entry, never its claims', () => {
  const w = world();
  const d = issue(w);
  assert.equal(d.result.code, 'OK', d.result.message);
  const v = verify(w, d.credential);
  assert.equal(v.verified, true, v.message);
  assert.deepEqual(v.checks.map((c) => c.ok), [true, true, true, true, true, true, true]);
  assert.equal(v.issuance?.org, 'university');
  const rec = getRecord(w.chain.get, d.hash)!;
  assert.equal(rec.index, d.slot.index);
  assert.equal(rec.index, statusIndexOf('polity-test', w.official.publicKey, 0, d.slot.probe));
  const everything = JSON.stringify([...w.chain.state.values()]);
  assert.ok(!everything.includes('MSc Physics'), 'no claim reaches the state');
  assert.ok(!everything.includes('z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'), 'nor the holder');
  assert.equal(orgLists(w.chain.get, 'university').counts[0], 1);
});

test('bad input is refused, each with its own code', () => {
  const w = world();
  const d = issue(w);
  const c = d.credential;
  assert.equal(verify(w, 'not a credential').code, 'CREDENTIALS_MALFORMED');
  assert.equal(verify(w, { ...c, '@context': ['https://www.w3.org/2018/credentials/v1'] }).code, 'CREDENTIALS_MALFORMED');
  const { proof: _p, ...unsigned } = c;
  assert.equal(verify(w, unsigned).code, 'CREDENTIALS_MALFORMED');
  // Altered claims: the signature no longer verifies.
  const altered = { ...c, credentialSubject: { ...(c['credentialSubject'] as JsonObject), degree: 'PhD Physics' } };
  assert.equal(verify(w, altered).code, 'CREDENTIALS_PROOF_INVALID');
  // Signed by someone else under the official's name: wrong proof.
  const forged = prepareCredential({ org: 'university', key: { publicKey: w.official.publicKey, secretKey: generateKeyPair().secretKey }, slot: d.slot, credentialType: 'UniversityDiploma', subject: { degree: 'x', awarded: '2026-01-01' }, id: 'urn:uuid:1', created: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov' });
  assert.equal(verify(w, forged.credential).code, 'CREDENTIALS_PROOF_INVALID');
  // Properly signed but never recorded on the chain.
  const unrecorded = prepareCredential({ org: 'university', key: w.official, slot: d.slot, credentialType: 'UniversityDiploma', subject: { degree: 'x', awarded: '2026-01-01' }, id: 'urn:uuid:2', created: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov' });
  assert.equal(verify(w, unrecorded.credential).code, 'CREDENTIALS_NOT_ISSUED');
  // Claims outside the type's schema (recorded anyway: the chain never sees claims).
  const bad = issue(w, { subject: { degree: 'MSc', awarded: 'last year' } });
  assert.equal(bad.result.code, 'OK');
  assert.equal(verify(w, bad.credential).code, 'CREDENTIALS_CLAIMS_INVALID');
  assert.match(verify(w, bad.credential).message!, /\/awarded: must match pattern/);
  // Validity period.
  const short = issue(w, { validUntil: '2026-05-31T12:00:00Z' });
  assert.equal(verify(w, short.credential).code, 'CREDENTIALS_EXPIRED');
  assert.equal(verify(w, short.credential, Date.parse('2026-05-31T11:00:00Z')).verified, true);
  assert.equal(verify(w, d.credential, Date.parse('2026-05-01T00:00:00Z')).code, 'CREDENTIALS_NOT_YET_VALID');
});

test('an organisation that is not accredited cannot issue, and trust is judged at issuance from the chain history', () => {
  const w = world();
  const bankOfficial = generateKeyPair();
  assert.equal(w.chain.run(w.consortium[2]!.admins[0]!, 'org', 'propose', { org: 'bank', op: { type: 'registerOfficial', key: bankOfficial.publicKey, roles: ['issuer'], consent: consentOf(w.chain, 'bank', bankOfficial) } }).code, 'OK');
  assert.equal(issue(w, { key: bankOfficial, org: 'bank' }).result.code, 'CREDENTIALS_ISSUER_UNTRUSTED');
  // A citizen cannot issue at all; an auditor of the university neither.
  assert.equal(issue(w, { key: w.stranger }).result.code, 'AUTH_NOT_OFFICIAL');
  // Only the ministry (accreditor) accredits; the bank cannot.
  assert.equal(w.chain.run(w.consortium[2]!.admins[0]!, 'credentials', 'accredit', { org: 'bank', credentialType: 'UniversityDiploma' }).code, 'CREDENTIALS_NOT_ACCREDITOR');

  const before = issue(w);
  assert.equal(before.result.code, 'OK');
  // The consortium withdraws the ministry's accreditation: the university, accredited by it, loses trust from then on.
  decide(w, { type: 'withdraw', org: 'ministry', credentialType: 'UniversityDiploma', role: 'accreditor' });
  assert.equal(issue(w).result.code, 'CREDENTIALS_ISSUER_UNTRUSTED');
  const rec = getRecord(w.chain.get, before.hash)!;
  assert.equal(issuerTrustAt(w.chain.get, 'UniversityDiploma', 'university', { height: rec.height, txIndex: rec.txIndex }).trusted, true);
  assert.equal(issuerTrustAt(w.chain.get, 'UniversityDiploma', 'university', { height: w.chain.height, txIndex: 0 }).trusted, false);
  assert.equal(verify(w, before.credential).verified, true, 'a credential issued while trusted stays valid');
  // A decision is enacted once; an unknown one not at all.
  const again = w.chain.run(w.stranger, 'credentials', 'enact', { proposal: rec.txId });
  assert.equal(again.code, 'CREDENTIALS_DECISION_UNKNOWN');
});

test('suspend, reinstate and revoke: the record, the status list bits and the verifier agree; revocation is final', () => {
  const w = world();
  const d = issue(w);
  const page = Math.floor(d.slot.index / 4096);
  const bit = (purpose: 'revocation' | 'suspension'): boolean => assemble((p) => w.chain.get(bitsKey('university', 0, purpose, p)))[d.slot.index >> 3]! & (0x80 >> (d.slot.index & 7)) ? true : false;
  assert.equal(w.chain.run(w.official, 'credentials', 'setStatus', { hash: d.hash, status: 'suspended', reason: 'under-review' }).code, 'OK');
  assert.equal(verify(w, d.credential).code, 'CREDENTIALS_SUSPENDED');
  assert.equal(bit('suspension'), true);
  assert.ok(w.chain.get(bitsKey('university', 0, 'suspension', page)));
  assert.equal(w.chain.run(w.official, 'credentials', 'setStatus', { hash: d.hash, status: 'active', reason: 'review-complete' }).code, 'OK');
  assert.equal(bit('suspension'), false);
  assert.equal(verify(w, d.credential).verified, true);
  // Another organisation's admin cannot touch it.
  assert.equal(w.chain.run(w.consortium[2]!.admins[0]!, 'credentials', 'setStatus', { hash: d.hash, status: 'revoked' }).code, 'CREDENTIALS_NOT_ISSUER');
  assert.equal(w.chain.run(w.official, 'credentials', 'setStatus', { hash: d.hash, status: 'revoked', reason: 'issued-in-error' }).code, 'OK');
  assert.equal(bit('revocation'), true);
  assert.equal(verify(w, d.credential).code, 'CREDENTIALS_REVOKED');
  assert.equal(w.chain.run(w.official, 'credentials', 'setStatus', { hash: d.hash, status: 'active' }).code, 'CREDENTIALS_REVOKED');
  assert.deepEqual(getRecord(w.chain.get, d.hash)!.changes.map((c) => c.status), ['suspended', 'active', 'revoked']);
});

test('status indexes are spread over the whole list, and a taken index needs the next probe', () => {
  const w = world();
  const indexes = Array.from({ length: 40 }, () => issue(w)).map((d) => (assert.equal(d.result.code, 'OK'), d.slot.index));
  assert.equal(new Set(indexes).size, indexes.length);
  assert.ok(Math.max(...indexes) - Math.min(...indexes) > LIST_ENTRIES / 4, 'not sequential');
  assert.ok(LIST_CAPACITY < LIST_ENTRIES && LIST_ENTRIES >= 131_072);
  // A replayed nonce is refused before the slot is looked at.
  const nonce = nextNonce({ get: w.chain.get }, w.official.publicKey) - 1;
  const again = prepareCredential({ org: 'university', key: w.official, slot: { list: 0, probe: 0, index: 0 }, credentialType: 'UniversityDiploma', subject: { degree: 'x', awarded: '2026-01-01' }, id: 'urn:uuid:3', created: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://x' });
  assert.equal(w.chain.run(w.official, 'credentials', 'issue', again.args as never, { nonce }).code, 'TX_NONCE_USED');
});

test('negative control: when every index a probe gives is taken, there is no slot and the chain refuses the probe', () => {
  const full = new Map<string, Json>(Array.from({ length: PAGES }, (_, p) => [usedKey('university', 0, p), 'ff'.repeat(PAGE_BYTES)]));
  const w = world(full);
  const nonce = nextNonce({ get: w.chain.get }, w.official.publicKey);
  assert.equal(findSlot(w.chain.get, 'polity-test', 'university', w.official.publicKey, nonce), undefined);
  const d = prepareCredential({ org: 'university', key: w.official, slot: { list: 0, probe: 5, index: 0 }, credentialType: 'UniversityDiploma', subject: { degree: 'x', awarded: '2026-01-01' }, id: 'urn:uuid:4', created: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://x' });
  const r = w.chain.run(w.official, 'credentials', 'issue', d.args as never, { nonce });
  assert.equal(r.code, 'CREDENTIALS_STATUS_SLOT');
  assert.match(r.message!, /probe 5 gives a taken index/);
});

test('claims schemas: ajv compiles good ones and names what is wrong with the rest', () => {
  assert.equal(schemaProblem(DIPLOMA_SCHEMA), undefined);
  assert.match(schemaProblem({ type: 'object', properties: { a: { type: 'strnig' } } })!, /not a JSON Schema/);
  assert.equal(claimsProblem(DIPLOMA_SCHEMA, { degree: 'x', awarded: '2026-01-01' }), undefined);
  assert.equal(claimsProblem(DIPLOMA_SCHEMA, { degree: 'x' }), "/: must have required property 'awarded'");
});

test('gov records a service decision only for a service the chain runs, and bounded; a malformed decision fails when enacted, changing nothing', () => {
  const w = world();
  const [a] = w.consortium;
  const propose = (change: Record<string, unknown>) => w.chain.run(a!.admins[0]!, 'gov', 'propose', { change });
  assert.equal(propose({ type: 'serviceDecision', module: 'nosuch', decision: { type: 'x' } }).code, 'GOV_INVALID');
  assert.equal(propose({ type: 'serviceDecision', module: 'gov', decision: { type: 'x' } }).code, 'GOV_INVALID');
  assert.equal(propose({ type: 'serviceDecision', module: 'credentials', decision: { type: 'defineType', name: 'Big', title: 't', schema: { type: 'object', description: 'x'.repeat(13_000) } } }).code, 'GOV_INVALID');
  const id = decideRaw(w, { type: 'defineType', name: 'lowercase', title: 't', schema: { type: 'object' } });
  const r = w.chain.run(w.stranger, 'credentials', 'enact', { proposal: id });
  assert.equal(r.code, 'CREDENTIALS_INVALID');
  assert.match(r.message!, /decision/);
  const id2 = decideRaw(w, { type: 'defineType', name: 'NotAnObject', title: 't', schema: { type: 'string' } });
  assert.equal(w.chain.run(w.stranger, 'credentials', 'enact', { proposal: id2 }).code, 'CREDENTIALS_INVALID');
  const id3 = decideRaw(w, { type: 'defineType', name: 'UniversityDiploma', title: 'again', schema: { type: 'object' } });
  assert.equal(w.chain.run(w.stranger, 'credentials', 'enact', { proposal: id3 }).code, 'CREDENTIALS_TYPE_EXISTS');
  const id4 = decideRaw(w, { type: 'accredit', org: 'university', credentialType: 'NoSuchType', role: 'issuer' });
  assert.equal(w.chain.run(w.stranger, 'credentials', 'enact', { proposal: id4 }).code, 'CREDENTIALS_TYPE_UNKNOWN');
  // An open proposal cannot be enacted before the consortium decides.
  const open = propose({ type: 'serviceDecision', module: 'credentials', decision: { type: 'retireType', name: 'UniversityDiploma' } }).txId;
  assert.equal(w.chain.run(w.stranger, 'credentials', 'enact', { proposal: open }).code, 'CREDENTIALS_DECISION_UNKNOWN');
});

/** A decision executed by governance, not yet enacted. */
function decideRaw(w: World, decision: Record<string, unknown>): string {
  const [a, b] = w.consortium;
  const id = w.chain.run(a!.admins[0]!, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } }).txId;
  assert.equal(w.chain.run(b!.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
  return id;
}
