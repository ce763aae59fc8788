/**
 * The vc+jwt form against an independent JOSE implementation (`jose`), both
 * ways, on an in-memory chain: a diploma Polity issues as a compact vc+jwt
 * verifies with `jose` alone (the issuer's key imported as an OKP/Ed25519
 * JWK); a diploma `jose` signs with the same issuer key, recorded on the
 * chain, verifies on Polity. Then the refusals, each with its own code:
 * wrong typ, alg "none", a tampered payload, a different key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { multikeyEncode, didKeyFromPublicKey } from '../../crypto/multikey.js';
import { nextNonce } from '../../runtime/executor.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../test-chain.js';
import { signConsent } from '../org/consent-sign.js';
import { claimsProblem } from './claims.js';
import { buildCredential } from './credential.js';
import { credentialsModule, getRecord } from './module.js';
import { findSlot, prepareCredential } from './issuer.js';
import { verifyCredential } from './verify.js';
import { envelopeVcJwt, readVcJwt, signVcJwt, vcJwtHash } from './vc-jwt.js';

const MODULES = builtinModules.some((m) => m.name === 'credentials') ? builtinModules : [...builtinModules, credentialsModule];
const SCHEMA = { type: 'object', properties: { id: { type: 'string' }, degree: { type: 'string' } }, required: ['degree'], additionalProperties: false };
const NOW = Date.parse('2026-06-01T00:00:00Z');
const SUBJECT = { id: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', degree: 'MSc Physics' };

interface World {
  chain: TestChain;
  official: KeyPair;
}

/** The consortium defines a diploma type and accredits the university; the university registers an official with the role issuer. */
function world(): World {
  const consortium = [testOrg('ministry'), testOrg('university'), testOrg('bank')];
  const chain = createTestChain(testGenesis(consortium), MODULES);
  const official = generateKeyPair();
  const stranger = generateKeyPair();
  const decide = (decision: Record<string, unknown>): void => {
    const id = chain.run(consortium[0]!.admins[0]!, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } }).txId;
    assert.equal(chain.run(consortium[1]!.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
    assert.equal(chain.run(stranger, 'credentials', 'enact', { proposal: id }).code, 'OK');
  };
  decide({ type: 'defineType', name: 'UniversityDiploma', title: 'University diploma', schema: SCHEMA });
  decide({ type: 'accredit', org: 'university', credentialType: 'UniversityDiploma', role: 'issuer' });
  const consent = signConsent({ chainId: chain.genesis.chainId, org: 'university', use: 'official', publicKey: official.publicKey, secretKey: official.secretKey }).signature;
  assert.equal(chain.run(consortium[1]!.admins[0]!, 'org', 'propose', { org: 'university', op: { type: 'registerOfficial', key: official.publicKey, roles: ['issuer'], consent } }).code, 'OK');
  return { chain, official };
}

const verify = (w: World, credential: unknown) => verifyCredential(w.chain.get, credential, { nowMs: NOW, claimsProblem });
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
/** A raw Ed25519 key pair as the OKP JWKs `jose` imports (RFC 8037). */
const jwkOf = (k: KeyPair): { pub: JWK; priv: JWK } => {
  const pub = { kty: 'OKP', crv: 'Ed25519', x: b64url(fromHex(k.publicKey)) };
  return { pub, priv: { ...pub, d: b64url(fromHex(k.secretKey)) } };
};

/** The official's next status slot and the unsigned diploma for it. */
function draft(w: World) {
  const nonce = nextNonce({ get: w.chain.get }, w.official.publicKey);
  const slot = findSlot(w.chain.get, w.chain.genesis.chainId, 'university', w.official.publicKey, nonce)!;
  const issuer = didKeyFromPublicKey(w.official.publicKey);
  const unsigned = buildCredential({ id: `urn:uuid:${crypto.randomUUID()}`, credentialType: 'UniversityDiploma', issuer, subject: SUBJECT, validFrom: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov', org: 'university', list: slot.list, index: slot.index });
  return { nonce, slot, issuer, unsigned, kid: `${issuer}#${multikeyEncode(w.official.publicKey)}` };
}

/** Record a token's hash on the chain as the official's `credentials.issue`. */
function record(w: World, d: ReturnType<typeof draft>, token: string) {
  return w.chain.run(w.official, 'credentials', 'issue', { credentialType: 'UniversityDiploma', hash: vcJwtHash(token), issuer: d.issuer, list: d.slot.list, probe: d.slot.probe }, { nonce: d.nonce });
}

test('a vc+jwt issued by Polity verifies with jose alone, and on Polity through the same checks as the Data Integrity form', async () => {
  const w = world();
  const nonce = nextNonce({ get: w.chain.get }, w.official.publicKey);
  const slot = findSlot(w.chain.get, w.chain.genesis.chainId, 'university', w.official.publicKey, nonce)!;
  const p = prepareCredential({ org: 'university', key: w.official, slot, credentialType: 'UniversityDiploma', subject: SUBJECT, id: 'urn:uuid:0d4c1c62-3f43-4b8e-9d0a-7c3c0e9b1f00', created: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov', format: 'jwt' });
  assert.equal(typeof p.credential, 'string');
  assert.equal(p.hash, vcJwtHash(p.credential), 'the chain records SHA-256 of the compact token');
  assert.equal(w.chain.run(w.official, 'credentials', 'issue', p.args as never, { nonce }).code, 'OK');

  // jose alone: the issuer's public key as a JWK, nothing from Polity.
  const key = await importJWK(jwkOf(w.official).pub, 'EdDSA');
  const { payload, protectedHeader } = await jwtVerify(p.credential, key, { typ: 'vc+jwt', algorithms: ['EdDSA'] });
  assert.deepEqual(protectedHeader, { alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: `${didKeyFromPublicKey(w.official.publicKey)}#${multikeyEncode(w.official.publicKey)}` });
  assert.deepEqual((payload as { credentialSubject: unknown }).credentialSubject, SUBJECT);
  assert.deepEqual((payload as { type: unknown }).type, ['VerifiableCredential', 'UniversityDiploma']);
  const raw = await compactVerify(p.credential, key);
  assert.equal(JSON.parse(new TextDecoder().decode(raw.payload)).id, 'urn:uuid:0d4c1c62-3f43-4b8e-9d0a-7c3c0e9b1f00');

  const v = verify(w, p.credential);
  assert.equal(v.verified, true, v.message);
  assert.deepEqual(v.checks.map((c) => c.ok), [true, true, true, true, true, true, true]);
  assert.equal(v.issuance?.hash, p.hash);
  // The same token in a VC 2.0 envelope (as the VC API carries it) is the same credential.
  assert.equal(verify(w, envelopeVcJwt(p.credential)).verified, true);
  // And the chain holds no claim.
  assert.ok(!JSON.stringify([...w.chain.state.values()]).includes('MSc Physics'));

  // Revocation reaches the vc+jwt exactly as the Data Integrity form.
  assert.equal(w.chain.run(w.official, 'credentials', 'setStatus', { hash: p.hash, status: 'revoked' }).code, 'OK');
  assert.equal(verify(w, p.credential).code, 'CREDENTIALS_REVOKED');
});

test('a vc+jwt signed by jose with the issuer key, and recorded on the chain, verifies on Polity', async () => {
  const w = world();
  const d = draft(w);
  const priv = await importJWK(jwkOf(w.official).priv, 'EdDSA');
  const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(d.unsigned))).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: d.kid }).sign(priv);
  assert.equal(record(w, d, token).code, 'OK');
  assert.ok(getRecord(w.chain.get, vcJwtHash(token)));
  const v = verify(w, token);
  assert.equal(v.verified, true, v.message);
  assert.equal(v.checks[0]!.detail, 'a VC 2.0 credential secured as a compact vc+jwt (EdDSA)');
  // Polity's own signer gives the same payload a token jose reads back identically.
  const ours = signVcJwt(d.unsigned, { kid: d.kid, secretKey: w.official.secretKey });
  assert.deepEqual(decodeProtectedHeader(ours), { alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: d.kid });
});

test('vc+jwt refusals: wrong typ, alg none, a tampered payload, a different key — each refused with the code that says why', async () => {
  const w = world();
  const d = draft(w);
  const priv = await importJWK(jwkOf(w.official).priv, 'EdDSA');
  const payload = new TextEncoder().encode(JSON.stringify(d.unsigned));
  const good = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: d.kid }).sign(priv);
  assert.equal(record(w, d, good).code, 'OK');
  assert.equal(verify(w, good).verified, true, 'the control verifies');

  // A signed JWT of another kind (typ "JWT") is not taken for a credential, however good its signature.
  const plain = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: d.kid }).sign(priv);
  const wrongTyp = verify(w, plain);
  assert.equal(wrongTyp.code, 'CREDENTIALS_JWT_TYPE');
  assert.match(wrongTyp.message!, /typ: expected "vc\+jwt"/);

  // alg "none": an unsecured JWS (RFC 7515 §A.5) is never accepted.
  const [, body] = good.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'vc+jwt', kid: d.kid })).toString('base64url')}.${body}.`;
  assert.equal(verify(w, none).code, 'CREDENTIALS_JWT_ALG');
  assert.equal(readVcJwt(none).ok, false);

  // A tampered payload with the original signature: the JWS no longer verifies.
  const [h, , s] = good.split('.');
  const altered = { ...d.unsigned, credentialSubject: { ...SUBJECT, degree: 'PhD Physics' } };
  const tampered = `${h}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${s}`;
  const t = verify(w, tampered);
  assert.equal(t.code, 'CREDENTIALS_PROOF_INVALID');
  assert.deepEqual(t.checks.map((c) => c.ok), [true, false, null, null, null, null, null]);
  await assert.rejects(compactVerify(tampered, await importJWK(jwkOf(w.official).pub, 'EdDSA')), 'jose agrees');

  // A different key: signed by a stranger, its kid naming the issuer's key — the signature is not the issuer's.
  const stranger = generateKeyPair();
  const forged = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: d.kid }).sign(await importJWK(jwkOf(stranger).priv, 'EdDSA'));
  assert.equal(verify(w, forged).code, 'CREDENTIALS_PROOF_INVALID');
  // …one whose kid names the stranger's key under the issuer's did:key is not a key of that DID.
  const strangerKid = `${d.issuer}#${multikeyEncode(stranger.publicKey)}`;
  const named = await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: strangerKid }).sign(await importJWK(jwkOf(stranger).priv, 'EdDSA'));
  assert.equal(verify(w, named).code, 'CREDENTIALS_MALFORMED', 'a did:key signs with its own key only');
  // …and one the stranger issues in its own name verifies mathematically, but no chain holds it: the stranger is no issuer and cannot record it.
  const strangerDid = didKeyFromPublicKey(stranger.publicKey);
  const own = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...d.unsigned, issuer: strangerDid }))).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${strangerDid}#${multikeyEncode(stranger.publicKey)}` }).sign(await importJWK(jwkOf(stranger).priv, 'EdDSA'));
  const o = verify(w, own);
  assert.equal(o.code, 'CREDENTIALS_NOT_ISSUED');
  assert.deepEqual(o.checks.map((c) => c.ok), [true, true, false, null, null, null, null]);
  assert.notEqual(w.chain.run(stranger, 'credentials', 'issue', { credentialType: 'UniversityDiploma', hash: vcJwtHash(own), issuer: strangerDid, list: d.slot.list, probe: d.slot.probe }).code, 'OK');

  // Malformed tokens are refused without throwing.
  for (const bad of ['', 'a.b', 'a.b.c.d', '!!.??.', `${h}.${body}`]) assert.equal(verify(w, bad).code, 'CREDENTIALS_MALFORMED', JSON.stringify(bad));
  const withProof = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...d.unsigned, proof: { type: 'DataIntegrityProof' } }))).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: d.kid }).sign(priv);
  assert.match(verify(w, withProof).message!, /embedded proof/);
});
