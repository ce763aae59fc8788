/**
 * Authentication end to end over a real socket: a Fastify instance on
 * 127.0.0.1 with a public route, a route that needs a signed request and a
 * route that needs a session, plus the challenge/session routes server.ts
 * will carry. The client side is the SDK (signedFetch, openSession), so both
 * ends are exercised together; tampering is done with plain fetch.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { generateKeyPair } from '../crypto/ed25519.js';
import { PolityError } from '../ledger/errors.js';
import { PolityApiError } from '../sdk/client.js';
import { openSession, signedFetch, signRequest } from '../sdk/http-auth.js';
import { authenticate, createKeyIdResolver, publicKeyOfDidKey, registerRawBody, requirePrincipal, type AuthenticateDeps } from './authenticate.js';
import { createErrorIndex } from './error-table.js';

const { statusOf } = createErrorIndex([]);
import { AUTH_ERROR_STATUS, authError, createReplayGuard } from './http-signatures.js';
import { createSessionStore, isSubject } from './sessions.js';

const CHAIN = 'polity-test';
const alice = generateKeyPair(); // signs requests, keyid = her hex key
const bob = generateKeyPair(); // holds a did:polity DID
const BOB_DID = 'did:polity:9c1e4b7d2a6f80351e9d4c2b7a6f8013';
const PROXY_ORIGIN = 'https://api.polity.example';

let sessionClockMs = 0; // added to the session store's clock, to expire tokens
const sessions = createSessionStore({ ttlMs: 60_000, challengeTtlMs: 10_000, max: 1000 }, { now: () => Date.now() + sessionClockMs });
const dids = new Map([[BOB_DID, bob.publicKey]]);
const resolveKey = createKeyIdResolver(async (did) => dids.get(did));
const deps: AuthenticateDeps = { resolveKey, sessions, replay: createReplayGuard(360), now: () => Date.now(), origins: () => [base] };
const proxied: AuthenticateDeps = { ...deps, origins: () => [PROXY_ORIGIN] };

let app: FastifyInstance;
let base: string;

before(async () => {
  app = Fastify({ logger: false });
  registerRawBody(app);
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof PolityError) {
      const status = (AUTH_ERROR_STATUS as Record<string, number>)[error.code] ?? statusOf(error.code);
      return reply.status(status).send(error.toJSON());
    }
    if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError) {
      return reply.status(400).send({ code: 'MALFORMED_JSON', message: 'the request body is not valid JSON' });
    }
    return reply.status(error.statusCode ?? 500).send({ code: 'INTERNAL', message: error.message });
  });

  app.get('/v1/public', async () => ({ public: true }));
  app.post('/v1/signed', async (request) => {
    const principal = await requirePrincipal(request, deps);
    return { principal, body: request.body };
  });
  app.post('/v1/behind-proxy', async (request) => ({ principal: await requirePrincipal(request, proxied) }));
  app.get('/v1/private', async (request) => {
    const principal = await requirePrincipal(request, deps);
    if (principal.via !== 'session') throw authError('AUTH_FORBIDDEN', 'this route needs a session');
    return { principal };
  });
  app.get('/v1/optional', async (request) => ({ principal: (await authenticate(request, deps)) ?? null }));

  // The session routes server.ts will carry.
  app.post('/v1/auth/challenge', async (request) => {
    const { subject } = (request.body ?? {}) as { subject?: unknown };
    if (!isSubject(subject)) throw authError('AUTH_MALFORMED', 'subject must be a DID or a 64-hex public key');
    return sessions.challenge(subject);
  });
  app.post('/v1/auth/session', async (request) => {
    const { subject, challenge, signature } = (request.body ?? {}) as Record<string, unknown>;
    if (!isSubject(subject) || typeof challenge !== 'string' || typeof signature !== 'string') throw authError('AUTH_MALFORMED', 'expected {subject, challenge, signature}');
    const publicKey = await resolveKey(subject);
    if (!publicKey) throw authError('AUTH_UNKNOWN_KEY', 'no key is currently valid for this subject');
    return sessions.open(subject, challenge, signature, publicKey, CHAIN);
  });
  app.delete('/v1/auth/session', async (request) => {
    const principal = await requirePrincipal(request, deps);
    if (principal.via !== 'session') throw authError('AUTH_FORBIDDEN', 'only a session can be closed');
    sessions.close(request.headers.authorization!.slice('Bearer '.length));
    return { closed: true };
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  base = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  await app.close();
});

async function call(response: Promise<Response>): Promise<{ status: number; body: any }> {
  const r = await response;
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  call(fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }));

test('no credentials: 200 on the public route, 401 AUTH_REQUIRED on protected ones', async () => {
  assert.deepEqual(await call(fetch(`${base}/v1/public`)), { status: 200, body: { public: true } });
  const signed = await post('/v1/signed', '{"a":1}');
  assert.equal(signed.status, 401);
  assert.equal(signed.body.code, 'AUTH_REQUIRED');
  const priv = await call(fetch(`${base}/v1/private`));
  assert.deepEqual([priv.status, priv.body.code], [401, 'AUTH_REQUIRED']);
  assert.deepEqual(await call(fetch(`${base}/v1/optional`)), { status: 200, body: { principal: null } });
});

test('a valid signature: 200, with the principal and the parsed body', async () => {
  const r = await call(signedFetch(`${base}/v1/signed`, { method: 'POST', body: '{"hello": "world"}' }, { keyId: alice.publicKey, secretKey: alice.secretKey }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { principal: { publicKey: alice.publicKey, keyId: alice.publicKey, via: 'signature' }, body: { hello: 'world' } });
  // keyid as a DID the node resolves: the principal carries it.
  const viaDid = await call(signedFetch(`${base}/v1/signed`, { method: 'POST', body: '{}' }, { keyId: BOB_DID, secretKey: bob.secretKey }));
  assert.deepEqual(viaDid.body.principal, { publicKey: bob.publicKey, keyId: BOB_DID, via: 'signature', did: BOB_DID });
  // A signed GET without a body works too, and a route may ask for more than a signature.
  const get = await call(signedFetch(`${base}/v1/private`, {}, { keyId: alice.publicKey, secretKey: alice.secretKey }));
  assert.deepEqual([get.status, get.body.code], [403, 'AUTH_FORBIDDEN']);
  const optional = await call(signedFetch(`${base}/v1/optional?x=1`, {}, { keyId: alice.publicKey, secretKey: alice.secretKey }));
  assert.equal(optional.body.principal.via, 'signature');
});

/** Sign a POST once; return headers that can be sent any number of times. */
function signOnce(path: string, body: string, key = alice, url = base + path): Record<string, string> {
  const headers = { 'content-type': 'application/json' };
  const added = signRequest({ method: 'POST', url, headers, body, keyId: key.publicKey, secretKey: key.secretKey });
  return { ...headers, ...(added as unknown as Record<string, string>) };
}

test('a replayed request: 401 AUTH_REPLAYED', async () => {
  const body = '{"n":1}';
  const headers = signOnce('/v1/signed', body);
  assert.equal((await post('/v1/signed', body, headers)).status, 200);
  const again = await post('/v1/signed', body, headers);
  assert.deepEqual([again.status, again.body.code], [401, 'AUTH_REPLAYED']);
});

test('a body changed after signing: 400 AUTH_DIGEST_MISMATCH', async () => {
  const headers = signOnce('/v1/signed', '{"amount":1}');
  const r = await post('/v1/signed', '{"amount":9}', headers);
  assert.deepEqual([r.status, r.body.code], [400, 'AUTH_DIGEST_MISMATCH']);
  // Control: the same headers with the signed body pass (the mismatch was the body, nothing else).
  assert.equal((await post('/v1/signed', '{"amount":1}', headers)).status, 200);
});

test('other refusals over the wire: bad signature, unknown key, stale, other route', async () => {
  const forged = signOnce('/v1/signed', '{}');
  forged['signature-input'] = forged['signature-input']!.replace(alice.publicKey, bob.publicKey);
  assert.equal((await post('/v1/signed', '{}', forged)).body.code, 'AUTH_BAD_SIGNATURE');
  const unknownDid = 'did:polity:00000000000000000000000000000000';
  const unknown = await call(signedFetch(`${base}/v1/signed`, { method: 'POST', body: '{}' }, { keyId: unknownDid, secretKey: alice.secretKey }));
  assert.deepEqual([unknown.status, unknown.body.code], [401, 'AUTH_UNKNOWN_KEY']);
  assert.ok(!JSON.stringify(unknown.body).includes(unknownDid), 'the keyid is not echoed');
  const stale = signRequest({ method: 'POST', url: `${base}/v1/signed`, headers: { 'content-type': 'application/json' }, body: '{}', keyId: alice.publicKey, secretKey: alice.secretKey, created: Math.floor(Date.now() / 1000) - 301 });
  const r = await post('/v1/signed', '{}', stale as unknown as Record<string, string>);
  assert.deepEqual([r.status, r.body.code], [401, 'AUTH_EXPIRED']);
  // A signature for one route does not open another.
  const moved = await post('/v1/behind-proxy', '{}', signOnce('/v1/signed', '{}'));
  assert.equal(moved.body.code, 'AUTH_BAD_SIGNATURE');
});

test('behind a proxy: @target-uri is checked against the configured origin', async () => {
  const good = await post('/v1/behind-proxy', '{}', signOnce('/v1/behind-proxy', '{}', alice, `${PROXY_ORIGIN}/v1/behind-proxy`));
  assert.equal(good.status, 200, JSON.stringify(good.body));
  // Signed for the address the client reached (the Host header), not the node's origin: refused, saying why.
  const local = await post('/v1/behind-proxy', '{}', signOnce('/v1/behind-proxy', '{}'));
  assert.deepEqual([local.status, local.body.code], [401, 'AUTH_WRONG_ORIGIN']);
  // A node that knows no origin (listening on every address, no public URL) refuses signed requests.
  const headers = signOnce('/v1/signed', '{}');
  const unknown = requirePrincipal({ headers, method: 'POST', url: '/v1/signed', protocol: 'http', host: 'x', body: {}, rawBody: Buffer.from('{}') } as never, { ...deps, origins: () => [] });
  await assert.rejects(unknown, (e: unknown) => e instanceof PolityError && e.code === 'AUTH_WRONG_ORIGIN');
});

test('public origins: a configured URL is checked and normalised; a listen address gives its own, loopback also as localhost', async () => {
  const { parsePublicOrigin, originsOfListenAddress } = await import('./origin.js');
  assert.equal(parsePublicOrigin('HTTPS://Node.Example.gov:443'), 'https://node.example.gov');
  assert.equal(parsePublicOrigin('http://10.0.0.7:8700/'), 'http://10.0.0.7:8700');
  for (const bad of ['node.example.gov', 'ftp://x', 'https://x/v1', 'https://u:p@x', 'https://x?q=1']) assert.throws(() => parsePublicOrigin(bad), TypeError, bad);
  assert.deepEqual(originsOfListenAddress({ address: '127.0.0.1', family: 'IPv4', port: 8700 }), ['http://127.0.0.1:8700', 'http://localhost:8700']);
  assert.deepEqual(originsOfListenAddress({ address: '::1', family: 'IPv6', port: 8700 }), ['http://[::1]:8700', 'http://localhost:8700']);
  assert.deepEqual(originsOfListenAddress({ address: '10.0.0.7', family: 'IPv4', port: 80 }), ['http://10.0.0.7']);
  assert.deepEqual(originsOfListenAddress({ address: '0.0.0.0', family: 'IPv4', port: 8700 }), []);
  assert.deepEqual(originsOfListenAddress(null), []);
});

test('registerRawBody keeps the JSON parser strict', async () => {
  const headers = signOnce('/v1/signed', '{"a":');
  assert.deepEqual((await post('/v1/signed', '{"a":', headers)).body.code, 'MALFORMED_JSON');
  assert.deepEqual((await post('/v1/signed', '{"__proto__":{"x":1}}')).body.code, 'MALFORMED_JSON');
  assert.deepEqual((await call(fetch(`${base}/v1/signed`, { method: 'POST', headers: { 'content-type': 'application/json' } }))).body.code, 'MALFORMED_JSON');
});

test('sessions: challenge-response opens one; it works until closed or expired', async () => {
  const { token } = await openSession(base, { subject: BOB_DID, secretKey: bob.secretKey, publicKey: bob.publicKey, chainId: CHAIN });
  const bearer = { authorization: `Bearer ${token}` };
  const ok = await call(fetch(`${base}/v1/private`, { headers: bearer }));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.principal, { publicKey: bob.publicKey, keyId: BOB_DID, via: 'session', did: BOB_DID });

  // Closed: 401.
  assert.equal((await call(fetch(`${base}/v1/auth/session`, { method: 'DELETE', headers: bearer }))).status, 200);
  const closed = await call(fetch(`${base}/v1/private`, { headers: bearer }));
  assert.deepEqual([closed.status, closed.body.code], [401, 'AUTH_EXPIRED']);

  // Expired: 401.
  const second = await openSession(base, { subject: alice.publicKey, secretKey: alice.secretKey, publicKey: alice.publicKey, chainId: CHAIN });
  const bearer2 = { authorization: `Bearer ${second.token}` };
  assert.equal((await call(fetch(`${base}/v1/private`, { headers: bearer2 }))).status, 200);
  sessionClockMs = 60_001;
  try {
    const expired = await call(fetch(`${base}/v1/private`, { headers: bearer2 }));
    assert.deepEqual([expired.status, expired.body.code], [401, 'AUTH_EXPIRED']);
  } finally {
    sessionClockMs = 0;
  }
});

test('sessions: a challenge is single use; wrong chain and malformed tokens are refused', async () => {
  const { challenge } = (await post('/v1/auth/challenge', JSON.stringify({ subject: alice.publicKey }))).body;
  const { signBytes } = await import('../crypto/ed25519.js');
  const { sessionMessage } = await import('../sdk/http-auth.js');
  const signature = signBytes(alice.secretKey, sessionMessage(CHAIN, alice.publicKey, challenge));
  const body = JSON.stringify({ subject: alice.publicKey, challenge, signature });
  assert.equal((await post('/v1/auth/session', body)).status, 200);
  const reused = await post('/v1/auth/session', body);
  assert.deepEqual([reused.status, reused.body.code], [401, 'AUTH_REPLAYED']);

  await assert.rejects(
    openSession(base, { subject: alice.publicKey, secretKey: alice.secretKey, publicKey: alice.publicKey, chainId: 'polity-other' }),
    (e: unknown) => e instanceof PolityApiError && e.status === 401 && e.code === 'AUTH_BAD_SIGNATURE',
  );
  await assert.rejects(
    openSession(base, { subject: 'not-a-did', secretKey: alice.secretKey, publicKey: alice.publicKey, chainId: CHAIN }),
    (e: unknown) => e instanceof PolityApiError && e.code === 'AUTH_MALFORMED',
  );
  for (const authorization of ['Bearer short', 'Basic YWxpY2U6c2VjcmV0', `Bearer ${'A'.repeat(43)}x`]) {
    const r = await call(fetch(`${base}/v1/private`, { headers: { authorization } }));
    assert.deepEqual([r.status, r.body.code], [401, 'AUTH_MALFORMED'], authorization);
  }
  const unknownToken = await call(fetch(`${base}/v1/private`, { headers: { authorization: `Bearer ${'A'.repeat(43)}` } }));
  assert.deepEqual([unknownToken.status, unknownToken.body.code], [401, 'AUTH_EXPIRED']);
  // A token and a signature at once: refused, not silently one of them.
  const { token } = await openSession(base, { subject: alice.publicKey, secretKey: alice.secretKey, publicKey: alice.publicKey, chainId: CHAIN });
  const both = await call(signedFetch(`${base}/v1/private`, { headers: { authorization: `Bearer ${token}` } }, { keyId: alice.publicKey, secretKey: alice.secretKey }));
  assert.deepEqual([both.status, both.body.code], [401, 'AUTH_MALFORMED']);
});

test('keyid forms: hex key, did:key (W3C did:key test vector), other DIDs through the chain', async () => {
  // did:key spec example: publicKeyBase58 B12NYF8RrR3h41TDCTJojY59usg3mbtbjnFs7Eud1Y6u.
  const W3C_DID_KEY = 'did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH';
  const W3C_KEY = '94966b7c08e405775f8de6cc1c4508f6eb227403e1025b2c8ad2d7477398c5b2';
  assert.equal(publicKeyOfDidKey(W3C_DID_KEY), W3C_KEY);
  assert.equal(await resolveKey(W3C_DID_KEY), W3C_KEY);
  assert.equal(publicKeyOfDidKey('did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvkt'), undefined); // one character short
  assert.equal(publicKeyOfDidKey('did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169'), undefined); // a P-256 key
  assert.equal(publicKeyOfDidKey('did:key:z6Mk0OIl'), undefined); // not base58
  assert.equal(await resolveKey(alice.publicKey), alice.publicKey);
  assert.equal(await resolveKey(alice.publicKey.toUpperCase()), undefined);
  assert.equal(await resolveKey(BOB_DID), bob.publicKey);
  assert.equal(await resolveKey('did:web:example.org'), undefined);
  assert.equal(await createKeyIdResolver()(BOB_DID), undefined);
});
