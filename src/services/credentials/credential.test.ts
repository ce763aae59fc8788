/**
 * readCredential against the rules of the W3C VC Data Model 2.0 that W3C's
 * conformance suite (w3c/vc-data-model-2.0-test-suite, conformance/) checks
 * on plain JSON — one accepted and one refused example per rule, each
 * refusal naming the field. Rules that need a JSON-LD processor (terms
 * mapped by @context, protected terms redefined) are not here: Polity reads
 * credentials as JSON (conformance/README.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCredential, VC_CONTEXT_V2 } from './credential.js';
import type { JsonObject } from './data-integrity.js';

const base = (): JsonObject => ({
  '@context': [VC_CONTEXT_V2],
  id: 'urn:uuid:2b1bbff6-e608-4368-bf84-67471b27e41c',
  type: ['VerifiableCredential', 'UniversityDiploma'],
  issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  validFrom: '2026-05-31T10:00:00Z',
  credentialSubject: { id: 'did:example:holder', degree: 'MSc' },
});
const withField = (patch: JsonObject): JsonObject => ({ ...base(), ...patch });

test('a VC 2.0 credential of the shapes the data model allows is read', () => {
  for (const patch of [
    {},
    { id: 'https://university.example/credentials/1872' },
    { issuer: { id: 'https://university.example/issuers/565049', name: 'Example University' } },
    { '@context': [VC_CONTEXT_V2, 'https://www.w3.org/ns/credentials/examples/v2', { Extra: 'https://example.org/#Extra' }] },
    { validFrom: '2023-02-26T01:02:58.447Z', validUntil: '2033-02-25T19:10:39-06:00' },
    { credentialSubject: { id: 'did:example:holder' } },
    { credentialSchema: { id: 'https://example.org/schemas/diploma.json', type: 'JsonSchema' } },
    { credentialSchema: [{ id: 'https://example.org/a.json', type: 'JsonSchema' }, { id: 'https://example.org/b.json', type: 'JsonSchema' }] },
    { termsOfUse: { type: 'ExampleTerms' }, evidence: [{ type: ['Evidence'] }], refreshService: { type: 'ExampleRefresh' } },
    { name: 'Diploma', description: { '@value': 'A diploma', '@language': 'en', '@direction': 'ltr' } },
    { name: [{ '@value': 'Dog', '@language': 'en' }, { '@value': 'Chien', '@language': 'fr' }] },
    { issuer: { id: 'https://university.example/issuers/565049', name: { '@value': 'Université', '@language': 'fr' }, description: 'An issuer' } },
    { relatedResource: { id: 'https://example.org/photo.jpg', digestSRI: 'sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg' } },
    { relatedResource: [{ id: 'https://example.org/a', digestMultibase: 'uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k', mediaType: 'application/ld+json' }, { id: 'https://example.org/b', digestSRI: 'sha256-x' }] },
  ] as JsonObject[]) {
    const r = readCredential(withField(patch));
    assert.ok(r.ok, `${JSON.stringify(patch)}: ${r.ok ? '' : r.reason}`);
  }
});

test('readCredential refuses what the VC 2.0 data model forbids, naming the field', () => {
  const cases: [JsonObject, RegExp][] = [
    [{ '@context': [VC_CONTEXT_V2, 'https ://not-a-url/v1'] }, /^@context/],
    [{ '@context': [VC_CONTEXT_V2, 42] }, /^@context/],
    [{ id: null }, /^id/],
    [{ id: ['https://example.org/1', 'https://example.net/1'] }, /^id/],
    [{ id: 'https ://not-a-url/vcs/1' }, /^id/],
    [{ issuer: 'fake-issuer' }, /^issuer/],
    [{ issuer: { id: 'fake-issuer' } }, /^issuer/],
    [{ credentialSubject: {} }, /^credentialSubject/],
    [{ credentialSubject: { id: ['did:example:one', 'did:example:two'] } }, /^credentialSubject/],
    [{ credentialSubject: { id: 'not a url' } }, /^credentialSubject/],
    [{ validFrom: 'Sat 25 Feb 2023 07:16:31 PM CST' }, /^validFrom/],
    [{ validUntil: 'Sun, 26 Feb 2023 01:22:14 +0000' }, /^validUntil/],
    [{ credentialSchema: { type: 'JsonSchema' } }, /^credentialSchema/],
    [{ credentialSchema: { id: 'https://example.org/a.json' } }, /^credentialSchema/],
    [{ credentialSchema: { id: 'https ://not-a-url/a.json', type: 'JsonSchema' } }, /^credentialSchema/],
    [{ termsOfUse: { id: 'https://example.org/terms' } }, /^termsOfUse/],
    [{ evidence: [{ id: 'https://example.org/evidence/1' }] }, /^evidence/],
    [{ refreshService: { url: 'https://example.org/refresh' } }, /^refreshService/],
    [{ name: { '@value': 'Diploma', '@language': 'en', url: 'did:example:credential' } }, /^name/],
    [{ name: 42 }, /^name/],
    [{ description: { '@language': 'en' } }, /^description/],
    [{ issuer: { id: 'https://university.example/issuers/565049', name: { '@value': 'U', '@language': 'en', url: 'did:example:issuer' } } }, /^issuer\.name/],
    [{ issuer: { id: 'https://university.example/issuers/565049', description: { '@value': 'U', url: 'did:example:issuer' } } }, /^issuer\.description/],
    [{ relatedResource: ['https://example.org/photo.jpg'] }, /^relatedResource/],
    [{ relatedResource: { id: 'https://example.org/photo.jpg' } }, /^relatedResource/],
    [{ relatedResource: { digestSRI: 'sha384-x' } }, /^relatedResource/],
    [{ relatedResource: [{ id: 'https://example.org/a', digestSRI: 'sha384-x' }, { id: 'https://example.org/a', digestMultibase: 'uX' }] }, /^relatedResource/],
  ];
  const accepted: string[] = [];
  for (const [patch, field] of cases) {
    const r = readCredential(withField(patch));
    if (r.ok) accepted.push(JSON.stringify(patch));
    else assert.match(r.reason, field, `${JSON.stringify(patch)}: ${r.reason}`);
  }
  assert.deepEqual(accepted, [], 'read as credentials, but the VC 2.0 data model forbids them');
});
