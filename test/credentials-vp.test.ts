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
import { startTestNode, until, type TestNode } from './helpers.js';

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

async function issueSdJwt(holder: KeyPair, subject: Record<string, unknown>): Promise<{ credential: string; hash: string }> {
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
    format: 'sd-jwt',
    randomBytes: (n) => randomBytes(n),
  });
  await commit(admin, 'credentials', 'issue', p.args as never);
  return { credential: p.credential, hash: p.hash };
}

/** An official signs a request object and files it with the node (a signed HTTP request). */
async function ask(official: KeyPair, a: PresentationAsk): Promise<{ id: string; link: string; qr: string; clientId: string }> {
  const { jwt } = signRequestObject({ ask: a, publicKey: official.publicKey, secretKey: official.secretKey, responseUri: `${api}/v1/credentials/responses`, nonce: fresh(), state: fresh(), nowS: nowS(), clientName: 'Employer' });
  return createClient({ url: api, key: official }).request('POST', '/v1/credentials/requests', { request: jwt }, { signed: true });
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
