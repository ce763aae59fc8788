/**
 * The issuing desk on a real node, and what it backs: the W3C VC API's
 * `POST /credentials/issue` and `/credentials/status`, and OpenID for
 * Verifiable Credential Issuance (pre-authorised code flow) with the
 * independent library @openid4vc/openid4vci playing the wallet, and
 * Polity's own wallet (`polity wallet receive`). Each credential received is
 * verified by Polity; each kind of bad input is refused with its own code.
 *
 * The node runs one organisation (its admin is the desk's key: an admin
 * holds every role, issuer included); the consortium defines
 * UniversityDiploma and accredits the organisation, and defines
 * DrivingLicence without accrediting it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { main } from '../src/main.js';
import type { Io } from '../src/cli/io.js';
import { createApi } from '../src/api/server.js';
import { adminKeyPath, loadKeyFile } from '../src/node/data-dir.js';
import { createClient } from '../src/sdk/client.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { SERVICES } from '../src/services/index.js';
import { startTestNode, tempDir, type TestNode } from './helpers.js';

let t: TestNode;
/** A second API on the same node, with the issuing desk (started as `polity start --issuing-key … --issuing-token-file …` would). */
let deskApp: FastifyInstance;
let api: string;
let work: string;
let keyFile: string;
let org: string;
const TOKEN = 'desk-token-' + 'x'.repeat(40);

async function cli(args: string[], extra: string[] = ['--key', keyFile]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main([...args, '--api', api, ...extra], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const SCHEMA = {
  type: 'object',
  properties: { id: { type: 'string' }, degree: { type: 'string', maxLength: 200 }, awarded: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' } },
  required: ['degree', 'awarded'],
  additionalProperties: false,
};

async function decide(args: string[]): Promise<void> {
  const proposed = await cli(['credential', 'propose', ...args]);
  assert.equal(proposed.code, 0, proposed.err);
  const id = /proposal ([0-9a-f]{64}) executed/.exec(proposed.out)?.[1];
  assert.ok(id, proposed.out);
  const enacted = await cli(['credential', 'enact', id]);
  assert.equal(enacted.code, 0, enacted.err);
}

const unsecured = (type = 'UniversityDiploma', subject: Record<string, unknown> = { degree: 'MSc Physics', awarded: '2026-05-30' }) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential', type],
  credentialSubject: subject,
});

/** Polity's verification of a credential (JSON or compact string). */
const verify = async (credential: unknown) => (await t.app.inject({ method: 'POST', url: '/v1/credentials/verify', payload: { credential } })).json() as { verified: boolean; code?: string; message?: string; issuance?: { hash: string } };

before(async () => {
  t = await startTestNode();
  work = await tempDir('polity-vci-');
  keyFile = adminKeyPath(t.dir);
  org = t.genesis.organisations![0]!.id;
  await writeFile(join(work, 'token'), TOKEN + '\n');
  deskApp = await createApi(t.node, { services: SERVICES, serviceOptions: { credentials: { 'issuing-key': keyFile, 'issuing-token-file': join(work, 'token') } } });
  await deskApp.listen({ port: 0, host: '127.0.0.1' });
  api = `http://127.0.0.1:${(deskApp.server.address() as { port: number }).port}`;
  await writeFile(join(work, 'schema.json'), JSON.stringify(SCHEMA));
  await decide(['define-type', '--name', 'UniversityDiploma', '--title', 'University diploma', '--schema', join(work, 'schema.json')]);
  await decide(['accredit', '--org', org, '--type', 'UniversityDiploma', '--role', 'issuer']);
  await decide(['define-type', '--name', 'DrivingLicence', '--title', 'Driving licence', '--schema', join(work, 'schema.json')]);
});
after(async () => {
  await deskApp?.close();
  await t?.close();
  await rm(work, { recursive: true, force: true });
});

test('VC API issue: an official (signed request) and a machine client (bearer token) get credentials that verify; an unauthenticated call, an outsider and an untrusted type are refused', async () => {
  const official = createClient({ url: api, key: await loadKeyFile(keyFile) });
  const r = await official.request<{ verifiableCredential: Record<string, any> }>('POST', '/credentials/issue', { credential: unsecured() }, { signed: true });
  const vc = r.verifiableCredential;
  assert.equal(vc.proof.cryptosuite, 'eddsa-jcs-2022');
  assert.match(vc.issuer, /^did:key:z6Mk/);
  assert.match(vc.id, /^urn:uuid:/);
  assert.deepEqual(vc.credentialStatus.map((e: { statusPurpose: string }) => e.statusPurpose), ['revocation', 'suspension']);
  const v = await verify(vc);
  assert.equal(v.verified, true, v.message);

  const viaToken = await deskApp.inject({ method: 'POST', url: '/credentials/issue', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credential: { ...unsecured(), id: 'urn:example:diploma-7' }, options: { format: 'jwt' } } });
  assert.equal(viaToken.statusCode, 201, viaToken.body);
  const enveloped = (viaToken.json() as { verifiableCredential: { type: string; id: string } }).verifiableCredential;
  assert.equal(enveloped.type, 'EnvelopedVerifiableCredential');
  const token = enveloped.id.replace('data:application/vc+jwt,', '');
  const vj = await verify(token);
  assert.equal(vj.verified, true, vj.message);

  const codeOf = async (headers: Record<string, string>, payload: unknown) => {
    const res = await deskApp.inject({ method: 'POST', url: '/credentials/issue', headers, payload: payload as object });
    return [res.statusCode, (res.json() as { code: string }).code];
  };
  assert.deepEqual(await codeOf({}, { credential: unsecured() }), [401, 'AUTH_REQUIRED']);
  assert.deepEqual(await codeOf({ authorization: `Bearer ${'y'.repeat(43)}` }, { credential: unsecured() }), [401, 'AUTH_EXPIRED']);
  const stranger = createClient({ url: api, key: generateKeyPair() });
  await assert.rejects(stranger.request('POST', '/credentials/issue', { credential: unsecured() }, { signed: true }), (e: { code?: string }) => e.code === 'AUTH_FORBIDDEN');
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.deepEqual(await codeOf(auth, { credential: unsecured('DrivingLicence') }), [403, 'CREDENTIALS_ISSUER_UNTRUSTED']);
  assert.deepEqual(await codeOf(auth, { credential: unsecured('NoSuchType') }), [404, 'CREDENTIALS_TYPE_UNKNOWN']);
  assert.deepEqual(await codeOf(auth, { credential: unsecured('UniversityDiploma', { degree: 'MSc' }) }), [422, 'CREDENTIALS_CLAIMS_INVALID']);
  assert.deepEqual(await codeOf(auth, { credential: { ...unsecured(), issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' } }), [400, 'CREDENTIALS_ISSUER_MISMATCH']);
});

test('VC API status: suspend, reinstate and revoke through the desk by credentialId; the verifier sees each from the next block', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const issued = await deskApp.inject({ method: 'POST', url: '/credentials/issue', headers: auth, payload: { credential: unsecured(), options: { credentialId: 'case-4711' } } });
  assert.equal(issued.statusCode, 201, issued.body);
  const vc = (issued.json() as { verifiableCredential: Record<string, unknown> }).verifiableCredential;
  const status = async (statusPurpose: string, value: boolean, credentialId = 'case-4711') =>
    deskApp.inject({ method: 'POST', url: '/credentials/status', headers: auth, payload: { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose }], status: value } });
  const s = await status('suspension', true);
  assert.equal(s.statusCode, 200, s.body);
  assert.equal((await verify(vc)).code, 'CREDENTIALS_SUSPENDED');
  assert.equal((await status('suspension', false)).statusCode, 200);
  assert.equal((await verify(vc)).verified, true);
  const byId = await status('revocation', true, String(vc.id));
  assert.equal(byId.statusCode, 200, byId.body);
  assert.equal((await verify(vc)).code, 'CREDENTIALS_REVOKED');
  const again = await status('revocation', false);
  assert.deepEqual([again.statusCode, (again.json() as { code: string }).code], [409, 'CREDENTIALS_REVOKED']);
  const unknown = await status('suspension', true, 'no-such-case');
  assert.deepEqual([unknown.statusCode, (unknown.json() as { code: string }).code], [404, 'CREDENTIALS_UNKNOWN']);
  const anonymous = await deskApp.inject({ method: 'POST', url: '/credentials/status', payload: { credentialId: 'case-4711', credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' }, status: true } });
  assert.deepEqual([anonymous.statusCode, (anonymous.json() as { code: string }).code], [401, 'AUTH_REQUIRED']);
});

test('a node without --issuing-key has no desk: CREDENTIALS_DESK_OFF', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/credentials/issue', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credential: unsecured() } });
  assert.deepEqual([res.statusCode, (res.json() as { code: string }).code], [503, 'CREDENTIALS_DESK_OFF']);
});

// --- OpenID4VCI ---------------------------------------------------------------------------

const SUBJECT = { degree: 'MSc Physics', awarded: '2026-05-30' };

/** An offer made by the official through the API; the link and the pre-authorised code. */
async function makeOffer(extra: Record<string, unknown> = {}): Promise<{ link: string; code: string; offerUri: string }> {
  const res = await deskApp.inject({ method: 'POST', url: '/v1/credentials/offers', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credentialType: 'UniversityDiploma', claims: SUBJECT, ...extra } });
  assert.equal(res.statusCode, 201, res.body);
  const offer = res.json() as { link: string; credentialOfferUri: string; qrSvg: string };
  assert.match(offer.link, /^openid-credential-offer:\/\/\?credential_offer_uri=http%3A%2F%2F127\.0\.0\.1/);
  assert.match(offer.qrSvg, /^<svg /);
  const got = await deskApp.inject({ url: new URL(offer.credentialOfferUri).pathname });
  const code = (got.json() as { grants: Record<string, { 'pre-authorized_code': string }> }).grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']!['pre-authorized_code'];
  return { link: offer.link, code, offerUri: offer.credentialOfferUri };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

test('OpenID4VCI interop: @openid4vc/openid4vci as the wallet resolves the offer and metadata, redeems the code with its tx_code, proves its key, and gets credentials in both formats that verify on Polity, bound to its did:key', async () => {
  const { Openid4vciClient, setGlobalConfig } = await import('@openid4vc/openid4vci');
  // The node under test listens on http://127.0.0.1 (tests bind to loopback); the library wants https by default.
  setGlobalConfig({ allowInsecureUrls: true });
  const holder = generateKeyPair();
  const { didKeyFromPublicKey, multikeyEncode } = await import('../src/crypto/multikey.js');
  const { signRaw } = await import('../src/crypto/ed25519.js');
  const holderDid = didKeyFromPublicKey(holder.publicKey);
  const client = new Openid4vciClient({
    callbacks: {
      fetch,
      hash: (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest()),
      generateRandom: (n: number) => new Uint8Array(randomBytes(n)),
      clientAuthentication: () => {},
      signJwt: async (_signer: unknown, jwt: { header: unknown; payload: unknown }) => {
        const input = `${b64(jwt.header)}.${b64(jwt.payload)}`;
        return { jwt: `${input}.${Buffer.from(signRaw(holder.secretKey, Buffer.from(input))).toString('base64url')}`, signerJwk: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(holder.publicKey, 'hex').toString('base64url') } };
      },
    } as never,
  });
  for (const format of ['jwt_vc_json', 'ldp_vc']) {
    const { link } = await makeOffer({ txCode: '493817' });
    const credentialOffer = await client.resolveCredentialOffer(link);
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const configurationId = credentialOffer.credential_configuration_ids.find((id) => issuerMetadata.credentialIssuer.credential_configurations_supported[id]?.format === format)!;
    assert.ok(configurationId, `the offer has a ${format} configuration`);
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: '493817' });
    const { c_nonce } = await client.requestNonce({ issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: configurationId,
      nonce: c_nonce,
      signer: { method: 'did', didUrl: `${holderDid}#${multikeyEncode(holder.publicKey)}`, alg: 'EdDSA' },
    } as never);
    const answer = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: configurationId, proof: { proof_type: 'jwt', jwt } } as never);
    assert.equal(answer.response.status, 200);
    const credential = (answer.credentialResponse as { credentials: { credential: unknown }[] }).credentials[0]!.credential;
    assert.equal(typeof credential, format === 'jwt_vc_json' ? 'string' : 'object');
    const v = await verify(credential);
    assert.equal(v.verified, true, v.message);
    const vc = typeof credential === 'string' ? JSON.parse(Buffer.from(credential.split('.')[1]!, 'base64url').toString()) : credential;
    assert.equal(vc.credentialSubject.id, holderDid, 'bound to the holder key that proved possession');
    console.log(`@openid4vc/openid4vci received a ${format} credential; Polity: verified=${v.verified}`);
  }
});

test("Polity's own wallet: polity credential offer, then polity wallet init, receive (both formats), list and show; the credential verifies", async () => {
  const wallet = join(work, 'wallet');
  await writeFile(join(work, 'subject.json'), JSON.stringify(SUBJECT));
  const w = (args: string[]) => cli(['wallet', ...args, '--wallet', wallet], []);
  const init = await w(['init']);
  assert.equal(init.code, 0, init.err);
  const holder = /holder (did:key:z6Mk\S+)/.exec(init.out)![1]!;
  for (const format of ['ldp_vc', 'jwt_vc_json']) {
    const offered = await cli(['credential', 'offer', '--type', 'UniversityDiploma', '--subject', join(work, 'subject.json'), '--tx-code', '2468']);
    assert.equal(offered.code, 0, offered.err);
    const link = /openid-credential-offer:\/\/\S+/.exec(offered.out)![0];
    assert.ok(offered.out.split('\n').length > 10, 'a QR code for the terminal is printed above the link');
    const noCode = await w(['receive', link]);
    assert.equal(noCode.code, 1);
    assert.match(noCode.err, /WALLET_TX_CODE_NEEDED/);
    const received = await w(['receive', link, '--tx-code', '2468', '--format', format]);
    assert.equal(received.code, 0, received.err);
    assert.match(received.out, new RegExp(`received UniversityDiploma from did:key:\\S+ as ${format}`));
    assert.match(received.out, /VALID — verified by the issuing node/);
    console.log(received.out);
  }
  const list = await w(['list']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, new RegExp(`holder ${holder}`));
  const ids = [...list.out.matchAll(/^\s+(c[0-9a-f]{16})\s+UniversityDiploma/gm)].map((m) => m[1]!);
  assert.equal(ids.length, 2);
  const shown = await w(['show', ids[0]!]);
  assert.equal(shown.code, 0, shown.err);
  const credential = JSON.parse(shown.out) as { credentialSubject: { id: string } };
  assert.equal(credential.credentialSubject.id, holder);
  assert.equal((await verify(credential)).verified, true);
});

test('OpenID4VCI bad input: a reused pre-authorised code, a wrong tx_code, a proof for another nonce, a forged proof, an unauthenticated offer — each refused with its own code', async () => {
  const form = (fields: Record<string, string>) => deskApp.inject({ method: 'POST', url: '/v1/credentials/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
  const grant = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
  const codeOf = (res: { statusCode: number; json(): unknown }) => { const b = res.json() as { code: string; error: string }; return [res.statusCode, b.code, b.error]; };

  const once = await makeOffer();
  const first = await form({ grant_type: grant, 'pre-authorized_code': once.code });
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(codeOf(await form({ grant_type: grant, 'pre-authorized_code': once.code })), [400, 'CREDENTIALS_VCI_GRANT_USED', 'invalid_grant']);
  assert.deepEqual(codeOf(await form({ grant_type: grant, 'pre-authorized_code': 'A'.repeat(43) })), [400, 'CREDENTIALS_VCI_GRANT_UNKNOWN', 'invalid_grant']);
  assert.deepEqual(codeOf(await form({ grant_type: 'authorization_code', 'pre-authorized_code': once.code })), [400, 'CREDENTIALS_VCI_GRANT_TYPE', 'unsupported_grant_type']);
  const gone = await deskApp.inject({ url: new URL(once.offerUri).pathname });
  assert.deepEqual([gone.statusCode, (gone.json() as { code: string }).code], [404, 'CREDENTIALS_VCI_OFFER_UNKNOWN'], 'a redeemed offer is gone, claims and all');

  const coded = await makeOffer({ txCode: '1357' });
  assert.deepEqual(codeOf(await form({ grant_type: grant, 'pre-authorized_code': coded.code, tx_code: '0000' })), [400, 'CREDENTIALS_VCI_TX_CODE', 'invalid_grant']);
  const right = await form({ grant_type: grant, 'pre-authorized_code': coded.code, tx_code: '1357' });
  assert.equal(right.statusCode, 200, 'a wrong try leaves the offer open (three are allowed)');
  const accessToken = (right.json() as { access_token: string }).access_token;

  const { createProofJwt } = await import('../src/services/credentials/vci.js');
  const holder = generateKeyPair();
  const nonceOf = async () => ((await deskApp.inject({ method: 'POST', url: '/v1/credentials/nonce' })).json() as { c_nonce: string }).c_nonce;
  const ask = (jwt: string, token = accessToken) =>
    deskApp.inject({ method: 'POST', url: '/v1/credentials/credential', headers: { authorization: `Bearer ${token}` }, payload: { credential_configuration_id: 'UniversityDiploma_ldp_vc', proofs: { jwt: [jwt] } } });
  const proof = (nonce: string, key = holder) => createProofJwt({ ...key, audience: api, nonce, issuedAtS: Math.floor(Date.now() / 1000) });
  assert.deepEqual(codeOf(await ask(proof('a-nonce-this-issuer-never-gave'))), [400, 'CREDENTIALS_VCI_NONCE', 'invalid_nonce']);
  const nonce = await nonceOf();
  const other = generateKeyPair();
  const forged = proof(nonce).split('.').slice(0, 2).join('.') + '.' + proof(nonce, other).split('.')[2];
  assert.deepEqual(codeOf(await ask(forged)), [400, 'CREDENTIALS_VCI_PROOF', 'invalid_proof']);
  assert.deepEqual(codeOf(await ask(proof(nonce), 'B'.repeat(43))), [401, 'CREDENTIALS_VCI_TOKEN', 'invalid_token']);
  const good = await ask(proof(nonce));
  assert.equal(good.statusCode, 200, good.body);
  assert.deepEqual(codeOf(await ask(proof(await nonceOf()))), [401, 'CREDENTIALS_VCI_TOKEN', 'invalid_token'], 'one credential per access token');
  const used = await ask(proof(nonce), accessToken);
  assert.equal(used.statusCode, 401);

  const anonymous = await deskApp.inject({ method: 'POST', url: '/v1/credentials/offers', payload: { credentialType: 'UniversityDiploma', claims: SUBJECT } });
  assert.deepEqual([anonymous.statusCode, (anonymous.json() as { code: string }).code], [401, 'AUTH_REQUIRED']);
  const untrusted = await deskApp.inject({ method: 'POST', url: '/v1/credentials/offers', headers: { authorization: `Bearer ${TOKEN}` }, payload: { credentialType: 'DrivingLicence', claims: SUBJECT } });
  assert.deepEqual([untrusted.statusCode, (untrusted.json() as { code: string }).code], [403, 'CREDENTIALS_ISSUER_UNTRUSTED']);
});

test('the issuer metadata lists only the types the organisation may issue now, in both formats; the AS metadata names the token endpoint', async () => {
  const meta = (await deskApp.inject({ url: '/.well-known/openid-credential-issuer' })).json() as { credential_issuer: string; credential_configurations_supported: Record<string, { format: string }> };
  assert.equal(meta.credential_issuer, api);
  assert.deepEqual(Object.keys(meta.credential_configurations_supported).sort(), ['UniversityDiploma_jwt_vc_json', 'UniversityDiploma_ldp_vc']);
  const as = (await deskApp.inject({ url: '/.well-known/oauth-authorization-server' })).json() as { token_endpoint: string };
  assert.equal(as.token_endpoint, `${api}/v1/credentials/token`);
});

test('the desk under concurrent requests: 30 issuances at once each get their own status index, all commit and verify', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const answers = await Promise.all(Array.from({ length: 30 }, () => deskApp.inject({ method: 'POST', url: '/credentials/issue', headers: auth, payload: { credential: unsecured() } })));
  assert.deepEqual([...new Set(answers.map((a) => a.statusCode))], [201]);
  const vcs = answers.map((a) => (a.json() as { verifiableCredential: { credentialStatus: { statusListIndex: string }[] } }).verifiableCredential);
  assert.equal(new Set(vcs.map((vc) => vc.credentialStatus[0]!.statusListIndex)).size, 30);
  for (const vc of vcs) assert.equal((await verify(vc)).verified, true);
});

test('polity start refuses an --issuing-key file that is not a key, before serving anything', async () => {
  const { freePort } = await import('./helpers.js');
  const dir = join(work, 'bad-start');
  await writeFile(join(work, 'not-a-key.json'), '{"hello": "world"}');
  const err: string[] = [];
  const io: Io = { out: () => {}, err: (l) => err.push(l), progress: () => {}, isTty: false };
  const code = await main(['start', '--data', dir, '--init', '--port', String(await freePort()), '--host', '127.0.0.1', '--issuing-key', join(work, 'not-a-key.json'), '--log-level', 'silent'], io);
  assert.equal(code, 1);
  assert.match(err.join('\n'), /--issuing-key: .*not-a-key\.json is not a key file/);
});
