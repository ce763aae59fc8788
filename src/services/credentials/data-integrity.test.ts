/**
 * `eddsa-jcs-2022` against the W3C test vector of Data Integrity EdDSA
 * Cryptosuites v1.0 (w3c/vc-di-eddsa, TestVectors/eddsa-jcs-2022/ and
 * TestVectors/keyPair.json at commit abb673eb9df673e24a8eaf939337de74759b5f8d):
 * every intermediate value — both canonical forms, both hashes, the signature
 * — and the signed credential, byte for byte. Then the negative controls: a
 * changed claim, a changed proof option, another key, a truncated signature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../crypto/canonical-json.js';
import { toHex } from '../../crypto/bytes.js';
import { base58Decode, multikeyDecode } from '../../crypto/multikey.js';
import { publicKeyOf } from '../../crypto/ed25519.js';
import { sha256 } from '../../crypto/sha256.js';
import { hashDataHex, proofConfigOf, signDocument, verifyDocument, type JsonObject } from './data-integrity.js';

const KEY_PAIR = { publicKeyMultibase: 'z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2', privateKeyMultibase: 'z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq' };
const UNSIGNED: JsonObject = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
  id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
  type: ['VerifiableCredential', 'AlumniCredential'],
  name: 'Alumni Credential',
  description: 'A minimum viable example of an Alumni Credential.',
  issuer: 'https://vc.example/issuers/5678',
  validFrom: '2023-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
};
const VM = 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2';
const CREATED = '2023-02-24T23:36:38Z';
const CANON_DOC =
  '{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"credentialSubject":{"alumniOf":"The School of Examples","id":"did:example:abcdefgh"},"description":"A minimum viable example of an Alumni Credential.","id":"urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33","issuer":"https://vc.example/issuers/5678","name":"Alumni Credential","type":["VerifiableCredential","AlumniCredential"],"validFrom":"2023-01-01T00:00:00Z"}';
const CANON_PROOF =
  '{"@context":["https://www.w3.org/ns/credentials/v2","https://www.w3.org/ns/credentials/examples/v2"],"created":"2023-02-24T23:36:38Z","cryptosuite":"eddsa-jcs-2022","proofPurpose":"assertionMethod","type":"DataIntegrityProof","verificationMethod":"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}';
const DOC_HASH = '59b7cb6251b8991add1ce0bc83107e3db9dbbab5bd2c28f687db1a03abc92f19';
const PROOF_HASH = '66ab154f5c2890a140cb8388a22a160454f80575f6eae09e5a097cabe539a1db';
const SIG_HEX = '407cd12654b33d718ecbb99179a1506daaa849450bf3fc523cce3e1c96f8b80351da3f253d725c6f00b07c9e5448d50b3ef78012b9ab54255116d069c6dd2808';
const PROOF_VALUE = 'z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX';

/** The Ed25519 seed of a Multikey private key: base58btc of the multicodec ed25519-priv (0x80 0x26) and 32 bytes. */
function seedOf(privateKeyMultibase: string): string {
  const bytes = base58Decode(privateKeyMultibase.slice(1));
  assert.deepEqual([bytes[0], bytes[1], bytes.length], [0x80, 0x26, 34]);
  return toHex(bytes.subarray(2));
}

const secretKey = seedOf(KEY_PAIR.privateKeyMultibase);
const publicKey = multikeyDecode(KEY_PAIR.publicKeyMultibase);

test('the W3C eddsa-jcs-2022 test vector: canonical forms, hashes, signature and signed credential, exactly', () => {
  assert.equal(publicKeyOf(secretKey), publicKey, 'the vector key pair is one key pair');
  const config = proofConfigOf(UNSIGNED, { verificationMethod: VM, created: CREATED });
  assert.equal(canonicalJson(UNSIGNED), CANON_DOC);
  assert.equal(canonicalJson(config), CANON_PROOF);
  assert.equal(toHex(sha256(Buffer.from(CANON_DOC))), DOC_HASH);
  assert.equal(toHex(sha256(Buffer.from(CANON_PROOF))), PROOF_HASH);
  assert.equal(hashDataHex(UNSIGNED, config), PROOF_HASH + DOC_HASH, 'the combined hash: proof configuration first');
  const signed = signDocument(UNSIGNED, { verificationMethod: VM, created: CREATED, secretKey });
  const proof = signed['proof'] as JsonObject;
  assert.equal(proof['proofValue'], PROOF_VALUE);
  assert.equal(toHex(base58Decode(PROOF_VALUE.slice(1))), SIG_HEX);
  assert.deepEqual(signed, {
    ...UNSIGNED,
    proof: { type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', created: CREATED, verificationMethod: VM, proofPurpose: 'assertionMethod', '@context': UNSIGNED['@context'], proofValue: PROOF_VALUE },
  });
  assert.deepEqual(verifyDocument(signed, publicKey), { ok: true, proof });
});

test('negative controls: a changed claim, proof option, key or signature fails verification', () => {
  const signed = signDocument(UNSIGNED, { verificationMethod: VM, created: CREATED, secretKey });
  const claim = { ...signed, credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'Another School' } };
  assert.equal(verifyDocument(claim, publicKey).ok, false);
  const option = { ...signed, proof: { ...(signed['proof'] as JsonObject), created: '2023-02-24T23:36:39Z' } };
  assert.equal(verifyDocument(option, publicKey).ok, false);
  const other = publicKeyOf('11'.repeat(32));
  assert.deepEqual(verifyDocument(signed, other), { ok: false, malformed: false, reason: 'the signature does not verify with the key of the verification method' });
  const short = { ...signed, proof: { ...(signed['proof'] as JsonObject), proofValue: PROOF_VALUE.slice(0, 40) } };
  const r = verifyDocument(short, publicKey);
  assert.equal(r.ok, false);
  const context = { ...signed, proof: { ...(signed['proof'] as JsonObject), '@context': ['https://example.com/other'] } };
  assert.equal(verifyDocument(context, publicKey).ok, false);
  assert.deepEqual(verifyDocument(UNSIGNED, publicKey), { ok: false, malformed: true, reason: 'the credential has no proof' });
});
