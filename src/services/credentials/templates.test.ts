/**
 * Templates and kinds of organisation, status lists of a million entries,
 * and the signed status list credential, as stories on an in-memory chain:
 * the consortium defines the four templates, classifies a university and a
 * municipality; a diploma is accredited only to the university; once
 * governance removes the university's kind it can no longer issue, while
 * the diplomas it issued before stay trusted (judged at issuance). A
 * municipality opens a 1,048,576-entry list and a credential in it is
 * suspended and verified. A status list signed by a node key verifies; a
 * tampered, expired or too old one is refused, each with its code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { generateKeyPair, signRaw, type KeyPair } from '../../crypto/ed25519.js';
import { nextNonce } from '../../runtime/executor.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../test-chain.js';
import { claimsProblem, schemaProblem } from './claims.js';
import { credentialsModule, orgLists, getRecord } from './module.js';
import { findSlot, prepareCredential } from './issuer.js';
import { TEMPLATES, templateOf, defineTypeDecision } from './templates.js';
import { kindsAt } from './registry.js';
import { verifyCredential } from './verify.js';
import { signStatusList, checkStatusList, STATUS_LIST_TTL_MS } from './status-list-credential.js';
import { statusBits } from './queries.js';
import { signConsent } from '../org/consent-sign.js';
import type { JsonObject } from './data-integrity.js';

const MODULES = builtinModules.some((m) => m.name === 'credentials') ? builtinModules : [...builtinModules, credentialsModule];
const NOW = Date.parse('2026-06-01T00:00:00Z');
const HOLDER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';

interface World {
  chain: TestChain;
  orgs: ReturnType<typeof testOrg>[];
  officials: Record<string, KeyPair>;
  stranger: KeyPair;
}

function decide(w: World, decision: unknown): { code: string; message?: string } {
  const [a, b, c] = w.orgs;
  const id = w.chain.run(a!.admins[0]!, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } }).txId;
  w.chain.run(b!.admins[0]!, 'gov', 'vote', { id, approve: true });
  w.chain.run(c!.admins[0]!, 'gov', 'vote', { id, approve: true });
  return w.chain.run(w.stranger, 'credentials', 'enact', { proposal: id });
}

function world(): World {
  const orgs = [testOrg('ministry'), testOrg('university'), testOrg('city')];
  const chain = createTestChain(testGenesis(orgs), MODULES);
  const w: World = { chain, orgs, officials: {}, stranger: generateKeyPair() };
  for (const t of TEMPLATES) assert.equal(decide(w, defineTypeDecision(t)).code, 'OK', t.template);
  assert.equal(decide(w, { type: 'classify', org: 'university', kinds: ['university'] }).code, 'OK');
  assert.equal(decide(w, { type: 'classify', org: 'city', kinds: ['municipality'] }).code, 'OK');
  for (const [i, org] of ['university', 'city'].entries()) {
    const k = generateKeyPair();
    const consent = signConsent({ chainId: chain.genesis.chainId, org, use: 'official', publicKey: k.publicKey, secretKey: k.secretKey }).signature;
    assert.equal(chain.run(orgs[i + 1]!.admins[0]!, 'org', 'propose', { org, op: { type: 'registerOfficial', key: k.publicKey, roles: ['issuer'], consent } }).code, 'OK');
    w.officials[org] = k;
  }
  return w;
}

const DIPLOMA = { id: HOLDER, givenName: 'Ada', familyName: 'Lovelace', degree: 'Master', title: 'MSc Mathematics', awardedOn: '2026-05-30', eqfLevel: 7 };
const RESIDENCE = { id: HOLDER, givenName: 'Ada', familyName: 'Lovelace', address: { streetAddress: '1 Main Street', locality: 'Springfield', country: 'GB' }, residentSince: '2020-01-01' };

function issue(w: World, org: string, credentialType: string, subject: JsonObject) {
  const key = w.officials[org]!;
  const nonce = nextNonce({ get: w.chain.get }, key.publicKey);
  const slot = findSlot(w.chain.get, w.chain.genesis.chainId, org, key.publicKey, nonce)!;
  const p = prepareCredential({ org, key, slot, credentialType, subject, id: `urn:uuid:${crypto.randomUUID()}`, created: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov' });
  return { ...p, slot, result: w.chain.run(key, 'credentials', 'issue', p.args as never, { nonce }) };
}

const verify = (w: World, credential: unknown) => verifyCredential(w.chain.get, credential, { nowMs: NOW, claimsProblem });

test('the four templates are JSON Schemas ajv compiles, each naming realistic claims and the kinds of organisation that issue it', () => {
  assert.deepEqual(TEMPLATES.map((t) => t.template), ['diploma', 'business-licence', 'driving-licence', 'residence']);
  for (const t of TEMPLATES) {
    assert.equal(schemaProblem(t.schema), undefined, t.template);
    assert.ok(t.issuerKinds.length > 0);
  }
  assert.deepEqual(templateOf('diploma')!.issuerKinds, ['university']);
  assert.deepEqual(templateOf('driving-licence')!.issuerKinds, ['transport-authority']);
  assert.equal(claimsProblem(templateOf('diploma')!.schema, DIPLOMA), undefined);
  assert.match(claimsProblem(templateOf('diploma')!.schema, { ...DIPLOMA, awardedOn: 'May 2026' })!, /awardedOn/);
  assert.match(claimsProblem(templateOf('diploma')!.schema, { ...DIPLOMA, religion: 'x' })!, /additional/, 'no claim outside the template');
  const licence = { id: HOLDER, givenName: 'A', familyName: 'B', birthDate: '1990-01-01', licenceNumber: 'DL-1', issuedOn: '2020-01-01', expiresOn: '2035-01-01', categories: [{ category: 'B', issuedOn: '2008-01-01', restrictions: ['01.06'] }] };
  assert.equal(claimsProblem(templateOf('driving-licence')!.schema, licence), undefined);
  assert.match(claimsProblem(templateOf('driving-licence')!.schema, { ...licence, categories: [{ category: 'Z', issuedOn: '2008-01-01' }] })!, /category/);
});

test('a type from a template is issued only by an organisation of its kind: accrediting another kind is CREDENTIALS_ORG_KIND, and so is issuing once the kind is removed', () => {
  const w = world();
  // The city is not a university: governance cannot accredit it for diplomas.
  const wrong = decide(w, { type: 'accredit', org: 'city', credentialType: 'UniversityDiploma', role: 'issuer' });
  assert.equal(wrong.code, 'CREDENTIALS_ORG_KIND', wrong.message);
  assert.equal(decide(w, { type: 'accredit', org: 'university', credentialType: 'UniversityDiploma', role: 'issuer' }).code, 'OK');
  assert.equal(decide(w, { type: 'accredit', org: 'city', credentialType: 'ProofOfResidence', role: 'issuer' }).code, 'OK');
  // An accreditor (the ministry, of no kind) may accredit, but only organisations of the kind.
  assert.equal(decide(w, { type: 'accredit', org: 'ministry', credentialType: 'UniversityDiploma', role: 'accreditor' }).code, 'OK');
  assert.equal(w.chain.run(w.orgs[0]!.admins[0]!, 'credentials', 'accredit', { org: 'city', credentialType: 'UniversityDiploma' }).code, 'CREDENTIALS_ORG_KIND');

  const before = issue(w, 'university', 'UniversityDiploma', DIPLOMA);
  assert.equal(before.result.code, 'OK', before.result.message);
  assert.equal(verify(w, before.credential).verified, true);
  const residence = issue(w, 'city', 'ProofOfResidence', RESIDENCE);
  assert.equal(residence.result.code, 'OK', residence.result.message);
  assert.equal(verify(w, residence.credential).verified, true);

  // Governance removes the university's kind: no more diplomas, the old one stays trusted.
  assert.equal(decide(w, { type: 'classify', org: 'university', kinds: [] }).code, 'OK');
  assert.deepEqual(kindsAt(w.chain.get, 'university', { height: w.chain.height + 1, txIndex: 0 }), []);
  const after = issue(w, 'university', 'UniversityDiploma', DIPLOMA);
  assert.equal(after.result.code, 'CREDENTIALS_ORG_KIND', after.result.message);
  const v = verify(w, before.credential);
  assert.equal(v.verified, true, v.message);
  // A malformed kind is refused when enacted.
  assert.equal(decide(w, { type: 'classify', org: 'city', kinds: ['Not A Kind'] }).code, 'CREDENTIALS_INVALID');
});

test('an organisation opens a 1,048,576-entry status list; credentials in it take indexes over the whole range, and their status changes and verifies', () => {
  const w = world();
  assert.equal(decide(w, { type: 'accredit', org: 'city', credentialType: 'ProofOfResidence', role: 'issuer' }).code, 'OK');
  assert.equal(w.chain.run(w.orgs[2]!.admins[0]!, 'credentials', 'openList', { entries: 1_048_576 }).code, 'OK');
  assert.equal(w.chain.run(w.orgs[2]!.admins[0]!, 'credentials', 'openList', { entries: 1_000_000 }).code, 'TX_ARGS_INVALID', 'only the four sizes');
  assert.deepEqual(orgLists(w.chain.get, 'city'), { counts: [0], sizes: [1_048_576] });
  const indexes: number[] = [];
  let last: ReturnType<typeof issue> | undefined;
  for (let i = 0; i < 40; i++) {
    last = issue(w, 'city', 'ProofOfResidence', RESIDENCE);
    assert.equal(last.result.code, 'OK', last.result.message);
    indexes.push(getRecord(w.chain.get, last.hash)!.index);
  }
  assert.ok(Math.max(...indexes) >= 131_072, 'indexes beyond the first 131,072');
  const rec = getRecord(w.chain.get, last!.hash)!;
  assert.equal(w.chain.run(w.officials['city']!, 'credentials', 'setStatus', { hash: last!.hash, status: 'suspended' }).code, 'OK');
  assert.equal(verify(w, last!.credential).code, 'CREDENTIALS_SUSPENDED');
  const bits = statusBits(w.chain.get, 'city', 0, 'suspension');
  assert.equal(bits.length, 1_048_576 / 8);
  assert.ok(bits[rec.index >> 3]! & (0x80 >> (rec.index & 7)));
  // A second list: the next credentials go there, at the default size unless chosen.
  assert.equal(w.chain.run(w.orgs[2]!.admins[0]!, 'credentials', 'openList', { entries: 131_072 }).code, 'OK');
  assert.deepEqual(orgLists(w.chain.get, 'city').sizes, [1_048_576, 131_072]);
  const next = issue(w, 'city', 'ProofOfResidence', RESIDENCE);
  assert.equal(next.result.code, 'OK');
  assert.equal(getRecord(w.chain.get, next.hash)!.list, 1);
  assert.equal(verify(w, next.credential).verified, true);
});

test('the status list credential is signed (eddsa-jcs-2022) with validFrom, validUntil and height; a tampered, expired or too old list is refused', () => {
  const node = generateKeyPair();
  const attester = { publicKey: node.publicKey, sign: (m: Uint8Array) => signRaw(node.secretKey, m) };
  const bits = new Uint8Array(131_072 / 8);
  bits[1] = 0x40; // index 9
  const encodedList = 'u' + gzipSync(bits).toString('base64url');
  const url = 'https://node.example.gov/v1/credentials/status/city/0/revocation';
  const doc = signStatusList({ url, purpose: 'revocation', encodedList, height: 42, nowMs: NOW }, attester);
  assert.equal(doc['validUntil'], new Date(NOW + STATUS_LIST_TTL_MS).toISOString().replace('.000Z', 'Z'));
  assert.equal(doc['height'], 42);
  const ok = checkStatusList(doc, { nowMs: NOW + 1_000, maxAgeMs: 60_000, gunzip: gunzipSync });
  assert.ok(ok.ok, ok.ok ? '' : ok.reason);
  assert.equal(ok.ok && ok.height, 42);
  assert.ok(ok.ok && ok.bits[1] === 0x40);
  assert.equal(checkStatusList(doc, { nowMs: NOW, maxAgeMs: 60_000, trustedKeys: [node.publicKey], gunzip: gunzipSync }).ok, true);

  // Tampered: a bit cleared (a revocation hidden) breaks the signature.
  const hidden = { ...doc, credentialSubject: { ...(doc['credentialSubject'] as JsonObject), encodedList: 'u' + gzipSync(new Uint8Array(131_072 / 8)).toString('base64url') } };
  assert.equal((checkStatusList(hidden, { nowMs: NOW, maxAgeMs: 60_000, gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_PROOF_INVALID');
  const otherHeight = { ...doc, height: 43 };
  assert.equal((checkStatusList(otherHeight, { nowMs: NOW, maxAgeMs: 60_000, gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_PROOF_INVALID');
  // Re-signed by another key: refused by a verifier that trusts only the node's.
  const mallory = generateKeyPair();
  const forged = signStatusList({ url, purpose: 'revocation', encodedList, height: 42, nowMs: NOW }, { publicKey: mallory.publicKey, sign: (m) => signRaw(mallory.secretKey, m) });
  assert.equal((checkStatusList(forged, { nowMs: NOW, maxAgeMs: 60_000, trustedKeys: [node.publicKey], gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_PROOF_INVALID');
  // Stale: past validUntil, or older than the verifier's own bound.
  assert.equal((checkStatusList(doc, { nowMs: NOW + STATUS_LIST_TTL_MS + 1_000, maxAgeMs: 3_600_000, gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_STATUS_STALE');
  assert.equal((checkStatusList(doc, { nowMs: NOW + 30_000, maxAgeMs: 10_000, gunzip: gunzipSync }) as { code: string }).code, 'CREDENTIALS_STATUS_STALE');
});
