/**
 * The W3C VC API routes as W3C's conformance suites call them
 * (conformance/run.sh runs the suites themselves; this file keeps what they
 * found fixed, in `npm test`): every request a suite may send gets an
 * answer in the route's declared shape — never a 500 — including a body the
 * route's schema refuses (a suite whose issuer step failed sends
 * `{"options": …}` with no credential at all).
 *
 * And the answer to a credential from an issuer Polity does not know: a
 * well-formed VC 2.0 credential with a good eddsa-jcs-2022 signature of a
 * did:key that no chain record vouches for is refused (400) — Polity vouches
 * only for what its chain recorded — but its answer says the signature
 * verified (`checks` ["format", "proof"], code CREDENTIALS_NOT_ISSUED),
 * unlike a forged one (`checks` ["format"], CREDENTIALS_PROOF_INVALID).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey, multikeyEncode } from '../src/crypto/multikey.js';
import { signDocument } from '../src/services/credentials/data-integrity.js';
import { startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
before(async () => {
  t = await startTestNode();
});
after(async () => {
  await t.close();
});

const post = (url: string, payload: string) => t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

test('POST /credentials/verify answers 400 (not 500) to a body its schema refuses, and to bad JSON', async () => {
  for (const body of ['{}', '{"options":{"checks":["proof"]}}', '{"verifiableCredential":7}', '{"verifiableCredential":']) {
    const r = await post('/credentials/verify', body);
    assert.equal(r.statusCode, 400, `${body} → ${r.statusCode} ${r.body}`);
    const answer = r.json() as { code?: string };
    assert.match(answer.code ?? '', /^(SCHEMA_INVALID|MALFORMED_JSON)$/, r.body);
  }
});

test('POST /credentials/verify still answers a credential it refuses in the VC API shape', async () => {
  const r = await post('/credentials/verify', JSON.stringify({ verifiableCredential: { type: ['NonconformingDocument'] } }));
  assert.equal(r.statusCode, 400);
  const answer = r.json() as { checks: string[]; warnings: unknown[]; errors: { code: string }[] };
  assert.deepEqual(answer.checks, []);
  assert.equal(answer.errors[0]?.code, 'CREDENTIALS_MALFORMED');
});

test('POST /credentials/verify tells a foreign issuer\'s well-signed credential (NOT_ISSUED, proof passed) from a forged one (PROOF_INVALID)', async () => {
  const key = generateKeyPair();
  const issuer = didKeyFromPublicKey(key.publicKey);
  const signed = signDocument(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
      id: 'urn:uuid:6a1c3b1e-3f7c-4d55-9d53-1b2f1f0c7a10',
      type: ['VerifiableCredential', 'ExampleAlumniCredential'],
      issuer,
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:holder', alumniOf: 'Example University' },
    },
    { verificationMethod: `${issuer}#${multikeyEncode(key.publicKey)}`, created: '2026-01-01T00:00:00Z', secretKey: key.secretKey },
  );
  const foreign = await post('/credentials/verify', JSON.stringify({ verifiableCredential: signed }));
  assert.equal(foreign.statusCode, 400);
  const a = foreign.json() as { checks: string[]; errors: { code: string }[] };
  assert.deepEqual(a.checks, ['format', 'proof']);
  assert.equal(a.errors[0]?.code, 'CREDENTIALS_NOT_ISSUED');

  const forged = await post('/credentials/verify', JSON.stringify({ verifiableCredential: { ...signed, credentialSubject: { id: 'did:example:holder', alumniOf: 'Another University' } } }));
  assert.equal(forged.statusCode, 400);
  const b = forged.json() as { checks: string[]; errors: { code: string }[] };
  assert.deepEqual(b.checks, ['format']);
  assert.equal(b.errors[0]?.code, 'CREDENTIALS_PROOF_INVALID');
});

test('POST /presentations/verify answers 400 (not 500) to a body its schema refuses, and to bad JSON', async () => {
  for (const body of ['{}', '{"options":{"challenge":"n","domain":"d"}}', '{"verifiablePresentation":7,"options":{"challenge":"n","domain":"d"}}', '{"verifiablePresentation":']) {
    const r = await post('/presentations/verify', body);
    assert.equal(r.statusCode, 400, `${body} → ${r.statusCode} ${r.body}`);
    const answer = r.json() as { code?: string };
    assert.match(answer.code ?? '', /^(SCHEMA_INVALID|MALFORMED_JSON)$/, r.body);
  }
});

test('POST /presentations/verify without options.challenge or options.domain answers in the VC API shape, naming the option', async () => {
  const vp = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] };
  for (const [options, missing] of [[undefined, /options\.challenge/], [{}, /options\.challenge/], [{ challenge: 'abc' }, /options\.domain/], [{ domain: 'verifier.example' }, /options\.challenge/]] as const) {
    const r = await post('/presentations/verify', JSON.stringify({ verifiablePresentation: vp, ...(options ? { options } : {}) }));
    assert.equal(r.statusCode, 400, r.body);
    const answer = r.json() as { checks: string[]; warnings: unknown[]; errors: { code: string; message: string }[] };
    assert.deepEqual(answer.checks, [], r.body);
    assert.deepEqual(answer.warnings, []);
    assert.equal(answer.errors[0]?.code, 'SCHEMA_INVALID', r.body);
    assert.match(answer.errors[0]!.message, missing);
  }
});
