/**
 * HTTP Message Signatures: the RFC 9421 Appendix B.2.6 known answer (our
 * base, our verifier and our signer against the RFC's published bytes),
 * RFC 9530 Content-Digest known answers, round trips over random requests,
 * and one negative control for every refusal of verifyRequest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { generateKeyPair, publicKeyOf } from '../crypto/ed25519.js';
import {
  AUTH_ERROR_STATUS,
  checkContentDigest,
  contentDigest,
  createReplayGuard,
  parseSfDictionary,
  serializeSignatureParams,
  signRequest,
  signatureBase,
  verifyRequest,
  type VerifyRequestOptions,
  type VerifyRequestParts,
  type VerifyRequestReturnType,
} from './http-signatures.js';

// --- RFC 9421 Appendix B ------------------------------------------------------------------

/** B.1.4 test-key-ed25519, as the RFC prints it (PEM and JWK). */
const B14_PUBLIC_PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n';
const B14_PRIVATE_PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n';
const B14_JWK = { kty: 'OKP', crv: 'Ed25519', kid: 'test-key-ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs', d: 'n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU' };

/** Our hex form: the raw 32 bytes after the SPKI / PKCS#8 DER prefixes. */
const B14_PUBLIC = createPublicKey(B14_PUBLIC_PEM).export({ format: 'der', type: 'spki' }).subarray(12).toString('hex');
const B14_SECRET = createPrivateKey(B14_PRIVATE_PEM).export({ format: 'der', type: 'pkcs8' }).subarray(16).toString('hex');

/** B.2 test-request. */
const B2_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  },
  body: new TextEncoder().encode('{"hello": "world"}'),
};

/** B.2.6: the signature base, Signature-Input and Signature, unwrapped (RFC 8792 line folding removed). */
const B26_COMPONENTS = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
const B26_SIGNATURE_INPUT = 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"';
const B26_SIGNATURE = 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:';
const B26_CREATED = 1618884473;

test('RFC 9421 B.1.4: the PEM and JWK forms of test-key-ed25519 give the same hex key pair', () => {
  assert.equal(B14_PUBLIC, Buffer.from(B14_JWK.x, 'base64url').toString('hex'));
  assert.equal(B14_SECRET, Buffer.from(B14_JWK.d, 'base64url').toString('hex'));
  assert.equal(publicKeyOf(B14_SECRET), B14_PUBLIC);
  assert.equal(B14_PUBLIC, '26b40b8f93fff3d897112f7ebc582b232dbd72517d082fe83cfb30ddce43d1bb');
});

test('RFC 9421 B.2.6: we rebuild the exact signature base from the test request', () => {
  const params = serializeSignatureParams(B26_COMPONENTS, [
    ['created', B26_CREATED],
    ['keyid', 'test-key-ed25519'],
  ]);
  const built = signatureBase(B2_REQUEST, B26_COMPONENTS, params);
  assert.deepEqual(built, { ok: true, base: B26_BASE });
});

const b26Options = (overrides: Partial<VerifyRequestOptions> = {}): VerifyRequestOptions => ({
  resolveKey: async (keyId) => (keyId === 'test-key-ed25519' ? B14_PUBLIC : undefined),
  now: B26_CREATED * 1000,
  tag: null, // the RFC's example carries no tag
  requiredComponents: [], // nor @target-uri
  requireContentDigest: false, // nor content-digest (it is sha-512 over the body; checked below)
  ...overrides,
});

test("RFC 9421 B.2.6: our verifier accepts the RFC's published signature with the RFC's key", async () => {
  const request = { ...B2_REQUEST, headers: { ...B2_REQUEST.headers, 'signature-input': B26_SIGNATURE_INPUT, signature: B26_SIGNATURE } };
  const result = await verifyRequest(request, b26Options());
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.ok(result.ok);
  assert.equal(result.keyId, 'test-key-ed25519');
  assert.equal(result.publicKey, B14_PUBLIC);
  assert.equal(result.created, B26_CREATED);
  assert.equal(result.label, 'sig-b26');

  // Negative controls on the same vector: one changed covered value, another key, Polity's default policy.
  const tampered = { ...request, headers: { ...request.headers, date: 'Tue, 20 Apr 2021 02:07:56 GMT' } };
  assert.equal(((await verifyRequest(tampered, b26Options())) as { code: string }).code, 'AUTH_BAD_SIGNATURE');
  const otherKey = generateKeyPair().publicKey;
  assert.equal(((await verifyRequest(request, b26Options({ resolveKey: async () => otherKey }))) as { code: string }).code, 'AUTH_BAD_SIGNATURE');
  const strict = await verifyRequest(request, { resolveKey: b26Options().resolveKey, now: B26_CREATED * 1000 });
  assert.deepEqual(strict, { ok: false, code: 'AUTH_MALFORMED', message: 'no signature with tag="polity"' });
});

test('RFC 9421 B.2.6: our signer produces the identical Signature-Input and Signature (Ed25519 is deterministic)', () => {
  const headers = signRequest({
    method: B2_REQUEST.method,
    url: B2_REQUEST.url,
    headers: B2_REQUEST.headers,
    keyId: 'test-key-ed25519',
    secretKey: B14_SECRET,
    created: B26_CREATED,
    nonce: null,
    tag: null,
    alg: null,
    label: 'sig-b26',
    components: B26_COMPONENTS,
  });
  assert.equal(headers['signature-input'], B26_SIGNATURE_INPUT);
  assert.equal(headers.signature, B26_SIGNATURE);
  assert.equal(headers['content-digest'], undefined); // no body given: nothing to digest
});

test('RFC 9421 §2.2: derived components of the B.2 test request', () => {
  const params = '()';
  const line = (name: string) => {
    const built = signatureBase(B2_REQUEST, [name], params);
    assert.ok(built.ok, name);
    return built.base.split('\n')[0];
  };
  assert.equal(line('@method'), '"@method": POST');
  assert.equal(line('@target-uri'), '"@target-uri": https://example.com/foo?param=Value&Pet=dog');
  assert.equal(line('@authority'), '"@authority": example.com');
  assert.equal(line('@scheme'), '"@scheme": https');
  assert.equal(line('@request-target'), '"@request-target": /foo?param=Value&Pet=dog');
  assert.equal(line('@path'), '"@path": /foo');
  assert.equal(line('@query'), '"@query": ?param=Value&Pet=dog');
  // §2.2.7: no query is "?"; §2.2.6: an empty path is "/"; §2.2.3: default port dropped, host lowercased.
  const bare = { method: 'GET', url: 'HTTPS://Example.COM:443', headers: {} };
  assert.deepEqual(signatureBase(bare, ['@query', '@path', '@authority'], params), {
    ok: true,
    base: '"@query": ?\n"@path": /\n"@authority": example.com\n"@signature-params": ()',
  });
  // §2.1: repeated field lines are trimmed and joined with ", ".
  const repeated = { method: 'GET', url: 'http://a/', headers: { 'x-list': [' a ', 'b\t'] } };
  assert.deepEqual(signatureBase(repeated, ['x-list'], params), { ok: true, base: '"x-list": a, b\n"@signature-params": ()' });
  // §2.5: non-ASCII values (and so a smuggled newline) are refused.
  const sneaky = { method: 'GET', url: 'http://a/', headers: { 'x-a': 'ok\n"@method": GET' } };
  assert.deepEqual(signatureBase(sneaky, ['x-a'], params), { ok: false, reason: 'not-ascii', component: 'x-a' });
});

// --- RFC 9530 ----------------------------------------------------------------------------------

test('RFC 9530: Content-Digest known answers (Appendix B, §2) and the RFC 9421 test request', () => {
  const lf = new TextEncoder().encode('{"hello": "world"}\n');
  assert.equal(contentDigest(lf), 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:'); // RFC 9530 Appendix B.1
  assert.equal(contentDigest(new Uint8Array(0)), 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'); // Appendix B.2
  assert.equal(checkContentDigest('sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:', lf), undefined); // §2
  assert.equal(checkContentDigest(B2_REQUEST.headers['content-digest'], B2_REQUEST.body), undefined); // RFC 9421 B.2
  assert.equal(checkContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, md5=:AAAA:', B2_REQUEST.body), undefined);
  // Negative controls: a changed body, one bad digest among good ones, no digest we can compute, a malformed field.
  assert.equal(checkContentDigest(contentDigest(lf), B2_REQUEST.body)?.ok, false);
  assert.equal((checkContentDigest(contentDigest(lf), B2_REQUEST.body) as { code: string }).code, 'AUTH_DIGEST_MISMATCH');
  const mixed = `${contentDigest(B2_REQUEST.body)}, sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:`;
  assert.equal((checkContentDigest(mixed, B2_REQUEST.body) as { code: string }).code, 'AUTH_DIGEST_MISMATCH');
  assert.equal((checkContentDigest('md5=:AAAA:', B2_REQUEST.body) as { code: string }).code, 'AUTH_MALFORMED');
  assert.equal((checkContentDigest('sha-256=abc', B2_REQUEST.body) as { code: string }).code, 'AUTH_MALFORMED');
});

// --- RFC 8941 dictionaries ----------------------------------------------------------------------

test('RFC 8941: dictionaries parse strictly', () => {
  const d = parseSfDictionary('sig1=("@method" "x";sf);created=5;keyid="a\\"b", b, c=?0, d=-1.5, e=tok/en:1, f=:AQID:');
  assert.deepEqual([...d.keys()], ['sig1', 'b', 'c', 'd', 'e', 'f']);
  const sig1 = d.get('sig1')!;
  assert.equal(sig1.kind, 'inner-list');
  assert.ok(sig1.kind === 'inner-list');
  assert.deepEqual(sig1.items.map((i) => i.value), [{ type: 'string', value: '@method' }, { type: 'string', value: 'x' }]);
  assert.deepEqual(sig1.items[1]!.params.get('sf'), { type: 'boolean', value: true });
  assert.deepEqual(sig1.params.get('keyid'), { type: 'string', value: 'a"b' });
  assert.deepEqual(d.get('b'), { kind: 'item', value: { type: 'boolean', value: true }, params: new Map() });
  const item = (key: string) => {
    const member = d.get(key)!;
    assert.equal(member.kind, 'item', key);
    return (member as { value: unknown }).value;
  };
  assert.deepEqual(item('d'), { type: 'decimal', value: -1.5 });
  assert.deepEqual(item('e'), { type: 'token', value: 'tok/en:1' });
  assert.deepEqual(item('f'), { type: 'bytes', value: new Uint8Array([1, 2, 3]) });
  assert.equal(parseSfDictionary('').size, 0);
  for (const bad of ['sig1=(', 'sig1="x', 'Sig=1', 'a=1,', 'a=1 b=2', 'a=1234567890123456', 'a=1.2345', 'a=:AQI:', 'a=:AQJ=:', 'a=1, a=2', 'a=1;p;p', 'a="\u00e9"', 'a="\\n"', 'a=?2', 'a=@1']) {
    assert.throws(() => parseSfDictionary(bad), { name: 'StructuredFieldError' }, bad);
  }
});

// --- round trips -------------------------------------------------------------------------------

const alice = generateKeyPair();
const NOW_MS = 1_760_000_000_000;
const NOW_S = NOW_MS / 1000;

function policy(overrides: Partial<VerifyRequestOptions> = {}): VerifyRequestOptions {
  return { resolveKey: async (keyId) => (keyId === alice.publicKey ? alice.publicKey : undefined), now: NOW_MS, ...overrides };
}

/** A signed POST with a JSON body, and the same as a request the node receives. */
function signedPost(extra: Partial<Parameters<typeof signRequest>[0]> = {}, body = '{"hash":"00"}'): VerifyRequestParts {
  const headers = { 'content-type': 'application/json', host: 'node.example:8700' };
  const url = 'http://node.example:8700/v1/notary/batch?wait=commit';
  const added = signRequest({ method: 'POST', url, headers, body, keyId: alice.publicKey, secretKey: alice.secretKey, created: NOW_S, ...extra });
  return { method: 'POST', url, headers: { ...headers, ...added }, body: new TextEncoder().encode(body) };
}

const codeOf = (r: VerifyRequestReturnType) => (r.ok ? 'ok' : r.code);

test('round trip: any request we sign verifies, with its key, time and nonce', async () => {
  const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...keys),
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      fc.array(fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/), { maxLength: 4 }),
      fc.option(fc.stringMatching(/^[A-Za-z0-9=&]{0,20}$/), { nil: undefined }),
      fc.option(fc.uint8Array({ minLength: 1, maxLength: 300 }), { nil: undefined }),
      fc.integer({ min: -300, max: 60 }),
      async (key, method, segments, query, body, ageSeconds) => {
        const url = `https://node.example/${segments.join('/')}${query === undefined ? '' : `?${query}`}`;
        const headers = body ? { 'content-type': 'application/json' } : {};
        const created = Math.floor(NOW_S) + ageSeconds;
        const added = signRequest({ method, url, headers, ...(body ? { body } : {}), keyId: key.publicKey, secretKey: key.secretKey, created });
        assert.equal(added['content-digest'] !== undefined, body !== undefined);
        const request = { method, url: new URL(url).href, headers: { ...headers, ...added }, ...(body ? { body } : {}) };
        const result = await verifyRequest(request, { resolveKey: async (k) => k, now: NOW_MS });
        assert.ok(result.ok, JSON.stringify(result));
        assert.equal(result.publicKey, key.publicKey);
        assert.equal(result.created, created);
        assert.match(result.nonce ?? '', /^[A-Za-z0-9_-]{22}$/);
        // Negative control: the same signature on another method, path or body does not verify.
        const moved = await verifyRequest({ ...request, method: method === 'GET' ? 'POST' : 'GET', body: undefined }, { resolveKey: async (k) => k, now: NOW_MS });
        assert.equal(moved.ok, false);
        const elsewhere = await verifyRequest({ ...request, url: request.url.replace('node.example/', 'node.example/x/') }, { resolveKey: async (k) => k, now: NOW_MS });
        assert.equal(codeOf(elsewhere), 'AUTH_BAD_SIGNATURE');
        if (body) {
          const changed = body.slice();
          changed[0]! ^= 1;
          assert.equal(codeOf(await verifyRequest({ ...request, body: changed }, { resolveKey: async (k) => k, now: NOW_MS })), 'AUTH_DIGEST_MISMATCH');
        }
      },
    ),
    { numRuns: 100 },
  );
});

test('the default profile: covered components, label, tag and alg', async () => {
  const post = signedPost();
  assert.match(
    post.headers['signature-input'] as string,
    new RegExp(`^sig1=\\("@method" "@target-uri" "content-digest" "content-type"\\);created=${NOW_S};nonce="[A-Za-z0-9_-]{22}";keyid="${alice.publicKey}";alg="ed25519";tag="polity"$`),
  );
  const get = signRequest({ method: 'GET', url: 'http://n/v1/x', headers: {}, keyId: 'k', secretKey: alice.secretKey, created: 1 });
  assert.match(get['signature-input'], /^sig1=\("@method" "@target-uri"\);created=1;nonce="[^"]+";keyid="k";alg="ed25519";tag="polity"$/);
  assert.equal(get['content-digest'], undefined);
  // Two signatures of the same request differ by their nonce, so the replay guard tells them apart.
  const again = signRequest({ method: 'GET', url: 'http://n/v1/x', headers: {}, keyId: 'k', secretKey: alice.secretKey, created: 1 });
  assert.notEqual(again.signature, get.signature);
  assert.equal(codeOf(await verifyRequest(post, policy())), 'ok');
});

// --- one negative control per refusal --------------------------------------------------------

const withHeaders = (r: VerifyRequestParts, headers: Record<string, string | undefined>): VerifyRequestParts => {
  const merged: Record<string, string | string[] | undefined> = { ...r.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  return { ...r, headers: merged };
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The same 64 bytes spelt differently: the last character before "==" carries 4 unused bits; set one. */
function nonCanonical(signatureField: string): string {
  return signatureField.replace(/(.)==:$/, (_, c: string) => `${BASE64[BASE64.indexOf(c) ^ 1]}==:`);
}

test('non-canonical base64 decodes to the same bytes (so the parser must refuse it)', () => {
  const field = signedPost().headers.signature as string;
  const b64 = (f: string) => f.slice('sig1=:'.length, -1);
  assert.notEqual(b64(nonCanonical(field)), b64(field));
  assert.deepEqual(Buffer.from(b64(nonCanonical(field)), 'base64'), Buffer.from(b64(field), 'base64'));
});

test('refusals: each with its stable code', async () => {
  const post = signedPost();
  const input = post.headers['signature-input'] as string;
  const sig = post.headers.signature as string;
  const cases: [string, VerifyRequestParts, Partial<VerifyRequestOptions>, string, RegExp?][] = [
    ['no credentials', withHeaders(post, { 'signature-input': undefined, signature: undefined }), {}, 'AUTH_REQUIRED'],
    ['Signature without Signature-Input', withHeaders(post, { 'signature-input': undefined }), {}, 'AUTH_MALFORMED', /without Signature-Input/],
    ['Signature-Input without Signature', withHeaders(post, { signature: undefined }), {}, 'AUTH_MALFORMED', /without Signature$/],
    ['malformed Signature-Input', withHeaders(post, { 'signature-input': input.replace('(', '((') }), {}, 'AUTH_MALFORMED', /structured-field/],
    ['malformed Signature', withHeaders(post, { signature: sig.replace(/:$/, '') }), {}, 'AUTH_MALFORMED', /structured-field/],
    ['non-canonical base64 signature', withHeaders(post, { signature: nonCanonical(sig) }), {}, 'AUTH_MALFORMED', /not canonical base64/],
    ['a label without Signature', withHeaders(post, { 'signature-input': `${input}, sig2=("@method");created=1;keyid="k"` }), {}, 'AUTH_MALFORMED', /"sig2" has no Signature/],
    ['a Signature without label', withHeaders(post, { signature: `${sig}, sig2=:AAAA:` }), {}, 'AUTH_MALFORMED', /"sig2" has no Signature-Input/],
    ['a repeated label', withHeaders(post, { signature: `${sig}, ${sig}` }), {}, 'AUTH_MALFORMED', /repeated member/],
    ['two signatures with our tag', withHeaders(post, { 'signature-input': `${input}, ${input.replace('sig1', 'sig2')}`, signature: `${sig}, ${sig.replace('sig1', 'sig2')}` }), {}, 'AUTH_MALFORMED', /several/],
    ['another tag', withHeaders(post, { 'signature-input': input.replace('tag="polity"', 'tag="other"') }), {}, 'AUTH_MALFORMED', /tag="polity"/],
    ['alg other than ed25519', withHeaders(post, { 'signature-input': input.replace('alg="ed25519"', 'alg="hmac-sha256"') }), {}, 'AUTH_MALFORMED', /alg must be "ed25519"/],
    ['missing created', withHeaders(post, { 'signature-input': input.replace(/;created=\d+/, '') }), {}, 'AUTH_MALFORMED', /no created/],
    ['created not an integer', withHeaders(post, { 'signature-input': input.replace(/;created=\d+/, ';created="1"') }), {}, 'AUTH_MALFORMED', /must be an integer/],
    ['missing keyid', withHeaders(post, { 'signature-input': input.replace(/;keyid="[0-9a-f]+"/, '') }), {}, 'AUTH_MALFORMED', /no keyid/],
    ['unknown parameter', withHeaders(post, { 'signature-input': `${input};extra=1` }), {}, 'AUTH_MALFORMED', /unsupported signature parameter/],
    ['component parameters', withHeaders(post, { 'signature-input': input.replace('"content-type"', '"content-type";sf') }), {}, 'AUTH_MALFORMED', /component parameters/],
    ['created too far in the future', post, { now: NOW_MS - 61_000 }, 'AUTH_EXPIRED', /future/],
    ['older than maxAge', post, { now: NOW_MS + 301_000 }, 'AUTH_EXPIRED', /older than 300 s/],
    ['older than a shorter maxAge', post, { now: NOW_MS + 31_000, maxAgeSeconds: 30 }, 'AUTH_EXPIRED', /older than 30 s/],
    ['expires passed', signedPost({ expires: NOW_S + 10 }), { now: NOW_MS + 11_000 }, 'AUTH_EXPIRED', /expired/],
    ['a covered component missing', withHeaders(signedPost({ components: ['@method', '@target-uri', 'content-digest', 'x-request-id'], headers: { 'x-request-id': '1', host: 'h' } }), { 'x-request-id': undefined }), {}, 'AUTH_MALFORMED', /"x-request-id" is not in the request/],
    ['content-digest not covered on a request with a body', signedPost({ components: ['@method', '@target-uri', 'content-type'] }), {}, 'AUTH_MALFORMED', /must cover "content-digest"/],
    ['@target-uri not covered', signedPost({ components: ['@method', '@path', 'content-digest'] }), {}, 'AUTH_MALFORMED', /must cover "@target-uri"/],
    ['a required component of the caller not covered', post, { requiredComponents: ['@method', '@target-uri', 'date'] }, 'AUTH_MALFORMED', /must cover "date"/],
    ['body changed after signing', { ...post, body: new TextEncoder().encode('{"hash":"01"}') }, {}, 'AUTH_DIGEST_MISMATCH'],
    ['Content-Digest changed with the body', withHeaders({ ...post, body: new TextEncoder().encode('{"hash":"01"}') }, { 'content-digest': contentDigest(new TextEncoder().encode('{"hash":"01"}')) }), {}, 'AUTH_BAD_SIGNATURE'],
    ['unknown keyid', post, { resolveKey: async () => undefined }, 'AUTH_UNKNOWN_KEY'],
    ['signed by another key', signedPost({ secretKey: generateKeyPair().secretKey }), {}, 'AUTH_BAD_SIGNATURE'],
    ['a covered header changed', withHeaders(post, { 'content-type': 'application/json; charset=utf-8' }), {}, 'AUTH_BAD_SIGNATURE'],
    ['another target', { ...post, url: post.url.replace('8700', '8701') }, {}, 'AUTH_BAD_SIGNATURE'],
    ['a truncated signature', withHeaders(post, { signature: 'sig1=:AAAA:' }), {}, 'AUTH_BAD_SIGNATURE', /64 bytes/],
  ];
  for (const [name, request, overrides, code, message] of cases) {
    const result = await verifyRequest(request, policy(overrides));
    assert.equal(codeOf(result), code, `${name}: ${JSON.stringify(result)}`);
    if (message && !result.ok) assert.match(result.message, message, name);
    if (!result.ok) assert.ok(!result.message.includes(alice.publicKey), `${name}: the message must not repeat the keyid`);
  }
  // Boundaries: exactly at the skew and exactly at maxAge are still accepted.
  assert.equal(codeOf(await verifyRequest(post, policy({ now: NOW_MS - 60_000 }))), 'ok');
  assert.equal(codeOf(await verifyRequest(post, policy({ now: NOW_MS + 300_000 }))), 'ok');
  assert.equal(codeOf(await verifyRequest(signedPost({ expires: NOW_S + 10 }), policy({ now: NOW_MS + 10_000 }))), 'ok');
});

test('messages never carry the keyid, even a DID', async () => {
  const did = 'did:polity:4f1c2a7be90d3c55a1e8b6d24c07f3a9';
  const signed = signedPost({ keyId: did });
  const resolveKey = async (k: string) => (k === did ? alice.publicKey : undefined);
  const results = [
    await verifyRequest(signed, { resolveKey: async () => undefined, now: NOW_MS }),
    await verifyRequest(signed, { resolveKey: async () => generateKeyPair().publicKey, now: NOW_MS }),
    await verifyRequest(signed, { resolveKey, now: NOW_MS + 400_000 }),
    await verifyRequest({ ...signed, body: new Uint8Array([1]) }, { resolveKey, now: NOW_MS }),
  ];
  assert.deepEqual(results.map(codeOf), ['AUTH_UNKNOWN_KEY', 'AUTH_BAD_SIGNATURE', 'AUTH_EXPIRED', 'AUTH_DIGEST_MISMATCH']);
  for (const r of results) assert.ok(!r.ok && !r.message.includes('4f1c2a7b'), JSON.stringify(r));
  const ok = await verifyRequest(signed, { resolveKey, now: NOW_MS });
  assert.ok(ok.ok && ok.keyId === did && ok.publicKey === alice.publicKey);
});

// --- replay guard ------------------------------------------------------------------------------

test('replay: a verified signature is accepted once within the window', async () => {
  const replay = createReplayGuard(360);
  const post = signedPost();
  assert.equal(codeOf(await verifyRequest(post, policy({ replay }))), 'ok');
  assert.equal(codeOf(await verifyRequest(post, policy({ replay }))), 'AUTH_REPLAYED');
  assert.equal(codeOf(await verifyRequest(post, policy({ replay, now: NOW_MS + 299_000 }))), 'AUTH_REPLAYED');
  // The same request signed again (fresh nonce) is a new signature.
  assert.equal(codeOf(await verifyRequest(signedPost(), policy({ replay }))), 'ok');
  // A signature that failed verification is not remembered: it cannot poison the guard.
  const forged = signedPost({ secretKey: generateKeyPair().secretKey });
  assert.equal(codeOf(await verifyRequest(forged, policy({ replay }))), 'AUTH_BAD_SIGNATURE');
  assert.equal(replay.size, 2);
  // Past the window the entry is gone, and the signature is refused for its age instead.
  assert.equal(codeOf(await verifyRequest(post, policy({ replay, now: NOW_MS + 361_000 }))), 'AUTH_EXPIRED');
});

test('replay guard: bounded; a per-key quota; when full it forgets the oldest second and refuses anything from it after; a floor from the start', () => {
  const guard = createReplayGuard(10, { max: 3, perKeyMax: 2 });
  const sig = (n: number) => new Uint8Array(64).fill(n);
  assert.equal(guard.check('a', sig(1), 0, 0), 'fresh');
  assert.equal(guard.check('a', sig(2), 0, 0), 'fresh');
  assert.equal(guard.check('a', sig(3), 0, 0), 'full'); // per-key quota: one key cannot make the guard forget
  assert.equal(guard.check('b', sig(1), 1, 1000), 'fresh'); // same bytes, another key: another pair
  assert.equal(guard.size, 3);
  assert.equal(guard.check('a', sig(1), 0, 1000), 'replayed'); // remembered, even when full
  assert.equal(guard.check('c', sig(9), 1, 1000), 'fresh'); // full: second 0 is forgotten to make room…
  assert.equal(guard.notBeforeSeconds, 1);
  assert.equal(guard.check('a', sig(1), 0, 1000), 'stale'); // …and nothing created in it is accepted again
  assert.equal(guard.check('a', sig(4), 0, 1000), 'stale');
  assert.equal(guard.size, 2);
  assert.equal(guard.check('b', sig(1), 1, 10_999), 'replayed');
  assert.equal(guard.check('b', sig(1), 1, 11_000), 'fresh'); // second 1 left the window at 11 s (the verifier refuses it for age first)
  // Full, and the newcomer is older than everything remembered: refused, nothing newer is forgotten.
  const full = createReplayGuard(10, { max: 2 });
  assert.equal(full.check('a', sig(1), 5, 5000), 'fresh');
  assert.equal(full.check('b', sig(1), 5, 5000), 'fresh');
  assert.equal(full.check('c', sig(1), 4, 5000), 'stale');
  assert.equal(full.size, 2);
  // A floor given at creation (the node's start): anything created before it is refused.
  const started = createReplayGuard(10, { notBeforeSeconds: 100 });
  assert.equal(started.check('a', sig(1), 99, 100_000), 'stale');
  assert.equal(started.check('a', sig(1), 100, 100_000), 'fresh');
  assert.throws(() => createReplayGuard(0), TypeError);
});

test('replay guard under a flood: ten keys that fill it lock no new key out, and what it forgets cannot be replayed', async () => {
  const replay = createReplayGuard(360, { max: 100, perKeyMax: 10 });
  const flooders = Array.from({ length: 10 }, () => generateKeyPair());
  const honest = generateKeyPair();
  const verify = (r: VerifyRequestParts) => verifyRequest(r, policy({ resolveKey: async (k) => k, replay }));
  const sign = (k: { publicKey: string; secretKey: string }, created: number) => signedPost({ keyId: k.publicKey, secretKey: k.secretKey, created });
  // The flood: each key up to its quota, over ten seconds; the guard is then full.
  const oldest: VerifyRequestParts[] = [];
  for (let i = 0; i < 10; i++) {
    for (const k of flooders) {
      const r = sign(k, NOW_S - 60 + i);
      if (i === 0) oldest.push(r);
      assert.equal(codeOf(await verify(r)), 'ok');
    }
  }
  assert.equal(replay.size, 100);
  assert.equal(codeOf(await verify(sign(flooders[0]!, NOW_S))), 'RATE_LIMITED', 'a flooding key is held to its quota');
  // A key that was not part of the flood signs now: accepted, up to its own quota.
  for (let i = 0; i < 10; i++) assert.equal(codeOf(await verify(sign(honest, NOW_S))), 'ok', `honest request ${i}`);
  assert.ok(replay.size <= 100, `bounded: ${replay.size}`);
  // The room came from the oldest signatures; none of them can be replayed now.
  for (const r of oldest) assert.notEqual(codeOf(await verify(r)), 'ok');
});

test('the AUTH_* status table', () => {
  assert.deepEqual(AUTH_ERROR_STATUS, {
    AUTH_REQUIRED: 401,
    AUTH_MALFORMED: 401,
    AUTH_EXPIRED: 401,
    AUTH_BAD_SIGNATURE: 401,
    AUTH_WRONG_ORIGIN: 401,
    AUTH_UNKNOWN_KEY: 401,
    AUTH_REPLAYED: 401,
    AUTH_DIGEST_MISMATCH: 400,
    AUTH_FORBIDDEN: 403,
  });
});

test('signRequest refuses what it cannot sign', () => {
  const base = { method: 'GET', url: 'http://n/x', headers: {}, keyId: 'k', secretKey: alice.secretKey };
  assert.throws(() => signRequest({ ...base, components: ['content-type'] }), /"content-type" is not in the request/);
  assert.throws(() => signRequest({ ...base, components: ['@status'] }), /unsupported/);
  assert.throws(() => signRequest({ ...base, components: ['Content-Type'] }), /unsupported/);
  assert.throws(() => signRequest({ ...base, keyId: '' }), /keyId/);
  assert.throws(() => signRequest({ ...base, keyId: 'é' }), /printable ASCII/);
  assert.throws(() => signRequest({ ...base, label: 'Sig' }), /label/);
  assert.throws(() => signRequest({ ...base, nonce: 'a b' }), /nonce/);
});
