/**
 * The SD-JWT VC form and presentations, on an in-memory chain, against the
 * independent SD-JWT library `@sd-jwt/sd-jwt-vc` both ways: an age
 * credential Polity issues (birth date and the derived "over 18") verifies
 * with the library alone, and so does the holder's presentation of "over
 * 18" only, with key binding; one the library issues with Polity's issuer
 * key, recorded on the chain, and presents, verifies on Polity. The
 * verifier's answer to an "over 18" presentation holds that claim and
 * nothing else. Then `vp+jwt` presentations, the nonce store, and the
 * refusals — malformed, a tampered disclosure, a wrong key-binding
 * signature, a replayed nonce, another verifier, another holder — each with
 * its own code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { fromHex } from '../../crypto/bytes.js';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { didKeyFromPublicKey, multikeyEncode } from '../../crypto/multikey.js';
import { nextNonce } from '../../runtime/executor.js';
import { builtinModules } from '../index.js';
import { createTestChain, testGenesis, testOrg, type TestChain } from '../test-chain.js';
import { signConsent } from '../org/consent-sign.js';
import { claimsProblem } from './claims.js';
import { buildCredential } from './credential.js';
import { credentialsModule } from './module.js';
import { findSlot, prepareCredential, type CredentialFormat } from './issuer.js';
import { verifyCredential } from './verify.js';
import { jwkOfKey, presentSdJwt, readSdJwt, sdJwtHash } from './sd-jwt.js';
import { createNonceStore, NONCE_TTL_MS } from './nonce-store.js';
import { signVpJwt, verifyPresentation } from './presentation.js';

const MODULES = builtinModules.some((m) => m.name === 'credentials') ? builtinModules : [...builtinModules, credentialsModule];
const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, birthDate: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }, over18: { type: 'boolean' }, over21: { type: 'boolean' } },
  required: ['birthDate', 'over18'],
  additionalProperties: false,
};
const NOW = Date.parse('2026-06-01T00:00:00Z');
const BIRTH = '2001-02-03';
const AUDIENCE = 'https://bar.example.gov';

interface World {
  chain: TestChain;
  official: KeyPair;
  holder: KeyPair;
  holderDid: string;
}

/** The consortium defines an age credential and accredits the civil registry; the registry registers an official with the role issuer; a citizen holds a did:key. */
function world(): World {
  const consortium = [testOrg('ministry'), testOrg('registry'), testOrg('bank')];
  const chain = createTestChain(testGenesis(consortium), MODULES);
  const official = generateKeyPair();
  const stranger = generateKeyPair();
  const decide = (decision: Record<string, unknown>): void => {
    const id = chain.run(consortium[0]!.admins[0]!, 'gov', 'propose', { change: { type: 'serviceDecision', module: 'credentials', decision } }).txId;
    assert.equal(chain.run(consortium[1]!.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
    assert.equal(chain.run(stranger, 'credentials', 'enact', { proposal: id }).code, 'OK');
  };
  decide({ type: 'defineType', name: 'AgeCredential', title: 'Proof of age', schema: SCHEMA });
  decide({ type: 'accredit', org: 'registry', credentialType: 'AgeCredential', role: 'issuer' });
  const consent = signConsent({ chainId: chain.genesis.chainId, org: 'registry', use: 'official', publicKey: official.publicKey, secretKey: official.secretKey }).signature;
  assert.equal(chain.run(consortium[1]!.admins[0]!, 'org', 'propose', { org: 'registry', op: { type: 'registerOfficial', key: official.publicKey, roles: ['issuer'], consent } }).code, 'OK');
  const holder = generateKeyPair();
  return { chain, official, holder, holderDid: didKeyFromPublicKey(holder.publicKey) };
}

/** Issue and record a credential of the given form for the holder (or another subject). */
function issue(w: World, format: CredentialFormat, subject: Record<string, unknown> = { id: w.holderDid, birthDate: BIRTH, over18: true, over21: true }) {
  const nonce = nextNonce({ get: w.chain.get }, w.official.publicKey);
  const slot = findSlot(w.chain.get, w.chain.genesis.chainId, 'registry', w.official.publicKey, nonce)!;
  const p = prepareCredential({ org: 'registry', key: w.official, slot, credentialType: 'AgeCredential', subject: subject as never, id: `urn:uuid:${crypto.randomUUID()}`, created: '2026-05-31T10:00:00Z', validUntil: '2031-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov', format, randomBytes });
  assert.equal(w.chain.run(w.official, 'credentials', 'issue', p.args as never, { nonce }).code, 'OK');
  return p;
}

const verify = (w: World, credential: unknown) => verifyCredential(w.chain.get, credential, { nowMs: NOW, claimsProblem });
const nonces = () => createNonceStore();
const fresh = (store: ReturnType<typeof nonces>) => store.issue(NOW, randomBytes(16))!.nonce;
const present = (w: World, store: ReturnType<typeof nonces>, input: unknown, expect: { audience: string; nonce: string }) =>
  verifyPresentation(w.chain.get, input, expect, { nowMs: NOW, claimsProblem, takeNonce: (n) => store.take(n, NOW) });

/** Node's Ed25519 as the library's signer and verifier (the library leaves the algorithm to its caller). */
const privateKeyOf = (k: KeyPair): KeyObject => createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(fromHex(k.publicKey)).toString('base64url'), d: Buffer.from(fromHex(k.secretKey)).toString('base64url') }, format: 'jwk' });
const publicKeyOfJwk = (jwk: object): KeyObject => createPublicKey({ key: jwk as never, format: 'jwk' });
const b64 = (x: string | Buffer): string => Buffer.from(x).toString('base64url');
const signer = (k: KeyPair) => (data: string) => edSign(null, Buffer.from(data), privateKeyOf(k)).toString('base64url');
const verifier = (pub: KeyObject) => (data: string, sig: string) => edVerify(null, Buffer.from(data), pub, Buffer.from(sig, 'base64url'));

/** The library as a verifier knowing only the issuer's public key: cnf.jwk checks the key binding. */
function libraryVerifier(issuer: KeyPair): SDJwtVcInstance {
  return new SDJwtVcInstance({
    hasher: digest,
    hashAlg: 'sha-256',
    verifier: verifier(publicKeyOfJwk(jwkOfKey(issuer.publicKey))),
    kbVerifier: (data: string, sig: string, payload: Record<string, unknown>) => verifier(publicKeyOfJwk((payload['cnf'] as { jwk: object }).jwk))(data, sig),
  });
}

test('an SD-JWT VC Polity issues verifies with @sd-jwt/sd-jwt-vc alone, and on Polity through the checks of every form; the chain holds no claim', async () => {
  const w = world();
  const p = issue(w, 'sd-jwt');
  const token = p.credential as string;
  assert.equal(p.hash, sdJwtHash(token), 'the chain records SHA-256 of the issuer-signed JWT');
  const read = readSdJwt(token);
  assert.ok(read.ok);
  assert.deepEqual(read.header, { alg: 'EdDSA', typ: 'dc+sd-jwt', kid: `${didKeyFromPublicKey(w.official.publicKey)}#${multikeyEncode(w.official.publicKey)}` });
  assert.equal(read.payload['vct'], 'https://node.example.gov/v1/credentials/types/AgeCredential');
  assert.deepEqual(read.payload['cnf'], { jwk: jwkOfKey(w.holder.publicKey) });
  assert.equal((read.payload['_sd'] as string[]).length, 4, 'sub, birthDate, over18, over21: each a disclosure');
  assert.ok(!token.split('~')[0]!.includes(Buffer.from(BIRTH).toString('base64url').slice(0, 8)) && !JSON.stringify(read.payload).includes(BIRTH), 'the issuer-signed JWT holds no claim in the clear');

  const lib = await libraryVerifier(w.official).verify(token);
  const payload = lib.payload as Record<string, unknown>;
  assert.equal(payload['birthDate'], BIRTH);
  assert.equal(payload['over18'], true);
  assert.equal(payload['sub'], w.holderDid);
  assert.equal(lib.header?.['typ'], 'dc+sd-jwt');

  const v = verify(w, token);
  assert.equal(v.verified, true, v.message);
  assert.deepEqual(v.checks.map((c) => c.ok), [true, true, true, true, true, true, true]);
  assert.deepEqual(v.disclosed!.sort(), ['birthDate', 'over18', 'over21', 'sub']);
  assert.ok(!JSON.stringify([...w.chain.state.values()]).includes(BIRTH), 'the chain holds no claim');

  // Only the disclosed claims are checked against the schema: an SD-JWT with no birthDate disclosure still verifies as a credential.
  const parts = token.split('~');
  const withoutBirth = [parts[0], ...parts.slice(1, -1).filter((d) => !Buffer.from(d, 'base64url').toString().includes('birthDate')), ''].join('~');
  const partial = verify(w, withoutBirth);
  assert.equal(partial.verified, true, partial.message);
  assert.match(partial.checks[4]!.detail, /the 3 disclosed claims match the AgeCredential schema/);

  // Revocation reaches the SD-JWT through the Bitstring entries it carries in status.bitstring_status_list.
  assert.equal(w.chain.run(w.official, 'credentials', 'setStatus', { hash: p.hash, status: 'revoked' }).code, 'OK');
  assert.equal(verify(w, token).code, 'CREDENTIALS_REVOKED');
});

test('selective disclosure: a presentation of "over 18" alone, with key binding, verifies on Polity and with the library; the verifier learns no other claim', async () => {
  const w = world();
  const token = issue(w, 'sd-jwt').credential as string;
  const store = nonces();
  const nonce = fresh(store);
  const presentation = presentSdJwt(token, { disclose: ['over18'], holderSecretKey: w.holder.secretKey, audience: AUDIENCE, nonce, iat: NOW / 1000 });
  assert.equal(presentation.split('~').length, 3, 'issuer JWT, one disclosure, the KB-JWT');

  const r = present(w, store, presentation, { audience: AUDIENCE, nonce });
  assert.equal(r.verified, true, r.message);
  assert.deepEqual(r.checks.map((c) => [c.check, c.ok]), [['format', true], ['holder', true], ['signature', true], ['audience', true], ['nonce', true], ['credentials', true]]);
  assert.equal(r.credentials.length, 1);
  assert.deepEqual(r.credentials[0]!.claims, { over18: true }, 'the verifier holds only the claim the holder chose');
  const answer = JSON.stringify(r);
  assert.ok(!answer.includes(BIRTH) && !answer.includes('birthDate') && !answer.includes('over21') && !answer.includes(w.holderDid), 'nothing else in the answer: no birth date, no other claim, not even the holder DID');
  console.log(`verifier's answer to the "over 18" presentation: credentials[0].claims = ${JSON.stringify(r.credentials[0]!.claims)}; the answer's ${answer.length} characters contain no birth date`);

  // The independent library agrees: key binding over this audience and nonce, and only over18 disclosed.
  const lib = await libraryVerifier(w.official).verify(presentation, { keyBindingNonce: nonce, requiredClaimKeys: ['over18'] });
  assert.equal((lib.payload as Record<string, unknown>)['over18'], true);
  assert.equal((lib.payload as Record<string, unknown>)['birthDate'], undefined);
  assert.equal(lib.kb?.payload.aud, AUDIENCE);

  // The same presentation again: its nonce was used.
  assert.equal(present(w, store, presentation, { audience: AUDIENCE, nonce }).code, 'CREDENTIALS_PRESENTATION_REPLAYED');
});

test('an SD-JWT VC the library issues with the issuer key, recorded on the chain, and presents with key binding, verifies on Polity', async () => {
  const w = world();
  const nonce = nextNonce({ get: w.chain.get }, w.official.publicKey);
  const slot = findSlot(w.chain.get, w.chain.genesis.chainId, 'registry', w.official.publicKey, nonce)!;
  const issuer = didKeyFromPublicKey(w.official.publicKey);
  const unsigned = buildCredential({ id: 'urn:uuid:x', credentialType: 'AgeCredential', issuer, subject: {}, validFrom: '2026-05-31T10:00:00Z', statusBaseUrl: 'https://node.example.gov', org: 'registry', list: slot.list, index: slot.index });
  const walletIssuer = new SDJwtVcInstance({ hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt, signer: signer(w.official), signAlg: 'EdDSA', kbSigner: signer(w.holder), kbSignAlg: 'EdDSA' });
  const token = await walletIssuer.issue(
    { iss: issuer, iat: Math.floor(NOW / 1000) - 3600, vct: 'AgeCredential', cnf: { jwk: jwkOfKey(w.holder.publicKey) }, status: { bitstring_status_list: unsigned['credentialStatus'] }, sub: w.holderDid, birthDate: BIRTH, over18: true } as never,
    { _sd: ['sub', 'birthDate', 'over18'] } as never,
    { header: { kid: `${issuer}#${multikeyEncode(w.official.publicKey)}` } },
  );
  assert.equal(w.chain.run(w.official, 'credentials', 'issue', { credentialType: 'AgeCredential', hash: sdJwtHash(token), issuer, list: slot.list, probe: slot.probe }, { nonce }).code, 'OK');
  const v = verify(w, token);
  assert.equal(v.verified, true, v.message);

  const store = nonces();
  const n = fresh(store);
  const presentation = await walletIssuer.present(token, { over18: true } as never, { kb: { payload: { iat: Math.floor(NOW / 1000), aud: AUDIENCE, nonce: n } } });
  const r = present(w, store, presentation, { audience: AUDIENCE, nonce: n });
  assert.equal(r.verified, true, r.message);
  assert.deepEqual(r.credentials[0]!.claims, { over18: true });
});

test('vp+jwt presentations: the holder wraps a Data Integrity credential and a vc+jwt, signs for the verifier, and each credential is verified in full', () => {
  const w = world();
  const di = issue(w, 'data-integrity').credential;
  const jwt = issue(w, 'jwt').credential;
  const store = nonces();
  const nonce = fresh(store);
  const vp = signVpJwt({ credentials: [di, jwt], holder: w.holderDid, holderSecretKey: w.holder.secretKey, audience: AUDIENCE, nonce });
  const r = present(w, store, vp, { audience: AUDIENCE, nonce });
  assert.equal(r.verified, true, r.message);
  assert.equal(r.holder, w.holderDid);
  assert.deepEqual(r.credentials.map((c) => c.verified), [true, true]);
  assert.equal((r.credentials[1]!.claims as { birthDate: string }).birthDate, BIRTH, 'a vc+jwt discloses everything it holds');

  // Someone else presenting the holder's credentials: their signature is good, but they are not the subject.
  const thief = generateKeyPair();
  const stolen = signVpJwt({ credentials: [di], holder: didKeyFromPublicKey(thief.publicKey), holderSecretKey: thief.secretKey, audience: AUDIENCE, nonce: fresh(store) });
  const s = present(w, store, stolen, { audience: AUDIENCE, nonce: JSON.parse(Buffer.from(stolen.split('.')[1]!, 'base64url').toString()).nonce });
  assert.equal(s.code, 'CREDENTIALS_HOLDER_MISMATCH');
  // A vp+jwt whose signature is not the holder's.
  const n2 = fresh(store);
  const forged = signVpJwt({ credentials: [di], holder: w.holderDid, holderSecretKey: thief.secretKey, audience: AUDIENCE, nonce: n2 });
  assert.equal(present(w, store, forged, { audience: AUDIENCE, nonce: n2 }).code, 'CREDENTIALS_PRESENTATION_PROOF_INVALID');
});

test('presentation refusals, each with its own code: malformed, a tampered disclosure, a wrong key-binding signature, a replayed or unknown nonce, another verifier, no holder key', () => {
  const w = world();
  const token = issue(w, 'sd-jwt').credential as string;
  const store = nonces();
  const make = (over: Partial<Parameters<typeof presentSdJwt>[1]> = {}, from = token) => {
    const nonce = fresh(store);
    return { nonce, text: presentSdJwt(from, { disclose: ['over18'], holderSecretKey: w.holder.secretKey, audience: AUDIENCE, nonce, iat: NOW / 1000, ...over }) };
  };
  const code = (text: unknown, nonce: string, audience = AUDIENCE) => present(w, store, text, { audience, nonce }).code;

  // Malformed: not an SD-JWT, no key binding, a broken disclosure.
  const n0 = fresh(store);
  for (const bad of ['', 'a.b.c~', '~~', 12, { hello: 'world' }]) assert.equal(code(bad, n0), 'CREDENTIALS_PRESENTATION_MALFORMED', JSON.stringify(bad));
  assert.equal(code(token, n0), 'CREDENTIALS_PRESENTATION_MALFORMED', 'an SD-JWT without a key-binding JWT is a credential, not a presentation');
  assert.equal(verify(w, `${token.split('~')[0]}~!!~`).code, 'CREDENTIALS_MALFORMED');

  // A tampered disclosure (over18 rewritten by the holder, the KB-JWT signed over it): the digest is not the issuer's.
  const parts = token.split('~');
  const over = parts.findIndex((d) => Buffer.from(d, 'base64url').toString().includes('"over18"'));
  const [salt] = JSON.parse(Buffer.from(parts[over]!, 'base64url').toString()) as [string];
  const tamperedToken = [...parts.slice(0, over), Buffer.from(JSON.stringify([salt, 'over18', false])).toString('base64url'), ...parts.slice(over + 1)].join('~');
  assert.equal(verify(w, tamperedToken).code, 'CREDENTIALS_DISCLOSURE_INVALID');
  // presentSdJwt refuses to present it; a holder who signs the key binding over it by hand is refused by the verifier.
  assert.throws(() => make({}, tamperedToken), /matches no digest the issuer signed/);
  const tn = fresh(store);
  const presented = `${parts[0]}~${Buffer.from(JSON.stringify([salt, 'over18', false])).toString('base64url')}~`;
  const kbInput = `${b64(JSON.stringify({ alg: 'EdDSA', typ: 'kb+jwt' }))}.${b64(JSON.stringify({ iat: NOW / 1000, aud: AUDIENCE, nonce: tn, sd_hash: b64(createHash('sha256').update(presented).digest()) }))}`;
  const tampered = { nonce: tn, text: `${presented}${kbInput}.${signer(w.holder)(kbInput)}` };
  const t = present(w, store, tampered.text, { audience: AUDIENCE, nonce: tampered.nonce });
  assert.equal(t.code, 'CREDENTIALS_DISCLOSURE_INVALID');

  // A disclosure named __proto__ (or a claim the payload holds), signed by the issuer's key, is refused, never merged into an object.
  const protoDisclosure = Buffer.from(JSON.stringify(['c2FsdHNhbHRzYWx0', '__proto__', { over18: true }])).toString('base64url');
  const protoDigest = Buffer.from(createHash('sha256').update(protoDisclosure).digest()).toString('base64url');
  const issuerKid = `${didKeyFromPublicKey(w.official.publicKey)}#${multikeyEncode(w.official.publicKey)}`;
  const protoInput = `${b64(JSON.stringify({ alg: 'EdDSA', typ: 'dc+sd-jwt', kid: issuerKid }))}.${b64(JSON.stringify({ iss: didKeyFromPublicKey(w.official.publicKey), vct: 'AgeCredential', _sd: [protoDigest] }))}`;
  const protoToken = `${protoInput}.${signer(w.official)(protoInput)}~${protoDisclosure}~`;
  const proto = verify(w, protoToken);
  assert.equal(proto.code, 'CREDENTIALS_MALFORMED');
  assert.match(proto.message!, /__proto__/);

  // A key-binding JWT signed with another key than the cnf key.
  const wrong = make({ holderSecretKey: generateKeyPair().secretKey });
  assert.equal(code(wrong.text, wrong.nonce), 'CREDENTIALS_PRESENTATION_PROOF_INVALID');
  // A disclosure added after the KB-JWT was signed: sd_hash no longer covers what is presented.
  const good = make();
  const [head, , kb] = good.text.split('~');
  const extra = parts.find((d) => Buffer.from(d, 'base64url').toString().includes('"over21"'))!;
  assert.equal(code(`${head}~${good.text.split('~')[1]}~${extra}~${kb}`, good.nonce), 'CREDENTIALS_PRESENTATION_PROOF_INVALID');

  // A presentation made for another verifier.
  const other = make({ audience: 'https://other.example.gov' });
  assert.equal(code(other.text, other.nonce), 'CREDENTIALS_PRESENTATION_AUDIENCE');
  // Replayed, unknown and expired nonces.
  const once = make();
  assert.equal(code(once.text, once.nonce), undefined);
  assert.equal(code(once.text, once.nonce), 'CREDENTIALS_PRESENTATION_REPLAYED');
  const unknown = make({ nonce: 'never-handed-out' });
  assert.equal(code(unknown.text, 'never-handed-out'), 'CREDENTIALS_PRESENTATION_REPLAYED');
  const late = make();
  assert.equal(present(w, store, late.text, { audience: AUDIENCE, nonce: late.nonce }).code, undefined, 'the control');
  const expiring = make();
  const r = verifyPresentation(w.chain.get, expiring.text, { audience: AUDIENCE, nonce: expiring.nonce }, { nowMs: NOW, claimsProblem, takeNonce: (n) => store.take(n, NOW + NONCE_TTL_MS + 1) });
  assert.equal(r.code, 'CREDENTIALS_PRESENTATION_REPLAYED');
  assert.match(r.message!, /expired/);
  // The presentation's nonce must be the one the verifier expects.
  const mismatch = make();
  assert.equal(code(mismatch.text, fresh(store)), 'CREDENTIALS_PRESENTATION_REPLAYED');

  // An SD-JWT bound to no holder key (its subject has no did:key) cannot be presented.
  const unbound = issue(w, 'sd-jwt', { id: 'did:polity:0123456789abcdef0123456789abcdef', birthDate: BIRTH, over18: true }).credential as string;
  const u = make({}, unbound);
  assert.equal(code(u.text, u.nonce), 'CREDENTIALS_HOLDER_MISMATCH');
});

test('the nonce store: single use, a bounded count, a time to live', () => {
  const store = createNonceStore({ max: 3, ttlMs: 1000 });
  const a = store.issue(0, randomBytes(16))!;
  assert.equal(a.expiresAtMs, 1000);
  assert.equal(store.take(a.nonce, 10), 'ok');
  assert.equal(store.take(a.nonce, 20), 'used');
  assert.equal(store.take('nope', 20), 'unknown');
  store.issue(100, randomBytes(16));
  store.issue(200, randomBytes(16));
  assert.equal(store.issue(300, randomBytes(16)), undefined, 'full: three unexpired nonces, used ones included');
  assert.equal(store.size(), 3);
  const b = store.issue(1001, randomBytes(16));
  assert.ok(b, 'the first expired, making room');
  assert.equal(store.take(b.nonce, 2002), 'expired');
});
