/**
 * OpenID4VCI's issuer store and proof of possession (vci.ts) on a fake
 * clock: single use, expiry and bounds of offers, codes, tokens and
 * nonces; the transaction code's tries; and each way a proof JWT is
 * refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { isPolityError } from '../../ledger/errors.js';
import { createProofJwt, createVciStore, offerLink, parseConfigurationId, configurationId, verifyProofJwt } from './vci.js';

const codeIs = (code: string) => (e: unknown) => isPolityError(e) && e.code === code;

function store(limits = {}) {
  let now = 1_000_000;
  let n = 0;
  const s = createVciStore(limits, { now: () => now, random: () => `r${n++}`.padEnd(43, 'x') });
  return { s, advance: (ms: number) => (now += ms) };
}

test('a pre-authorised code is good once, then "used"; an offer and its token expire; claims leave with the token', () => {
  const { s, advance } = store();
  const o = s.createOffer({ credentialType: 'UniversityDiploma', claims: { degree: 'MSc' } });
  assert.equal(s.offer(o.id).preAuthorizedCode, o.preAuthorizedCode);
  const t = s.redeem(o.preAuthorizedCode, undefined);
  assert.throws(() => s.redeem(o.preAuthorizedCode, undefined), codeIs('CREDENTIALS_VCI_GRANT_USED'));
  assert.throws(() => s.offer(o.id), codeIs('CREDENTIALS_VCI_OFFER_UNKNOWN'));
  assert.deepEqual(s.granted(t.accessToken).claims, { degree: 'MSc' });
  s.consume(t.accessToken);
  assert.throws(() => s.granted(t.accessToken), codeIs('CREDENTIALS_VCI_TOKEN'));
  const late = s.createOffer({ credentialType: 'UniversityDiploma', claims: {} });
  advance(10 * 60_000);
  assert.throws(() => s.redeem(late.preAuthorizedCode, undefined), codeIs('CREDENTIALS_VCI_GRANT_UNKNOWN'));
  const o2 = s.createOffer({ credentialType: 'UniversityDiploma', claims: {} });
  const t2 = s.redeem(o2.preAuthorizedCode, undefined);
  advance(5 * 60_000);
  assert.throws(() => s.granted(t2.accessToken), codeIs('CREDENTIALS_VCI_TOKEN'));
  assert.deepEqual(s.sizes(), { offers: 0, codes: 0, tokens: 0, nonces: 0 });
});

test('a transaction code allows three wrong tries, then the offer is void; offers and nonces are bounded', () => {
  const { s, advance } = store({ offersMax: 2, noncesMax: 3 });
  const o = s.createOffer({ credentialType: 'UniversityDiploma', claims: {}, txCode: '1234' });
  for (let i = 0; i < 3; i++) assert.throws(() => s.redeem(o.preAuthorizedCode, '9999'), codeIs('CREDENTIALS_VCI_TX_CODE'));
  assert.throws(() => s.redeem(o.preAuthorizedCode, '1234'), codeIs('CREDENTIALS_VCI_GRANT_UNKNOWN'));
  s.createOffer({ credentialType: 'UniversityDiploma', claims: {} });
  s.createOffer({ credentialType: 'UniversityDiploma', claims: {} });
  assert.throws(() => s.createOffer({ credentialType: 'UniversityDiploma', claims: {} }), codeIs('CREDENTIALS_VCI_OFFERS_FULL'));
  const first = s.newNonce().nonce;
  const kept = [s.newNonce().nonce, s.newNonce().nonce, s.newNonce().nonce];
  assert.equal(s.useNonce(first), false, 'the oldest nonce gave way to the fourth');
  assert.equal(s.useNonce(kept[0]!), true);
  assert.equal(s.useNonce(kept[0]!), false, 'single use');
  advance(5 * 60_000);
  assert.equal(s.useNonce(kept[1]!), false, 'expired');
});

test('proof of possession: a good proof names the holder; wrong typ, alg, audience, time, signature or key are refused', () => {
  const holder = generateKeyPair();
  const nowS = 1_780_000_000;
  const good = createProofJwt({ ...holder, audience: 'https://issuer.example', nonce: 'n1', issuedAtS: nowS });
  assert.deepEqual(verifyProofJwt(good, { audience: 'https://issuer.example', nowS }), { publicKey: holder.publicKey, did: didKeyFromPublicKey(holder.publicKey), nonce: 'n1' });
  const [h, p] = good.split('.');
  const reheader = (header: object) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${good.split('.')[2]}`;
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
  for (const wrong of [reheader({ ...header, typ: 'JWT' }), reheader({ ...header, alg: 'none' }), reheader({ ...header, kid: 'did:web:example.com#k' }), reheader({ ...header, crit: ['x'] })]) {
    assert.throws(() => verifyProofJwt(wrong, { audience: 'https://issuer.example', nowS }), codeIs('CREDENTIALS_VCI_PROOF'));
  }
  assert.throws(() => verifyProofJwt(good, { audience: 'https://other.example', nowS }), codeIs('CREDENTIALS_VCI_PROOF'));
  assert.throws(() => verifyProofJwt(good, { audience: 'https://issuer.example', nowS: nowS + 3600 }), codeIs('CREDENTIALS_VCI_PROOF'));
  const other = createProofJwt({ ...generateKeyPair(), audience: 'https://issuer.example', nonce: 'n1', issuedAtS: nowS });
  assert.throws(() => verifyProofJwt(`${h}.${p}.${other.split('.')[2]}`, { audience: 'https://issuer.example', nowS }), codeIs('CREDENTIALS_VCI_PROOF'));
  assert.throws(() => verifyProofJwt('not.a.jwt!', { audience: 'https://issuer.example', nowS }), codeIs('CREDENTIALS_VCI_PROOF'));
});

test('configuration ids and offer links', () => {
  assert.equal(configurationId('UniversityDiploma', 'jwt_vc_json'), 'UniversityDiploma_jwt_vc_json');
  assert.deepEqual(parseConfigurationId('UniversityDiploma_ldp_vc'), { credentialType: 'UniversityDiploma', format: 'ldp_vc' });
  assert.equal(parseConfigurationId('UniversityDiploma_mso_mdoc'), undefined);
  assert.equal(offerLink('https://n.example/v1/credentials/offers/abc'), 'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fn.example%2Fv1%2Fcredentials%2Foffers%2Fabc');
});
