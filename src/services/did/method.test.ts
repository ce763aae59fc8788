import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { publicKeyOf } from '../../crypto/ed25519.js';
import { toHex, utf8Encode } from '../../crypto/bytes.js';
import { isPolityError } from '../../ledger/errors.js';
import {
  base58Decode,
  base58Encode,
  didDocument,
  didKeyDocument,
  didKeyFromPublicKey,
  didPolityFromKey,
  didPolityId,
  isKeyValidAt,
  keyInForceAt,
  multikeyDecode,
  multikeyEncode,
  parseDateTime,
  parseDid,
  publicKeyFromDidKey,
  resolveDidKey,
  resolveFromVersions,
  serviceEndpointError,
  servicesError,
  versionAt,
  xmlDateTime,
  type DidVersion,
  resolutionErrorName,
} from './method.js';

/** Throws the resolution error `error` (checks the Polity code through details.error). */
function throwsResolution(fn: () => unknown, error: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPolityError(e), `expected a PolityError, got ${String(e)}`);
    assert.equal(resolutionErrorName(e), error, `expected ${error}, got ${String(resolutionErrorName(e))} (${e.message})`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

// --- did:key known answers ------------------------------------------------------

/**
 * The Ed25519 test vectors of the did:key method (w3c-ccg/did-method-key,
 * test-vectors/ed25519-x25519.json): an Ed25519 seed, the public key in
 * base58btc (`publicKeyBase58`), and the did:key.
 */
const DID_KEY_VECTORS = [
  { seed: '00'.repeat(32), publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS', did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp' },
  { seed: '00'.repeat(31) + '01', publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt', did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG' },
  { seed: '00'.repeat(31) + '02', publicKeyBase58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH', did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf' },
  { seed: '00'.repeat(31) + '03', publicKeyBase58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2', did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ' },
  { seed: '00'.repeat(31) + '04', publicKeyBase58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x', did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL' },
];

test('did:key: the spec vectors — seed → Ed25519 key (RFC 8032, node:crypto) → base58btc key and did:key, both ways', () => {
  for (const v of DID_KEY_VECTORS) {
    const publicKey = publicKeyOf(v.seed);
    assert.equal(toHex(base58Decode(v.publicKeyBase58)), publicKey, 'the vector key decodes to the key of its seed');
    assert.equal(base58Encode(base58Decode(v.publicKeyBase58)), v.publicKeyBase58);
    assert.equal(didKeyFromPublicKey(publicKey), v.did);
    assert.equal(publicKeyFromDidKey(v.did), publicKey);
    assert.equal(multikeyDecode(v.did.slice('did:key:'.length)), publicKey);
    assert.ok(v.did.startsWith('did:key:z6Mk'), 'Ed25519 did:keys start z6Mk');
  }
});

test('did:key: the document of a spec vector, with Multikey verification methods', () => {
  const v = DID_KEY_VECTORS[0]!;
  const multibase = v.did.slice('did:key:'.length);
  const vm = `${v.did}#${multibase}`;
  assert.deepEqual(didKeyDocument(v.did), {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: v.did,
    verificationMethod: [{ id: vm, type: 'Multikey', controller: v.did, publicKeyMultibase: multibase }],
    authentication: [vm],
    assertionMethod: [vm],
    capabilityInvocation: [vm],
    capabilityDelegation: [vm],
  });
  const resolved = resolveDidKey(v.did);
  assert.equal(resolved.didResolutionMetadata.contentType, 'application/did+json');
  assert.equal(resolved.didDocument?.id, v.did);
  throwsResolution(() => resolveDidKey(v.did, { versionId: '1' }), 'invalidOptions');
});

test('did:key: malformed and non-Ed25519 identifiers are refused precisely', () => {
  const good = DID_KEY_VECTORS[0]!.did;
  throwsResolution(() => publicKeyFromDidKey('did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'), 'invalidDid', /starts with "z"/);
  throwsResolution(() => publicKeyFromDidKey(good.replace('iTBz', 'iTB0')), 'invalidDid', /outside the alphabet/);
  const shortKey = 'did:key:z' + base58Encode(Uint8Array.of(0xed, 0x01, ...new Uint8Array(31).fill(7)));
  throwsResolution(() => publicKeyFromDidKey(shortKey), 'invalidDid', /32-byte/);
  // A P-256 did:key from the same spec's test vectors (multicodec 0x1200): a DID, but not a key type we verify.
  throwsResolution(() => publicKeyFromDidKey('did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169'), 'methodNotSupported', /Ed25519/);
});

// --- base58btc ----------------------------------------------------------------------

test('base58btc: known answers of draft-msporny-base58, and the alphabet', () => {
  assert.equal(base58Encode(utf8Encode('Hello World!')), '2NEpo7TZRRrLZSi2U');
  assert.equal(base58Encode(utf8Encode('The quick brown fox jumps over the lazy dog.')), 'USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z');
  assert.equal(base58Encode(Uint8Array.of(0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd)), '11233QC4');
  assert.deepEqual(base58Decode('11233QC4'), Uint8Array.of(0x00, 0x00, 0x28, 0x7f, 0xb4, 0xcd));
  assert.equal(base58Encode(new Uint8Array(0)), '');
  assert.deepEqual(base58Decode(''), new Uint8Array(0));
  assert.equal(base58Encode(Uint8Array.of(0)), '1');
  for (const bad of ['0', 'O', 'I', 'l', '+', ' ', 'é']) assert.throws(() => base58Decode(`2NEpo${bad}`), /outside the alphabet/, `rejects ${JSON.stringify(bad)}`);
  assert.throws(() => base58Decode('z'.repeat(513)), /at most 512/);
});

/** The round-trip checker of the property test, kept separate so a negative control can run it on a broken codec. */
function roundTripFailure(encode: (b: Uint8Array) => string, decode: (s: string) => Uint8Array, runs = 300): string | undefined {
  const result = fc.check(
    fc.property(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 48 })), ([zeros, tail]) => {
      const bytes = new Uint8Array(zeros + tail.length);
      bytes.set(tail, zeros);
      const text = encode(bytes);
      return toHex(decode(text)) === toHex(bytes) && /^[1-9A-HJ-NP-Za-km-z]*$/.test(text);
    }),
    { numRuns: runs, seed: 20250301 },
  );
  return result.failed ? `counterexample ${JSON.stringify(result.counterexample)}` : undefined;
}

test('base58btc: decode(encode(x)) = x for random bytes with leading zeros (property), with a negative control', () => {
  assert.equal(roundTripFailure(base58Encode, base58Decode), undefined);
  // Negative control: an encoder that forgets leading zero bytes must be caught.
  const dropsZeros = (b: Uint8Array) => base58Encode(b).replace(/^1+/, '');
  assert.notEqual(roundTripFailure(dropsZeros, base58Decode), undefined, 'the checker catches a codec that loses leading zeros');
});

test('Multikey: encode/decode of Ed25519 keys round-trips (property) and refuses other codecs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (raw) => {
      const hex = toHex(raw);
      const mb = multikeyEncode(hex);
      return mb.startsWith('z6Mk') && multikeyDecode(mb) === hex;
    }),
    { numRuns: 200, seed: 7 },
  );
  assert.throws(() => multikeyDecode('u7QE'), /starting with "z"/);
  assert.throws(() => multikeyDecode('z' + base58Encode(Uint8Array.of(0xec, 0x01, ...new Uint8Array(32)))), /0xed01/);
});

// --- DID syntax ---------------------------------------------------------------------------

const ID = '0123456789abcdef0123456789abcdef';

test('DID syntax: did:polity and did:key parse; other well-formed DIDs are methodNotSupported; the rest invalidDid', () => {
  assert.deepEqual(parseDid(`did:polity:${ID}`), { method: 'polity', did: `did:polity:${ID}`, id: ID });
  const k = DID_KEY_VECTORS[1]!;
  assert.deepEqual(parseDid(k.did), { method: 'key', did: k.did, publicKey: publicKeyOf(k.seed) });
  for (const other of ['did:example:123456789abcdefghi', 'did:web:example.com%3A8443', 'did:ion:a:b:c', 'did:a1:x_y.z-1']) {
    throwsResolution(() => parseDid(other), 'methodNotSupported');
  }
  const invalid = [
    '',
    'did:',
    'did:polity',
    'did:polity:',
    `DID:polity:${ID}`,
    `did:Polity:${ID}`,
    `did:polity:${ID}:`,
    `did:polity:${ID.slice(1)}`,
    `did:polity:${ID}0`,
    `did:polity:${ID.toUpperCase()}`,
    `did:polity:${ID}#key-1`,
    `did:polity:${ID}/path`,
    `did:polity:${ID}?versionId=1`,
    'did:example:abc%zz',
    'did:example:a b',
    'did:exa_mple:abc',
    `${k.did}#${k.did.slice(8)}`,
    'did:example:' + 'a'.repeat(300),
  ];
  for (const text of invalid) throwsResolution(() => parseDid(text), 'invalidDid');
  throwsResolution(() => parseDid(undefined), 'invalidDid');
  throwsResolution(() => parseDid(`did:polity:${ID.toUpperCase()}`), 'invalidDid', /uppercase/);
});

test('did:polity id: the first 16 bytes of SHA-256 over "polity-did:v1:<chainId>:<key hex>" (independent computation)', () => {
  const key = publicKeyOf('00'.repeat(32));
  const expected = createHash('sha256').update(`polity-did:v1:polity-local:${key}`).digest('hex').slice(0, 32);
  assert.equal(didPolityId('polity-local', key), expected);
  assert.equal(didPolityFromKey('polity-local', key), `did:polity:${expected}`);
  assert.equal(didPolityFromKey('polity-local', key), 'did:polity:65dc9be6980d7ba2ccc537b0e3e3090b', 'the example of spec/did-method.md §3');
  assert.match(expected, /^[0-9a-f]{32}$/);
  assert.notEqual(didPolityId('polity-test', key), expected, 'the chain id is part of the derivation');
  assert.notEqual(didPolityId('polity-local', publicKeyOf('00'.repeat(31) + '01')), expected);
  assert.throws(() => didPolityId('polity-local', key.toUpperCase()), /32-byte public key/);
});

// --- service endpoints ------------------------------------------------------------------

test('service endpoints: https URLs of services, http on loopback only; no user info, IP literal, query or fragment', () => {
  for (const ok of ['https://msg.example.gov/inbox', 'https://registry.example.gov', 'https://a-b.c.example.gov:8443/x/y_z~1/%20', 'https://localhost:8443/x', 'http://127.0.0.1:8080/', 'http://localhost/x', 'http://[::1]:9000/api']) {
    assert.equal(serviceEndpointError(ok), undefined, ok);
  }
  const bad = [
    'http://example.gov/inbox',
    'https://user@example.gov/',
    'https://user:pw@example.gov/',
    'https://example.gov/patients?nin=123',
    'https://example.gov/#frag',
    'https://10.0.0.1/',
    'https://EXAMPLE.gov/',
    'https://example/',
    'https://-bad.example.gov/',
    'ftp://example.gov/',
    'javascript:alert(1)',
    'https://exa mple.gov/',
    'https://example.gov/a b',
    'https://example.gov/<script>',
    'https://example.gov/%zz',
    'https://example.gov:0/',
    'https://example.gov:99999/',
    'https://example.gov/' + 'a'.repeat(200),
    '',
  ];
  for (const url of bad) assert.notEqual(serviceEndpointError(url), undefined, url);
  assert.doesNotMatch(serviceEndpointError('https://example.gov/patients?nin=123')!, /nin|123/, 'the message never quotes the value');
  assert.equal(servicesError([{ id: 'inbox', type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' }]), undefined);
  assert.match(servicesError([{ id: 'a', type: 'T', serviceEndpoint: 'https://a.example.gov' }, { id: 'a', type: 'T', serviceEndpoint: 'https://b.example.gov' }])!, /used twice/);
  assert.match(servicesError(Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, type: 'T', serviceEndpoint: 'https://a.example.gov' })))!, /at most 5/);
});

// --- documents and resolution -------------------------------------------------------------

const [A, B, C] = ['00', '01', '02'].map((s) => publicKeyOf('00'.repeat(31) + s)) as [string, string, string];
const DID = `did:polity:${ID}`;
const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);
const inbox = { id: 'inbox', type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' };
const v = (version: number, height: number, txIndex: number, fields: Partial<DidVersion>): DidVersion => ({
  version,
  operation: 'update',
  key: A,
  services: [],
  height,
  time: T0 + height * 5_000,
  txId: String(version).repeat(64).slice(0, 64),
  txIndex,
  by: A,
  ...fields,
});
/** A life: created at 3, rotated to B at 5 (tx 1), services at 5 (tx 2), recovered to C at 9, deactivated at 12. */
const HISTORY: DidVersion[] = [
  v(1, 3, 0, { operation: 'create' }),
  v(2, 5, 1, { operation: 'rotate', key: B }),
  v(3, 5, 2, { operation: 'update', key: B, by: B, services: [inbox] }),
  v(4, 9, 0, { operation: 'recover', key: C, by: 'ff'.repeat(32), org: 'civil-registry', reason: 'lost-key', services: [inbox] }),
  v(5, 12, 0, { operation: 'deactivate', key: C, by: C, deactivated: true }),
];

test('which key was valid at which block: exact, including changes earlier and later in the same block', () => {
  assert.equal(keyInForceAt(HISTORY, 2), undefined, 'before creation');
  assert.equal(keyInForceAt(HISTORY, 3), A);
  assert.equal(keyInForceAt(HISTORY, 4), A);
  assert.equal(keyInForceAt(HISTORY, 5, 0), A, 'transaction 0 of block 5 ran before the rotation (transaction 1)');
  assert.equal(keyInForceAt(HISTORY, 5, 1), A, 'the rotation itself was judged against the old key');
  assert.equal(keyInForceAt(HISTORY, 5, 2), B);
  assert.equal(keyInForceAt(HISTORY, 5), B, 'after block 5');
  assert.equal(keyInForceAt(HISTORY, 9), C);
  assert.equal(keyInForceAt(HISTORY, 11), C);
  assert.equal(keyInForceAt(HISTORY, 12), undefined, 'deactivated: no key is valid');
  assert.equal(keyInForceAt(HISTORY, 1_000), undefined);
  assert.ok(isKeyValidAt(HISTORY, A, 4) && !isKeyValidAt(HISTORY, A, 6) && isKeyValidAt(HISTORY, B, 8) && !isKeyValidAt(HISTORY, B, 9));
  assert.equal(versionAt(HISTORY, 8)?.version, 3);
});

test('the DID document of a version: Multikey method, relationships, services; a deactivated version is empty', () => {
  const mb = multikeyEncode(B);
  const vm = `${DID}#${mb}`;
  assert.deepEqual(didDocument(DID, HISTORY[2]!), {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: DID,
    verificationMethod: [{ id: vm, type: 'Multikey', controller: DID, publicKeyMultibase: mb }],
    authentication: [vm],
    assertionMethod: [vm],
    capabilityInvocation: [vm],
    service: [{ id: `${DID}#inbox`, type: 'DIDCommMessaging', serviceEndpoint: 'https://msg.example.gov/inbox' }],
  });
  assert.equal(didDocument(DID, HISTORY[0]!).service, undefined, 'no services, no service property');
  assert.deepEqual(didDocument(DID, HISTORY[4]!), { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: DID });
});

test('resolution at a height, a versionId and a versionTime, with DID Core metadata', () => {
  const latest = resolveFromVersions(DID, HISTORY, 20);
  assert.equal(latest['@context'], 'https://w3id.org/did-resolution/v1');
  assert.deepEqual(latest.didResolutionMetadata, { contentType: 'application/did+json' });
  assert.deepEqual(latest.didDocumentMetadata, {
    created: '2025-03-01T12:00:15Z',
    updated: '2025-03-01T12:01:00Z',
    deactivated: true,
    versionId: '5',
    versionHeight: 12,
    versionTxId: HISTORY[4]!.txId,
  });
  assert.equal(latest.didDocument?.verificationMethod, undefined);

  const at4 = resolveFromVersions(DID, HISTORY, 20, { height: 4 });
  assert.equal(at4.didDocumentMetadata.versionId, '1');
  assert.equal(at4.didDocumentMetadata.updated, undefined, 'version 1 was never updated');
  assert.equal(at4.didDocumentMetadata.nextVersionId, '2');
  assert.equal(at4.didDocumentMetadata.nextUpdate, '2025-03-01T12:00:25Z');
  assert.equal(at4.didDocument?.verificationMethod?.[0]?.publicKeyMultibase, multikeyEncode(A));

  const at10 = resolveFromVersions(DID, HISTORY, 20, { height: 10 });
  assert.equal(at10.didDocumentMetadata.versionId, '4');
  assert.equal(at10.didDocumentMetadata.deactivated, undefined);
  assert.equal(at10.didDocument?.verificationMethod?.[0]?.publicKeyMultibase, multikeyEncode(C));
  assert.equal(at10.didDocument?.service?.[0]?.id, `${DID}#inbox`);

  assert.equal(resolveFromVersions(DID, HISTORY, 20, { versionId: '3' }).didDocumentMetadata.versionHeight, 5);
  assert.equal(resolveFromVersions(DID, HISTORY, 20, { versionTime: '2025-03-01T12:00:44Z' }).didDocumentMetadata.versionId, '3', 'just before the recovery at 12:00:45');
  assert.equal(resolveFromVersions(DID, HISTORY, 20, { versionTime: '2025-03-01T13:00:45+01:00' }).didDocumentMetadata.versionId, '4', 'zone offsets count');

  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { height: 2 }), 'notFound', /created in block 3/);
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { height: 21 }), 'invalidOptions', /chain is at block 20/);
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { height: 0 }), 'invalidOptions');
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { versionId: '6' }), 'notFound', /5 version/);
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { versionId: '01' }), 'invalidOptions');
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { versionTime: '2025-03-01T12:00:14Z' }), 'notFound');
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { versionTime: 'yesterday' }), 'invalidOptions');
  throwsResolution(() => resolveFromVersions(DID, HISTORY, 20, { height: 4, versionId: '1' }), 'invalidOptions', /one of/);
  throwsResolution(() => resolveFromVersions(DID, [], 20), 'notFound');
});

// --- datetimes ------------------------------------------------------------------------------

test('XML Schema datetimes by arithmetic agree with Date (property), and bad ones are refused', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
      const iso = new Date(ms).toISOString();
      return xmlDateTime(ms) === iso.replace(/\.[0-9]{3}Z$/, 'Z') && parseDateTime(iso) === ms;
    }),
    { numRuns: 2_000, seed: 42 },
  );
  assert.equal(xmlDateTime(0), '1970-01-01T00:00:00Z');
  assert.equal(xmlDateTime(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), '2024-02-29T23:59:59Z');
  assert.equal(parseDateTime('2025-03-01T13:30:00+01:30'), Date.UTC(2025, 2, 1, 12, 0, 0));
  assert.equal(parseDateTime('2025-03-01T12:00:00.123456Z'), Date.UTC(2025, 2, 1, 12, 0, 0, 123));
  for (const bad of ['2025-02-29T00:00:00Z', '2025-13-01T00:00:00Z', '2025-03-01T24:00:00Z', '2025-03-01T12:00:60Z', '2025-03-01T12:00:00', '2025-03-01 12:00:00Z', '2025-3-1T12:00:00Z', '1969-12-31T23:59:59Z', '2025-03-01T12:00:00+15:00', 'x'.repeat(41), 12]) {
    assert.equal(parseDateTime(bad), undefined, String(bad));
  }
});

test('a did:key whose key is no Ed25519 point: invalidPublicKey (did:key §3.1.4), not a document', () => {
  const offCurve = '02' + '00'.repeat(31);
  throwsResolution(() => parseDid(didKeyFromPublicKey(offCurve)), 'invalidPublicKey', /not a point of the curve/);
  throwsResolution(() => parseDid(didKeyFromPublicKey('01' + '00'.repeat(31))), 'invalidPublicKey', /small order/);
  // Negative control: a real key's did:key parses.
  const real = publicKeyOf('11'.repeat(32));
  assert.equal((parseDid(didKeyFromPublicKey(real)) as { publicKey: string }).publicKey, real);
});
