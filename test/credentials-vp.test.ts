/**
 * The certificate-free flow end to end on a real node, over HTTP: a
 * university issues a diploma as an SD-JWT VC to a holder's key; an
 * employer's official asks for the degree only (OpenID4VP: a request object
 * it signs, filed with the node, served by reference behind an openid4vp://
 * link and QR code); the holder's wallet sees who asks (the chain names the
 * key's organisation) and answers with the degree alone, key-bound to the
 * official's client_id and nonce, and a usage-log ticket; the node checks it
 * and the official reads the outcome — no paper. The holder then finds the
 * use in its usage log, sealed to it on the chain. Refusals, each with its
 * code: a replayed response, a response made for another verifier's request,
 * a request signed by another key than the official's, a stranger asking.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { adminKeyPath } from '../src/node/data-dir.js';
import { generateKeyPair, type KeyPair } from '../src/crypto/ed25519.js';
import { didKeyFromPublicKey } from '../src/crypto/multikey.js';
import { signTx } from '../src/ledger/sign.js';
import { createClient, type Client } from '../src/sdk/client.js';
import { signConsent } from '../src/services/org/consent-sign.js';
import { prepareCredential } from '../src/services/credentials/issuer.js';
import { directPostFields, signRequestObject, type PresentationAsk } from '../src/services/credentials/oid4vp.js';
import { fetchVerifierRequest, readUsageLog, sendResponse, whoIs } from '../src/services/credentials/client-vp.js';
import { answers, presentationFor, takeTicket, type UsageState } from '../src/services/credentials/wallet-present.js';
import { xmlDateTime } from '../src/services/did/method.js';
import { startTestNode, tempDir, until, type TestNode } from './helpers.js';
import { rm } from 'node:fs/promises';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { folderStorage } from '../src/services/credentials/cli-wallet.js';
import { openWallet } from '../src/services/credentials/wallet.js';
import { createServer, type Server } from 'node:http';
import { createHash, createPrivateKey, createPublicKey, sign as edSign, verify as edVerify } from 'node:crypto';
import { Openid4vpClient, Openid4vpVerifier } from '@openid4vc/openid4vp';
// The library's own switch (in its utils package) for the http:// URLs of a loopback test.
import { setGlobalConfig } from '@openid4vc/utils';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, generateSalt } from '@sd-jwt/crypto-nodejs';
import { decodeDidKey, multikeyEncode } from '../src/crypto/multikey.js';
import { fromHex } from '../src/crypto/bytes.js';
import { jwkOfKey } from '../src/services/credentials/sd-jwt.js';

let t: TestNode;
let api: string;
let org: string;
let admin: KeyPair;
let client: Client;
let verifier2: KeyPair;

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, degree: { type: 'string', maxLength: 200 }, awarded: { type: 'string' }, birthDate: { type: 'string' } },
  required: ['degree', 'awarded'],
  additionalProperties: false,
};
const nowS = (): number => Math.floor(Date.now() / 1000);
const fresh = (): string => randomBytes(16).toString('base64url');

async function commit(key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<void> {
  const nonce = await client.nonce(key.publicKey);
  const tx = signTx({ v: 1, chainId: t.genesis.chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
  const outcome = await client.submitTx(tx, { wait: true, timeoutMs: 20_000 });
  assert.equal(outcome.status, 'committed');
  assert.equal((outcome as { result: { code: string } }).result.code, 'OK', JSON.stringify(outcome));
}

/** Governance with one organisation: its vote executes the proposal; anyone enacts it. */
async function decide(decision: Record<string, unknown>): Promise<void> {
  const nonce = await client.nonce(admin.publicKey);
  const tx = signTx({ v: 1, chainId: t.genesis.chainId, module: 'gov', action: 'propose', args: { change: { type: 'serviceDecision', module: 'credentials', decision } } as never, signer: admin.publicKey, nonce }, admin.secretKey);
  const outcome = await client.submitTx(tx, { wait: true, timeoutMs: 20_000 });
  assert.equal(outcome.status, 'committed');
  const proposal = (outcome as { txId: string }).txId;
  await commit(admin, 'credentials', 'enact', { proposal });
}

async function issueSdJwt(holder: KeyPair, subject: Record<string, unknown>, format: 'sd-jwt' | 'jwt' = 'sd-jwt'): Promise<{ credential: string; hash: string }> {
  const nonce = await client.nonce(admin.publicKey);
  const slot = await client.request<{ list: number; probe: number; index: number }>('GET', `/v1/credentials/lists/${org}/slot?signer=${admin.publicKey}&nonce=${nonce}`);
  const p = prepareCredential({
    org,
    key: admin,
    slot,
    credentialType: 'UniversityDiploma',
    subject: { id: didKeyFromPublicKey(holder.publicKey), ...subject },
    id: `urn:uuid:${randomUUID()}`,
    created: xmlDateTime(Date.now() - 60_000),
    statusBaseUrl: api,
    format,
    randomBytes: (n) => randomBytes(n),
  });
  await commit(admin, 'credentials', 'issue', p.args as never);
  return { credential: p.credential, hash: p.hash };
}

/** An official signs a request object and files it with the node (a signed HTTP request). */
async function ask(official: KeyPair, a: PresentationAsk): Promise<{ id: string; link: string; qr: string; clientId: string }> {
  const { jwt } = signRequestObject({ ask: a, publicKey: official.publicKey, secretKey: official.secretKey, responseUri: `${api}/v1/credentials/responses`, nonce: fresh(), state: fresh(), nowS: nowS(), clientName: 'Employer' });
  const filed = await createClient({ url: api, key: official }).request<{ id: string; link: string; qr: string; clientId: string }>('POST', '/v1/credentials/requests', { request: jwt }, { signed: true });
  // The id is typed after `polity credential asked`: hex, so it never starts with "-" (read as an option).
  assert.match(filed.id, /^[0-9a-f]{32}$/, `request id ${filed.id}`);
  return filed;
}

const result = (official: KeyPair, id: string) => createClient({ url: api, key: official }).request<{ status: string; outcome?: { verified: boolean; code?: string; claims?: Record<string, unknown>; usageLogged: boolean; credentialType?: string } }>('GET', `/v1/credentials/requests/${id}`, undefined, { signed: true });

before(async () => {
  t = await startTestNode({ listen: true });
  api = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  org = t.genesis.organisations![0]!.id;
  admin = JSON.parse(await readFile(adminKeyPath(t.dir), 'utf8')) as KeyPair;
  client = createClient({ url: api });
  await decide({ type: 'defineType', name: 'UniversityDiploma', title: 'University diploma', schema: SCHEMA });
  await decide({ type: 'accredit', org, credentialType: 'UniversityDiploma', role: 'issuer' });
  // A second official of the organisation: another verifier, with its own client_id.
  verifier2 = generateKeyPair();
  const consent = signConsent({ chainId: t.genesis.chainId, org, use: 'official', publicKey: verifier2.publicKey, secretKey: verifier2.secretKey }).signature;
  await commit(admin, 'org', 'propose', { org, op: { type: 'registerOfficial', key: verifier2.publicKey, roles: ['auditor'], consent } });
});
after(async () => {
  await t.close();
});

test('a verifier asks, the holder approves and shows the degree alone, the verifier checks it, and the holder sees the use in its usage log', async () => {
  const holder = generateKeyPair();
  const diploma = await issueSdJwt(holder, { degree: 'MSc Physics', awarded: '2026-05-30', birthDate: '2001-02-03' });
  let usage: UsageState = { secret: randomBytes(32).toString('hex'), next: 0 };

  // The employer's official asks for the degree.
  const filed = await ask(admin, { credentialType: 'UniversityDiploma', claims: ['degree'], purpose: 'hiring: check the degree', format: 'dc+sd-jwt' });
  assert.match(filed.link, /^openid4vp:\/\/\?client_id=decentralized_identifier%3Adid%3Akey%3Az6Mk/);
  assert.match(filed.qr, /^<svg/);
  console.log(`request link: ${filed.link}`);

  // The holder's wallet reads it, and the chain says who asks.
  const { read } = await fetchVerifierRequest(filed.link, nowS());
  assert.deepEqual(read.ask.claims, ['degree']);
  assert.equal(read.ask.purpose, 'hiring: check the degree');
  assert.equal((await whoIs(client, read.publicKey)).org, org);
  assert.equal(answers(diploma.credential, read.ask), true);
  const taken = takeTicket(usage);
  usage = taken.state;
  const presentation = presentationFor(diploma.credential, read, { secretKey: holder.secretKey }, nowS());
  const disclosed = presentation.split('~').slice(1, -1).map((d) => (JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[])[1]);
  assert.deepEqual(disclosed, ['degree'], 'only the asked claim leaves the wallet');
  const fields = directPostFields(read.payload.state, presentation, taken.ticket);
  const sent = await sendResponse(read.payload.response_uri, fields);
  assert.equal(sent.ok, true, JSON.stringify(sent));

  // The official reads the outcome: the degree, and nothing else.
  const r = await result(admin, filed.id);
  assert.equal(r.status, 'verified');
  assert.deepEqual(r.outcome?.claims, { degree: 'MSc Physics' });
  assert.equal(r.outcome?.usageLogged, true);
  console.log(`outcome: ${JSON.stringify(r.outcome)}`);

  // A replayed response is refused; the request object is no longer served.
  const replay = await sendResponse(read.payload.response_uri, fields);
  assert.equal(replay.status, 409);
  assert.equal(replay.code, 'CREDENTIALS_PRESENTATION_REPLAYED');
  await assert.rejects(fetchVerifierRequest(filed.link, nowS()), /closed, expired or unknown/);

  // The holder's usage log: found by its tags on the chain, opened with its secret.
  const log = await until(async () => {
    const lines = await readUsageLog(client, usage.secret, usage.next);
    return lines.length > 0 ? lines : undefined;
  }, 20_000, 'the usage-log entry on the chain');
  assert.equal(log.length, 1);
  const e = log[0]!;
  assert.equal(e.mismatch, false);
  assert.equal(e.record.org, org);
  assert.equal(e.entry?.credential, diploma.hash);
  assert.equal(e.entry?.purpose, 'hiring: check the degree');
  assert.deepEqual(e.entry?.claims, ['degree']);
  console.log(`usage log: ${e.entry?.org} checked ${e.entry?.credentialType} ${e.entry?.credential.slice(0, 16)}… at height ${e.record.height} for "${e.entry?.purpose}", claims ${e.entry?.claims.join(', ')}`);
  // Nothing on the chain names the holder, the credential or the purpose.
  const onChain = JSON.stringify(e.record);
  for (const secret of [diploma.hash, didKeyFromPublicKey(holder.publicKey), 'hiring', 'MSc Physics']) assert.ok(!onChain.includes(secret));
});

test('a response made for another verifier, a request not signed by the official, and a stranger asking are refused, each with its code', async () => {
  const holder = generateKeyPair();
  const diploma = await issueSdJwt(holder, { degree: 'BSc Chemistry', awarded: '2025-06-30' });
  const a: PresentationAsk = { credentialType: 'UniversityDiploma', claims: ['degree'], purpose: 'hiring', format: 'dc+sd-jwt' };
  const forA = await ask(admin, a);
  const forB = await ask(verifier2, a);
  const readA = (await fetchVerifierRequest(forA.link, nowS())).read;
  const readB = (await fetchVerifierRequest(forB.link, nowS())).read;
  // Made for A (its client_id and nonce), sent to B's request.
  const madeForA = presentationFor(diploma.credential, readA, { secretKey: holder.secretKey }, nowS());
  const wrong = await sendResponse(readB.payload.response_uri, directPostFields(readB.payload.state, madeForA));
  assert.equal(wrong.code, 'CREDENTIALS_PRESENTATION_AUDIENCE', JSON.stringify(wrong));
  const b = await result(verifier2, forB.id);
  assert.equal(b.status, 'refused');
  assert.equal(b.outcome?.code, 'CREDENTIALS_PRESENTATION_AUDIENCE');
  // B's request was answered (refused) once: a second try, even a good one, is a replay.
  const late = await sendResponse(readB.payload.response_uri, directPostFields(readB.payload.state, presentationFor(diploma.credential, readB, { secretKey: holder.secretKey }, nowS())));
  assert.equal(late.code, 'CREDENTIALS_PRESENTATION_REPLAYED');
  // A's request still takes its own answer.
  assert.equal((await sendResponse(readA.payload.response_uri, directPostFields(readA.payload.state, madeForA))).ok, true);

  // Filed by one official, signed by another: refused.
  const { jwt } = signRequestObject({ ask: a, publicKey: verifier2.publicKey, secretKey: verifier2.secretKey, responseUri: `${api}/v1/credentials/responses`, nonce: fresh(), state: fresh(), nowS: nowS() });
  await assert.rejects(createClient({ url: api, key: admin }).request('POST', '/v1/credentials/requests', { request: jwt }, { signed: true }), (e: { code?: string }) => e.code === 'CREDENTIALS_REQUEST_INVALID');
  // A stranger (no organisation) may not ask.
  const stranger = generateKeyPair();
  await assert.rejects(ask(stranger, a), (e: { code?: string }) => e.code === 'CREDENTIALS_NOT_VERIFIER');
  // A response_uri of another node: refused.
  const elsewhere = signRequestObject({ ask: a, publicKey: admin.publicKey, secretKey: admin.secretKey, responseUri: 'https://elsewhere.example/v1/credentials/responses', nonce: fresh(), state: fresh(), nowS: nowS() });
  await assert.rejects(createClient({ url: api, key: admin }).request('POST', '/v1/credentials/requests', { request: elsewhere.jwt }, { signed: true }), (e: { code?: string }) => e.code === 'CREDENTIALS_REQUEST_INVALID');
});

// --- Interoperability with @openid4vc/openid4vp (and @sd-jwt/sd-jwt-vc for the presentation) -------------

setGlobalConfig({ allowInsecureUrls: true });
const b64 = (x: string | Uint8Array): string => Buffer.from(x).toString('base64url');
const edPrivate = (k: KeyPair) => createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(fromHex(k.publicKey)), d: b64(fromHex(k.secretKey)) }, format: 'jwk' });
/** The library leaves JWT crypto to its caller: node:crypto Ed25519 here, keys resolved from did:key. */
function libraryCallbacks(signingKey?: KeyPair) {
  return {
    hash: (data: Uint8Array, alg: string) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
    generateRandom: (n: number) => new Uint8Array(randomBytes(n)),
    fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, init),
    signJwt: async (_signer: unknown, jwt: { header: Record<string, unknown>; payload: Record<string, unknown> }) => {
      const input = `${b64(JSON.stringify(jwt.header))}.${b64(JSON.stringify(jwt.payload))}`;
      return { jwt: `${input}.${b64(edSign(null, Buffer.from(input), edPrivate(signingKey!)))}`, signerJwk: jwkOfKey(signingKey!.publicKey) as never };
    },
    verifyJwt: async (signer: { method: string; didUrl?: string }, jwt: { compact: string }) => {
      if (signer.method !== 'did' || !signer.didUrl) return { verified: false as const };
      const publicKey = decodeDidKey(signer.didUrl.split('#')[0]!);
      const [h, p, sig] = jwt.compact.split('.');
      const key = createPublicKey({ key: jwkOfKey(publicKey) as never, format: 'jwk' });
      const ok = edVerify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(sig!, 'base64url'));
      return ok ? { verified: true as const, signerJwk: jwkOfKey(publicKey) as never } : { verified: false as const };
    },
    decryptJwe: async () => ({ decrypted: false as const }),
    encryptJwe: async () => {
      throw new Error('no JWE here');
    },
    getX509CertificateMetadata: () => {
      throw new Error('no X.509 here');
    },
    clientAuthentication: () => undefined,
  };
}

test('interop: the library plays the wallet and answers a Polity verifier: resolves the signed request by reference, verifies it, and posts a direct_post response the node accepts', async () => {
  const holder = generateKeyPair();
  const diploma = await issueSdJwt(holder, { degree: 'MSc Physics', awarded: '2026-05-30' });
  const filed = await ask(admin, { credentialType: 'UniversityDiploma', claims: ['degree'], purpose: 'hiring', format: 'dc+sd-jwt' });
  const params = Object.fromEntries(new URL(filed.link.replace('openid4vp://', 'https://wallet.invalid/')).searchParams);
  const wallet = new Openid4vpClient({ callbacks: libraryCallbacks() as never });
  const resolved = await wallet.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: params as never });
  assert.equal(resolved.client.prefix, 'decentralized_identifier');
  assert.equal(resolved.jar?.signer.method, 'did', 'the library verified the request object with the did:key signer');
  const request = resolved.authorizationRequestPayload as { client_id: string; nonce: string; response_uri: string; state: string; dcql_query: unknown };
  assert.deepEqual(request.dcql_query, { credentials: [{ id: 'credential', format: 'dc+sd-jwt', meta: { vct_values: ['UniversityDiploma'] }, claims: [{ path: ['degree'] }] }] });

  // The presentation, made by @sd-jwt/sd-jwt-vc: the degree alone, key-bound to the client_id and nonce.
  const sdjwt = new SDJwtVcInstance({ hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt, kbSigner: (data: string) => b64(edSign(null, Buffer.from(data), edPrivate(holder))), kbSignAlg: 'EdDSA' });
  const presentation = await sdjwt.present(diploma.credential, { degree: true } as never, { kb: { payload: { iat: nowS(), aud: request.client_id, nonce: request.nonce } } });
  const response = await wallet.createOpenid4vpAuthorizationResponse({ authorizationRequestPayload: resolved.authorizationRequestPayload as never, authorizationResponsePayload: { vp_token: { credential: [presentation] } } as never });
  const submitted = await wallet.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request as never, authorizationResponsePayload: response.authorizationResponsePayload });
  assert.equal(submitted.response.status, 200, await submitted.response.clone().text());
  const r = await result(admin, filed.id);
  assert.equal(r.status, 'verified');
  assert.deepEqual(r.outcome?.claims, { degree: 'MSc Physics' });
  assert.equal(r.outcome?.usageLogged, false, 'an independent wallet sends no usage-log ticket: nothing to record');
  console.log(`library wallet → Polity verifier: ${r.status}, claims ${JSON.stringify(r.outcome?.claims)}`);
});

test("interop: the library plays the verifier: Polity's wallet answers its signed request, and the library parses the response for its DCQL query", async () => {
  const holder = generateKeyPair();
  const diploma = await issueSdJwt(holder, { degree: 'MSc Physics', awarded: '2026-05-30' });
  const verifierKey = generateKeyPair();
  const did = didKeyFromPublicKey(verifierKey.publicKey);
  const posted: Record<string, string>[] = [];
  let requestJwt = '';
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/request') {
      res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' }).end(requestJwt);
      return;
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posted.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const verifier = new Openid4vpVerifier({ callbacks: libraryCallbacks(verifierKey) as never });
    const nonce = fresh();
    const created = await verifier.createOpenId4vpAuthorizationRequest({
      authorizationRequestPayload: {
        response_type: 'vp_token',
        client_id: `decentralized_identifier:${did}`,
        response_mode: 'direct_post',
        response_uri: `${base}/response`,
        nonce,
        state: fresh(),
        dcql_query: { credentials: [{ id: 'credential', format: 'dc+sd-jwt', meta: { vct_values: ['UniversityDiploma'] }, claims: [{ path: ['degree'] }] }] },
        client_metadata: { vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA'], 'kb-jwt_alg_values': ['EdDSA'] } } },
      } as never,
      jar: { requestUri: `${base}/request`, jwtSigner: { method: 'did', didUrl: `${did}#${multikeyEncode(verifierKey.publicKey)}`, alg: 'EdDSA' }, expiresInSeconds: 300 } as never,
    });
    requestJwt = (created.jar as unknown as { authorizationRequestJwt: string }).authorizationRequestJwt;
    console.log(`library request link: ${created.authorizationRequest.slice(0, 120)}…`);

    // Polity's wallet: fetch, check, show, answer with the degree alone.
    const { read } = await fetchVerifierRequest(created.authorizationRequest, nowS());
    assert.equal(read.did, did);
    assert.deepEqual(read.ask.claims, ['degree']);
    assert.equal(read.ask.purpose, '', 'the library sends no purpose; the wallet says so');
    const usage = takeTicket({ secret: randomBytes(32).toString('hex'), next: 0 });
    const presentation = presentationFor(diploma.credential, read, { secretKey: holder.secretKey }, nowS());
    const sent = await sendResponse(read.payload.response_uri, directPostFields(read.payload.state, presentation, usage.ticket));
    assert.equal(sent.ok, true);
    assert.equal(posted.length, 1);

    // The library reads the response against its request: the DCQL presentations by query id.
    const parsed = await verifier.parseOpenid4vpAuthorizationResponse({ authorizationResponse: posted[0]!, authorizationRequestPayload: created.authorizationRequestPayload as never, callbacks: libraryCallbacks() as never } as never);
    const validated = verifier.validateOpenid4vpAuthorizationResponsePayload({ authorizationRequestPayload: created.authorizationRequestPayload as never, authorizationResponsePayload: parsed.authorizationResponsePayload });
    const presentations = (validated as unknown as { type: string; dcql?: { presentations: Record<string, unknown[]> } }).dcql?.presentations;
    assert.deepEqual(presentations?.['credential'], [presentation]);
    // And @sd-jwt/sd-jwt-vc checks the key binding for this verifier: its client_id and nonce, the degree alone.
    const check = new SDJwtVcInstance({ hasher: digest, hashAlg: 'sha-256', verifier: (data: string, sig: string) => edVerify(null, Buffer.from(data), createPublicKey({ key: jwkOfKey(admin.publicKey) as never, format: 'jwk' }), Buffer.from(sig, 'base64url')), kbVerifier: (data: string, sig: string) => edVerify(null, Buffer.from(data), createPublicKey({ key: jwkOfKey(holder.publicKey) as never, format: 'jwk' }), Buffer.from(sig, 'base64url')) });
    const v = await check.verify(presentation, { keyBindingNonce: nonce, requiredClaimKeys: ['degree'] } as never);
    assert.equal((v.payload as Record<string, unknown>)['degree'], 'MSc Physics');
    assert.equal((v.payload as Record<string, unknown>)['awarded'], undefined);
    assert.equal(v.kb?.payload.aud, `decentralized_identifier:${did}`);
    console.log(`Polity wallet → library verifier: ${validated.type} response with presentations for ${Object.keys(presentations ?? {}).join(', ')}`);
  } finally {
    server.close();
  }
});

test('polity wallet present and polity wallet log: the holder sees who asks and what, approves, and reads where its credential was used', async () => {
  const dir = await tempDir('polity-wallet-vp-');
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
    const code = await main([...args, ...(args[0] === 'wallet' ? ['--wallet', dir] : []), '--api', api], io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  try {
    assert.equal((await run(['wallet', 'init'])).code, 0);
    const wallet = await openWallet(folderStorage(dir));
    const holderKey = wallet.keyPair();
    const token = await issueSdJwt({ publicKey: holderKey.publicKey, secretKey: holderKey.secretKey }, { degree: 'MSc Physics', awarded: '2026-05-30' }, 'jwt');
    const entry = await wallet.add(token.credential, { format: 'jwt_vc_json', from: api, receivedAt: new Date().toISOString() });

    // The employer's official asks with the CLI: the link and its QR code for the holder.
    const asked = await run(['credential', 'ask', '--type', 'UniversityDiploma', '--claims', 'degree', '--purpose', 'hiring: check the degree', '--format', 'jwt_vc_json', '--key', adminKeyPath(t.dir)]);
    assert.equal(asked.code, 0, asked.err);
    const filed = { link: /^(openid4vp:\/\/\S+)$/m.exec(asked.out)![1]!, id: /^request ([0-9a-f]{32}),/m.exec(asked.out)![1]! };
    assert.match((await run(['credential', 'asked', filed.id, '--key', adminKeyPath(t.dir)])).out, /^pending: no answer yet$/);
    // Without approval nothing is sent (not a terminal, no --yes).
    const refused = await run(['wallet', 'present', filed.link]);
    assert.equal(refused.code, 1);
    assert.match(refused.out, new RegExp(`^${org} \\(an official's key, as the chain at .* says\\) asks for your UniversityDiploma`));
    assert.match(refused.out, /purpose: hiring: check the degree/);
    assert.match(refused.out, /shown whole: it will see every claim/);
    assert.match(refused.err, /approve with --yes/);
    assert.equal((await result(admin, filed.id)).status, 'pending');

    const shown = await run(['wallet', 'present', filed.link, '--yes']);
    assert.equal(shown.code, 0, shown.out + shown.err);
    assert.match(shown.out, /shown: the verifier accepted it \(usage-log entry 0\)/);
    console.log(shown.out);
    const r = await result(admin, filed.id);
    assert.equal(r.status, 'verified');
    assert.deepEqual(r.outcome?.claims, { degree: 'MSc Physics' }, 'the official sees only what it asked for');
    const outcome = await run(['credential', 'asked', filed.id, '--key', adminKeyPath(t.dir)]);
    assert.equal(outcome.code, 0);
    assert.match(outcome.out, /^VERIFIED — UniversityDiploma issued by .* at height \d+; no paper needed \(checked at height \d+\)\n  degree: MSc Physics\n  recorded in the holder's usage log$/);
    console.log(outcome.out);

    const log = await until(async () => {
      const l = await run(['wallet', 'log']);
      return l.out.includes(org) ? l : undefined;
    }, 20_000, 'the usage-log entry');
    assert.equal(log.code, 0);
    assert.match(log.out, new RegExp(`  ${org}  UniversityDiploma ${entry.id}  claims degree  purpose "hiring: check the degree"`));
    console.log(log.out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
