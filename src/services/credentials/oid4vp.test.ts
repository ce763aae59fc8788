/**
 * OpenID4VP as Polity reads it, without a node: the signed request object
 * and every refusal of readRequestObject (each with a negative control: the
 * unaltered object reads), the DCQL query both ways, links, direct_post
 * fields; and the node's request store — bounded in number and per
 * official, answered once, expired on time, forgotten after its retention.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, signRaw } from '../../crypto/ed25519.js';
import { utf8Encode } from '../../crypto/bytes.js';
import { askOfDcql, dcqlQueryOf, directPostFields, parseRequestLink, readDirectPost, readRequestObject, requestLink, signRequestObject, type PresentationAsk } from './oid4vp.js';
import { createRequestStore, RESULT_RETENTION_MS, type VerifierRequest } from './verifier-requests.js';

const NOW_S = 1_780_000_000;
const ASK: PresentationAsk = { credentialType: 'UniversityDiploma', claims: ['degree'], purpose: 'hiring', format: 'dc+sd-jwt' };
const fresh = (): string => randomBytes(16).toString('base64url');
const official = generateKeyPair();
const sign = (over: Partial<Parameters<typeof signRequestObject>[0]> = {}) =>
  signRequestObject({ ask: ASK, publicKey: official.publicKey, secretKey: official.secretKey, responseUri: 'https://node.example.gov/v1/credentials/responses', nonce: fresh(), state: fresh(), nowS: NOW_S, ...over });
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
/** Re-sign an altered payload with the official's key (so only the altered field is wrong). */
function resign(jwt: string, edit: (p: Record<string, unknown>) => void, header?: Record<string, unknown>): string {
  const [h, p] = jwt.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
  edit(payload);
  const input = `${header ? b64(header) : h}.${b64(payload)}`;
  return `${input}.${Buffer.from(signRaw(official.secretKey, utf8Encode(input))).toString('base64url')}`;
}

test('a signed request object reads back: the ask, the official key and DID; each wrong field is refused with a sentence', () => {
  const { jwt } = sign();
  const read = readRequestObject(jwt, NOW_S + 1);
  assert.ok(typeof read !== 'string', String(read));
  assert.deepEqual(read.ask, ASK);
  assert.equal(read.publicKey, official.publicKey);
  assert.match(read.payload.client_id, /^decentralized_identifier:did:key:z6Mk/);
  const refused: [string, RegExp][] = [
    [resign(jwt, () => {}, { alg: 'none', typ: 'oauth-authz-req+jwt' }), /alg must be EdDSA/],
    [resign(jwt, () => {}, { alg: 'EdDSA', typ: 'JWT' }), /typ must be/],
    [resign(jwt, (p) => (p['client_id'] = 'redirect_uri:https://x.example/cb')), /client_id must be decentralized_identifier:did:key/],
    [resign(jwt, (p) => (p['response_mode'] = 'fragment')), /response_mode must be direct_post/],
    [resign(jwt, (p) => (p['nonce'] = 'short')), /nonce must be/],
    [resign(jwt, (p) => (p['exp'] = (p['iat'] as number) + 3600)), /at most 900 s/],
    [resign(jwt, (p) => (p['dcql_query'] = { credentials: [] })), /exactly one credential query/],
    [resign(jwt, (p) => (p['dcql_query'] = dcqlQueryOf({ ...ASK, claims: ['degree', '__proto__x', 'a b'] }))), /claims/],
    [jwt.slice(0, -4) + 'AAAA', /signature does not verify/],
    ['not.a.jws!', /three base64url parts/],
  ];
  for (const [input, why] of refused) assert.match(String(readRequestObject(input, NOW_S + 1)), why);
  assert.match(String(readRequestObject(jwt, NOW_S + 301)), /expired/);
  // Signed by another key than the client_id's.
  const other = generateKeyPair();
  const [h, p] = jwt.split('.');
  const forged = `${h}.${p}.${Buffer.from(signRaw(other.secretKey, utf8Encode(`${h}.${p}`))).toString('base64url')}`;
  assert.match(String(readRequestObject(forged, NOW_S + 1)), /signature does not verify/);
});

test('DCQL both ways, the link, and the direct_post fields', () => {
  assert.deepEqual(askOfDcql(dcqlQueryOf(ASK), ASK.purpose), ASK);
  const w3c: PresentationAsk = { ...ASK, format: 'jwt_vc_json', claims: ['degree', 'awarded'] };
  assert.deepEqual(dcqlQueryOf(w3c).credentials[0]!.claims, [{ path: ['credentialSubject', 'degree'] }, { path: ['credentialSubject', 'awarded'] }]);
  assert.deepEqual(askOfDcql(dcqlQueryOf(w3c), w3c.purpose), w3c);
  // A vct that is the type's URL on a node reads as the type.
  const byUrl = { credentials: [{ ...dcqlQueryOf(ASK).credentials[0]!, meta: { vct_values: ['https://uni.example/v1/credentials/types/UniversityDiploma'] } }] };
  assert.equal((askOfDcql(byUrl, '') as PresentationAsk).credentialType, 'UniversityDiploma');
  const link = requestLink('decentralized_identifier:did:key:z6Mkx', 'https://node.example.gov/v1/credentials/requests/abc/object');
  assert.deepEqual(parseRequestLink(link), { clientId: 'decentralized_identifier:did:key:z6Mkx', requestUri: 'https://node.example.gov/v1/credentials/requests/abc/object' });
  assert.match(String(parseRequestLink('openid4vp://?client_id=x&request=eyJ')), /request_uri are required/);
  const ticket = { tag: 'ab'.repeat(32), key: 'A'.repeat(43) };
  const state = fresh();
  assert.deepEqual(readDirectPost(directPostFields(state, 'p~', ticket)), { state, presentation: 'p~', ticket });
  assert.match(String(readDirectPost({ ...directPostFields(state, 'p~'), vp_token: '{"credential":["a","b"]}' })), /one presentation/);
  assert.match(String(readDirectPost({ ...directPostFields(state, 'p~'), polity_usage: '{"tag":"x","key":"y"}' })), /tag must be 64/);
});

const request = (n: number, over: Partial<VerifierRequest> = {}): VerifierRequest => ({
  id: `id${String(n).padStart(20, '0')}`,
  state: `state-${n}-${'s'.repeat(20)}`,
  nonce: `nonce-${n}-${'n'.repeat(20)}`,
  clientId: 'decentralized_identifier:did:key:z6Mkx',
  official: 'a'.repeat(64),
  org: 'employer',
  ask: ASK,
  requestObject: 'x.y.z',
  createdMs: 1000,
  expiresMs: 1000 + 300_000,
  ...over,
});

test('the request store: bounded in all and per official, a state or nonce never reused, answered once, expired on time, forgotten after its retention', () => {
  const store = createRequestStore({ max: 3, perOfficialMax: 2 });
  assert.equal(store.add(request(1), 1000), undefined);
  assert.equal(store.add(request(2), 1000), undefined);
  assert.match(String(store.add(request(3), 1000)), /at most 2 open requests per official/);
  assert.match(String(store.add(request(3, { official: 'b'.repeat(64), nonce: request(1).nonce }), 1000)), /used already/);
  assert.equal(store.add(request(3, { official: 'b'.repeat(64) }), 1000), undefined);
  assert.match(String(store.add(request(4, { official: 'c'.repeat(64) }), 1000)), /holds 3 requests/);

  // Answered once: the first take wins, a second (a replay) finds it answered, even before it settles.
  const first = store.take(request(1).state, 2000);
  assert.ok('request' in first && !('why' in first));
  assert.deepEqual(store.take(request(1).state, 2000), { why: 'answered', request: store.get(request(1).id, 2000) });
  store.settle(request(1).id, { verified: true, usageLogged: false, height: 1, answeredMs: 2000 });
  assert.equal(store.statusOf(store.get(request(1).id, 2000)!, 2000), 'verified');
  assert.deepEqual((store.take(request(1).state, 2001) as { why: string }).why, 'answered');
  assert.deepEqual(store.take('unknown-state-xxxxxxxxxxxxxx', 2000), { why: 'unknown' });
  // Expired on time.
  assert.equal((store.take(request(2).state, request(2).expiresMs) as { why: string }).why, 'expired');
  assert.equal(store.statusOf(store.get(request(2).id, request(2).expiresMs)!, request(2).expiresMs), 'expired');
  // Forgotten after the retention: the room is free again.
  const later = request(2).expiresMs + RESULT_RETENTION_MS + 1;
  assert.equal(store.get(request(1).id, later), undefined);
  assert.equal(store.size(), 0);
  assert.equal(store.add(request(5, { createdMs: later, expiresMs: later + 1000 }), later), undefined);
});
